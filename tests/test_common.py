"""scikit-learn's estimator checks, every one, on every sklrnn estimator and transformer."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklrnn import RNNClassifier, RNNRegressor
from sklrnn.preprocessing import SequencePadder, SequenceScaler, TabularToSequence

# Tiny, fast settings that still learn the checks' toy problems (scores > 0.5 / > 0.83).
# The defaults before issue 18 (constant lr, no clipping): what these checks were sized for.
FAST = dict(hidden_size=16, lr=0.02, max_epochs=30, batch_size=32, random_state=0,
            lr_schedule=None, clip_grad_norm=None)


@parametrize_with_checks([
    RNNRegressor(cell="gru", **FAST),
    RNNClassifier(cell="gru", **FAST),
    SequencePadder(),
    SequenceScaler(),
    TabularToSequence(),
])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)

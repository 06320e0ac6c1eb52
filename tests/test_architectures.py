"""architecture="seq2seq", "vec2seq" and "encoder_decoder" in RNNRegressor and RNNClassifier."""

import os

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sklrnn import RNNClassifier, RNNRegressor
from sklrnn.preprocessing import SequenceScaler

# SKLRNN_TEST_DEVICE=cuda runs these on a GPU (see tests/conftest.py).
TEST_DEVICE = os.environ.get("SKLRNN_TEST_DEVICE", "cpu")
# Enough to fit a network, not to learn anything: for everything but learning.
TINY = dict(hidden_size=6, lr=0.02, max_epochs=2, batch_size=8, random_state=0,
            device=TEST_DEVICE)
# Enough to learn the small synthetic tasks below in a second or two.
LEARN = dict(cell="gru", hidden_size=16, lr=0.01, batch_size=16, random_state=0,
             device=TEST_DEVICE)
HORIZON = 20


# -- tasks ---------------------------------------------------------------------------------

def running_sum_task(n=160, t=12, d=2, seed=0):
    """Sequences (n, t, d); the target at every step is the running sum of feature 0."""
    rng = np.random.default_rng(seed)
    X = 0.5 * rng.normal(size=(n, t, d))
    return X, np.cumsum(X[:, :, 0], axis=1)


def ragged_running_sum_task(n=160, d=1, low=3, high=15, seed=0):
    """The running sum over sequences of random lengths: lists of X and of y."""
    rng = np.random.default_rng(seed)
    X = [0.5 * rng.normal(size=(t, d)) for t in rng.integers(low, high, size=n)]
    return X, [np.cumsum(x[:, 0]) for x in X]


def signs(y):
    """Per-step string labels: the sign of the running sum."""
    if isinstance(y, list):
        return [signs(part) for part in y]
    return np.where(y > 0, "pos", "neg")


def sine_vector_task(n=200, horizon=HORIZON, seed=0):
    """X = [amplitude, sin(phase), cos(phase)], y = amplitude * sin(0.3 t + phase)."""
    rng = np.random.default_rng(seed)
    amplitude = rng.uniform(0.5, 2.0, size=n)
    phase = rng.uniform(0, 2 * np.pi, size=n)
    X = np.column_stack([amplitude, np.sin(phase), np.cos(phase)])
    return X, amplitude[:, None] * np.sin(0.3 * np.arange(horizon) + phase[:, None])


def noisy_sine_task(n=200, t=20, horizon=8, seed=0):
    """The last t values of a noisy sine (n, t), and its next horizon noiseless values."""
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    wave = np.sin(0.4 * np.arange(t + horizon) + phase)
    return wave[:, :t] + 0.1 * rng.normal(size=(n, t)), wave[:, t:]


def pad_pre(X, value, maxlen=None):
    """Pre-pad ragged X to (n, maxlen, d) with value; also return the real-step mask."""
    maxlen = maxlen or max(len(x) for x in X)
    padded = np.full((len(X), maxlen, X[0].shape[1]), value, dtype=np.float64)
    real = np.zeros((len(X), maxlen), dtype=bool)
    for i, x in enumerate(X):
        padded[i, maxlen - len(x):] = x
        real[i, maxlen - len(x):] = True
    return padded, real


def weighted_r2(y_true, y_pred, weight):
    """R^2 of 1-D arrays with sample weights, by hand."""
    mean = np.sum(weight * y_true) / np.sum(weight)
    return 1 - np.sum(weight * (y_true - y_pred) ** 2) / np.sum(weight * (y_true - mean) ** 2)


# -- fitted estimators shared by several tests ----------------------------------------------

@pytest.fixture(scope="module")
def seq2seq_fit():
    X, y = running_sum_task()
    reg = RNNRegressor(architecture="seq2seq", max_epochs=20, **LEARN).fit(X[:120], y[:120])
    return reg, X[120:], y[120:]


@pytest.fixture(scope="module")
def ragged_seq2seq_fit():
    X, y = ragged_running_sum_task()
    reg = RNNRegressor(architecture="seq2seq", max_epochs=20, **LEARN).fit(X[:120], y[:120])
    return reg, X[120:], y[120:]


@pytest.fixture(scope="module")
def seq2seq_classifier_fit():
    X, y = running_sum_task()
    labels = signs(y)
    clf = RNNClassifier(architecture="seq2seq", max_epochs=20, **LEARN)
    clf.fit(X[:120], labels[:120])
    return clf, X[120:], labels[120:]


@pytest.fixture(scope="module")
def vec2seq_fit():
    X, y = sine_vector_task()
    reg = RNNRegressor(architecture="vec2seq", max_epochs=30, **LEARN).fit(X[:150], y[:150])
    return reg, X[150:], y[150:]


@pytest.fixture(scope="module")
def encoder_decoder_fit():
    X, y = noisy_sine_task()
    reg = RNNRegressor(architecture="encoder_decoder", max_epochs=20, **LEARN)
    reg.fit(X[:150], y[:150])
    return reg, X[150:], y[150:]


# -- every architecture learns its task (R^2 of a constant is <= 0 on held-out data) --------

def test_seq2seq_regressor_learns_the_running_sum_at_every_step(seq2seq_fit):
    reg, X, y = seq2seq_fit
    assert reg.predict(X).shape == y.shape
    assert reg.score(X, y) > 0.9


def test_seq2seq_regressor_learns_the_running_sum_of_ragged_sequences(ragged_seq2seq_fit):
    reg, X, y = ragged_seq2seq_fit
    pred = reg.predict(X)
    assert isinstance(pred, list)
    assert [p.shape for p in pred] == [part.shape for part in y]
    assert reg.score(X, y) > 0.9


def test_seq2seq_classifier_labels_every_step(seq2seq_classifier_fit):
    clf, X, labels = seq2seq_classifier_fit
    assert clf.classes_.tolist() == ["neg", "pos"]
    pred = clf.predict(X)
    assert pred.shape == labels.shape
    assert set(np.unique(pred)) <= {"neg", "pos"}
    assert clf.score(X, labels) > 0.9
    proba = clf.predict_proba(X)
    assert proba.shape == (*labels.shape, 2)
    np.testing.assert_allclose(proba.sum(axis=-1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=-1)])


def test_vec2seq_regressor_unrolls_a_sine_from_amplitude_and_phase(vec2seq_fit):
    reg, X, y = vec2seq_fit
    assert reg.n_features_in_ == 3
    assert reg.predict(X).shape == (len(X), HORIZON)
    assert reg.score(X, y) > 0.9


def test_encoder_decoder_regressor_forecasts_the_next_values_of_a_noisy_sine(
        encoder_decoder_fit):
    reg, X, y = encoder_decoder_fit
    assert reg.predict(X).shape == y.shape
    assert reg.score(X, y) > 0.8
    # The horizon does not depend on the input length.
    longer, _ = noisy_sine_task(n=5, t=35)
    assert reg.predict(longer[:, :, None]).shape == (5, y.shape[1])


# -- score: R^2 or accuracy over all real (or decoded) steps, pooled ------------------------

def test_seq2seq_regressor_score_is_r2_over_all_steps_pooled(seq2seq_fit):
    reg, X, y = seq2seq_fit
    pred = reg.predict(X)
    assert reg.score(X, y) == pytest.approx(r2_score(y.ravel(), pred.ravel()))
    weight = np.arange(1.0, len(X) + 1)
    expected = weighted_r2(y.ravel(), pred.ravel(), np.repeat(weight, y.shape[1]))
    assert reg.score(X, y, sample_weight=weight) == pytest.approx(expected)


def test_ragged_seq2seq_score_pools_the_real_steps_and_repeats_weights_per_step(
        ragged_seq2seq_fit):
    reg, X, y = ragged_seq2seq_fit
    y_true, y_pred = np.concatenate(y), np.concatenate(reg.predict(X))
    assert reg.score(X, y) == pytest.approx(r2_score(y_true, y_pred))
    weight = np.linspace(0.1, 3.0, len(X))
    repeated = np.repeat(weight, [len(part) for part in y])
    assert reg.score(X, y, sample_weight=weight) == pytest.approx(
        weighted_r2(y_true, y_pred, repeated))
    assert reg.score(X, y, sample_weight=weight) != pytest.approx(reg.score(X, y))


def test_seq2seq_classifier_score_is_accuracy_over_all_steps(seq2seq_classifier_fit):
    clf, X, labels = seq2seq_classifier_fit
    correct = clf.predict(X) == labels
    assert clf.score(X, labels) == pytest.approx(correct.mean())
    weight = np.random.default_rng(0).uniform(0, 2, size=len(X))
    steps = np.repeat(weight[:, None], labels.shape[1], axis=1)
    assert clf.score(X, labels, sample_weight=weight) == pytest.approx(
        np.sum(steps * correct) / np.sum(steps))


def test_decoded_score_pools_all_horizon_steps(vec2seq_fit):
    reg, X, y = vec2seq_fit
    pred = reg.predict(X)
    pooled = r2_score(y.ravel(), pred.ravel())
    assert reg.score(X, y) == pytest.approx(pooled)
    # Not the R^2 of every horizon step averaged (what RegressorMixin.score would give).
    assert pooled != pytest.approx(r2_score(y, pred))
    weight = np.arange(len(X)) % 3 + 0.5
    assert reg.score(X, y, sample_weight=weight) == pytest.approx(
        weighted_r2(y.ravel(), pred.ravel(), np.repeat(weight, HORIZON)))


def test_seq2vec_score_is_unchanged():
    X, y = running_sum_task(n=40)
    targets = y[:, -3:]
    reg = RNNRegressor(**TINY).fit(X, targets)
    weight = np.arange(1.0, 41.0)
    pred = reg.predict(X)
    assert reg.score(X, targets) == pytest.approx(r2_score(targets, pred))
    assert reg.score(X, targets, sample_weight=weight) == pytest.approx(
        r2_score(targets, pred, sample_weight=weight))
    labels = signs(y[:, -1])
    clf = RNNClassifier(**TINY).fit(X, labels)
    assert clf.score(X, labels, sample_weight=weight) == pytest.approx(
        accuracy_score(labels, clf.predict(X), sample_weight=weight))


# -- ragged sequences and padding ------------------------------------------------------------

@pytest.mark.parametrize("cell, bidirectional", [
    ("gru", False), ("lstm", True), ("peephole_lstm", False), ("peephole_lstm", True),
], ids=["gru-forward", "lstm-bidir", "peephole-forward", "peephole-bidir"])
def test_padding_never_changes_a_per_step_prediction(cell, bidirectional):
    X, y = ragged_running_sum_task(n=40, d=2)
    reg = RNNRegressor(architecture="seq2seq", cell=cell, num_layers=2,
                       bidirectional=bidirectional, **TINY).fit(X, y)
    in_batch = reg.predict(X)
    for i in (0, 1, 2):
        alone = reg.predict([X[i]])[0]
        assert alone.shape == (len(X[i]),)
        np.testing.assert_allclose(in_batch[i], alone, rtol=1e-5, atol=1e-6)
    longest = max(X, key=len)
    beside_longer = reg.predict([X[0], longest, longest])[0]
    np.testing.assert_allclose(beside_longer, in_batch[0], rtol=1e-5, atol=1e-6)
    for value in (np.nan, -9.0):
        masked = clone(reg).set_params(mask_value=value).fit(X, y)  # predict uses fit's
        in_batch = masked.predict(X)
        padded, _ = pad_pre(X, value, maxlen=17)
        pre = masked.predict(padded)
        post = masked.predict(np.flip(pad_pre([x[::-1] for x in X], value, 17)[0], axis=1))
        for masked in (pre, post):
            assert [len(p) for p in masked] == [len(x) for x in X]
            for got, expected in zip(masked, in_batch, strict=True):
                np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_per_step_probabilities_ignore_padding():
    X, y = ragged_running_sum_task(n=40)
    clf = RNNClassifier(architecture="seq2seq", cell="lstm", bidirectional=True, **TINY)
    clf.fit(X, signs(y))
    proba = clf.predict_proba(X)
    assert [p.shape for p in proba] == [(len(x), 2) for x in X]
    for p in proba:
        np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(clf.predict_proba([X[3]])[0], proba[3], rtol=1e-5, atol=1e-6)
    clf = clone(clf).set_params(mask_value=-1.0).fit(X, signs(y))  # predict uses fit's
    proba = clf.predict_proba(X)
    for got, expected in zip(clf.predict_proba(pad_pre(X, -1.0)[0]), proba, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert [p.shape for p in clf.predict(X)] == [(len(x),) for x in X]


def test_targets_at_padded_steps_do_not_change_the_fitted_regressor():
    X, y = ragged_running_sum_task(n=40)
    padded, real = pad_pre(X, np.nan)
    dense = np.zeros(real.shape)
    dense[real] = np.concatenate(y)  # y aligned with X as given: pre-padded too
    predictions = []
    for filler in (0.0, 1e6, np.nan):
        y_filled = np.where(real, dense, filler)
        reg = RNNRegressor(architecture="seq2seq", mask_value=np.nan, **TINY)
        predictions.append(np.concatenate(reg.fit(padded, y_filled).predict(padded)))
    np.testing.assert_array_equal(predictions[1], predictions[0])
    np.testing.assert_array_equal(predictions[2], predictions[0])
    # The same as ragged X with ragged y: the y steps line up with X's real steps.
    ragged = RNNRegressor(architecture="seq2seq", **TINY).fit(X, y)
    np.testing.assert_allclose(np.concatenate(ragged.predict(X)), predictions[0], rtol=1e-5,
                               atol=1e-6)


def test_labels_at_padded_steps_do_not_change_the_fitted_classifier():
    X, y = ragged_running_sum_task(n=40)
    padded, real = pad_pre(X, -5.0)
    dense = np.full(real.shape, "neg", dtype=object)
    dense[real] = np.concatenate(signs(y))
    probas = []
    for filler in ("pos", "padding"):
        labels = np.where(real, dense, filler)
        clf = RNNClassifier(architecture="seq2seq", mask_value=-5.0, **TINY).fit(padded, labels)
        assert clf.classes_.tolist() == ["neg", "pos"]
        probas.append(np.concatenate(clf.predict_proba(padded)))
    np.testing.assert_array_equal(probas[1], probas[0])
    ragged = RNNClassifier(architecture="seq2seq", **TINY).fit(X, signs(y))
    np.testing.assert_allclose(np.concatenate(ragged.predict_proba(X)), probas[0], rtol=1e-5,
                               atol=1e-6)


def test_validation_loss_is_the_squared_error_over_real_steps_only():
    X, y = ragged_running_sum_task(n=40)
    # The last 8 rows are validated, in one batch of 8, after the one epoch.
    reg = RNNRegressor(architecture="seq2seq", early_stopping=True, validation_fraction=0.2,
                       **dict(TINY, max_epochs=1)).fit(X, y)
    error = np.concatenate(reg.predict(X[-8:])) - np.concatenate(y[-8:])
    assert reg.history_[-1, "valid_loss"] == pytest.approx(np.mean(error ** 2), rel=1e-5)


def test_seq2seq_classifier_early_stopping_validates_on_real_steps_only():
    X, y = ragged_running_sum_task(n=40)
    labels = signs(y)
    clf = RNNClassifier(architecture="seq2seq", early_stopping=True, validation_fraction=0.2,
                        **dict(TINY, max_epochs=1)).fit(X, labels)
    _, valid = clf.net_.get_split_datasets(
        {"X": np.zeros((40, 1)), "lengths": np.ones(40)}, np.zeros(40))
    assert len(valid.indices) == 8
    codes = np.concatenate([np.searchsorted(clf.classes_, labels[i]) for i in valid.indices])
    proba = np.concatenate(clf.predict_proba([X[i] for i in valid.indices]))
    expected_loss = -np.mean(np.log(proba[np.arange(len(codes)), codes]))
    assert clf.history_[-1, "valid_loss"] == pytest.approx(expected_loss, rel=1e-5)
    assert clf.history_[-1, "valid_acc"] == pytest.approx(
        np.mean(proba.argmax(axis=1) == codes))


def test_masked_dense_input_scores_its_real_steps_only():
    X, y = ragged_running_sum_task(n=30)
    padded, real = pad_pre(X, 0.0)
    dense = np.where(real, 0.0, 1e3)
    dense[real] = np.concatenate(y)
    reg = RNNRegressor(architecture="seq2seq", mask_value=0.0, **TINY).fit(padded, dense)
    pred = reg.predict(padded)
    assert [len(p) for p in pred] == [len(x) for x in X]
    assert reg.score(padded, dense) == pytest.approx(
        r2_score(np.concatenate(y), np.concatenate(pred)))
    assert reg.score(padded, dense) == pytest.approx(reg.score(X, y), rel=1e-5)


# -- bad targets: a clear error before any training -----------------------------------------

X_BAD, Y_BAD = running_sum_task(n=6, t=5)
XR_BAD, YR_BAD = ragged_running_sum_task(n=4, low=2, high=6, seed=1)
BAD_TARGETS = {
    "1d": (X_BAD, Y_BAD[:, 0], r"does not match X.*\(6, 5\)"),
    "too_many_steps": (X_BAD, np.hstack([Y_BAD, Y_BAD]), "does not match X"),
    "too_few_rows": (X_BAD, Y_BAD[:-1], "does not match X"),
    "4d": (X_BAD, Y_BAD[:, :, None, None], "does not match X"),
    "nan_at_real_step": (X_BAD, np.where(np.arange(30).reshape(6, 5) == 7, np.nan, Y_BAD),
                         "Input y contains NaN"),
    "wrong_lengths": (XR_BAD, [YR_BAD[0], YR_BAD[1][:-1], *YR_BAD[2:]],
                      r"y\[1\] has shape .* sequence 1 of X has"),
    "too_few_sequences": (XR_BAD, YR_BAD[:-1], "inconsistent numbers of samples"),
    "inconsistent_k": (XR_BAD, [YR_BAD[0][:, None], *[np.column_stack([p, p])
                                                      for p in YR_BAD[1:]]],
                       "different numbers of columns"),
    "3d_part": (XR_BAD, [p[:, None, None] for p in YR_BAD], r"y\[0\] has shape"),
    "nan_in_list": (XR_BAD, [np.full(len(p), np.nan) for p in YR_BAD], "Input y contains NaN"),
    "none": (X_BAD, None, "requires y to be passed"),
}


@pytest.mark.parametrize("case", BAD_TARGETS)
def test_bad_per_step_targets_are_refused_before_training(case):
    X, y, message = BAD_TARGETS[case]
    reg = RNNRegressor(architecture="seq2seq", **TINY)
    with pytest.raises(ValueError, match=message):
        reg.fit(X, y)
    assert not hasattr(reg, "net_")


@pytest.mark.parametrize("y, message", [
    (signs(Y_BAD)[:, :, None].repeat(2, axis=2), "one label per time step"),
    (signs(Y_BAD)[:, :3], "does not match X"),
    (signs(Y_BAD)[:, 0], "does not match X"),
])
def test_bad_per_step_labels_are_refused_before_training(y, message):
    clf = RNNClassifier(architecture="seq2seq", **TINY)
    with pytest.raises(ValueError, match=message):
        clf.fit(X_BAD, y)
    assert not hasattr(clf, "net_")


X_VEC, Y_VEC = sine_vector_task(n=6, horizon=4)


@pytest.mark.parametrize("X, y, message", [
    (X_VEC[:, None, :].repeat(3, axis=1), Y_VEC, "one vector per sample; got 3 dimension"),
    ([np.ones((2, 3)), np.ones((3, 3)), np.ones((1, 3)), np.ones((2, 3)), np.ones((2, 3)),
      np.ones((4, 3))], Y_VEC, "got ragged sequences"),
    (X_VEC[:, 0], Y_VEC, "got 1 dimension"),
    (X_VEC, Y_VEC[:, 0], r"\(n_samples, horizon\)"),
    (X_VEC, Y_VEC[:, :, None, None], r"\(n_samples, horizon\)"),
    (X_VEC, Y_VEC[:-1], "inconsistent numbers of samples"),
])
def test_vec2seq_refuses_sequences_and_targets_without_a_horizon(X, y, message):
    reg = RNNRegressor(architecture="vec2seq", **TINY)
    with pytest.raises(ValueError, match=message):
        reg.fit(X, y)
    assert not hasattr(reg, "net_")


def test_vec2seq_predict_refuses_sequences_and_other_widths():
    X, y = sine_vector_task(n=16, horizon=4)
    reg = RNNRegressor(architecture="vec2seq", **TINY).fit(X, y)
    with pytest.raises(ValueError, match="one vector per sample"):
        reg.predict(X[:, None, :])
    with pytest.raises(ValueError, match="got ragged sequences"):
        reg.predict([X[:2], X[:3]])
    with pytest.raises(ValueError, match="expecting 3 features"):
        reg.predict(X[:, :2])


@pytest.mark.parametrize("y, message", [
    (noisy_sine_task(n=6)[1][:, 0], r"\(n_samples, horizon\)"),
    (noisy_sine_task(n=6)[1][:, :, None, None], r"\(n_samples, horizon\)"),
    (noisy_sine_task(n=5)[1], "inconsistent numbers of samples"),
])
def test_encoder_decoder_refuses_targets_without_a_horizon(y, message):
    reg = RNNRegressor(architecture="encoder_decoder", **TINY)
    with pytest.raises(ValueError, match=message):
        reg.fit(noisy_sine_task(n=6)[0], y)
    assert not hasattr(reg, "net_")


@pytest.mark.parametrize("architecture", ["vec2seq", "encoder_decoder"])
def test_classifier_refuses_decoded_architectures(architecture):
    X, y = running_sum_task(n=8)
    clf = RNNClassifier(architecture=architecture, **TINY)
    with pytest.raises(InvalidParameterError, match="'architecture' parameter"):
        clf.fit(X, signs(y))
    assert not hasattr(clf, "net_")


def test_unknown_architecture_is_refused():
    X, y = running_sum_task(n=8)
    with pytest.raises(InvalidParameterError, match="'architecture' parameter"):
        RNNRegressor(architecture="seq2one", **TINY).fit(X, y[:, -1])


# -- ragged input for the encoder-decoder ----------------------------------------------------

def test_encoder_decoder_reads_ragged_sequences():
    X, y = ragged_running_sum_task(n=30)
    horizon = np.column_stack([[x[:, 0].sum(), x[:, 0].mean(), x[-1, 0]] for x in X]).T
    reg = RNNRegressor(architecture="encoder_decoder", **TINY).fit(X, horizon)
    pred = reg.predict(X)
    assert pred.shape == (30, 3)
    np.testing.assert_allclose(reg.predict([X[4]])[0], pred[4], rtol=1e-5, atol=1e-6)
    reg = clone(reg).set_params(mask_value=np.nan).fit(X, horizon)  # predict uses fit's
    np.testing.assert_allclose(reg.predict(pad_pre(X, np.nan)[0]), reg.predict(X), rtol=1e-5,
                               atol=1e-6)


# -- target shapes: 1-D per step in, 1-D per step out ----------------------------------------

def _shape_task(architecture, n_outputs):
    X, y = running_sum_task(n=16, t=5) if architecture != "vec2seq" else sine_vector_task(
        n=16, horizon=5)
    if architecture == "encoder_decoder":
        y = y[:, :4]  # a horizon other than the input length
    if n_outputs is not None:
        y = np.stack([y * (k + 1) for k in range(n_outputs)], axis=-1)
    return X, y


@pytest.mark.parametrize("n_outputs", [None, 1, 3], ids=["no_axis", "K=1", "K=3"])
@pytest.mark.parametrize("architecture", ["seq2seq", "vec2seq", "encoder_decoder"])
def test_predictions_keep_the_target_shape(architecture, n_outputs):
    X, y = _shape_task(architecture, n_outputs)
    reg = RNNRegressor(architecture=architecture, **TINY).fit(X, y)
    assert reg.predict(X).shape == y.shape
    assert reg.predict(X[:3]).shape == (3, *y.shape[1:])
    assert np.isfinite(reg.score(X, y))


def test_seq2seq_reads_2d_input_as_univariate_sequences():
    X, y = running_sum_task(n=16, t=5, d=1)
    reg = RNNRegressor(architecture="seq2seq", **TINY).fit(X[:, :, 0], y)
    assert reg.n_features_in_ == 5
    np.testing.assert_array_equal(reg.predict(X[:, :, 0]), reg.predict(X))
    assert reg.predict(X[:, :, 0]).shape == (16, 5)
    clf = RNNClassifier(architecture="seq2seq", **TINY).fit(X[:, :, 0], (y > 0).astype(int))
    assert clf.predict(X[:, :, 0]).shape == (16, 5)
    assert clf.predict_proba(X[:, :, 0]).shape == (16, 5, 2)


def test_ragged_targets_keep_their_shape():
    X, y = ragged_running_sum_task(n=16)
    flat = RNNRegressor(architecture="seq2seq", **TINY).fit(X, y)
    assert [p.shape for p in flat.predict(X)] == [(len(x),) for x in X]
    column = [np.column_stack([part, -part]) for part in y]
    wide = RNNRegressor(architecture="seq2seq", **TINY).fit(X, column)
    assert [p.shape for p in wide.predict(X)] == [(len(x), 2) for x in X]


# -- reproducibility and warm start ----------------------------------------------------------

REPRODUCIBLE = {
    "seq2seq": (RNNRegressor, lambda: ragged_running_sum_task(n=24)),
    "seq2seq_classifier": (RNNClassifier, lambda: (lambda X, y: (X, signs(y)))(
        *running_sum_task(n=24))),
    "vec2seq": (RNNRegressor, lambda: sine_vector_task(n=24, horizon=6)),
    "encoder_decoder": (RNNRegressor, lambda: noisy_sine_task(n=24)),
}


@pytest.mark.parametrize("case", REPRODUCIBLE)
def test_random_state_makes_every_architecture_reproducible(case):
    Estimator, task = REPRODUCIBLE[case]
    X, y = task()
    architecture = case.removesuffix("_classifier")

    def predictions(random_state):
        est = Estimator(architecture=architecture, **dict(TINY, random_state=random_state))
        out = est.fit(X, y)
        out = est.predict_proba(X) if Estimator is RNNClassifier else est.predict(X)
        return np.concatenate(out) if isinstance(out, list) else out

    first = predictions(0)
    np.testing.assert_array_equal(predictions(0), first)
    assert not np.allclose(predictions(1), first)


def test_warm_start_continues_a_seq2seq_fit():
    X, y = ragged_running_sum_task(n=40)
    reg = RNNRegressor(architecture="seq2seq", warm_start=True, **TINY).fit(X, y)
    first_loss = reg.history_[-1, "train_loss"]
    weights = {k: v.clone() for k, v in reg.net_.module_.state_dict().items()}
    reg.fit(X, y)
    assert len(reg.history_) == 2 * TINY["max_epochs"]
    assert reg.history_[-1, "train_loss"] < first_loss
    assert any(not (v == weights[k]).all() for k, v in reg.net_.module_.state_dict().items())
    with pytest.raises(ValueError, match="warm-started predicts 1"):
        reg.fit(X, [np.column_stack([part, part]) for part in y])


@pytest.mark.parametrize("architecture", ["vec2seq", "encoder_decoder"])
def test_warm_start_refuses_another_horizon(architecture):
    X, y = _shape_task(architecture, None)
    reg = RNNRegressor(architecture=architecture, warm_start=True, **TINY).fit(X, y)
    with pytest.raises(ValueError, match=f"horizon {y.shape[1] - 1}.*horizon {y.shape[1]}"):
        reg.fit(X, y[:, :-1])
    assert reg.predict(X).shape == y.shape
    assert len(reg.history_) == TINY["max_epochs"]


# -- pipelines and model selection -----------------------------------------------------------

def test_seq2seq_pipeline_with_sequence_scaler_equals_the_steps_by_hand():
    X, y = ragged_running_sum_task(n=30)
    X = [10.0 + 3.0 * x for x in X]
    pipe = make_pipeline(SequenceScaler(), RNNRegressor(architecture="seq2seq", **TINY))
    pred = pipe.fit(X, y).predict(X)
    scaled = SequenceScaler().fit_transform(X)
    by_hand = RNNRegressor(architecture="seq2seq", **TINY).fit(scaled, y).predict(scaled)
    for got, expected in zip(pred, by_hand, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert pipe.score(X, y) == pytest.approx(
        r2_score(np.concatenate(y), np.concatenate(pred)))


def test_decoded_architectures_work_in_pipelines():
    X, y = sine_vector_task(n=30, horizon=6)
    vec = make_pipeline(StandardScaler(), RNNRegressor(architecture="vec2seq", **TINY))
    assert vec.fit(100 * X, y).predict(100 * X[:4]).shape == (4, 6)
    X, y = noisy_sine_task(n=30)
    enc = make_pipeline(SequenceScaler(), RNNRegressor(architecture="encoder_decoder", **TINY))
    assert enc.fit(X[:, :, None], y[:, :, None]).predict(X[:4, :, None]).shape == (4, 8, 1)
    assert np.isfinite(enc.score(X[:, :, None], y[:, :, None]))


def test_grid_search_with_3d_targets_uses_the_estimators_own_score():
    X, y = noisy_sine_task(n=32, horizon=4)
    X, y = X[:, :, None], np.stack([y, -y], axis=-1)  # (N, T, 1) -> (N, H, 2)
    est = RNNRegressor(architecture="encoder_decoder", **TINY)
    search = GridSearchCV(est, {"hidden_size": [4, 6]}, cv=KFold(2)).fit(X, y)
    assert search.best_params_["hidden_size"] in (4, 6)
    assert search.predict(X[:3]).shape == (3, 4, 2)
    train, test = next(KFold(2).split(X))
    by_hand = clone(est).set_params(hidden_size=4).fit(X[train], y[train])
    assert search.cv_results_["split0_test_score"][0] == pytest.approx(
        by_hand.score(X[test], y[test]))


def test_grid_search_over_a_seq2seq_classifier_with_ragged_labels():
    X, y = ragged_running_sum_task(n=32)
    labels = signs(y)
    search = GridSearchCV(RNNClassifier(architecture="seq2seq", **TINY),
                          {"cell": ["gru", "lstm"]}, cv=2).fit(X, labels)
    assert search.best_params_["cell"] in ("gru", "lstm")
    scores = search.cv_results_["mean_test_score"]
    assert np.all((scores >= 0) & (scores <= 1))
    assert [p.shape for p in search.predict(X[:3])] == [(len(x),) for x in X[:3]]


def test_cross_val_score_with_ragged_sequences_and_ragged_targets():
    X, y = ragged_running_sum_task(n=30)
    est = RNNRegressor(architecture="seq2seq", **TINY)
    scores = cross_val_score(est, X, y, cv=KFold(2))
    by_hand = []
    for train, test in KFold(2).split(X):
        fitted = clone(est).fit([X[i] for i in train], [y[i] for i in train])
        by_hand.append(fitted.score([X[i] for i in test], [y[i] for i in test]))
    np.testing.assert_allclose(scores, by_hand, rtol=1e-6)

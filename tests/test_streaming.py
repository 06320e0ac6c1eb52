"""est.stream(): predictions one time step at a time equal predict on every prefix."""

import itertools
import os

import numpy as np
import pytest

import sklrnn
from sklrnn import RNNClassifier, RNNRegressor

TEST_DEVICE = os.environ.get("SKLRNN_TEST_DEVICE", "cpu")
TINY = dict(hidden_size=6, lr=0.02, max_epochs=2, batch_size=8, random_state=0,
            device=TEST_DEVICE)
STEPS, N_STREAMS = 14, 5
# Two epochs fit a network to stream, not to learn: its convergence warning is expected.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("rnn", "leaky_relu"), ("rnn", "elu"),
         ("lstm", "tanh"), ("peephole_lstm", "tanh"), ("gru", "tanh")]


@pytest.fixture(scope="module")
def data():
    """40 sequences (14 steps, 2 features), a label and a running-sum target per step."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, STEPS, 2)).astype(np.float32)
    running = np.cumsum(X[:, :, 0], axis=1)
    return X, (running[:, -1] > 0).astype(int), running


def _assert_close(actual, expected):
    """Equal to float32 rounding."""
    np.testing.assert_allclose(actual, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(("pooling", "normalization"),
                         list(itertools.product(["last", "mean", "max"], [None, "layer", "batch"])))
@pytest.mark.parametrize(("cell", "activation"), CELLS)
def test_classifier_stream_equals_predict_on_every_prefix(data, cell, activation, pooling,
                                                          normalization, one_torch_thread):
    X, labels, _ = data
    clf = RNNClassifier(cell=cell, activation=activation, pooling=pooling,
                        normalization=normalization, num_layers=2, frame_size=3,
                        **TINY).fit(X, labels)
    stream = clf.stream(n_streams=N_STREAMS)
    for t in range(STEPS):
        predicted = stream.update(X[:N_STREAMS, t])
        np.testing.assert_array_equal(predicted, clf.predict(X[:N_STREAMS, :t + 1]))
        _assert_close(stream.predict_proba(), clf.predict_proba(X[:N_STREAMS, :t + 1]))
    assert stream.steps == STEPS


@pytest.mark.parametrize("normalization", [None, "layer", "batch"])
@pytest.mark.parametrize(("cell", "activation"), CELLS)
def test_seq2seq_stream_gives_the_newest_steps_prediction(data, cell, activation,
                                                          normalization, one_torch_thread):
    X, _, running = data
    reg = RNNRegressor(architecture="seq2seq", cell=cell, activation=activation,
                       normalization=normalization, **TINY).fit(X, running)
    expected = reg.predict(X[:N_STREAMS])
    stream = reg.stream(N_STREAMS)
    for t in range(STEPS):
        _assert_close(stream.update(X[:N_STREAMS, t]), expected[:, t])


def test_regressor_streams_multi_output_and_distribution_predictions(data, one_torch_thread):
    X, _, running = data
    y = np.column_stack([running[:, -1], running[:, 4]])
    for reg in (RNNRegressor(**TINY).fit(X, y),
                RNNRegressor(distribution="student_t", pooling="mean", **TINY).fit(X, y[:, 0])):
        stream = reg.stream(N_STREAMS)
        for t in range(STEPS):
            _assert_close(stream.update(X[:N_STREAMS, t]), reg.predict(X[:N_STREAMS, :t + 1]))
    assert not hasattr(stream, "predict_proba")


def test_encoder_decoder_stream_forecasts_the_horizon_from_every_prefix(data, one_torch_thread):
    X, _, running = data
    reg = RNNRegressor(architecture="encoder_decoder", cell="gru", **TINY).fit(
        X, running[:, -3:])
    stream = reg.stream(N_STREAMS)
    for t in range(STEPS):
        out = stream.update(X[:N_STREAMS, t])
        assert out.shape == (N_STREAMS, 3)
        _assert_close(out, reg.predict(X[:N_STREAMS, :t + 1]))


def test_univariate_streams_take_one_value_per_stream(one_torch_thread):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 10))
    reg = RNNRegressor(**TINY).fit(X, X.sum(axis=1))  # 2-D: univariate sequences
    stream = reg.stream(3)
    for t in range(10):
        out = stream.update(X[:3, t])  # shape (3,)
    _assert_close(out, reg.predict(X[:3]))
    single = reg.stream()
    for t in range(10):
        out = single.update([X[0, t]])
    _assert_close(out, reg.predict(X[:1]))


def test_state_moves_a_stream_to_a_loaded_estimator(data, tmp_path, one_torch_thread):
    X, labels, _ = data
    clf = RNNClassifier(pooling="mean", frame_size=4, **TINY).fit(X, labels)
    stream = clf.stream(N_STREAMS)
    for t in range(6):  # stops inside the second frame
        stream.update(X[:N_STREAMS, t])
    state = stream.state()
    sklrnn.save(clf, tmp_path / "clf")
    moved = sklrnn.load(tmp_path / "clf").stream(N_STREAMS).load_state(state)
    _assert_close(moved.predict_proba(), stream.predict_proba())
    for t in range(6, STEPS):
        moved.update(X[:N_STREAMS, t])
    _assert_close(moved.predict_proba(), clf.predict_proba(X[:N_STREAMS]))


def test_reset_starts_new_sequences(data, one_torch_thread):
    X, labels, _ = data
    clf = RNNClassifier(**TINY).fit(X, labels)
    stream = clf.stream(2)
    for t in range(STEPS):
        stream.update(X[2:4, t])
    stream.reset()
    assert stream.steps == 0
    with pytest.raises(ValueError, match="has not read a step yet"):
        stream.predict_proba()
    for t in range(3):
        stream.update(X[:2, t])
    _assert_close(stream.predict_proba(), clf.predict_proba(X[:2, :3]))


def test_update_leaves_the_callers_array_alone(data, one_torch_thread):
    X, labels, _ = data
    clf = RNNClassifier(**TINY).fit(X, labels)
    step = X[:2, 0].astype(np.float64)
    before = step.copy()
    clf.stream(2).update(step)
    np.testing.assert_array_equal(step, before)


def test_what_cannot_stream_is_refused_before_any_step(data, one_torch_thread):
    X, labels, running = data
    with pytest.raises(ValueError, match="bidirectional=False"):
        RNNClassifier(bidirectional=True, **TINY).fit(X, labels).stream()
    vectors = X[:, 0]
    with pytest.raises(ValueError, match="reads one vector per sample"):
        RNNRegressor(architecture="vec2seq", **TINY).fit(vectors, running[:, :3]).stream()
    with pytest.raises(ValueError, match="n_streams"):
        RNNClassifier(**TINY).fit(X, labels).stream(0)


def test_bad_steps_and_states_get_errors_that_name_the_fix(data, one_torch_thread):
    X, labels, _ = data
    clf = RNNClassifier(**TINY).fit(X, labels)
    stream = clf.stream(3)
    with pytest.raises(ValueError, match=r"pass an array of shape \(3, 2\)"):
        stream.update(X[:2, 0])
    with pytest.raises(ValueError, match="NaN"):
        stream.update(np.full((3, 2), np.nan))
    assert stream.steps == 0  # nothing was read
    with pytest.raises(ValueError, match="same n_streams"):
        stream.load_state(clf.stream(2).state())
    with pytest.raises(TypeError, match="dict Stream.state"):
        stream.load_state([1, 2])
    with pytest.raises(Exception, match="not fitted"):
        RNNClassifier().stream()

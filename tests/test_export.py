"""sklrnn.to_onnx: ONNX Runtime's outputs equal predict/predict_proba to float32 rounding."""

import copy
import itertools
import subprocess
import sys

import numpy as np
import pytest
import torch
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklrnn import RNNClassifier, RNNRegressor, to_onnx
from sklrnn.preprocessing import SequencePadder, SequenceScaler, TabularToSequence

onnxruntime = pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

TINY = dict(hidden_size=5, lr=0.02, max_epochs=2, batch_size=8, random_state=0)
CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("rnn", "leaky_relu"), ("rnn", "elu"),
         ("lstm", "tanh"), ("peephole_lstm", "tanh"), ("gru", "tanh")]
ARCHITECTURES = ["seq2vec", "seq2seq", "vec2seq", "encoder_decoder"]
POOLINGS = list(itertools.product(["last", "mean", "max"], [False, True]))  # x bidirectional
# Two epochs fit a network to export, not to learn: its convergence warning is expected.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def data():
    """30 sequences of 24 steps and 2 features (mean 3, sd 2), their lengths 3 to 24."""
    rng = np.random.default_rng(0)
    X = (3 + 2 * rng.normal(size=(30, 24, 2))).astype(np.float32)
    lengths = rng.integers(3, 25, size=30)
    return X, lengths


def _run(model, **inputs):
    session = onnxruntime.InferenceSession(model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    return session.run(None, inputs)


def _assert_close(actual, expected):
    """Equal to float32 rounding (relative to the outputs' size)."""
    expected = np.asarray(expected, dtype=np.float64)
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(actual, expected, atol=1e-5 * scale, rtol=1e-5)


def _targets(X, architecture):
    running = np.cumsum(X[:, :, 0], axis=1)
    return {"seq2vec": running[:, -1], "seq2seq": running, "vec2seq": running[:, -3:],
            "encoder_decoder": running[:, -3:]}[architecture]


def _assert_as_exact_as_predict(out, reg, inputs):
    """Equal to ``predict`` to float32 rounding, or, where the network amplifies rounding
    (layer norm of a nearly constant vector), as close to float64 arithmetic as ``predict``."""
    predicted = reg.predict(inputs)
    scale = max(1.0, float(np.abs(predicted).max()))
    if np.abs(out - predicted).max() <= 1e-5 * scale:
        return
    module = copy.deepcopy(reg.net_.module_).double().eval()
    with torch.no_grad():
        exact = module(torch.from_numpy(inputs).double()).numpy().reshape(predicted.shape)
    rounding = max(np.abs(predicted - exact).max(), 1e-5 * scale)
    assert np.abs(out - exact).max() <= 4 * rounding


@pytest.mark.parametrize("normalization", [None, "layer", "batch"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize(("cell", "activation"), CELLS)
def test_regressor_graph_predicts_as_predict(data, cell, activation, architecture,
                                             bidirectional, normalization, one_torch_thread):
    X, _ = data
    inputs = X[:, 0] if architecture == "vec2seq" else X
    reg = RNNRegressor(cell=cell, activation=activation, architecture=architecture,
                       bidirectional=bidirectional, normalization=normalization, num_layers=2,
                       **TINY).fit(inputs, _targets(X, architecture))
    (out,) = _run(to_onnx(reg), X=inputs)
    _assert_as_exact_as_predict(out, reg, inputs)


@pytest.mark.parametrize(("pooling", "bidirectional"), POOLINGS)
@pytest.mark.parametrize(("cell", "activation"), CELLS)
def test_classifier_graph_gives_labels_and_probabilities(data, cell, activation, pooling,
                                                         bidirectional, one_torch_thread):
    X, _ = data
    labels = np.where(X[:, :, 0].mean(axis=1) > 3, "high", "low")
    clf = RNNClassifier(cell=cell, activation=activation, pooling=pooling,
                        bidirectional=bidirectional, **TINY).fit(X, labels)
    predicted, proba = _run(to_onnx(clf), X=X)
    np.testing.assert_array_equal(predicted, clf.predict(X))
    _assert_close(proba, clf.predict_proba(X))


@pytest.mark.parametrize("normalization", [None, "layer", "batch"])
@pytest.mark.parametrize(("pooling", "bidirectional"), POOLINGS)
@pytest.mark.parametrize(("cell", "activation"), CELLS)
def test_padded_batch_with_lengths_predicts_as_ragged_input(data, cell, activation, pooling,
                                                            bidirectional, normalization,
                                                            one_torch_thread):
    X, lengths = data
    ragged = [x[:n] for x, n in zip(X, lengths, strict=True)]
    padded = np.zeros_like(X)
    for i, x in enumerate(ragged):
        padded[i, :len(x)] = x
    y = np.array([x[:, 0].sum() for x in ragged])
    # frame_size="auto" reads these in frames of 1 step; 5 makes the graph stack frames.
    reg = RNNRegressor(cell=cell, activation=activation, pooling=pooling, frame_size=5,
                       bidirectional=bidirectional, normalization=normalization,
                       **TINY).fit(ragged, y)
    (out,) = _run(to_onnx(reg, lengths=True), X=padded, lengths=lengths.astype(np.int64))
    _assert_close(out, reg.predict(ragged))


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("cell", ["lstm", "peephole_lstm", "gru", "rnn"])
def test_per_step_classifier_with_lengths_matches_each_real_step(data, cell, bidirectional,
                                                                 one_torch_thread):
    X, lengths = data
    ragged = [x[:n] for x, n in zip(X, lengths, strict=True)]
    steps = [np.where(x[:, 0] > 3, 1, 0) for x in ragged]
    clf = RNNClassifier(architecture="seq2seq", cell=cell, bidirectional=bidirectional,
                        **TINY).fit(ragged, steps)
    predicted, proba = _run(to_onnx(clf, lengths=True), X=X, lengths=lengths.astype(np.int64))
    for i, (expected, expected_proba) in enumerate(zip(clf.predict(ragged),
                                                       clf.predict_proba(ragged), strict=True)):
        np.testing.assert_array_equal(predicted[i, :lengths[i]], expected)
        _assert_close(proba[i, :lengths[i]], expected_proba)


@pytest.mark.parametrize("mask_value", [-1.0, np.nan])
def test_mask_value_padding_is_found_by_the_graph(data, mask_value, one_torch_thread):
    X, lengths = data
    masked = X.copy()
    for i, n in enumerate(lengths):
        masked[i, n:] = mask_value
    masked[0, [2, 5]] = mask_value  # padding inside a sequence is dropped too
    y = np.nansum(np.where(masked == mask_value, 0, masked)[:, :, 0], axis=1)
    pipe = make_pipeline(SequenceScaler(mask_value=mask_value),
                         RNNRegressor(mask_value=mask_value, pooling="mean", bidirectional=True,
                                      frame_size=3, **TINY)).fit(masked, y)
    (out,) = _run(to_onnx(pipe), X=masked)
    _assert_close(out, pipe.predict(masked))


@pytest.mark.parametrize(("padding", "truncating"),
                         list(itertools.product(["pre", "post"], ["pre", "post"])))
def test_pipeline_of_scaler_padder_and_classifier_is_one_graph(data, padding, truncating,
                                                               one_torch_thread):
    X, _ = data
    labels = (X[:, :, 0].mean(axis=1) > 3).astype(int) + 5
    pipe = make_pipeline(SequenceScaler(),
                         SequencePadder(maxlen=16, padding=padding, truncating=truncating,
                                        value=-0.5),
                         RNNClassifier(**TINY)).fit(X, labels)
    model = to_onnx(pipe)
    for n_steps in (24, 10):  # truncated, padded
        predicted, proba = _run(model, X=X[:, :n_steps])
        np.testing.assert_array_equal(predicted, pipe.predict(X[:, :n_steps]))
        _assert_close(proba, pipe.predict_proba(X[:, :n_steps]))


def test_sklearn_scaler_and_tabular_to_sequence_on_a_lag_matrix(data, one_torch_thread):
    X, _ = data
    lag = X.transpose(0, 2, 1).reshape(len(X), -1)
    pipe = make_pipeline(StandardScaler(), TabularToSequence(n_variables=2),
                         RNNRegressor(**TINY)).fit(lag, X[:, -1, 0])
    (out,) = _run(to_onnx(pipe), X=lag)
    _assert_close(out, pipe.predict(lag))


def test_univariate_2d_input_and_distribution_location(data, one_torch_thread):
    X, _ = data
    series = X[:, :, 0]
    pipe = make_pipeline(SequenceScaler(), RNNRegressor(**TINY)).fit(series, series[:, -1])
    (out,) = _run(to_onnx(pipe), X=series)
    _assert_close(out, pipe.predict(series))
    y = np.column_stack([series[:, -1], series[:, 0]])
    for distribution in ("normal", "student_t"):
        reg = RNNRegressor(distribution=distribution, **TINY).fit(X, y)
        (out,) = _run(to_onnx(reg), X=X)
        _assert_close(out, reg.predict(X))


def test_skl2onnx_converts_pipelines_once_converters_are_registered(data, one_torch_thread):
    import skl2onnx
    from skl2onnx.common.data_types import FloatTensorType

    from sklrnn.export import register_converters

    X, _ = data
    pipe = make_pipeline(SequenceScaler(), RNNRegressor(**TINY)).fit(X, X[:, -1, 0])
    register_converters()
    model = skl2onnx.to_onnx(pipe, initial_types=[("X", FloatTensorType([None, None, 2]))])
    (out,) = _run(model, X=X)
    _assert_close(out, pipe.predict(X))


def test_path_writes_the_model(data, tmp_path, one_torch_thread):
    import onnx

    X, _ = data
    reg = RNNRegressor(**TINY).fit(X, X[:, -1, 0])
    model = to_onnx(reg, tmp_path / "reg.onnx")
    assert onnx.load(tmp_path / "reg.onnx") == model
    onnx.checker.check_model(model, full_check=True)


def test_what_cannot_be_exported_is_refused_before_anything_is_written(data, tmp_path,
                                                                      one_torch_thread):
    X, _ = data
    y = X[:, -1, 0]
    path = tmp_path / "model.onnx"
    cases = [
        (RNNRegressor(distribution="quantile", **TINY).fit(X, y), {}, "distribution='quantile'"),
        (RNNClassifier(**TINY).fit(X, y > 3.0), {}, "integer or string labels"),
        (RNNRegressor(mask_value=-1.0, **TINY).fit(X, y), {"lengths": True}, "mask_value"),
        (make_pipeline(SequenceScaler(), RNNRegressor(**TINY)).fit(X, y), {"lengths": True},
         "single estimator"),
        (RNNRegressor(architecture="vec2seq", **TINY).fit(X[:, 0], X[:, -3:, 0]),
         {"lengths": True}, "reads sequences"),
    ]
    for estimator, options, match in cases:
        with pytest.raises(ValueError, match=match):
            to_onnx(estimator, path, **options)
        assert not path.exists()
    with pytest.raises(Exception, match="not fitted"):
        to_onnx(RNNRegressor(), path)


def test_importing_sklrnn_does_not_import_onnx():
    code = ("import sys, sklrnn; sklrnn.to_onnx; "
            "print(any(m.split('.')[0] in ('onnx', 'onnxruntime', 'skl2onnx') "
            "for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"

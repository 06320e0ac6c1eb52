"""Memory: windows of a series are never copied whole; only each batch is."""

import tracemalloc
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from torch.utils.data import BatchSampler, RandomSampler

import sklrnn._base
from sklrnn import RNNClassifier, RNNRegressor
from sklrnn._batching import HoldOut, IndexBatches
from sklrnn._sequences import PackedSequences, pad_steps
from sklrnn.preprocessing import make_windows

TINY = dict(cell="gru", hidden_size=4, lr=0.01, max_epochs=1, batch_size=256, random_state=0)


def series_of(dtype, n=20_000, seed=0):
    """A random walk of ``n`` points."""
    return np.cumsum(np.random.default_rng(seed).standard_normal(n)).astype(dtype)


def traced_peak(function):
    """Call ``function()``; return the peak of the memory traced during the call, in bytes."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


@pytest.mark.parametrize("dtype, early_stopping", [
    (np.float32, False), (np.float64, False), (np.float64, True)])
def test_fit_and_predict_on_windows_copy_batches_not_all_windows(dtype, early_stopping,
                                                                 one_torch_thread):
    X, y = make_windows(series_of(dtype), 50)
    # tracemalloc sees numpy's allocations, where a copy of the windows would be made.
    all_windows = X.shape[0] * X.shape[1] * 4  # the windows as one float32 array
    reg = RNNRegressor(**TINY, early_stopping=early_stopping)
    reg.fit(X[:300], y[:300])  # one-time costs (lazy imports, caches) are not traced
    assert traced_peak(lambda: reg.fit(X, y)) < all_windows / 4
    assert traced_peak(lambda: reg.predict(X)) < all_windows / 4


def test_float64_windows_train_and_predict_as_the_same_windows_cast_to_float32(
        one_torch_thread):
    X, y = make_windows(series_of(np.float64, 1_000), 20)
    X32 = X.astype(np.float32)
    params = dict(TINY, max_epochs=2, batch_size=64)
    from_float64 = RNNRegressor(**params).fit(X, y)
    from_float32 = RNNRegressor(**params).fit(X32, y)
    np.testing.assert_array_equal(from_float64.history_[:, "train_loss"],
                                  from_float32.history_[:, "train_loss"])
    np.testing.assert_array_equal(from_float64.predict(X), from_float32.predict(X32))
    np.testing.assert_array_equal(from_float64.predict(X), from_float64.predict(X32))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("make_estimator, target", [
    (lambda: RNNRegressor(**TINY), "next"),
    (lambda: RNNRegressor(**TINY, early_stopping=True), "next"),
    (lambda: RNNRegressor(**TINY, normalization="batch"), "next"),
    (lambda: RNNRegressor(**TINY, architecture="encoder_decoder"), "horizon"),
    (lambda: RNNRegressor(**TINY, architecture="seq2seq"), "steps"),
    (lambda: RNNClassifier(**TINY, early_stopping=True), "up"),
], ids=["seq2vec", "early_stopping", "batch_norm", "encoder_decoder", "seq2seq", "classifier"])
def test_read_only_windows_work_without_warnings_and_stay_unmodified(make_estimator, target,
                                                                     dtype, one_torch_thread):
    series = series_of(dtype, 600)
    series.flags.writeable = False
    before = series.copy()
    X, y = make_windows(series, 20, horizon=20 if target == "steps" else 3)
    y = {"next": y[:, 0], "horizon": y, "steps": y, "up": y[:, 0] > X[:, -1, 0]}[target]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # e.g. torch's on non-writable arrays
        warnings.simplefilter("ignore", ConvergenceWarning)  # one epoch learns little
        est = make_estimator().fit(X, y)
        est.score(X, y)
    np.testing.assert_array_equal(series, before)


def test_vec2seq_takes_read_only_float64_vectors_without_warnings(one_torch_thread):
    X, y = make_windows(series_of(np.float64, 600), 20, horizon=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = RNNRegressor(**TINY, architecture="vec2seq").fit(X[:, :, 0], y)
        assert reg.predict(X[:, :, 0]).shape == y.shape


@pytest.mark.parametrize("n, batch_size", [(10, 3), (1000, 32), (64, 64), (5, 10)])
def test_shuffled_batches_are_torch_random_sampler_batches(n, batch_size):
    torch.manual_seed(7)
    expected = [list(BatchSampler(RandomSampler(range(n)), batch_size, drop_last=False))
                for _ in range(2)]
    torch.manual_seed(7)
    batches = IndexBatches(n, batch_size, shuffle=True)
    assert [[batch.tolist() for batch in batches] for _ in range(2)] == expected
    assert len(batches) == len(expected[0])


def test_batches_in_order_cover_every_index_once():
    assert [batch.tolist() for batch in IndexBatches(7, 3)] == [[0, 1, 2], [3, 4, 5], [6]]


@pytest.mark.parametrize("rows, valid", [(slice(8, 10), [8, 9]), (np.array([1, 4]), [1, 4])])
def test_hold_out_splits_rows_into_int32_subsets(rows, valid):
    train_part, valid_part = HoldOut(rows)(list(range(10)))
    np.testing.assert_array_equal(valid_part.indices, valid)
    np.testing.assert_array_equal(train_part.indices, np.setdiff1d(np.arange(10), valid))
    assert train_part.indices.dtype == valid_part.indices.dtype == np.int32


@pytest.mark.parametrize("ragged", [False, True])
def test_predictions_do_not_depend_on_the_chunks_predict_proba_is_called_on(ragged, monkeypatch,
                                                                            one_torch_thread):
    rng = np.random.default_rng(0)
    X = [rng.standard_normal((rng.integers(3, 12) if ragged else 8, 2)) for _ in range(100)]
    y = np.array([x[:, 0].mean() for x in X])
    reg = RNNRegressor(**dict(TINY, batch_size=8)).fit(X, y)
    in_one_call = reg.predict(X)
    monkeypatch.setattr(sklrnn._base, "PREDICT_CHUNK_BATCHES", 2)
    np.testing.assert_array_equal(reg.predict(X), in_one_call)


@pytest.mark.parametrize("architecture", ["seq2vec", "encoder_decoder"])
def test_one_long_sequence_costs_its_own_steps_not_all_sequences_padded_to_it(
        architecture, one_torch_thread):
    rng = np.random.default_rng(0)
    X = [rng.standard_normal((2, 1)).astype(np.float32) for _ in range(400)]
    X.insert(7, rng.standard_normal((5000, 1)).astype(np.float32))
    y = rng.standard_normal((len(X), 2, 1) if architecture == "encoder_decoder" else len(X))
    padded = len(X) * 5000 * 4  # all sequences padded to the longest, float32: 8 MB
    reg = RNNRegressor(**dict(TINY, batch_size=8), architecture=architecture)
    reg.fit(X[:20], y[:20])  # one-time costs (lazy imports, caches) are not traced
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert traced_peak(lambda: reg.fit(X, y)) < padded / 8
    assert traced_peak(lambda: reg.predict(X)) < padded / 8


def test_packed_sequences_pad_each_batch_to_its_own_longest():
    rng = np.random.default_rng(0)
    lengths = np.array([3, 1, 5, 2])
    flat = rng.standard_normal((lengths.sum(), 2))
    packed = PackedSequences(flat, lengths)
    assert packed.shape == (4, 5, 2) and len(packed) == 4 and packed.dtype == flat.dtype
    np.testing.assert_array_equal(packed.padded(), pad_steps(flat, lengths))
    rows = np.array([3, 1])
    np.testing.assert_array_equal(packed[rows], packed.padded()[rows][:, :2])
    reordered = packed.take(np.array([2, 0, 3, 1]))
    assert reordered.flat is flat  # no step copied
    np.testing.assert_array_equal(reordered[np.arange(4)], packed.padded()[[2, 0, 3, 1]])
    np.testing.assert_array_equal(packed[1:3].padded(), packed.padded()[1:3])
    np.testing.assert_array_equal(packed[1], packed.padded()[1])

"""Ragged input, mask_value and length bucketing in RNNRegressor and RNNClassifier."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline

from sklrnn import RNNClassifier, RNNRegressor
from sklrnn._batching import POOL_BATCHES, BucketBatchSampler
from sklrnn.preprocessing import SequencePadder, SequenceScaler

CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("rnn", "leaky_relu"), ("rnn", "elu"),
         ("lstm", "tanh"), ("peephole_lstm", "tanh"), ("gru", "tanh")]
TINY = dict(hidden_size=6, lr=0.02, max_epochs=2, batch_size=8, random_state=0)


def ragged_task(n=40, d=2, low=2, high=12, seed=0):
    """Sequences of random lengths; the target is the last real value of the first feature."""
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=(t, d)).astype(np.float32) for t in rng.integers(low, high, size=n)]
    return X, np.array([x[-1, 0] for x in X])


def pad(X, padding, value, maxlen=None):
    return SequencePadder(padding=padding, value=value, maxlen=maxlen).fit_transform(X)


# -- padding never changes a prediction ----------------------------------------------------

@pytest.mark.parametrize("normalization", [None, "batch", "layer"],
                         ids=["plain", "batchnorm", "layernorm"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["forward", "bidirectional"])
@pytest.mark.parametrize("cell, activation", CELLS, ids=[f"{c}-{a}" for c, a in CELLS])
def test_padding_never_changes_a_prediction(cell, activation, bidirectional, normalization):
    X, y = ragged_task()
    reg = RNNRegressor(cell=cell, activation=activation, num_layers=2,
                       bidirectional=bidirectional, normalization=normalization,
                       **TINY).fit(X, y)
    in_batch = reg.predict(X)
    alone = np.array([reg.predict([x])[0] for x in X[:6]])
    np.testing.assert_allclose(in_batch[:6], alone, rtol=1e-5, atol=1e-6)
    longest = max(X, key=len)
    beside_longer = reg.predict([X[0], longest, longest])[0]
    np.testing.assert_allclose(beside_longer, alone[0], rtol=1e-5, atol=1e-6)
    for padding, value in [("pre", np.nan), ("post", -9.0), ("pre", 0.0)]:
        masked = clone(reg).set_params(mask_value=value).fit(X, y)  # predict uses fit's
        padded = masked.predict(pad(X, padding, value, maxlen=15))
        np.testing.assert_allclose(padded, masked.predict(X), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("pooling", ["mean", "max"])
def test_pooled_summaries_ignore_padding(pooling):
    X, y = ragged_task()
    reg = RNNRegressor(cell="lstm", bidirectional=True, pooling=pooling, **TINY).fit(X, y)
    alone = np.array([reg.predict([x])[0] for x in X[:6]])
    np.testing.assert_allclose(reg.predict(X)[:6], alone, rtol=1e-5, atol=1e-6)
    reg = clone(reg).set_params(mask_value=np.nan).fit(X, y)  # predict uses fit's
    alone = np.array([reg.predict([x])[0] for x in X[:6]])
    np.testing.assert_allclose(reg.predict(pad(X, "pre", np.nan))[:6], alone, rtol=1e-5,
                               atol=1e-6)


def test_classifier_probabilities_ignore_padding():
    X, y = ragged_task(n=60)
    labels = np.where(y > 0, "up", "down")
    clf = RNNClassifier(cell="gru", **TINY).fit(X, labels)
    proba = clf.predict_proba(X)
    alone = np.vstack([clf.predict_proba([x]) for x in X[:5]])
    np.testing.assert_allclose(proba[:5], alone, rtol=1e-5, atol=1e-6)
    clf = clone(clf).set_params(mask_value=-1.0).fit(X, labels)  # predict uses fit's
    np.testing.assert_allclose(clf.predict_proba(pad(X, "pre", -1.0)), clf.predict_proba(X),
                               rtol=1e-5, atol=1e-6)


def test_every_ragged_form_gives_the_same_predictions():
    X, y = ragged_task(n=20)
    reg = RNNRegressor(cell="lstm", **TINY).fit(X, y)
    expected = reg.predict(X)
    objects = np.empty(len(X), dtype=object)
    for i, x in enumerate(X):
        objects[i] = x
    panel = pd.concat({i: pd.DataFrame(x, columns=["a", "b"]) for i, x in enumerate(X)})
    nested = pd.DataFrame({c: [pd.Series(x[:, j]) for x in X] for j, c in enumerate("ab")})
    for form in (tuple(X), objects, panel, nested, [x.astype(np.float64) for x in X]):
        np.testing.assert_allclose(reg.predict(form), expected, rtol=1e-6, atol=1e-7)


def test_univariate_ragged_sequences_may_be_1d():
    X, y = ragged_task(n=30, d=1)
    reg = RNNRegressor(cell="gru", **TINY).fit([x[:, 0] for x in X], y)
    assert reg.n_features_in_ == 1
    np.testing.assert_allclose(reg.predict([x[:, 0] for x in X]), reg.predict(X), rtol=1e-6)


# -- mask_value ----------------------------------------------------------------------------

def test_mask_value_skips_masked_steps_anywhere_like_keras_masking():
    X, y = ragged_task(n=12)
    reg = RNNRegressor(cell="peephole_lstm", mask_value=5.0, **TINY).fit(X, y)
    holes = []
    for x in X:  # insert a masked step inside every sequence and pad both ends
        filled = np.insert(x, 1, 5.0, axis=0)
        holes.append(np.vstack([np.full((2, 2), 5.0), filled, np.full((1, 2), 5.0)]))
    np.testing.assert_allclose(reg.predict(holes), reg.predict(X), rtol=1e-5, atol=1e-6)


def test_mask_value_is_used_in_fit_as_well():
    X, y = ragged_task(n=40)
    ragged = RNNRegressor(cell="gru", **TINY).fit(X, y)
    masked = RNNRegressor(cell="gru", mask_value=np.nan, **TINY).fit(pad(X, "pre", np.nan), y)
    np.testing.assert_allclose(masked.predict(X), ragged.predict(X), rtol=1e-4, atol=1e-5)


def test_a_step_only_partly_equal_to_mask_value_is_data():
    reg = RNNRegressor(cell="gru", mask_value=0.0, **TINY)
    X = np.zeros((4, 3, 2), dtype=np.float32)
    X[:, :, 0] = 1.0
    reg.fit(X, np.arange(4.0))
    assert reg.predict(X).shape == (4,)


@pytest.mark.parametrize("X, message", [
    (np.zeros((3, 4, 2)), "only of mask_value=0.0 padding"),
    (np.where(np.arange(24).reshape(3, 4, 2) == 5, np.nan, 1.0), "not entirely NaN"),
])
def test_mask_value_errors(X, message):
    mask_value = 0.0 if "padding" in message else np.nan
    reg = RNNRegressor(mask_value=mask_value, **TINY)
    with pytest.raises(ValueError, match=message):
        reg.fit(X, np.zeros(3))
    assert not hasattr(reg, "net_")


def test_nan_needs_mask_value_nan():
    X = pad(ragged_task(n=6)[0], "post", np.nan)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        RNNRegressor(**TINY).fit(X, np.zeros(6))


# -- learning and training options on ragged data -------------------------------------------

@pytest.mark.parametrize("cell", ["lstm", "peephole_lstm"])
def test_ragged_training_learns_the_last_real_value(cell):
    X, y = ragged_task(n=300, d=1, low=3, high=15)
    reg = RNNRegressor(cell=cell, hidden_size=16, lr=0.02, max_epochs=25, batch_size=32,
                       random_state=0).fit(X[:240], y[:240])
    assert reg.score(X[240:], y[240:]) > 0.9


def test_ragged_fit_is_reproducible_and_leaves_input_untouched():
    X, y = ragged_task()
    copies = [x.copy() for x in X]
    first = RNNRegressor(cell="gru", **TINY).fit(X, y).predict(X)
    second = RNNRegressor(cell="gru", **TINY).fit(X, y).predict(X)
    np.testing.assert_array_equal(first, second)
    for x, c in zip(X, copies, strict=True):
        np.testing.assert_array_equal(x, c)


def test_ragged_fit_with_early_stopping_and_warm_start():
    X, y = ragged_task(n=60)
    reg = RNNRegressor(cell="lstm", early_stopping=True, warm_start=True, **TINY).fit(X, y)
    assert "valid_loss" in reg.history_[-1]
    reg.fit(X, y)
    assert len(reg.history_) == 2 * TINY["max_epochs"]


def test_ragged_lists_work_in_pipeline_cross_val_score_and_grid_search():
    X, y = ragged_task(n=45)
    labels = np.where(y > 0, 1, 0)
    pipe = make_pipeline(SequenceScaler(), RNNClassifier(cell="gru", **TINY))
    scores = cross_val_score(pipe, X, labels, cv=3)
    assert scores.shape == (3,) and np.all((scores >= 0) & (scores <= 1))
    search = GridSearchCV(make_pipeline(SequenceScaler(), RNNRegressor(**TINY)),
                          {"rnnregressor__cell": ["gru", "rnn"]}, cv=2).fit(X, y)
    assert search.best_params_["rnnregressor__cell"] in ("gru", "rnn")
    assert search.predict(X[:3]).shape == (3,)


def test_padded_arrays_work_in_a_pipeline_with_mask_value():
    X, y = ragged_task(n=30)
    pipe = make_pipeline(SequencePadder(padding="pre", value=np.nan), SequenceScaler(),
                         RNNRegressor(cell="lstm", mask_value=np.nan, **TINY))
    direct = make_pipeline(SequenceScaler(), RNNRegressor(cell="lstm", **TINY))
    np.testing.assert_allclose(pipe.fit(X, y).predict(X), direct.fit(X, y).predict(X),
                               rtol=1e-4, atol=1e-5)


def test_equal_length_lists_and_arrays_take_the_same_path():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 5, 2)).astype(np.float32)
    y = X[:, -1, 0]
    reg = RNNRegressor(cell="gru", **TINY).fit(X, y)
    np.testing.assert_array_equal(reg.predict(list(X)), reg.predict(X))


def test_japanese_vowels_ragged_panel_goes_straight_in():
    datasets = pytest.importorskip("sktime.datasets")
    X, y = datasets.load_japanese_vowels(split="train", return_type="pd-multiindex")
    X_test, y_test = datasets.load_japanese_vowels(split="test", return_type="pd-multiindex")
    clf = make_pipeline(SequenceScaler(), RNNClassifier(
        cell="gru", hidden_size=32, lr=0.01, max_epochs=12, batch_size=16, random_state=0))
    clf.fit(X, y)
    # Nine speakers: chance is about 0.11.
    assert clf.score(X_test, y_test) > 0.8


# -- bucketing -----------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 7, 64, 1000])
def test_bucket_sampler_yields_every_index_once_per_epoch(n):
    lengths = np.random.default_rng(0).integers(1, 50, size=n)
    sampler = BucketBatchSampler(lengths, batch_size=8, shuffle=True)
    batches = list(sampler)
    assert len(batches) == len(sampler)
    assert sorted(i for batch in batches for i in batch) == list(range(n))
    assert all(1 <= len(batch) <= 8 for batch in batches)


def test_bucket_sampler_groups_similar_lengths_and_shuffles_reproducibly():
    lengths = np.random.default_rng(0).integers(1, 100, size=4000)
    sampler = BucketBatchSampler(lengths, batch_size=32, shuffle=True)
    def epoch():
        return [batch.tolist() for batch in sampler]

    torch.manual_seed(0)
    first = epoch()
    torch.manual_seed(0)
    assert epoch() == first
    assert epoch() != first  # a new order every epoch
    padded = sum(len(b) * lengths[b].max() for b in first)
    assert padded < 1.05 * lengths.sum()  # random batches would pad to ~1.9x
    assert len(first) == len(sampler) == 4000 // (32 * POOL_BATCHES) * POOL_BATCHES + 25


def test_bucket_sampler_without_shuffle_sorts_longest_first():
    lengths = np.array([3, 9, 1, 9, 4])
    batches = BucketBatchSampler(lengths, batch_size=2)
    assert [batch.tolist() for batch in batches] == [[1, 3], [4, 0], [2]]

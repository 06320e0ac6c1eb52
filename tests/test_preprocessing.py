"""Tests of sklrnn.preprocessing: padding, scaling, lag matrices and windows."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklrnn import RNNRegressor
from sklrnn.preprocessing import SequencePadder, SequenceScaler, TabularToSequence, make_windows

# --------------------------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------------------------

SHORT = np.array([[1.0, 10.0], [2.0, 20.0]])
LONG = np.array([[3.0, 30.0], [4.0, 40.0], [5.0, 50.0]])


@pytest.fixture
def ragged():
    """Three bivariate sequences of lengths 2, 3 and 1."""
    return [SHORT.copy(), LONG.copy(), np.array([[6.0, 60.0]])]


def _object_array(seqs):
    out = np.empty(len(seqs), dtype=object)
    for i, seq in enumerate(seqs):
        out[i] = seq
    return out


def _multiindex_panel(seqs, columns=("a", "b")):
    index = pd.MultiIndex.from_tuples(
        [(i, t) for i, seq in enumerate(seqs) for t in range(len(seq))],
        names=["instance", "time"],
    )
    return pd.DataFrame(np.concatenate(seqs), index=index, columns=list(columns))


def _nested_panel(seqs, columns=("a", "b")):
    return pd.DataFrame({
        name: [pd.Series(seq[:, j]) for seq in seqs] for j, name in enumerate(columns)
    })


CONTAINERS = {
    "list": list,
    "tuple": tuple,
    "object_array": _object_array,
    "pd_multiindex": _multiindex_panel,
    "nested_univ": _nested_panel,
}


def _random_ragged(seed=0, n=6, n_features=2, lengths=(2, 6)):
    rng = np.random.default_rng(seed)
    return [
        rng.normal(loc=[5.0, -3.0][:n_features], scale=[2.0, 0.5][:n_features],
                   size=(int(rng.integers(*lengths)), n_features))
        for _ in range(n)
    ]


# --------------------------------------------------------------------------------------------
# SequencePadder
# --------------------------------------------------------------------------------------------


def test_padder_post_padding_appends_value_after_each_sequence(ragged):
    out = SequencePadder(value=-1.0).fit_transform(ragged)
    expected = np.array([
        [[1, 10], [2, 20], [-1, -1]],
        [[3, 30], [4, 40], [5, 50]],
        [[6, 60], [-1, -1], [-1, -1]],
    ], dtype=float)
    assert_array_equal(out, expected)


def test_padder_pre_padding_puts_value_before_each_sequence(ragged):
    out = SequencePadder(padding="pre", value=-1.0).fit_transform(ragged)
    expected = np.array([
        [[-1, -1], [1, 10], [2, 20]],
        [[3, 30], [4, 40], [5, 50]],
        [[-1, -1], [-1, -1], [6, 60]],
    ], dtype=float)
    assert_array_equal(out, expected)


@pytest.mark.parametrize(
    "padding, truncating, expected",
    [
        ("post", "post", [[1, 2], [4, 0], [6, 7]]),
        ("post", "pre", [[2, 3], [4, 0], [8, 9]]),
        ("pre", "post", [[1, 2], [0, 4], [6, 7]]),
        ("pre", "pre", [[2, 3], [0, 4], [8, 9]]),
    ],
)
def test_padder_truncates_long_sequences_at_the_chosen_end(padding, truncating, expected):
    X = [np.array([1.0, 2.0, 3.0]), np.array([4.0]), np.array([6.0, 7.0, 8.0, 9.0])]
    padder = SequencePadder(padding=padding, truncating=truncating, maxlen=2)
    out = padder.fit_transform(X)
    assert out.shape == (3, 2, 1)
    assert_array_equal(out[..., 0], np.array(expected, dtype=float))


def test_padder_longer_maxlen_pads_every_sequence():
    X = [np.array([1.0, 2.0]), np.array([3.0])]
    out = SequencePadder(maxlen=4, padding="pre").fit_transform(X)
    assert_array_equal(out[..., 0], [[0, 0, 1, 2], [0, 0, 0, 3]])


def test_padder_learns_longest_length_as_maxlen(ragged):
    padder = SequencePadder().fit(ragged)
    assert padder.maxlen_ == 3
    assert padder.n_features_in_ == 2
    # The learned length is kept for later data, longer or shorter.
    out = padder.transform([np.ones((5, 2)), np.ones((1, 2))])
    assert out.shape == (2, 3, 2)


def test_padder_explicit_maxlen_overrides_the_longest_length(ragged):
    assert SequencePadder(maxlen=7).fit(ragged).maxlen_ == 7


def test_padder_fills_with_nan(ragged):
    out = SequencePadder(value=np.nan).fit_transform(ragged)
    assert_array_equal(np.isnan(out).all(axis=2), [[0, 0, 1], [0, 0, 0], [0, 1, 1]])
    assert_array_equal(out[0, :2], SHORT)
    assert_array_equal(out[2, 0], [6.0, 60.0])


def test_padder_univariate_elements_give_one_feature():
    X = [np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0])]
    out = SequencePadder().fit_transform(X)
    assert out.shape == (2, 3, 1)
    assert_array_equal(out[..., 0], [[1, 2, 0], [3, 4, 5]])
    # (T_i,) and (T_i, 1) sequences are the same data.
    assert_array_equal(SequencePadder().fit_transform([x[:, None] for x in X]), out)


def test_padder_2d_input_is_univariate_sequences():
    X = np.arange(6.0).reshape(2, 3)
    padder = SequencePadder().fit(X)
    assert padder.maxlen_ == 3
    assert_array_equal(padder.transform(X), X[:, :, None])
    truncated = SequencePadder(maxlen=2, truncating="pre").fit_transform(X)
    assert_array_equal(truncated[..., 0], [[1, 2], [4, 5]])
    padded = SequencePadder(maxlen=5, padding="pre", value=9.0).fit_transform(X)
    assert_array_equal(padded[..., 0], [[9, 9, 0, 1, 2], [9, 9, 3, 4, 5]])


def test_padder_3d_input_is_truncated_and_padded_to_maxlen():
    X = np.arange(12.0).reshape(2, 3, 2)
    assert_array_equal(SequencePadder().fit_transform(X), X)
    truncated = SequencePadder(maxlen=2, truncating="pre").fit_transform(X)
    assert_array_equal(truncated, X[:, 1:])
    padded = SequencePadder(maxlen=4, value=-1.0).fit_transform(X)
    assert_array_equal(padded[:, :3], X)
    assert_array_equal(padded[:, 3], -np.ones((2, 2)))


@pytest.mark.parametrize("container", list(CONTAINERS), ids=list(CONTAINERS))
@pytest.mark.parametrize("padding", ["post", "pre"])
def test_padder_gives_same_result_for_every_ragged_container(ragged, container, padding):
    expected = SequencePadder(padding=padding, value=np.nan).fit_transform(ragged)
    out = SequencePadder(padding=padding, value=np.nan).fit_transform(
        CONTAINERS[container](ragged))
    assert_array_equal(out, expected)


def test_padder_does_not_modify_its_input(ragged):
    copies = [x.copy() for x in ragged]
    out = SequencePadder(value=np.nan, padding="pre").fit_transform(ragged)
    out[:] = 123.0
    for seq, original in zip(ragged, copies, strict=True):
        assert_array_equal(seq, original)
    X3 = np.arange(12.0).reshape(2, 3, 2)
    X3_copy = X3.copy()
    out = SequencePadder(maxlen=3).fit_transform(X3)
    out[:] = -5.0
    assert_array_equal(X3, X3_copy)


def test_padder_keeps_float32_and_casts_integers_to_float64(ragged):
    out32 = SequencePadder().fit_transform([x.astype(np.float32) for x in ragged])
    assert out32.dtype == np.float32
    assert SequencePadder().fit_transform(np.ones((2, 3, 1), np.float32)).dtype == np.float32
    out_int = SequencePadder().fit_transform([np.array([1, 2]), np.array([3])])
    assert out_int.dtype == np.float64
    assert_array_equal(out_int[..., 0], [[1, 2], [3, 0]])


# --------------------------------------------------------------------------------------------
# SequenceScaler
# --------------------------------------------------------------------------------------------


def test_scaler_statistics_equal_numpy_over_concatenated_steps():
    X = _random_ragged(seed=1)
    flat = np.concatenate(X)
    scaler = SequenceScaler().fit(X)
    assert_allclose(scaler.mean_, flat.mean(axis=0))
    assert_allclose(scaler.var_, flat.var(axis=0))
    assert_allclose(scaler.scale_, flat.std(axis=0))
    assert scaler.n_samples_seen_ == len(flat)
    assert scaler.n_features_in_ == 2


def test_scaler_ragged_result_equals_scaling_the_concatenation():
    X = _random_ragged(seed=2)
    flat = np.concatenate(X)
    expected_flat = (flat - flat.mean(axis=0)) / flat.std(axis=0)
    out = SequenceScaler().fit_transform(X)
    assert isinstance(out, list)
    assert [x.shape for x in out] == [x.shape for x in X]
    assert_allclose(np.concatenate(out), expected_flat)


def test_scaler_on_3d_input_equals_standard_scaler_on_all_time_steps():
    X = np.random.default_rng(3).normal(2.0, 3.0, size=(5, 4, 3))
    flat = X.reshape(-1, 3)
    reference = StandardScaler().fit(flat)
    scaler = SequenceScaler().fit(X)
    assert_allclose(scaler.mean_, reference.mean_)
    assert_allclose(scaler.scale_, reference.scale_)
    out = scaler.transform(X)
    assert out.shape == X.shape
    assert_allclose(out.reshape(-1, 3), reference.transform(flat))


def test_scaler_on_2d_input_uses_one_statistic_for_all_time_steps():
    X = np.array([[1.0, 2.0, 3.0], [5.0, 7.0, 9.0]])
    scaler = SequenceScaler().fit(X)
    assert_allclose(scaler.mean_, [X.mean()])
    assert_allclose(scaler.scale_, [X.std()])
    out = scaler.transform(X)
    assert out.shape == X.shape
    assert_allclose(out, (X - X.mean()) / X.std())


@pytest.mark.parametrize("mask_value", [-999.0, np.nan])
@pytest.mark.parametrize("padding", ["post", "pre"])
def test_scaler_skips_mask_value_padding_in_fit_and_transform(mask_value, padding):
    X = _random_ragged(seed=4)
    padded = SequencePadder(padding=padding, value=mask_value).fit_transform(X)
    is_padding = np.all((np.isnan(padded) if np.isnan(mask_value) else padded == mask_value),
                        axis=2)
    assert is_padding.any()
    reference = SequenceScaler().fit(X)
    scaler = SequenceScaler(mask_value=mask_value).fit(padded)
    assert_allclose(scaler.mean_, reference.mean_)
    assert_allclose(scaler.scale_, reference.scale_)
    out = scaler.transform(padded)
    assert_array_equal(out[is_padding], padded[is_padding])  # padding is left untouched
    expected = SequencePadder(padding=padding, value=mask_value).fit_transform(
        reference.transform(X))
    assert_allclose(out, expected)


def test_scaler_ignores_nan_padding_without_mask_value():
    X = _random_ragged(seed=5)
    padded = SequencePadder(value=np.nan).fit_transform(X)
    reference = SequenceScaler().fit(X)
    scaler = SequenceScaler().fit(padded)
    assert_allclose(scaler.mean_, reference.mean_)
    assert_allclose(scaler.scale_, reference.scale_)
    out = scaler.transform(padded)
    assert_array_equal(np.isnan(out), np.isnan(padded))
    assert_allclose(out, SequencePadder(value=np.nan).fit_transform(reference.transform(X)))


def test_scaler_ignores_nan_per_feature_and_keeps_it():
    X = np.array([[[1.0, np.nan], [3.0, 2.0]], [[np.nan, 6.0], [5.0, 4.0]]])
    scaler = SequenceScaler().fit(X)
    assert_allclose(scaler.mean_, [3.0, 4.0])
    assert_allclose(scaler.var_, [8.0 / 3.0, 8.0 / 3.0])
    out = scaler.transform(X)
    assert_array_equal(np.isnan(out), np.isnan(X))


def test_scaler_with_mean_false_and_with_std_false():
    X = _random_ragged(seed=6)
    flat = np.concatenate(X)
    only_scale = SequenceScaler(with_mean=False).fit(X)
    assert only_scale.mean_ is None
    assert_allclose(np.concatenate(only_scale.transform(X)), flat / flat.std(axis=0))
    only_center = SequenceScaler(with_std=False).fit(X)
    assert only_center.scale_ is None and only_center.var_ is None
    assert_allclose(np.concatenate(only_center.transform(X)), flat - flat.mean(axis=0))


FORMS = {
    "list_2d": lambda seqs: [s for s in seqs],
    "list_1d": lambda seqs: [s[:, 0] for s in seqs],
    "object_array_2d": _object_array,
    "object_array_1d": lambda seqs: _object_array([s[:, 0] for s in seqs]),
    "pd_multiindex": _multiindex_panel,
    "array_3d": lambda seqs: np.stack([s[:2] for s in seqs]),
    "array_2d": lambda seqs: np.stack([s[:2, 0] for s in seqs]),
}


def _check_same_form(out, X):
    assert type(out) is type(X)
    if isinstance(X, pd.DataFrame):
        assert out.index.equals(X.index)
        assert list(out.columns) == list(X.columns)
    elif isinstance(X, np.ndarray) and X.dtype == object:
        assert out.dtype == object and out.shape == X.shape
        assert [x.shape for x in out] == [x.shape for x in X]
    elif isinstance(X, list):
        assert [np.shape(x) for x in out] == [np.shape(x) for x in X]
    else:
        assert out.shape == X.shape


def _values(X):
    if isinstance(X, pd.DataFrame):
        return X.to_numpy()
    if isinstance(X, list) or X.dtype == object:
        return np.concatenate([np.asarray(x, dtype=float).reshape(len(x), -1) for x in X])
    return X.reshape(-1, X.shape[2]) if X.ndim == 3 else X.reshape(-1, 1)


@pytest.mark.parametrize("form", list(FORMS), ids=list(FORMS))
def test_scaler_keeps_the_input_form(form):
    seqs = _random_ragged(seed=7, lengths=(2, 5))
    X = FORMS[form](seqs)
    scaler = SequenceScaler().fit(X)
    out = scaler.transform(X)
    _check_same_form(out, X)
    flat = _values(X)
    assert_allclose(_values(out), (flat - flat.mean(axis=0)) / flat.std(axis=0))
    _check_same_form(scaler.fit_transform(X), X)


@pytest.mark.parametrize("form", list(FORMS), ids=list(FORMS))
def test_scaler_inverse_transform_round_trips(form):
    seqs = _random_ragged(seed=8, lengths=(2, 5))
    X = FORMS[form](seqs)
    scaler = SequenceScaler().fit(X)
    back = scaler.inverse_transform(scaler.transform(X))
    _check_same_form(back, X)
    assert_allclose(_values(back), _values(X))


def test_scaler_inverse_transform_round_trips_with_mask_value():
    padded = SequencePadder(value=-1.0, padding="pre").fit_transform(_random_ragged(seed=9))
    scaler = SequenceScaler(mask_value=-1.0).fit(padded)
    assert_allclose(scaler.inverse_transform(scaler.transform(padded)), padded)


def test_scaler_round_trips_nested_panel_values():
    seqs = _random_ragged(seed=10)
    scaler = SequenceScaler().fit(_nested_panel(seqs))
    out = scaler.transform(_nested_panel(seqs))
    assert_allclose(np.concatenate(out), np.concatenate(scaler.transform(seqs)))
    back = scaler.inverse_transform(out)
    assert_allclose(np.concatenate(back), np.concatenate(seqs))


def test_scaler_keeps_float32():
    X = [s.astype(np.float32) for s in _random_ragged(seed=11)]
    out = SequenceScaler().fit_transform(X)
    assert all(x.dtype == np.float32 for x in out)
    X3 = np.ones((2, 3, 2), dtype=np.float32)
    assert SequenceScaler().fit_transform(X3).dtype == np.float32


def test_scaler_does_not_modify_its_input():
    X = _random_ragged(seed=12)
    copies = [x.copy() for x in X]
    scaler = SequenceScaler().fit(X)
    scaler.inverse_transform(scaler.transform(X))
    for seq, original in zip(X, copies, strict=True):
        assert_array_equal(seq, original)
    X3 = np.random.default_rng(0).normal(size=(3, 4, 2))
    X3_copy = X3.copy()
    SequenceScaler().fit_transform(X3)
    assert_array_equal(X3, X3_copy)


def test_scaler_constant_feature_gets_scale_one_and_no_nan():
    X = [np.column_stack([np.full(3, 4.0), [1.0, 2.0, 3.0]]),
         np.column_stack([np.full(2, 4.0), [4.0, 5.0]])]
    scaler = SequenceScaler().fit(X)
    assert scaler.scale_[0] == 1.0
    assert scaler.var_[0] == 0.0
    out = np.concatenate(scaler.transform(X))
    assert np.isfinite(out).all()
    assert_array_equal(out[:, 0], 0.0)


def test_scaler_all_nan_feature_is_an_error():
    X = np.array([[[1.0, np.nan], [2.0, np.nan]], [[3.0, np.nan], [4.0, np.nan]]])
    with pytest.raises(ValueError, match=r"Feature\(s\) \[1\]"):
        SequenceScaler().fit(X)


def test_scaler_feature_with_only_padding_is_an_error():
    X = np.ones((2, 3, 1))
    with pytest.raises(ValueError, match="neither NaN nor padding"):
        SequenceScaler(mask_value=1.0).fit(X)


def test_scaler_feature_names_out_match_the_columns_of_a_panel_output():
    X = _multiindex_panel(_random_ragged(seed=13), columns=("price", "volume"))
    scaler = SequenceScaler().fit(X)
    assert list(scaler.transform(X).columns) == ["price", "volume"]
    assert_array_equal(scaler.get_feature_names_out(), ["price", "volume"])


def test_scaler_feature_names_out_for_3d_input_name_each_step_feature():
    scaler = SequenceScaler().fit(np.ones((2, 3, 4)))
    assert len(scaler.get_feature_names_out()) == 4


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------

TRANSFORMERS = [SequencePadder, SequenceScaler]
IDS = ["padder", "scaler"]


@pytest.mark.parametrize("Transformer", TRANSFORMERS, ids=IDS)
def test_sequences_with_different_feature_counts_are_an_error(Transformer):
    X = [np.ones((3, 2)), np.ones((2, 3))]
    with pytest.raises(ValueError, match="different numbers of features"):
        Transformer().fit(X)


@pytest.mark.parametrize("Transformer", TRANSFORMERS, ids=IDS)
def test_empty_sequence_is_an_error(Transformer):
    X = [np.ones((3, 2)), np.ones((0, 2))]
    with pytest.raises(ValueError, match="empty sequence"):
        Transformer().fit(X)


@pytest.mark.parametrize(
    "X",
    [
        [np.array([1.0, np.nan]), np.array([1.0, 2.0, 3.0])],
        np.array([[[1.0], [np.nan]]]),
        np.array([[1.0, np.nan]]),
    ],
    ids=["ragged", "3d", "2d"],
)
def test_padder_refuses_nan_input(X):
    with pytest.raises(ValueError, match="NaN"):
        SequencePadder().fit(X)


def test_padder_refuses_nan_in_transform():
    padder = SequencePadder().fit([np.ones((2, 1)), np.ones((3, 1))])
    with pytest.raises(ValueError, match="NaN"):
        padder.transform([np.ones((2, 1)), np.array([[1.0], [np.nan]])])


@pytest.mark.parametrize("Transformer", TRANSFORMERS, ids=IDS)
def test_infinite_values_are_an_error(Transformer):
    with pytest.raises(ValueError, match="infinity"):
        Transformer().fit([np.array([1.0, np.inf]), np.array([1.0, 2.0, 3.0])])


@pytest.mark.parametrize("Transformer", TRANSFORMERS, ids=IDS)
def test_sequence_with_three_dimensions_is_an_error(Transformer):
    X = [np.ones((3, 2)), np.ones((2, 2, 1))]
    with pytest.raises(ValueError, match=r"sequence 1 has shape \(2, 2, 1\)"):
        Transformer().fit(X)


@pytest.mark.parametrize("Transformer", TRANSFORMERS, ids=IDS)
def test_four_dimensional_array_is_an_error(Transformer):
    with pytest.raises(ValueError, match="got 4 dimension"):
        Transformer().fit(np.ones((2, 3, 2, 1)))


@pytest.mark.parametrize("Transformer", TRANSFORMERS, ids=IDS)
def test_transform_with_other_feature_count_is_an_error(Transformer, ragged):
    fitted = Transformer().fit(ragged)
    with pytest.raises(ValueError, match="3 features per time step.*expecting 2"):
        fitted.transform([np.ones((2, 3)), np.ones((4, 3))])


@pytest.mark.parametrize("Transformer", TRANSFORMERS, ids=IDS)
def test_transform_2d_with_other_column_count_is_an_error(Transformer):
    fitted = Transformer().fit(np.ones((2, 4)))
    with pytest.raises(ValueError, match="X has 3 features, but"):
        fitted.transform(np.ones((2, 3)))


@pytest.mark.parametrize("Transformer", TRANSFORMERS, ids=IDS)
def test_non_contiguous_multiindex_panel_is_an_error(Transformer):
    index = pd.MultiIndex.from_tuples([(0, 0), (1, 0), (0, 1), (1, 1)])
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]}, index=index)
    with pytest.raises(ValueError, match="contiguous"):
        Transformer().fit(X)
    # Sorted, it is fine.
    assert Transformer().fit(X.sort_index()).n_features_in_ == 1


@pytest.mark.parametrize("Transformer", TRANSFORMERS, ids=IDS)
def test_nested_panel_with_variables_of_different_lengths_is_an_error(Transformer):
    X = pd.DataFrame({
        "a": [pd.Series([1.0, 2.0]), pd.Series([1.0, 2.0, 3.0])],
        "b": [pd.Series([1.0, 2.0]), pd.Series([1.0, 2.0])],
    })
    with pytest.raises(ValueError, match=r"Instance 1 .*different lengths \[3, 2\]"):
        Transformer().fit(X)


@pytest.mark.parametrize(
    "params",
    [{"padding": "middle"}, {"truncating": "both"}, {"maxlen": 0}, {"value": "zero"}],
)
def test_padder_rejects_bad_parameters(params):
    with pytest.raises(ValueError, match=list(params)[0]):
        SequencePadder(**params).fit([np.ones(2), np.ones(3)])


def test_transform_before_fit_is_an_error():
    from sklearn.exceptions import NotFittedError

    for transformer in (SequencePadder(), SequenceScaler(), TabularToSequence()):
        with pytest.raises(NotFittedError):
            transformer.transform(np.ones((2, 4)))


# --------------------------------------------------------------------------------------------
# Pipelines, model selection, cloning
# --------------------------------------------------------------------------------------------


def _regression_data(seed=0, n=18):
    rng = np.random.default_rng(seed)
    X = [rng.normal(loc=3.0, scale=2.0, size=(int(rng.integers(3, 8)), 2)) for _ in range(n)]
    y = np.array([x[:, 0].mean() for x in X])
    return X, y


def test_scaler_in_pipeline_with_rnn_cross_validates_on_ragged_lists(one_torch_thread):
    X, y = _regression_data()
    pipe = make_pipeline(SequenceScaler(),
                         RNNRegressor(hidden_size=8, max_epochs=3, random_state=0))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,)
    assert np.isfinite(scores).all()


def test_grid_search_over_padding_gives_equal_scores_with_nan_masking(one_torch_thread):
    # With mask_value=nan the estimator drops the padding: pre and post padding are the same
    # data, and so must score the same.
    X, y = _regression_data(seed=1, n=12)
    pipe = make_pipeline(
        SequencePadder(value=np.nan),
        RNNRegressor(mask_value=np.nan, hidden_size=8, max_epochs=2, random_state=0),
    )
    search = GridSearchCV(pipe, {"sequencepadder__padding": ["post", "pre"]},
                          cv=KFold(2)).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all()
    assert_allclose(scores[0], scores[1], rtol=1e-5)
    assert search.best_params_["sequencepadder__padding"] in ("post", "pre")
    assert search.predict(X[:3]).shape == (3,)


def test_clone_and_get_params_round_trip_every_transformer():
    transformers = [
        SequencePadder(padding="pre", truncating="pre", maxlen=4, value=np.nan),
        SequenceScaler(with_mean=False, mask_value=-1.0),
        TabularToSequence(n_variables=3),
    ]
    for transformer in transformers:
        copy = clone(transformer)
        assert copy is not transformer
        params = transformer.get_params()
        for name, value in copy.get_params().items():
            assert value == params[name] or (np.isnan(value) and np.isnan(params[name]))
    pipe = make_pipeline(SequencePadder(), SequenceScaler())
    pipe.set_params(sequencepadder__maxlen=5, sequencescaler__with_std=False)
    assert pipe.get_params()["sequencepadder__maxlen"] == 5
    assert clone(pipe).get_params()["sequencescaler__with_std"] is False


def test_padder_then_scaler_pipeline_transforms_ragged_to_standardized_array():
    X = _random_ragged(seed=14)
    pipe = make_pipeline(SequencePadder(value=np.nan), SequenceScaler()).fit(X)
    out = pipe.transform(X)
    flat = np.concatenate(X)
    real = ~np.isnan(out).all(axis=2)
    assert_allclose(out[real], (flat - flat.mean(axis=0)) / flat.std(axis=0))


# --------------------------------------------------------------------------------------------
# TabularToSequence
# --------------------------------------------------------------------------------------------


def test_tabular_to_sequence_splits_rows_into_variables_in_time_order():
    X = np.array([[1.0, 2.0, 3.0, 10.0, 20.0, 30.0],
                  [4.0, 5.0, 6.0, 40.0, 50.0, 60.0]])
    transformer = TabularToSequence(n_variables=2).fit(X)
    assert transformer.n_timesteps_ == 3
    assert transformer.n_features_in_ == 6
    out = transformer.transform(X)
    assert out.shape == (2, 3, 2)
    assert_array_equal(out[0], [[1, 10], [2, 20], [3, 30]])
    assert_array_equal(out[1], [[4, 40], [5, 50], [6, 60]])


def test_tabular_to_sequence_with_one_variable_adds_a_feature_axis():
    X = np.arange(8.0).reshape(2, 4)
    out = TabularToSequence().fit_transform(X)
    assert_array_equal(out, X[:, :, None])


def test_tabular_to_sequence_feature_names_out_has_one_name_per_variable():
    transformer = TabularToSequence(n_variables=3).fit(np.zeros((2, 6)))
    names = transformer.get_feature_names_out()
    assert len(names) == 3
    assert len(set(names)) == 3


def test_tabular_to_sequence_columns_not_divisible_is_an_error():
    with pytest.raises(ValueError, match="7 columns.*n_variables=2"):
        TabularToSequence(n_variables=2).fit(np.zeros((2, 7)))


def test_tabular_to_sequence_transform_with_other_columns_is_an_error():
    transformer = TabularToSequence(n_variables=2).fit(np.zeros((2, 6)))
    with pytest.raises(ValueError, match="X has 4 features, but"):
        transformer.transform(np.zeros((2, 4)))


class _Recorder(TransformerMixin, BaseEstimator):
    """Pass-through step that records what it sees (shared by its clones)."""

    seen = []

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        type(self).seen.append(np.array(X, copy=True))
        return X


@pytest.mark.filterwarnings("ignore::FutureWarning:sktime")
def test_tabular_to_sequence_restores_sktime_lag_matrix_with_exogenous_variable(
        one_torch_thread):
    pytest.importorskip("sktime")
    from sktime.forecasting.compose import make_reduction

    n, window = 24, 6
    index = pd.period_range("2000-01", periods=n + 3, freq="M")
    y = pd.Series(np.arange(n, dtype=float), index=index[:n])
    exog = pd.DataFrame({"x": 100.0 + np.arange(n + 3)}, index=index)

    _Recorder.seen = []
    pipe = make_pipeline(TabularToSequence(n_variables=2), _Recorder(),
                         RNNRegressor(hidden_size=8, max_epochs=2, random_state=0))
    forecaster = make_reduction(pipe, window_length=window, strategy="recursive")
    forecaster.fit(y, X=exog.iloc[:n])
    pred = forecaster.predict(fh=[1, 2, 3], X=exog.iloc[n:])

    assert len(pred) == 3
    assert np.isfinite(np.asarray(pred)).all()
    assert_array_equal(pred.index, index[n:])

    train, first_prediction = _Recorder.seen[0], _Recorder.seen[1]
    assert train.shape == (n - window, window, 2)
    # Sequence i: steps i .. i+window-1, feature 0 the y lags, feature 1 the exog lags.
    for i in (0, n - window - 1):
        steps = np.arange(i, i + window)
        assert_array_equal(train[i, :, 0], steps)
        assert_array_equal(train[i, :, 1], 100.0 + steps)
    last = np.arange(n - window, n)
    assert first_prediction.shape == (1, window, 2)
    assert_array_equal(first_prediction[0, :, 0], last)
    assert_array_equal(first_prediction[0, :, 1], 100.0 + last)


@pytest.mark.filterwarnings("ignore::FutureWarning:sktime")
def test_rnn_pipeline_forecasts_airline_with_exogenous_variable(one_torch_thread):
    pytest.importorskip("sktime")
    from sktime.datasets import load_airline
    from sktime.forecasting.compose import make_reduction

    y = load_airline()
    exog = pd.DataFrame({"month": y.index.month.astype(float)}, index=y.index)
    future = pd.DataFrame(
        {"month": [1.0, 2.0, 3.0]},
        index=pd.period_range(y.index[-1] + 1, periods=3, freq=y.index.freq),
    )
    pipe = make_pipeline(TabularToSequence(n_variables=2),
                         RNNRegressor(hidden_size=8, max_epochs=2, random_state=0))
    forecaster = make_reduction(pipe, window_length=6, strategy="recursive")
    forecaster.fit(y, X=exog)
    pred = forecaster.predict(fh=[1, 2, 3], X=future)
    assert len(pred) == 3
    assert np.isfinite(np.asarray(pred, dtype=float)).all()


# --------------------------------------------------------------------------------------------
# make_windows
# --------------------------------------------------------------------------------------------


def test_make_windows_one_step_horizon_values():
    X, y = make_windows(np.arange(6.0), window_length=3)
    assert X.shape == (3, 3, 1)
    assert_array_equal(X[..., 0], [[0, 1, 2], [1, 2, 3], [2, 3, 4]])
    assert y.shape == (3,)
    assert_array_equal(y, [3, 4, 5])


def test_make_windows_multi_step_horizon_values():
    X, y = make_windows(np.arange(7.0), window_length=3, horizon=2)
    assert_array_equal(X[..., 0], [[0, 1, 2], [1, 2, 3], [2, 3, 4]])
    assert y.shape == (3, 2)
    assert_array_equal(y, [[3, 4], [4, 5], [5, 6]])


def test_make_windows_step_skips_window_starts():
    X, y = make_windows(np.arange(10.0), window_length=3, step=3)
    assert_array_equal(X[..., 0], [[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    assert_array_equal(y, [3, 6, 9])
    X, y = make_windows(np.arange(10.0), window_length=2, horizon=3, step=2)
    assert_array_equal(X[..., 0], [[0, 1], [2, 3], [4, 5]])
    assert_array_equal(y, [[2, 3, 4], [4, 5, 6], [6, 7, 8]])


def test_make_windows_uses_the_whole_series_when_it_fits_exactly():
    X, y = make_windows(np.arange(5.0), window_length=4)
    assert_array_equal(X[..., 0], [[0, 1, 2, 3]])
    assert_array_equal(y, [4])


def test_make_windows_2d_series_predicts_every_column():
    series = np.column_stack([np.arange(6.0), 10.0 * np.arange(6.0)])
    X, y = make_windows(series, window_length=3)
    assert X.shape == (3, 3, 2)
    assert_array_equal(X[1], series[1:4])
    assert y.shape == (3, 2)
    assert_array_equal(y, series[3:6])
    X, y = make_windows(series, window_length=3, horizon=2)
    assert y.shape == (2, 2, 2)
    assert_array_equal(y[0], series[3:5])
    assert_array_equal(y[1], series[4:6])


@pytest.mark.parametrize("target", [1, -1])
def test_make_windows_target_column_picks_one_column(target):
    series = np.column_stack([np.arange(6.0), 10.0 * np.arange(6.0)])
    X, y = make_windows(series, window_length=3, target=target)
    assert X.shape == (3, 3, 2)  # the inputs keep every column
    assert_array_equal(y, [30, 40, 50])
    _, y = make_windows(series, window_length=3, horizon=2, target=target)
    assert_array_equal(y, [[30, 40], [40, 50]])


@pytest.mark.parametrize("horizon", [1, 2])
@pytest.mark.parametrize("target", [None, 0])
def test_make_windows_returns_read_only_views_of_the_series(horizon, target):
    series = np.arange(20.0).reshape(10, 2)
    X, y = make_windows(series, window_length=3, horizon=horizon, target=target)
    assert np.shares_memory(X, series)
    assert np.shares_memory(y, series)
    assert not X.flags.writeable
    assert not y.flags.writeable


def test_make_windows_of_a_1d_series_are_read_only_views():
    series = np.arange(10.0)
    for horizon in (1, 3):
        X, y = make_windows(series, window_length=4, horizon=horizon)
        assert np.shares_memory(X, series) and np.shares_memory(y, series)
        assert not X.flags.writeable
        assert not y.flags.writeable


def test_make_windows_accepts_a_pandas_series():
    values = np.arange(8.0) ** 2
    series = pd.Series(values, index=pd.date_range("2020-01-01", periods=8))
    X, y = make_windows(series, window_length=3, horizon=2)
    X_ref, y_ref = make_windows(values, window_length=3, horizon=2)
    assert_array_equal(X, X_ref)
    assert_array_equal(y, y_ref)
    frame = pd.DataFrame({"a": values, "b": -values})
    X, y = make_windows(frame, window_length=3, target=1)
    assert_array_equal(y, -values[3:])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"window_length": 5}, "window of 5 steps plus a horizon of 1 is longer"),
        ({"window_length": 3, "horizon": 3}, "horizon of 3 is longer than the series"),
        ({"window_length": 0}, "'window_length' parameter of \\w+ must be an int in the range"),
        ({"window_length": 2.0}, "'window_length' parameter of \\w+ must be an int in the range"),
        ({"window_length": True}, "'window_length' parameter of \\w+ must be an int in the range"),
        ({"window_length": 2, "horizon": 0},
         "'horizon' parameter of \\w+ must be an int in the range"),
        ({"window_length": 2, "step": -1}, "'step' parameter of \\w+ must be an int in the range"),
    ],
)
def test_make_windows_bad_lengths_are_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_windows(np.arange(5.0), **kwargs)


def test_make_windows_nan_and_infinity_are_errors():
    with pytest.raises(ValueError, match="NaN"):
        make_windows(np.array([1.0, np.nan, 3.0, 4.0]), window_length=2)
    with pytest.raises(ValueError, match="infinity"):
        make_windows(np.array([1.0, np.inf, 3.0, 4.0]), window_length=2)


def test_make_windows_series_of_three_dimensions_is_an_error():
    with pytest.raises(ValueError, match="dim 3"):
        make_windows(np.ones((4, 2, 1)), window_length=2)


@pytest.mark.parametrize("target", [2, -3])
def test_make_windows_target_out_of_range_is_an_error(target):
    with pytest.raises(ValueError, match=f"target={target} does not name a column"):
        make_windows(np.ones((6, 2)), window_length=2, target=target)


def test_make_windows_target_on_1d_series_is_an_error():
    with pytest.raises(ValueError, match="target=0 does not name a column"):
        make_windows(np.arange(6.0), window_length=2, target=0)


def test_make_windows_non_integer_target_is_a_value_error():
    with pytest.raises(ValueError, match="target"):
        make_windows(np.ones((6, 2)), window_length=2, target=1.5)

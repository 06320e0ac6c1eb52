"""Odd data gives the right answer or a clear error, never a silent wrong one (issue 20).

Panels whose rows are out of time order are read in time order; a time stamp twice, a gap,
an update that does not continue the data seen, and datetimes without a frequency are
refused before any training; integer time stamps that step by more than 1 are forecast on
their own grid.
"""

import numpy as np
import pandas as pd
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal

from sklrnn import RNNRegressor
from sklrnn.preprocessing import SequencePadder, SequenceScaler

pytest.importorskip("sktime")
from sklrnn.forecasting import RNNForecaster  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = dict(hidden_size=4, max_epochs=2, batch_size=8, random_state=0)


# -- data ------------------------------------------------------------------------------------

def panel(order=("b", "a", "c"), lengths=(5, 6, 4), seed=0):
    """A pd-multiindex panel in time order, its instances in the order given (not sorted)."""
    rng = np.random.default_rng(seed)
    rows = [(name, t) for name, n in zip(order, lengths, strict=True) for t in range(n)]
    index = pd.MultiIndex.from_tuples(rows, names=["instance", "time"])
    return pd.DataFrame(rng.normal(size=(len(rows), 2)), index=index, columns=["x", "z"])


def shuffled_in_time(X, seed=1):
    """``X`` with the rows of every instance in a random order; the instances keep theirs."""
    rng = np.random.default_rng(seed)
    codes = np.asarray(X.index.codes[0])
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True])
    order = np.concatenate([start + rng.permutation(stop - start)
                            for start, stop in zip(starts[:-1], starts[1:], strict=True)])
    return X.iloc[order]


def sine(n=40, index=None):
    return pd.Series(np.sin(np.arange(n) / 3), index=index)


def forecaster(**params):
    return RNNForecaster(**{**dict(window_length=3, **TINY), **params})


def head_weight(fitted):
    return fitted.regressor_.net_.module_.state_dict()["head.weight"].clone()


# -- 1. panels read in time order --------------------------------------------------------------

def test_an_unsorted_panel_gives_exactly_the_sorted_panels_predictions():
    X = panel()
    unsorted = shuffled_in_time(X)
    assert not unsorted.index.equals(X.index)
    y = np.array([1.0, 2.0, 3.0])
    model = RNNRegressor(**TINY).fit(X, y)
    assert_array_equal(model.predict(unsorted), model.predict(X))
    assert_array_equal(RNNRegressor(**TINY).fit(unsorted, y).predict(X), model.predict(X))


def test_panel_predictions_come_back_in_the_order_the_instances_are_given():
    X = panel(order=("b", "a", "c"))
    model = RNNRegressor(**TINY).fit(X, np.array([1.0, 2.0, 3.0]))
    alone = [model.predict(X.loc[[name]])[0] for name in ("b", "a", "c")]
    assert_allclose(model.predict(shuffled_in_time(X)), alone, rtol=1e-6)


def test_reading_an_unsorted_panel_leaves_the_users_frame_as_it_was():
    unsorted = shuffled_in_time(panel())
    copy = unsorted.copy()
    RNNRegressor(**TINY).fit(unsorted, np.array([1.0, 2.0, 3.0])).predict(unsorted)
    pd.testing.assert_frame_equal(unsorted, copy)


def test_padder_pads_an_unsorted_panel_in_time_order():
    X = panel()
    assert_array_equal(SequencePadder().fit_transform(shuffled_in_time(X)),
                       SequencePadder().fit_transform(X))


def test_scaler_keeps_the_row_order_of_an_unsorted_panel():
    X = panel()
    unsorted = shuffled_in_time(X)
    scaler = SequenceScaler().fit(X)
    pd.testing.assert_frame_equal(scaler.transform(unsorted),
                                  scaler.transform(X).loc[unsorted.index])


def test_a_panel_with_a_time_step_twice_is_refused():
    X = panel()
    doubled = pd.concat([X.iloc[:3], X.iloc[2:]])  # ("b", 2) twice
    with pytest.raises(ValueError, match=r"more than one row at time 2 of instance .b.*duplicated"):
        RNNRegressor(**TINY).fit(doubled, np.array([1.0, 2.0, 3.0]))
    assert not hasattr(RNNRegressor(**TINY), "net_")
    model = RNNRegressor(**TINY).fit(X, np.array([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="more than one row at time 2 of instance"):
        model.predict(doubled)


def test_a_panel_whose_instances_interleave_is_still_refused():
    index = pd.MultiIndex.from_tuples([(0, 0), (1, 0), (0, 1), (1, 1)])
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]}, index=index)
    with pytest.raises(ValueError, match="contiguous.*order y the same way"):
        RNNRegressor(**TINY).fit(X, np.array([1.0, 2.0]))


def test_nested_panel_cells_are_read_in_time_order_and_a_time_twice_is_refused():
    values = [np.arange(5.0), np.arange(4.0) * 2]
    nested = pd.DataFrame({"x": [pd.Series(v) for v in values]})
    reversed_cells = pd.DataFrame({"x": [pd.Series(v).iloc[::-1] for v in values]})
    assert_array_equal(SequencePadder().fit_transform(reversed_cells),
                       SequencePadder().fit_transform(nested))
    doubled = pd.DataFrame({"x": [pd.Series([1.0, 2.0, 3.0], index=[0, 1, 1]),
                                  pd.Series([1.0, 2.0])]})
    with pytest.raises(ValueError, match="Instance 0 .* more than one value at time 1"):
        SequencePadder().fit(doubled)


# -- 2. update continues the data seen, or is refused --------------------------------------------

@pytest.mark.parametrize("update_params", [False, True])
def test_update_with_a_gap_after_the_cutoff_is_refused_before_training(update_params):
    y = sine(40)
    fitted = forecaster().fit(y[:30])
    weights, cutoff = head_weight(fitted), fitted.cutoff
    with pytest.raises(ValueError, match="starts at 35, but the data seen end at 29 and the "
                                         "next step is 30.*from 30 on"):
        fitted.update(y[35:], update_params=update_params)
    assert torch.equal(head_weight(fitted), weights)
    assert fitted.cutoff.equals(cutoff)  # the refused update changed nothing
    assert fitted.predict(fh=[1]).index[0] == 30


def test_update_with_a_gap_inside_the_new_data_is_refused():
    y = sine(40)
    fitted = forecaster().fit(y[:30])
    with pytest.raises(ValueError, match="has 31 followed by 33, but the step after 31 is 32"):
        fitted.update(y.drop(32)[30:], update_params=False)


@pytest.mark.parametrize("update_params", [False, True])
def test_update_with_data_from_before_the_cutoff_is_refused(update_params):
    y = sine(40)
    fitted = forecaster().fit(y[:30])
    weights = head_weight(fitted)
    with pytest.raises(ValueError, match=r"row at 10, at or before the end of the data the "
                                         r"forecaster has seen \(29\).*new data from 30 on"):
        fitted.update(y[10:12] + 1, update_params=update_params)
    assert torch.equal(head_weight(fitted), weights)
    assert fitted.cutoff[0] == 29


def test_update_overlapping_the_data_seen_with_other_values_is_refused():
    y = sine(40)
    fitted = forecaster().fit(y[:30])
    revised = y[28:33].copy()
    revised[29] += 1.0
    with pytest.raises(ValueError, match="row at 29, at or before"):
        fitted.update(revised, update_params=False)


def test_update_repeating_the_data_seen_exactly_is_the_update_with_the_new_steps():
    # sktime's update_predict passes expanding windows: every update repeats the data seen.
    y = sine(40)
    new_only = forecaster().fit(y[:30]).update(y[30:34], update_params=False)
    repeating = forecaster().fit(y[:30]).update(y[:34], update_params=False)
    pd.testing.assert_series_equal(repeating.predict(fh=[1, 2]), new_only.predict(fh=[1, 2]))


def test_update_predict_with_expanding_windows_forecasts_from_every_cutoff():
    from sktime.split import ExpandingWindowSplitter

    y = sine(40)
    fitted = forecaster().fit(y[:30])
    cv = ExpandingWindowSplitter(fh=[1], initial_window=2, step_length=2)
    forecast = fitted.update_predict(y[30:], cv=cv, update_params=False)
    assert list(forecast.index) == [32, 34, 36, 38]


def test_update_of_datetimes_without_a_frequency_keeps_the_frequency():
    # sktime infers no frequency from one new time stamp; the forecaster keeps y's.
    days = pd.DatetimeIndex(list(pd.date_range("2020-01-01", periods=31, freq="D")))
    assert days.freq is None
    y = sine(31, index=days)
    fitted = forecaster().fit(y[:30])
    fitted.update(y[30:], update_params=False)
    assert fitted.predict(fh=[1]).index[0] == pd.Timestamp("2020-02-01")


def test_update_of_a_panel_checks_every_series_against_its_own_end():
    index = pd.MultiIndex.from_product([["a", "b"], range(20)])
    y = pd.DataFrame({"v": np.sin(np.arange(40) / 3)}, index=index)
    fitted = forecaster().fit(y)
    new = pd.DataFrame({"v": [0.1, 0.2]},
                       index=pd.MultiIndex.from_tuples([("a", 20), ("b", 21)]))
    with pytest.raises(ValueError, match=r"\(series \('b',\)\) starts at 21.*next step is 20"):
        fitted.update(new, update_params=False)


# -- 3. a time stamp twice -----------------------------------------------------------------------

def test_a_time_stamp_twice_in_y_is_refused_before_training():
    y = sine(30, index=list(range(15)) + list(range(14, 29)))
    model = forecaster()
    with pytest.raises(ValueError, match=r"more than one row at time 14.*y\[~y\.index\.dupl"):
        model.fit(y)
    assert not hasattr(model, "regressor_")


def test_a_time_stamp_twice_in_a_series_of_a_panel_is_refused():
    rows = [("a", t) for t in range(10)] + [("b", t) for t in (0, 1, 2, 3, 3, 4, 5, 6, 7, 8)]
    y = pd.DataFrame({"v": np.arange(20.0)}, index=pd.MultiIndex.from_tuples(rows))
    with pytest.raises(ValueError, match=r"\(series \('b',\)\) has more than one row at time 3"
                                         r".*groupby\(level=\[0, 1\]\)"):
        forecaster().fit(y)


def test_a_time_stamp_twice_in_x_is_refused():
    y = sine(30)
    X = pd.DataFrame({"a": np.arange(31.0)}, index=list(range(15)) + list(range(14, 30)))
    with pytest.raises(ValueError, match="X has more than one row at time 14"):
        forecaster().fit(y, X=X)


# -- 4. datetimes without a frequency ------------------------------------------------------------

def test_irregular_datetimes_are_refused_at_fit_with_the_fix():
    days = pd.date_range("2020-01-01", periods=31, freq="D").delete(10)
    model = forecaster()
    with pytest.raises(ValueError, match=r"DatetimeIndex without a frequency.*y\.asfreq\('D'\)"
                                         r".*RangeIndex"):
        model.fit(sine(30, index=days))
    assert not hasattr(model, "regressor_")


def test_regular_datetimes_without_a_set_frequency_are_fine():
    days = pd.DatetimeIndex(list(pd.date_range("2020-01-01", periods=30, freq="h")))
    forecast = forecaster().fit(sine(30, index=days)).predict(fh=[1, 2])
    assert list(forecast.index) == list(pd.date_range("2020-01-02 06:00", periods=2, freq="h"))


def test_a_gap_in_periods_is_refused():
    months = pd.period_range("2000-01", periods=31, freq="M").delete(12)
    with pytest.raises(ValueError, match=r"frequency 'M' .*2000-12 is followed by 2001-02.*"
                                         r"period_range"):
        forecaster().fit(sine(30, index=months))


def test_a_gap_in_integer_time_stamps_is_refused():
    y = sine(30, index=np.r_[np.arange(15), np.arange(20, 35)])
    with pytest.raises(ValueError, match="go up by 1 .*but 14 is followed by 20"):
        forecaster().fit(y)


# -- 5. integer time stamps that step by more than 1 ---------------------------------------------

def test_integer_time_stamps_with_step_2_are_forecast_on_their_grid():
    values = sine(30).to_numpy()
    on_grid = forecaster().fit(pd.Series(values, index=np.arange(0, 60, 2)))
    consecutive = forecaster().fit(pd.Series(values))
    forecast = on_grid.predict(fh=[2, 4])  # sktime: relative fh counts units of the index
    assert list(forecast.index) == [60, 62]
    assert_allclose(forecast.to_numpy(), consecutive.predict(fh=[1, 2]).to_numpy())
    with pytest.raises(ValueError, match=r"fh asks for time\(s\) \[59\], between the steps.*"
                                         r"step by 2.*multiples of 2"):
        on_grid.predict(fh=[1])
    on_grid.update(pd.Series([0.5], index=[60]), update_params=False)
    assert list(on_grid.predict(fh=[2]).index) == [62]
    with pytest.raises(ValueError, match="starts at 63.*next step is 62"):
        on_grid.update(pd.Series([0.5], index=[63]), update_params=False)


def test_step_2_reads_exogenous_values_on_the_grid():
    y = pd.Series(np.sin(np.arange(30) / 3), index=np.arange(0, 60, 2))
    X = pd.DataFrame({"a": np.cos(np.arange(33) / 3)}, index=np.arange(0, 66, 2))
    fitted = forecaster().fit(y, X=X[:30])
    assert list(fitted.predict(fh=[2, 4], X=X[30:]).index) == [60, 62]


def test_step_2_with_the_direct_strategy_learns_the_steps_of_the_grid():
    y = pd.Series(np.sin(np.arange(30) / 3), index=np.arange(0, 60, 2))
    fitted = forecaster(strategy="direct").fit(y, fh=[2, 4, 6])
    assert fitted.regressor_.n_outputs_ == 1
    assert list(fitted.predict().index) == [60, 62, 64]
    with pytest.raises(ValueError, match="between the steps"):
        forecaster(strategy="direct").fit(y, fh=[1, 2])


def test_series_of_a_panel_on_different_integer_steps_are_refused():
    rows = [("a", t) for t in range(0, 20)] + [("b", t) for t in range(0, 40, 2)]
    y = pd.DataFrame({"v": np.sin(np.arange(40) / 3)}, index=pd.MultiIndex.from_tuples(rows))
    with pytest.raises(ValueError, match=r"\(series \('b',\)\) must go up by 1 .*0 is followed "
                                         "by 2"):
        forecaster().fit(y)

"""RNNForecaster's typed covariates: past-only and static columns of X, series embedding."""

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sktime")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import sklrnn  # noqa: E402
from sklrnn.forecasting import RNNForecaster  # noqa: E402

TINY = dict(hidden_size=8, max_epochs=20, batch_size=32, random_state=0, sp=None,
            level="mean", lr_schedule=None)


def _index(n_series, times):
    return pd.MultiIndex.from_product([[f"s{i}" for i in range(n_series)], times],
                                      names=["series", "time"])


def led_panel(n_series=10, length=80, seed=0):
    """y follows the past-only x one step later: y[t] = x[t - 1] + noise; x is white noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_series, length + 1))
    y = x[:, :-1] + 0.1 * rng.normal(size=(n_series, length))
    index = _index(n_series, range(length))
    return (pd.DataFrame({"y": y.ravel()}, index=index),
            pd.DataFrame({"x": x[:, 1:].ravel()}, index=index), x[:, -1])


def signed_panel(n_series=16, length=80, seed=0):
    """AR(1) series y[t] = a y[t - 1] + noise, a = +0.9 or -0.9 by the static column "a"."""
    rng = np.random.default_rng(seed)
    a = np.where(np.arange(n_series) % 2, 0.9, -0.9)
    y = np.zeros((n_series, length))
    for t in range(1, length):
        y[:, t] = a * y[:, t - 1] + rng.normal(size=n_series)
    index = _index(n_series, range(length))
    X = pd.DataFrame({"a": np.repeat(a, length), "noise": rng.normal(size=n_series * length)},
                     index=index)
    return pd.DataFrame({"y": y.ravel()}, index=index), X


def _fit(forecaster, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return forecaster.fit(y, **kwargs)


def _last_step_error(forecaster, y, X=None):
    """Mean absolute error of the one-step forecasts of the last step of every series."""
    times = y.index.get_level_values("time")
    train = times < times.max()
    _fit(forecaster, y[train], X=None if X is None else X[train], fh=[1])
    forecast = forecaster.predict(fh=[1])  # no X: past-only and static columns only
    return np.abs(forecast.to_numpy() - y[~train].to_numpy()).mean()


@pytest.mark.parametrize("strategy", ["recursive", "direct"])
def test_past_only_columns_are_read_in_the_window_and_never_needed_in_predict(strategy):
    y, X, _ = led_panel()
    forecaster = RNNForecaster(window_length=3, strategy=strategy, past_columns="x", **TINY)
    with_x = _last_step_error(forecaster, y, X)
    without = _last_step_error(RNNForecaster(window_length=3, strategy=strategy, **TINY), y)
    # x[T] is known at the cutoff and is y[T + 1] up to noise of 0.1; y alone is white noise.
    assert with_x < 0.35 < 0.6 < without
    assert forecaster.regressor_.n_outputs_ == (2 if strategy == "recursive" else 1)


def test_recursive_strategy_forecasts_past_only_columns_and_feeds_them_back():
    y, X, _ = led_panel(n_series=6)
    forecaster = _fit(RNNForecaster(window_length=3, past_columns=["x"], **TINY), y, X=X)
    forecast = forecaster.predict(fh=[1, 2, 3]).to_numpy().reshape(6, 3)
    # Step 1 reads x at the cutoff; later steps only forecasts of white noise (near 0).
    assert np.abs(forecast[:, 0]).mean() > 2 * np.abs(forecast[:, 1:]).mean()
    paths = RNNForecaster(window_length=3, past_columns=["x"], distribution="normal",
                          n_paths=50, **TINY)
    intervals = _fit(paths, y, X=X).predict_interval(fh=[1, 2], coverage=0.8)
    width = (intervals.iloc[:, 1] - intervals.iloc[:, 0]).to_numpy().reshape(6, 2)
    # Two steps ahead, the unknown x of step 1 widens the interval of y.
    assert (width[:, 1] > width[:, 0]).mean() > 0.8


@pytest.mark.parametrize("option", [dict(static_columns=["a"]), dict(series_embedding=True)])
def test_static_columns_and_series_embedding_tell_the_series_apart(option):
    y, X = signed_panel()
    # One step of history does not say whether a series alternates or persists.
    blind = _last_step_error(RNNForecaster(window_length=1, **TINY), y)
    told = _last_step_error(RNNForecaster(window_length=1, **option, **TINY), y,
                            X[["a"]] if "static_columns" in option else None)
    assert told < 0.75 * blind


def test_static_columns_are_standardized_over_the_series_and_taken_from_fit():
    y, X = signed_panel(n_series=4, length=30)
    X = X.assign(a=X["a"] * 100 + 7)
    forecaster = _fit(RNNForecaster(window_length=2, static_columns="a",
                                    series_embedding=True, **dict(TINY, max_epochs=2)),
                      y, X=X[["a"]])
    static = forecaster._static
    np.testing.assert_allclose(static[:, 0], [-1, 1, -1, 1])
    np.testing.assert_array_equal(static[:, 1:], np.eye(4))
    assert forecaster.regressor_.input_size_ == 1 + 1 + 4
    # Future-known columns only are needed in predict: X of other columns is ignored.
    index = _index(4, range(30, 32))
    ignored = pd.DataFrame({"a": np.zeros(8)}, index=index)
    pd.testing.assert_frame_equal(forecaster.predict(fh=[1, 2]),
                                  forecaster.predict(fh=[1, 2], X=ignored))


def test_future_known_columns_are_still_needed_in_predict():
    y, X = signed_panel(n_series=4, length=30)
    forecaster = _fit(RNNForecaster(window_length=2, static_columns=["a"],
                                    **dict(TINY, max_epochs=2)), y, X=X)
    with pytest.raises(ValueError, match=r"future-known columns \['noise'\].*past_columns"):
        forecaster.predict(fh=[1, 2])
    future = pd.DataFrame({"noise": np.zeros(8)}, index=_index(4, range(30, 32)))
    assert forecaster.predict(fh=[1, 2], X=future).shape == (8, 1)


@pytest.mark.parametrize("params, X_columns, message", [
    (dict(past_columns=["missing"]), ["a", "noise"], r"past_columns names column\(s\) "
                                                     r"\['missing'\] that X lacks"),
    (dict(static_columns=["a", "b"]), ["a", "noise"], r"static_columns names column\(s\) "
                                                      r"\['b'\]"),
    (dict(past_columns="a", static_columns=["a"]), ["a"], "both past_columns and "
                                                          "static_columns"),
    (dict(static_columns=["noise"]), ["noise"], "Static column 'noise' of X varies within "
                                                r"a series \(series \('s0',\)\)"),
    (dict(past_columns=3.5), ["a"], "past_columns"),
    (dict(series_embedding="yes"), ["a"], "series_embedding"),
])
def test_misuse_is_refused_before_training(params, X_columns, message):
    y, X = signed_panel(n_series=2, length=20)
    forecaster = RNNForecaster(window_length=2, **params, **TINY)
    with pytest.raises(ValueError, match=message):
        forecaster.fit(y, X=X[X_columns])
    assert not hasattr(forecaster, "regressor_")


def test_columns_named_without_x_warn_and_learn_from_y():
    y, _ = signed_panel(n_series=2, length=20)
    with pytest.warns(UserWarning, match="names columns of X, but fit got no X"):
        forecaster = _fit(RNNForecaster(window_length=2, past_columns=["x"],
                                        **dict(TINY, max_epochs=1)), y)
    assert forecaster.regressor_.input_size_ == 1


@pytest.mark.parametrize("strategy", ["recursive", "direct"])
def test_typed_covariates_save_and_load(tmp_path, strategy):
    y, X, _ = led_panel(n_series=4, length=30)
    X = X.assign(size=np.repeat([1.0, 2.0, 3.0, 4.0], 30), known=np.arange(120.0))
    forecaster = _fit(RNNForecaster(
        window_length=3, strategy=strategy, past_columns=["x"], static_columns=["size"],
        series_embedding=True, distribution="normal", n_paths=20, **dict(TINY, max_epochs=2)),
        y, X=X, fh=[1, 2])
    future = pd.DataFrame({"known": np.zeros(8)}, index=_index(4, range(30, 32)))
    sklrnn.save(forecaster, tmp_path / "f.sklrnn")
    loaded = sklrnn.load(tmp_path / "f.sklrnn")
    pd.testing.assert_frame_equal(loaded.predict_quantiles(fh=[1, 2], X=future, alpha=[0.1]),
                                  forecaster.predict_quantiles(fh=[1, 2], X=future,
                                                               alpha=[0.1]))


@pytest.mark.parametrize("option, refusals", [
    (dict(past_columns=[0]), ["past_columns names column(s) [0] that X lacks"]),
    (dict(static_columns=[1]), ["Static column 1 of X varies within a series",
                                "static_columns names column(s) [1] that X lacks"]),
])
def test_typed_forecasters_pass_sktime_check_estimator_but_for_designed_refusals(option,
                                                                                 refusals):
    from sktime.utils.estimator_checks import check_estimator

    # Some of sktime's checks name X's columns foo and bar, or exog1 and exog2 (a column
    # the option names is then missing), and its X varies at every step (which a static
    # column refuses): those fits must fail with these refusals, every other check pass.
    forecaster = RNNForecaster(window_length=3, hidden_size=4, max_epochs=2, batch_size=16,
                               random_state=0, **option)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(forecaster, raise_exceptions=False, verbose=False,
                                  tests_to_exclude=["test__y_remember_data"])
    refused = {name: result for name, result in results.items() if result != "PASSED"}
    assert len(results) - len(refused) > 300
    for name, result in refused.items():
        assert isinstance(result, ValueError), name
        assert any(refusal in str(result) for refusal in refusals), name


def test_columns_may_be_named_by_an_array_and_save(tmp_path):
    y, X = signed_panel(n_series=4, length=30)
    forecaster = _fit(RNNForecaster(window_length=2, static_columns=np.array(["a"]),
                                    past_columns=("noise",), **dict(TINY, max_epochs=1)),
                      y, X=X)
    assert forecaster._static_columns == ["a"] and type(forecaster._static_columns[0]) is str
    assert forecaster._past_columns == ["noise"]
    sklrnn.save(forecaster, tmp_path / "f.sklrnn")
    pd.testing.assert_frame_equal(sklrnn.load(tmp_path / "f.sklrnn").predict(fh=[1, 2]),
                                  forecaster.predict(fh=[1, 2]))

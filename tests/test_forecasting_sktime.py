"""sktime forecasting: make_reduction with sklrnn (every strategy, exogenous data, pipelines,
tuning, global pooling) and the native RNNForecaster (check_estimator, panels, quantiles)."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.pipeline import make_pipeline

from sklrnn import RNNRegressor
from sklrnn.preprocessing import TabularToSequence

pytest.importorskip("sktime")
from sktime.datasets import load_airline  # noqa: E402
from sktime.forecasting.compose import TransformedTargetForecaster, make_reduction  # noqa: E402
from sktime.forecasting.model_selection import ForecastingGridSearchCV  # noqa: E402
from sktime.performance_metrics.forecasting import (  # noqa: E402
    mean_absolute_percentage_error,
)
from sktime.split import ExpandingWindowSplitter, temporal_train_test_split  # noqa: E402

STRATEGIES = ["recursive", "direct", "multioutput", "dirrec"]
TINY = dict(hidden_size=8, lr=0.02, random_state=0)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def monthly(values, start="2000-01"):
    return pd.Series(values, index=pd.period_range(start, periods=len(values), freq="M"))


def noisy_sine(n=200, seed=0):
    rng = np.random.default_rng(seed)
    return monthly(np.sin(2 * np.pi * np.arange(n) / 12) + 0.05 * rng.normal(size=n))


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_reduction_strategy_forecasts_a_sine(strategy):
    y = noisy_sine()
    y_train, y_test = y[:-6], y[-6:]
    forecaster = make_reduction(RNNRegressor(max_epochs=30, **TINY), window_length=12,
                                strategy=strategy)
    forecast = forecaster.fit(y_train, fh=np.arange(1, 7)).predict()
    assert forecast.index.equals(y_test.index)
    # The seasonal naive forecast errs by the noise, about 0.06; predicting 0 by 0.64.
    assert np.abs(forecast - y_test).mean() < 0.15


@pytest.mark.parametrize("strategy", ["recursive", "direct", "multioutput"])
def test_exogenous_variables_reach_the_network_as_features_of_each_step(strategy):
    rng = np.random.default_rng(1)
    n, n_exog = 120, 2
    X = pd.DataFrame(rng.normal(size=(n, n_exog)), columns=["a", "b"],
                     index=pd.period_range("2000-01", periods=n, freq="M"))
    y = monthly(np.sin(2 * np.pi * np.arange(n) / 12) + 0.5 * X["a"].to_numpy())
    y_train, y_test, X_train, X_test = temporal_train_test_split(y, X, test_size=4)
    pipe = make_pipeline(TabularToSequence(n_variables=1 + n_exog),
                         RNNRegressor(max_epochs=3, **TINY))
    forecaster = make_reduction(pipe, window_length=6, strategy=strategy)
    forecast = forecaster.fit(y_train, X=X_train, fh=[1, 2, 3, 4]).predict(X=X_test)
    assert forecast.index.equals(y_test.index) and np.isfinite(forecast).all()
    fitted = (forecaster.estimators_ if hasattr(forecaster, "estimators_")
              else [forecaster.estimator_])
    for estimator in fitted:
        rnn = estimator[-1]
        # Windows of 6 steps with 3 variables each, not 18 unrelated columns.
        assert rnn.n_features_in_ == 1 + n_exog


def test_global_reduction_trains_one_network_on_the_lag_table_of_all_series():
    y, values = _noisy_panel(n_series=6, n=100, noise=0.05)
    train = y.groupby(level=0).head(94)
    forecaster = make_reduction(RNNRegressor(max_epochs=30, **TINY), window_length=12,
                                pooling="global")
    forecast = forecaster.fit(train, fh=np.arange(1, 7)).predict()
    # One row of the (series, time)-indexed lag table per window: 6 x 82 windows of 12 lags,
    # not 6 sequences.
    assert forecaster.estimator_.n_features_in_ == 12
    assert forecaster.estimator_.net_.history[-1, "train_loss"] < 0.1
    error = np.abs(forecast["y"].to_numpy().reshape(6, 6) - values[:, 94:])
    assert error.mean() < 0.25  # predicting 0 errs by 0.64


def _airline_pipeline(regressor):
    from sktime.transformations.series.detrend import Deseasonalizer, Detrender

    return TransformedTargetForecaster([
        ("deseasonalize", Deseasonalizer(sp=12, model="multiplicative")),
        ("detrend", Detrender()),
        ("forecast", make_reduction(regressor, window_length=12, strategy="recursive")),
    ])


def test_transformed_target_pipeline_forecasts_airline_far_better_than_seasonal_naive():
    pytest.importorskip("statsmodels")
    y = load_airline()
    y_train, y_test = temporal_train_test_split(y, test_size=36)
    forecaster = _airline_pipeline(RNNRegressor(cell="gru", hidden_size=16, lr=0.01,
                                                max_epochs=30, random_state=0))
    forecast = forecaster.fit(y_train, fh=np.arange(1, 37)).predict()
    # Seasonal naive: 0.132 on this split.
    assert mean_absolute_percentage_error(y_test, forecast) < 0.08


def test_forecasting_grid_search_tunes_rnn_hyperparameters():
    y = noisy_sine(n=96)
    forecaster = make_reduction(RNNRegressor(max_epochs=2, **TINY), window_length=12)
    cv = ExpandingWindowSplitter(initial_window=84, step_length=6, fh=[1, 2, 3])
    grid = {"estimator__hidden_size": [4, 8], "estimator__cell": ["gru", "lstm"]}
    search = ForecastingGridSearchCV(forecaster, cv=cv, param_grid=grid, backend=None).fit(y)
    assert search.best_params_["estimator__hidden_size"] in (4, 8)
    assert len(search.cv_results_) == 4
    assert search.best_forecaster_.estimator_.hidden_size == search.best_params_[
        "estimator__hidden_size"]
    assert len(search.predict(fh=[1, 2, 3])) == 3


# -- RNNForecaster -------------------------------------------------------------------------

def _forecaster(**params):
    from sklrnn.forecasting import RNNForecaster

    return RNNForecaster(**{**dict(window_length=12, cell="gru", max_epochs=30), **TINY,
                            **params})


def test_rnn_forecaster_passes_sktime_check_estimator():
    from sktime.utils.estimator_checks import check_estimator

    from sklrnn.forecasting import RNNForecaster

    # This check turns remember_data on after construction and expects the _y = None that
    # only a constructor under remember_data=True sets; RNNForecaster keeps its own copies
    # of the data (remember_data=False) and leaves sktime's reserved _y and _X alone.
    results = check_estimator(RNNForecaster, raise_exceptions=False, verbose=False,
                              tests_to_exclude=["test__y_remember_data"])
    failed = {name: result for name, result in results.items() if result != "PASSED"}
    assert len(results) > 500
    assert not failed


def test_sktime_is_imported_only_when_the_forecaster_is_used():
    import subprocess
    import sys

    code = ("import sys, sklrnn, sklrnn.forecasting; "
            "from sklrnn.forecasting import *; "
            "assert 'sktime' not in sys.modules; "
            "sklrnn.forecasting.RNNForecaster; assert 'sktime' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("strategy", ["recursive", "direct"])
def test_rnn_forecaster_forecasts_a_sine(strategy):
    y = noisy_sine()
    fh = np.arange(1, 7)
    forecast = _forecaster(strategy=strategy).fit(y[:-6], fh=fh).predict(fh)
    assert forecast.index.equals(y.index[-6:])
    assert np.abs(forecast - y[-6:]).mean() < 0.15


def test_direct_strategy_needs_the_horizon_in_fit_and_forecasts_only_its_steps():
    y = noisy_sine(n=80)
    forecaster = _forecaster(strategy="direct", max_epochs=2)
    assert forecaster.get_tag("requires-fh-in-fit")
    assert not _forecaster().get_tag("requires-fh-in-fit")
    forecaster.fit(y, fh=[1, 3])
    assert forecaster.regressor_.architecture == "encoder_decoder"
    assert forecaster.predict().index.equals(pd.period_range(y.index[-1] + 1, periods=3,
                                                             freq="M")[[0, 2]])
    with pytest.raises(ValueError, match="different forecasting horizon"):
        forecaster.predict(fh=[4])


def test_one_global_network_forecasts_series_of_any_scale():
    y = noisy_sine()
    panel = pd.concat({"small": y, "large": 1000 * y + 5000, "shifted": y + 3},
                      names=["series", "time"]).to_frame("y")
    train = panel.groupby(level=0).head(194)
    forecaster = _forecaster().fit(train)
    assert forecaster.n_windows_ == 3 * (194 - 12)
    forecast = forecaster.predict(fh=np.arange(1, 7))
    assert list(forecast.index.get_level_values(0).unique()) == ["small", "large", "shifted"]
    for name, scale in [("small", 1), ("large", 1000), ("shifted", 1)]:
        error = np.abs(forecast.loc[name, "y"].to_numpy() - panel.loc[name, "y"].to_numpy()[194:])
        assert error.mean() < 0.15 * scale


def test_exogenous_variables_are_read_at_every_recursive_step():
    rng = np.random.default_rng(0)
    index = pd.period_range("2000-01", periods=240, freq="M")
    x = rng.normal(size=240)
    y = pd.Series(np.r_[0.0, x[:-1]], index=index)  # y follows x one step later
    X = pd.DataFrame({"x": x}, index=index)
    fh = np.arange(1, 7)
    errors = {}
    for name, X_train, X_future in [("with X", X[:-6], X[-6:]), ("without", None, None)]:
        forecaster = _forecaster(window_length=3).fit(y[:-6], X=X_train)
        forecast = forecaster.predict(fh, X=X_future)
        errors[name] = np.abs(forecast - y[-6:]).mean()
    assert errors["with X"] < 0.3 < 1.0 < errors["without"]
    with pytest.raises(ValueError, match="lacks the time"):
        _forecaster(window_length=3, max_epochs=1).fit(y[:-6], X=X[:-6]).predict(
            fh, X=X[-6:-3])


def test_update_moves_the_forecast_origin_and_can_retrain():
    y = noisy_sine(n=120)
    forecaster = _forecaster(max_epochs=3).fit(y[:100])
    weights = forecaster.regressor_.net_.module_.state_dict()["head.weight"].clone()
    forecaster.update(y[100:110], update_params=False)
    assert forecaster.predict(fh=[1]).index[0] == y.index[110]
    assert torch.equal(forecaster.regressor_.net_.module_.state_dict()["head.weight"], weights)
    forecaster.update(y[110:], update_params=True)
    assert forecaster.n_windows_ == 120 - 12
    assert forecaster.predict(fh=[1]).index[0] == y.index[-1] + 1


@pytest.mark.parametrize("params, message", [
    (dict(window_length=0),
     r"'window_length' parameter of RNNForecaster must be an int in the range \[1, inf\)"),
    (dict(window_length=50), "fewer than window_length=50"),
    (dict(strategy="dirrec"), "'strategy' parameter of RNNForecaster must be a str among"),
    (dict(hidden_size=0), "'hidden_size' parameter of RNNForecaster must be an int"),
])
def test_rnn_forecaster_refuses_bad_settings_before_training(params, message):
    with pytest.raises(ValueError, match=message):
        _forecaster(**params).fit(noisy_sine(n=40), fh=[1])


def test_the_forecasters_network_parameters_are_the_regressors():
    import inspect

    from sklrnn import RNNRegressor
    from sklrnn.forecasting._forecaster import NETWORK_PARAMS, RNNForecaster

    own = {"window_length", "strategy", "quantiles", "distribution", "n_paths", "calibration",
           "calibration_refits", "sp", "deseasonalize", "level", "detrend", "past_columns",
           "static_columns", "series_embedding"}
    forecaster = inspect.signature(RNNForecaster).parameters
    regressor = inspect.signature(RNNRegressor).parameters
    assert set(forecaster) == own | set(NETWORK_PARAMS)
    for name in NETWORK_PARAMS:
        assert forecaster[name].default == regressor[name].default, name
        assert (RNNForecaster._parameter_constraints[name]
                is RNNRegressor._parameter_constraints[name]), name


def test_documented_airline_configuration_reaches_its_mape():
    # examples/plot_airline_forecasting.py: deseasonalize, detrend, an LSTM reading the
    # residual and the month of the year. Seeds 0-8 gave MAPE 0.0392-0.0407.
    pytest.importorskip("statsmodels")
    from sktime.transformations.series.detrend import Deseasonalizer, Detrender

    y = load_airline()
    month = y.index.month.to_numpy()
    X = pd.DataFrame({"month_sin": np.sin(2 * np.pi * month / 12),
                      "month_cos": np.cos(2 * np.pi * month / 12)}, index=y.index)
    forecaster = TransformedTargetForecaster([
        ("deseasonalize", Deseasonalizer(sp=12, model="multiplicative")),
        ("detrend", Detrender()),
        ("forecast", _forecaster(window_length=18, cell="lstm", hidden_size=32, lr=0.01,
                                 max_epochs=60)),
    ])
    forecast = forecaster.fit(y[:-36], X=X[:-36], fh=np.arange(1, 37)).predict(X=X[-36:])
    # Seasonal naive: 0.132; the same pipeline forecasting the mean residual: 0.058.
    assert mean_absolute_percentage_error(y[-36:], forecast) < 0.045


def _noisy_panel(n_series=20, n=150, noise=0.3, seed=0):
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi, (n_series, 1))
    values = (np.sin(2 * np.pi * np.arange(n) / 12 + phase)
              + noise * rng.normal(size=(n_series, n)))
    index = pd.MultiIndex.from_product(
        [[f"s{i}" for i in range(n_series)], pd.period_range("2000-01", periods=n, freq="M")],
        names=["series", "time"])
    return pd.DataFrame({"y": values.ravel()}, index=index), values


def test_quantile_forecasts_cover_held_out_data_as_often_as_they_say():
    y, values = _noisy_panel()
    train = y.groupby(level=0).head(138)
    forecaster = _forecaster(strategy="direct", quantiles=True, hidden_size=16, lr=0.01,
                             max_epochs=40)
    assert forecaster.get_tag("capability:pred_int")
    forecaster.fit(train, fh=np.arange(1, 13))
    truth = values[:, 138:].ravel()
    intervals = forecaster.predict_interval(coverage=[0.5, 0.8, 0.9])
    covered = {}
    for coverage in (0.5, 0.8, 0.9):
        lower = intervals[("y", coverage, "lower")].to_numpy()
        upper = intervals[("y", coverage, "upper")].to_numpy()
        covered[coverage] = np.mean((truth >= lower) & (truth <= upper))
    # 240 held-out values; measured 0.44, 0.81, 0.93.
    assert 0.35 < covered[0.5] < 0.65
    assert 0.7 < covered[0.8] < 0.9
    assert 0.8 < covered[0.9] < 0.98
    quantiles = forecaster.predict_quantiles(alpha=[0.1, 0.3, 0.5, 0.9])
    assert (np.diff(quantiles.to_numpy(), axis=1) >= 0).all()  # never crossing
    np.testing.assert_allclose(quantiles[("y", 0.5)], forecaster.predict()["y"])


def test_quantiles_need_the_direct_strategy_and_levels_inside_the_trained_ones():
    y = noisy_sine(n=60)
    with pytest.raises(ValueError, match="quantiles need strategy='direct'"):
        _forecaster(quantiles=True).fit(y)
    with pytest.raises(ValueError, match=r"quantiles must lie in \(0, 1\)"):
        _forecaster(strategy="direct", quantiles=[0.1, 1.0]).fit(y, fh=[1])
    forecaster = _forecaster(strategy="direct", quantiles=[0.2, 0.8], max_epochs=1)
    forecaster.fit(y, fh=[1, 2])
    assert forecaster.regressor_.levels == (0.2, 0.5, 0.8)
    with pytest.raises(ValueError, match="outside the levels"):
        forecaster.predict_quantiles(alpha=[0.1])
    assert not _forecaster().get_tag("capability:pred_int")

"""sktime's reduction with sklrnn estimators: every strategy, exogenous data, pipelines, tuning."""

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


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Train the tiny networks on one thread: fast and repeatable on a busy machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


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

"""RNNForecaster's own level, trend and season handling: sp detection, seasonal adjustment,
window-local level, exact inverse transforms, the naive forecast as the zero output."""

import numpy as np
import pandas as pd
import pytest
import torch

pytest.importorskip("sktime")

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = dict(cell="gru", hidden_size=4, max_epochs=2, lr=0.01, random_state=0)


def _forecaster(**params):
    from sklrnn.forecasting import RNNForecaster

    return RNNForecaster(**{**TINY, **params})


def monthly(values, start="2000-01"):
    return pd.Series(values, index=pd.period_range(start, periods=len(values), freq="M"))


def seasonal_series(n=96, trend=0.0, noise=0.0, seed=0, positive=True):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    season = np.sin(2 * np.pi * t / 12) + 0.5 * np.cos(4 * np.pi * t / 12)
    values = 10 + trend * t + 3 * season + noise * rng.normal(size=n)
    return values if positive else values - 20


def _silence_network(forecaster):
    """Zero the output layer: the network then predicts no change from the last level."""
    with torch.no_grad():
        for name, parameter in forecaster.regressor_.net_.module_.named_parameters():
            if name.startswith("head"):
                parameter.zero_()
    return forecaster


def test_sp_is_read_from_the_index_frequency():
    y = monthly(seasonal_series())
    assert _forecaster().fit(y).sp_ == 12
    quarterly = pd.Series(seasonal_series(48), index=pd.period_range("2000Q1", periods=48,
                                                                     freq="Q"))
    assert _forecaster(window_length=4).fit(quarterly).sp_ == 4
    yearly = pd.Series(seasonal_series(48), index=pd.period_range("1950", periods=48,
                                                                  freq="Y"))
    forecaster = _forecaster(window_length=4).fit(yearly)
    assert forecaster.sp_ == 1 and forecaster.seasonal_.shape == (1, 1, 1)


def test_sp_is_detected_from_the_autocorrelation_without_a_frequency():
    rng = np.random.default_rng(0)
    t = np.arange(120)
    values = 5 + np.sin(2 * np.pi * t / 7) + 0.1 * rng.normal(size=120)
    assert _forecaster(window_length=7).fit(pd.Series(values)).sp_ == 7
    # White noise has no season; a series too short for 3 periods gets none either.
    assert _forecaster(window_length=7).fit(pd.Series(rng.normal(size=120))).sp_ == 1
    assert _forecaster(window_length=3).fit(pd.Series(values[:5])).sp_ == 1


def test_auto_deseasonalizes_only_series_that_pass_the_seasonality_test():
    rng = np.random.default_rng(0)
    panel = pd.concat({"seasonal": monthly(seasonal_series(noise=0.1)),
                       "flat": monthly(10 + rng.normal(size=96))},
                      names=["series", "time"]).to_frame("y")
    forecaster = _forecaster().fit(panel)
    assert forecaster.deseasonalize_ == "multiplicative"
    assert np.ptp(forecaster.seasonal_[0, :, 0]) > 0.3  # factors around 1
    np.testing.assert_array_equal(forecaster.seasonal_[1, :, 0], 1.0)
    assert _forecaster().fit(monthly(seasonal_series(positive=False))).deseasonalize_ == \
        "additive"
    assert _forecaster(deseasonalize=None).fit(panel).seasonal_.std() == 0


@pytest.mark.parametrize("deseasonalize", ["multiplicative", "additive"])
@pytest.mark.parametrize("strategy", ["recursive", "direct"])
def test_a_constant_season_is_recovered_exactly_by_the_inverse_transforms(deseasonalize,
                                                                          strategy):
    values = seasonal_series(n=84)
    y = monthly(values)
    forecaster = _silence_network(
        _forecaster(deseasonalize=deseasonalize, strategy=strategy).fit(y[:60], fh=range(1, 25)))
    # With the network silent, the forecast is the last level times (plus) the season: for a
    # series that is season alone, the series itself.
    np.testing.assert_allclose(forecaster.predict(fh=range(1, 25)), values[60:], rtol=1e-9)


def test_zero_network_output_is_the_naive_forecast_of_the_adjusted_series():
    values = seasonal_series(n=96, trend=0.2, noise=0.3)
    forecaster = _silence_network(_forecaster(deseasonalize=None, detrend=False).fit(
        monthly(values)))
    np.testing.assert_allclose(forecaster.predict(fh=[1, 2, 3]), values[-1], rtol=1e-9)


def test_default_forecaster_beats_the_naive_forecast_on_a_trending_seasonal_series():
    from sklrnn.forecasting import RNNForecaster

    y = monthly(seasonal_series(n=120, trend=0.1, noise=0.3))
    train, test = y[:-24], y[-24:].to_numpy()
    forecaster = RNNForecaster(random_state=0).fit(train)  # the defaults: 1 s
    assert (forecaster.sp_, forecaster.deseasonalize_, forecaster.level_) == (
        12, "multiplicative", "last")
    # 84 windows, 3 batches: 667 epochs make 2,000 batches; the forecaster stops at 100.
    assert forecaster.regressor_.max_epochs_ == 100
    forecast = forecaster.predict(fh=range(1, 25)).to_numpy()
    naive_error = np.abs(test - train.iloc[-1]).mean()
    error = np.abs(test - forecast).mean()
    assert error < 0.5 * naive_error


def test_update_keeps_the_season_in_phase():
    values = seasonal_series(n=96)
    forecaster = _silence_network(_forecaster(deseasonalize="additive").fit(monthly(values[:60])))
    forecaster.update(monthly(values[60:65], start="2005-01"), update_params=False)
    np.testing.assert_allclose(forecaster.predict(fh=range(1, 13)), values[65:77], rtol=1e-9)


@pytest.mark.parametrize("params, message", [
    (dict(sp=0), r"'sp' parameter of RNNForecaster must be .*an int in the range \[1, inf\)"),
    (dict(sp=2.5), r"'sp' parameter of RNNForecaster must be .*an int in the range \[1, inf\)"),
    (dict(deseasonalize="log"), "'deseasonalize' parameter of RNNForecaster must be"),
    (dict(level="median"), "'level' parameter of RNNForecaster must be"),
    (dict(detrend="yes"), "'detrend' parameter of RNNForecaster must be"),
    (dict(sp=12, deseasonalize="additive"), "needs at least two periods"),
])
def test_bad_adjustment_settings_are_refused_before_training(params, message):
    forecaster = _forecaster(window_length=3, **params)
    with pytest.raises(ValueError, match=message):
        forecaster.fit(monthly(seasonal_series(n=20)))
    assert not hasattr(forecaster, "regressor_")


def test_multiplicative_season_needs_positive_values():
    with pytest.raises(ValueError, match="needs positive values of y"):
        _forecaster(deseasonalize="multiplicative").fit(
            monthly(seasonal_series(positive=False)))


def test_update_without_refit_refuses_values_a_multiplicative_season_cannot_log():
    values = seasonal_series(n=72)
    forecaster = _forecaster(window_length=6).fit(monthly(values[:60]))
    assert forecaster.deseasonalize_ == "multiplicative"
    before = forecaster.predict(fh=[1, 2])
    with pytest.raises(ValueError, match="update_params=True"):
        forecaster.update(monthly([5.0, -1.0], start="2005-01"), update_params=False)
    # Nothing changed; a refit chooses again (additive, as y is no longer all positive).
    pd.testing.assert_series_equal(forecaster.predict(fh=[1, 2]), before)
    forecaster.update(monthly([5.0, -1.0], start="2005-01"))
    assert forecaster.deseasonalize_ == "additive"
    assert np.isfinite(forecaster.predict(fh=[1, 2])).all()


def test_max_epochs_auto_counts_batches_over_all_windows_and_a_number_passes_through():
    y = monthly(seasonal_series(n=96, noise=0.3))
    windows = 96 - 12
    assert _forecaster(max_epochs=7).fit(y).regressor_.max_epochs_ == 7
    # batch_size=1: 84 batches per epoch, so 2,000 batches take 24 epochs, under the cap.
    forecaster = _forecaster(max_epochs="auto", batch_size=1).fit(y)
    assert forecaster.regressor_.max_epochs_ == -(-2000 // windows) == 24


def test_a_network_with_nothing_to_add_to_the_classical_forecast_is_not_a_warning(
        monkeypatch):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from sklrnn import RNNRegressor

    # A random walk: after the drift, the steps are noise; no network predicts them.
    y = monthly(np.cumsum(np.random.default_rng(0).normal(size=120)) + 50)
    params = dict(TINY, max_epochs=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        _forecaster(**params, sp=None, level="last").fit(y)
    # The same windows given to the regressor itself do warn: the filter is what is tested.
    steps = np.diff(y.to_numpy()) / np.abs(np.diff(y.to_numpy())).mean()
    X = np.lib.stride_tricks.sliding_window_view(steps[:-1], 12)
    with pytest.warns(ConvergenceWarning, match="never fell below"):
        RNNRegressor(**params).fit(X[:, :, None], steps[12:] - steps.mean())
    # Only level="last" filters the warning: standardized by its mean, a network that learns
    # nothing forecasts the mean, and that is warned. (Whether a network of 3 epochs beats
    # the constant here depends on its seed, so a regressor that always warns stands in.)
    def always_warns(self, history, y, weight):
        warnings.warn("RNNRegressor's training loss never fell below that of a constant "
                      "prediction", ConvergenceWarning, stacklevel=2)

    monkeypatch.setattr(RNNRegressor, "_check_convergence", always_warns)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        _forecaster(**params, sp=None, level="last").fit(y)
    with pytest.warns(ConvergenceWarning, match="never fell below"):
        _forecaster(**params, sp=None, level="mean").fit(y)

"""RNNForecaster(distribution=...): sample paths, their quantiles, variance and calibration."""

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sktime")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import sklrnn  # noqa: E402
from sklrnn.forecasting import RNNForecaster  # noqa: E402

TINY = dict(hidden_size=8, max_epochs=30, batch_size=32, random_state=0, sp=None)


def noisy_sines(n_series=20, length=72, seed=0):
    """A panel of sines of random phase with noise of scale 0.3."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_series):
        t = np.arange(length)
        values = np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6)) + 0.3 * rng.normal(size=length)
        frames.append(pd.DataFrame({"y": values}, index=pd.MultiIndex.from_product(
            [[i], t], names=["series", "time"])))
    return pd.concat(frames)


def _fit(forecaster, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return forecaster.fit(y, **kwargs)


def _train_test(panel, horizon):
    times = panel.index.get_level_values("time")
    cut = times.max() - horizon
    return panel[times <= cut], panel[times > cut]


@pytest.mark.parametrize("strategy, distribution", [
    ("recursive", "normal"), ("recursive", "student_t"), ("direct", "normal")])
def test_intervals_cover_held_out_steps_near_their_level(strategy, distribution):
    panel = noisy_sines()
    train, test = _train_test(panel, 6)
    fh = list(range(1, 7))
    forecaster = RNNForecaster(6, strategy=strategy, distribution=distribution, n_paths=300,
                               level="mean", **TINY)
    _fit(forecaster, train, fh=fh)
    interval = forecaster.predict_interval(fh=fh, coverage=[0.5, 0.9])
    truth = test["y"].to_numpy()
    for coverage in (0.5, 0.9):
        low = interval[("y", coverage, "lower")].to_numpy()
        high = interval[("y", coverage, "upper")].to_numpy()
        held = np.mean((low <= truth) & (truth <= high))
        assert abs(held - coverage) < 0.2, (coverage, held)
    point = forecaster.predict(fh=fh)["y"].to_numpy()
    assert np.abs(point - truth).mean() < 0.45  # the noise alone costs about 0.24


def test_batched_paths_equal_a_loop_of_one_path_at_a_time():
    panel = noisy_sines(n_series=3, length=40)
    forecaster = _fit(RNNForecaster(6, distribution="student_t", n_paths=5, level="last",
                                    **dict(TINY, max_epochs=3)), panel)
    rng = np.random.default_rng(1)
    windows = rng.normal(size=(3, 6, 1))
    last = rng.normal(size=(3, 1))
    draws = rng.random((3, 5, 4, 1))
    batched = forecaster._recursive_paths(windows, last, None, 4, draws)
    assert batched.shape == (3, 4, 1, 5)
    for path in range(5):
        one = forecaster._recursive_paths(windows, last, None, 4, draws[:, path:path + 1])
        np.testing.assert_array_equal(batched[..., path:path + 1], one)


def test_forecasts_repeat_and_spread_grows_with_the_horizon():
    y = noisy_sines(n_series=1, length=80).droplevel(0)
    forecaster = _fit(RNNForecaster(12, distribution="normal", n_paths=400, level="last",
                                    **TINY), y)
    fh = list(range(1, 13))
    first, again = forecaster.predict(fh=fh), forecaster.predict(fh=fh)
    pd.testing.assert_frame_equal(first, again)
    variance = forecaster.predict_var(fh=fh)["y"].to_numpy()
    assert (variance > 0).all()
    # Each step's draw feeds the next: later steps are more uncertain than the first.
    assert variance[6:].mean() > variance[0]
    quantiles = forecaster.predict_quantiles(fh=fh, alpha=[0.1, 0.5, 0.9])
    assert quantiles.shape == (12, 3)
    assert (np.diff(quantiles.to_numpy(), axis=1) >= 0).all()


def test_predict_proba_is_the_empirical_distribution_of_the_paths():
    pytest.importorskip("skpro")
    panel = noisy_sines(n_series=3, length=40)
    forecaster = _fit(RNNForecaster(6, distribution="normal", n_paths=200,
                                    **dict(TINY, max_epochs=3)), panel)
    fh = [1, 2, 3]
    marginal = forecaster.predict_proba(fh=fh)
    assert type(marginal).__name__ == "Empirical"
    assert marginal.shape == (9, 1)
    np.testing.assert_allclose(marginal.mean().to_numpy(), forecaster.predict(fh=fh).to_numpy())
    np.testing.assert_allclose(marginal.var().to_numpy(), forecaster.predict_var(fh=fh),
                               rtol=0.02)  # ddof 0 against 1 over 200 paths
    quantiles = forecaster.predict_quantiles(fh=fh, alpha=[0.1, 0.9]).to_numpy()
    ppf = np.column_stack([marginal.ppf(level).to_numpy()[:, 0] for level in (0.1, 0.9)])
    # The empirical quantile is a path's value; numpy's interpolates between two of them.
    assert np.abs(ppf - quantiles).max() < 0.05 * (quantiles[:, 1] - quantiles[:, 0]).min()
    # marginal=False keeps every path whole: a draw of all steps of a series is one path.
    joint = forecaster.predict_proba(fh=fh, marginal=False)
    forecast, _ = forecaster._forecast(forecaster.fh, None)
    draw = joint.sample().to_numpy().reshape(3, 3)
    for series in range(3):
        paths = forecast[series, :, 0].T  # (paths, steps)
        assert np.isclose(paths, draw[series]).all(axis=1).any()


def test_predict_proba_without_skpro_is_sktimes_normal(monkeypatch):
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "skpro" else find_spec(name, *args))
    y = noisy_sines(n_series=1, length=40).droplevel(0)
    forecaster = _fit(RNNForecaster(6, distribution="normal", n_paths=50,
                                    **dict(TINY, max_epochs=2)), y)
    normal = forecaster.predict_proba(fh=[1, 2])
    assert type(normal).__name__ == "Normal"
    np.testing.assert_allclose(normal.mean().to_numpy(), forecaster.predict(fh=[1, 2]))


def test_refusals_name_the_fix():
    y = noisy_sines(n_series=1, length=40).droplevel(0)
    with pytest.raises(ValueError, match="set one of them"):
        RNNForecaster(6, distribution="normal", quantiles=True, **TINY).fit(y)
    with pytest.raises(ValueError, match="quantiles need strategy='direct'.*'normal'"):
        RNNForecaster(6, distribution="quantile", **TINY).fit(y)
    with pytest.raises(ValueError, match="n_paths"):
        RNNForecaster(6, distribution="normal", n_paths=0, **TINY).fit(y)


def test_quantile_distribution_is_the_direct_quantile_head():
    y = noisy_sines(n_series=1, length=60).droplevel(0)
    fh = [1, 2, 3]
    by_name = _fit(RNNForecaster(6, strategy="direct", distribution="quantile",
                                 **dict(TINY, max_epochs=3)), y, fh=fh)
    by_quantiles = _fit(RNNForecaster(6, strategy="direct", quantiles=True,
                                      **dict(TINY, max_epochs=3)), y, fh=fh)
    pd.testing.assert_frame_equal(by_name.predict_interval(fh=fh),
                                  by_quantiles.predict_interval(fh=fh))


def test_forecasters_of_distributions_save_and_load(tmp_path):
    y = noisy_sines(n_series=1, length=50).droplevel(0)
    forecaster = _fit(RNNForecaster(6, distribution="student_t", n_paths=50,
                                    **dict(TINY, max_epochs=3)), y)
    path = tmp_path / "f.safetensors"
    sklrnn.save(forecaster, path)
    loaded = sklrnn.load(path)
    pd.testing.assert_frame_equal(loaded.predict_interval(fh=[1, 2]),
                                  forecaster.predict_interval(fh=[1, 2]))


# -- calibration="conformal" ------------------------------------------------------------------

def test_conformal_intervals_hold_near_their_level_on_held_out_steps():
    panel = noisy_sines()
    train, test = _train_test(panel, 6)
    fh = list(range(1, 7))
    forecaster = _fit(RNNForecaster(6, calibration="conformal", level="mean", **TINY),
                      train, fh=fh)
    # Every series gives max(2 H, 20) = 20 origins, 6 steps each.
    assert forecaster._conformal.shape == (6, 20 * 20, 1)
    interval = forecaster.predict_interval(fh=fh, coverage=[0.5, 0.9])
    truth = test["y"].to_numpy()
    for coverage in (0.5, 0.9):
        low = interval[("y", coverage, "lower")].to_numpy()
        high = interval[("y", coverage, "upper")].to_numpy()
        assert abs(np.mean((low <= truth) & (truth <= high)) - coverage) < 0.15
    pd.testing.assert_frame_equal(
        forecaster.predict(fh=fh),
        _fit(RNNForecaster(6, level="mean", **TINY), train, fh=fh).predict(fh=fh))


def test_conformal_quantiles_are_the_finite_sample_ranks_of_the_scores():
    y = noisy_sines(n_series=1, length=60).droplevel(0)
    forecaster = _fit(RNNForecaster(6, calibration="conformal", **dict(TINY, max_epochs=2)),
                      y, fh=[1, 2])
    n = 9
    scores = np.arange(1.0, n + 1)  # the scores 1 .. 9 for both steps
    forecaster._conformal = np.stack([scores, 2 * scores])[:, :, None]
    point = forecaster.predict(fh=[1, 2])["y"].to_numpy()
    scale = forecaster._scale[0, 0]
    quantiles = forecaster.predict_quantiles(fh=[1, 2], alpha=[0.1, 0.5, 0.8, 0.95])
    # Ranks floor(10 a) below the median, ceil(10 a) from it: 1, 5, 8 and 10 -> 9 (the most).
    expected = point[:, None] + np.array([[1, 5, 8, 9], [2, 10, 16, 18]]) * scale
    np.testing.assert_allclose(quantiles.to_numpy(), expected)


def test_conformal_refits_spread_the_origins_over_the_history_in_blocks():
    y = noisy_sines(n_series=1, length=60).droplevel(0)
    params = dict(TINY, max_epochs=2, level="mean")
    forecaster = _fit(RNNForecaster(6, calibration="conformal", calibration_refits=3,
                                    **params), y, fh=[1, 2])
    # 3 blocks of max(2 H, 20) = 20 origins, cut to the room: 60 - 7 - 1 = 52 origins,
    # the first after the first 7 steps, in blocks of 18, 17 and 17.
    assert forecaster._conformal.shape == (2, 52, 1)
    held = 2 + 52 - 1
    for k, first in [(0, True), (18, True), (35, True), (36, False)]:
        copy = _fit(RNNForecaster(6, **params), y[:-(held - k)], fh=[1, 2])
        point = copy.predict(fh=[1, 2]).to_numpy().ravel()
        truth = y[len(y) - held + k:][:2].to_numpy().ravel()
        errors = (truth - point) / forecaster._scale[0, 0]
        matches = np.allclose(forecaster._conformal[:, k, 0], errors)
        # A block's first origin is a new copy's; the next an update of it, not a refit.
        assert matches == first, k
    # With one copy, the origins are the last max(2 H, 20) = 20, as before.
    one = _fit(RNNForecaster(6, calibration="conformal", calibration_refits=1, **params),
               y, fh=[1, 2])
    assert one._conformal.shape == (2, 20, 1)


def test_conformal_copies_log_only_what_the_forecaster_logs():
    # Positive for its first 50 steps, then not: deseasonalize="auto" is additive here, and
    # so are the copies trained on the positive steps alone (they could not log the rest).
    y = noisy_sines(n_series=1, length=72).droplevel(0) + 3.0
    y.iloc[50:] -= 4.0
    forecaster = _fit(RNNForecaster(6, calibration="conformal", calibration_refits=3,
                                    **dict(TINY, max_epochs=2)), y, fh=[1, 2])
    assert forecaster.deseasonalize_ == "additive"
    assert np.isfinite(forecaster._conformal).all()
    assert RNNForecaster._auto_mode is None and forecaster._auto_mode is None


def test_conformal_refuses_what_it_did_not_calibrate():
    y = noisy_sines(n_series=1, length=40).droplevel(0)
    with pytest.raises(ValueError, match="fh"):
        RNNForecaster(6, calibration="conformal", **TINY).fit(y)
    with pytest.raises(ValueError, match="the shortest has 9 steps"):
        RNNForecaster(6, calibration="conformal", **TINY).fit(y[:9], fh=[1, 2, 3])
    with pytest.raises(ValueError, match="'calibration_refits' parameter"):
        RNNForecaster(6, calibration="conformal", calibration_refits=0, **TINY).fit(
            y, fh=[1, 2])
    forecaster = _fit(RNNForecaster(6, calibration="conformal", **dict(TINY, max_epochs=2)),
                      y, fh=[1, 2])
    # sktime refuses another fh than fit's: calibration needs fh in fit (its tag says so).
    assert forecaster.get_tag("requires-fh-in-fit")
    with pytest.raises(ValueError, match="forecasting horizon"):
        forecaster.predict_interval(fh=[3])


def test_conformal_calibration_saves_and_sktime_conformal_intervals_wrap_the_forecaster(
        tmp_path):
    from sktime.forecasting.conformal import ConformalIntervals

    y = noisy_sines(n_series=1, length=50).droplevel(0)
    forecaster = _fit(RNNForecaster(6, calibration="conformal", **dict(TINY, max_epochs=2)),
                      y, fh=[1, 2])
    path = tmp_path / "c.safetensors"
    sklrnn.save(forecaster, path)
    pd.testing.assert_frame_equal(sklrnn.load(path).predict_interval(),
                                  forecaster.predict_interval())
    wrapped = ConformalIntervals(RNNForecaster(6, **dict(TINY, max_epochs=2)),
                                 initial_window=30, sample_frac=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        interval = wrapped.fit(y, fh=[1, 2]).predict_interval(coverage=0.8)
    assert interval.shape == (2, 2)
    assert (interval.iloc[:, 0] < interval.iloc[:, 1]).all()

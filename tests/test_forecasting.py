"""recursive_forecast: the predict loop's results in one batched pass, shapes, bad input."""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression

from sklrnn import RNNClassifier, RNNRegressor
from sklrnn.forecasting import recursive_forecast
from sklrnn.preprocessing import make_windows

WINDOW = 12
TINY = dict(hidden_size=8, lr=0.02, random_state=0)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def noisy_sines(n_series, n_steps, n_features=1, seed=0):
    """``(n_series, n_steps, n_features)`` sines of random periods and phases, plus noise."""
    rng = np.random.default_rng(seed)
    steps = np.arange(n_steps)[None, :, None]
    period = rng.uniform(8, 16, size=(n_series, 1, n_features))
    phase = rng.uniform(0, 2 * np.pi, size=(n_series, 1, n_features))
    return np.sin(2 * np.pi * steps / period + phase) + 0.05 * rng.normal(
        size=(n_series, n_steps, n_features))


def windows_of(series, window_length, target=None):
    """Training windows and next values of every series of a batch, stacked.

    ``y`` is 1-D for 2-D ``series`` (univariate) and for a ``target`` column.
    """
    pairs = [make_windows(s, window_length, target=target) for s in series]
    return np.concatenate([X for X, _ in pairs]), np.concatenate([y for _, y in pairs])


def predict_loop(estimator, windows, horizon, exog=None, two_d=False):
    """The loop of the issue, with ``estimator.predict``: returns ``(N, horizon, K)``."""
    x = np.array(windows, dtype=np.float64)
    predictions = []
    for i in range(horizon):
        x_next = estimator.predict(x[:, :, 0] if two_d else x).reshape(len(x), -1)
        predictions.append(x_next)
        step = x_next if exog is None else np.concatenate([x_next, exog[:, i]], axis=1)
        x = np.concatenate([x[:, 1:], step[:, None]], axis=1)
    return np.stack(predictions, axis=1)


def assert_same_forecast(actual, expected):
    """Equal up to float32 rounding (on the CPU they are identical)."""
    assert actual.dtype == np.float64
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-6)


@pytest.fixture(scope="module")
def univariate():
    """LSTM fitted on 2-D windows of 12 steps; batch_size 16 < the 20 series forecast."""
    X, y = windows_of(noisy_sines(6, 40)[:, :, 0], WINDOW)
    reg = RNNRegressor(cell="lstm", max_epochs=5, batch_size=16, **TINY).fit(X[:, :, 0], y)
    return reg, noisy_sines(20, 30, seed=1)[:, :, 0]


@pytest.fixture(scope="module")
def multivariate():
    """GRU with dropout fitted on 3-D windows of 2 variables, predicting both (K = D = 2)."""
    X, y = windows_of(noisy_sines(4, 40, n_features=2), 10)
    reg = RNNRegressor(cell="gru", dropout=0.2, max_epochs=4, **TINY).fit(X, y)
    return reg, noisy_sines(9, 16, n_features=2, seed=1)


@pytest.fixture(scope="module")
def with_exog():
    """Peephole LSTM reading a target and 2 exogenous variables, predicting the target."""
    X, y = windows_of(noisy_sines(4, 40, n_features=3), 10, target=0)
    reg = RNNRegressor(cell="peephole_lstm", max_epochs=3, batch_size=8, **TINY).fit(X, y)
    history = noisy_sines(11, 14, n_features=3, seed=1)
    future = noisy_sines(11, 6, n_features=2, seed=2)
    return reg, history, future


# -- the same as the predict loop ----------------------------------------------------------

def test_one_univariate_series_matches_the_predict_loop(univariate):
    reg, bank = univariate
    forecast = recursive_forecast(reg, bank[0], horizon=9)
    expected = predict_loop(reg, bank[:1, -WINDOW:, None], 9, two_d=True)
    assert forecast.shape == (9,)
    assert_same_forecast(forecast, expected[0, :, 0])


def test_batch_of_univariate_series_matches_the_predict_loop(univariate):
    reg, bank = univariate
    forecast = recursive_forecast(reg, bank, horizon=9)
    expected = predict_loop(reg, bank[:, -WINDOW:, None], 9, two_d=True)
    assert forecast.shape == (20, 9)
    assert_same_forecast(forecast, expected[:, :, 0])


def test_batched_forecast_matches_forecasting_each_series_alone(univariate):
    reg, bank = univariate
    together = recursive_forecast(reg, bank, horizon=5)
    alone = np.stack([recursive_forecast(reg, series, horizon=5) for series in bank])
    assert_same_forecast(together, alone)


@pytest.mark.parametrize("cell, activation", [("gru", "tanh"), ("rnn", "elu"),
                                              ("peephole_lstm", "tanh")])
def test_every_kind_of_cell_matches_the_predict_loop(cell, activation):
    X, y = windows_of(noisy_sines(3, 30)[:, :, 0], 8)
    reg = RNNRegressor(cell=cell, activation=activation, max_epochs=2, **TINY).fit(X, y)
    history = noisy_sines(5, 8, seed=1)
    assert_same_forecast(recursive_forecast(reg, history, horizon=6),
                         predict_loop(reg, history, 6)[:, :, 0])


def test_multivariate_targets_match_the_predict_loop(multivariate):
    reg, history = multivariate
    forecast = recursive_forecast(reg, history, horizon=7)
    assert forecast.shape == (9, 7, 2)
    # A model fitted on 3-D X starts from the whole history by default.
    assert_same_forecast(forecast, predict_loop(reg, history, 7))


def test_window_length_takes_the_last_steps_of_the_history(multivariate):
    reg, history = multivariate
    forecast = recursive_forecast(reg, history, horizon=7, window_length=10)
    assert_same_forecast(forecast, predict_loop(reg, history[:, -10:], 7))
    assert_same_forecast(forecast, recursive_forecast(reg, history[:, -10:], horizon=7))
    assert not np.allclose(forecast, recursive_forecast(reg, history, horizon=7))


def test_exogenous_future_per_series_matches_the_predict_loop(with_exog):
    reg, history, future = with_exog
    forecast = recursive_forecast(reg, history, horizon=6, exog=future)
    assert forecast.shape == (11, 6)
    assert_same_forecast(forecast, predict_loop(reg, history, 6, exog=future)[:, :, 0])


def test_exogenous_future_shared_by_all_series_is_broadcast(with_exog):
    reg, history, future = with_exog
    forecast = recursive_forecast(reg, history, horizon=6, exog=future[0])
    shared = np.broadcast_to(future[0], future.shape)
    assert_same_forecast(forecast, predict_loop(reg, history, 6, exog=shared)[:, :, 0])
    assert_same_forecast(forecast, recursive_forecast(reg, history, horizon=6, exog=shared))


def test_last_exogenous_row_does_not_change_the_forecast(with_exog):
    reg, history, future = with_exog
    changed = future.copy()
    changed[:, -1] += 100.0
    np.testing.assert_array_equal(recursive_forecast(reg, history, 6, exog=changed),
                                  recursive_forecast(reg, history, 6, exog=future))


def test_a_sine_forecast_beats_repeating_the_last_value():
    rng = np.random.default_rng(0)
    period, window, horizon = 12, 12, 24
    phases = rng.uniform(0, 2 * np.pi, size=(8, 1))
    train = np.sin(2 * np.pi * np.arange(60) / period + phases)
    X, y = windows_of(train + 0.02 * rng.normal(size=train.shape), window)
    reg = RNNRegressor(cell="gru", hidden_size=16, lr=0.01, max_epochs=12, batch_size=32,
                       random_state=0).fit(X[:, :, 0], y)
    new_phases = rng.uniform(0, 2 * np.pi, size=(10, 1))
    steps = np.arange(window + horizon)
    test = np.sin(2 * np.pi * steps / period + new_phases)
    history, future = test[:, :window], test[:, window:]
    forecast = recursive_forecast(reg, history, horizon)
    rmse = np.sqrt(np.mean((forecast - future) ** 2))
    last_value = np.sqrt(np.mean((history[:, -1:] - future) ** 2))
    assert rmse < 0.25 * last_value  # about 0.03 with this seed, 0.02-0.04 with others


# -- shapes, input forms, side effects -----------------------------------------------------

def test_2d_targets_keep_their_axis_even_with_one_target(univariate):
    _, bank = univariate
    X, y = windows_of(noisy_sines(2, 30)[:, :, 0], WINDOW)
    reg = RNNRegressor(max_epochs=1, **TINY).fit(X[:, :, 0], y[:, None])
    assert recursive_forecast(reg, bank, horizon=4).shape == (20, 4, 1)
    assert recursive_forecast(reg, bank[0], horizon=4).shape == (4, 1)


def test_lists_pandas_3d_and_read_only_float32_histories_give_the_same_forecast(univariate):
    reg, bank = univariate
    expected = recursive_forecast(reg, bank[:3], horizon=4)
    read_only = bank[:3].astype(np.float32)
    read_only.flags.writeable = False
    for history in (bank[:3].tolist(), pd.DataFrame(bank[:3]), bank[:3, :, None], read_only):
        np.testing.assert_array_equal(recursive_forecast(reg, history, horizon=4), expected)
    np.testing.assert_array_equal(recursive_forecast(reg, pd.Series(bank[0]), horizon=4),
                                  expected[0])


def test_history_and_exog_are_not_modified(with_exog):
    reg, history, future = with_exog
    history_before, future_before = history.copy(), future.copy()
    recursive_forecast(reg, history, horizon=6, exog=future)
    np.testing.assert_array_equal(history, history_before)
    np.testing.assert_array_equal(future, future_before)


@pytest.mark.parametrize("training", [True, False])
def test_module_mode_is_restored_and_dropout_is_off(multivariate, training):
    reg, history = multivariate
    module = reg.net_.module_
    module.eval()
    expected = recursive_forecast(reg, history, horizon=3)
    module.train(training)
    try:
        forecast = recursive_forecast(reg, history, horizon=3)
        assert module.training is training
    finally:
        module.eval()
    np.testing.assert_array_equal(forecast, expected)


def test_mask_value_steps_outside_the_window_are_fine(univariate, monkeypatch):
    reg, bank = univariate
    history = bank[:2].copy()
    history[:, 0] = 0.0  # before the window of the last 12 steps
    monkeypatch.setattr(reg, "mask_value", 0.0)
    assert_same_forecast(recursive_forecast(reg, history, horizon=4),
                         predict_loop(reg, history[:, -WINDOW:, None], 4, two_d=True)[:, :, 0])


# -- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("estimator", [LinearRegression(), RNNClassifier(), "model"])
def test_anything_but_an_rnn_regressor_is_a_type_error(estimator):
    with pytest.raises(TypeError, match="needs a fitted sklrnn.RNNRegressor"):
        recursive_forecast(estimator, np.zeros(12), horizon=3)


def test_unfitted_estimator_raises_not_fitted_error():
    with pytest.raises(NotFittedError):
        recursive_forecast(RNNRegressor(), np.zeros(12), horizon=3)


def test_other_architectures_are_refused(univariate, monkeypatch):
    reg, bank = univariate
    monkeypatch.setattr(reg, "architecture", "seq2seq")
    with pytest.raises(ValueError, match="architecture='seq2vec'.*'seq2seq'"):
        recursive_forecast(reg, bank, horizon=3)


@pytest.mark.parametrize("horizon, error", [(0, ValueError), (-2, ValueError),
                                            (2.0, TypeError), (True, TypeError),
                                            ("3", TypeError), (None, TypeError)])
def test_horizon_must_be_a_positive_integer(univariate, horizon, error):
    reg, bank = univariate
    with pytest.raises(error, match="'horizon' parameter of \\w+ must be an int in the range"):
        recursive_forecast(reg, bank, horizon=horizon)


def test_numpy_integers_are_integers(univariate):
    reg, bank = univariate
    forecast = recursive_forecast(reg, bank, horizon=np.int64(3), window_length=np.int32(12))
    assert forecast.shape == (20, 3)


@pytest.mark.parametrize("window_length, error, match", [
    (0, ValueError, "'window_length' parameter of \\w+ must be None or an int in the range"),
    (1.5, TypeError, "'window_length' parameter of \\w+ must be None or an int in the range"),
    (11, ValueError, "fitted on 2-D X of 12 columns and reads windows of exactly 12 steps"),
])
def test_window_length_must_fit_a_model_fitted_on_2d_x(univariate, window_length, error, match):
    reg, bank = univariate
    with pytest.raises(error, match=match):
        recursive_forecast(reg, bank, horizon=3, window_length=window_length)


def test_history_shorter_than_the_window_is_refused(univariate, multivariate):
    reg, bank = univariate
    with pytest.raises(ValueError, match="history has 11 time step.*window of 12 steps"):
        recursive_forecast(reg, bank[:, :11], horizon=3)
    reg, history = multivariate
    with pytest.raises(ValueError, match="history has 16 time step.*window of 17 steps"):
        recursive_forecast(reg, history, horizon=3, window_length=17)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_history_must_be_finite(univariate, bad):
    reg, bank = univariate
    history = bank.copy()
    history[3, 5] = bad
    with pytest.raises(ValueError, match="history contains"):
        recursive_forecast(reg, history, horizon=3)


@pytest.mark.parametrize("shape", [(), (2, 3, 12, 1)])
def test_history_of_0_or_4_dimensions_is_refused(univariate, shape):
    reg, _ = univariate
    with pytest.raises(ValueError, match=r"history must have shape \(n_timesteps,\)"):
        recursive_forecast(reg, np.zeros(shape), horizon=3)


def test_ragged_history_is_refused_with_a_hint(univariate):
    reg, bank = univariate
    with pytest.raises(ValueError, match="series of different lengths.*np.stack"):
        recursive_forecast(reg, [bank[0], bank[1, :20]], horizon=3)


def test_features_per_step_must_match_the_model(univariate, multivariate):
    reg, bank = univariate
    with pytest.raises(ValueError, match="history has 2 feature.*reads 1"):
        recursive_forecast(reg, np.stack([bank, bank], axis=2), horizon=3)
    reg, history = multivariate
    with pytest.raises(ValueError, match=r"reads 2 .*history\[None\], shape \(1, n_timesteps"):
        recursive_forecast(reg, history[0, :, 0], horizon=3)


def test_model_predicting_more_than_it_reads_cannot_recurse():
    X, y = windows_of(noisy_sines(2, 20)[:, :, 0], 6)
    reg = RNNRegressor(max_epochs=1, **TINY).fit(X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="predicts 2 values per window but reads 1"):
        recursive_forecast(reg, X[:2], horizon=3)


def test_exog_is_required_when_the_model_reads_exogenous_variables(with_exog):
    reg, history, _ = with_exog
    with pytest.raises(ValueError, match=r"the other 2 exogenous. Pass .* \(horizon, 2\)"):
        recursive_forecast(reg, history, horizon=6)


def test_exog_is_refused_when_the_model_has_no_exogenous_variables(multivariate):
    reg, history = multivariate
    with pytest.raises(ValueError, match="no exogenous variables; pass exog=None"):
        recursive_forecast(reg, history, horizon=3, exog=np.zeros((3, 1)))


@pytest.mark.parametrize("shape", [(6,), (5, 2), (6, 3), (6, 1), (4, 6, 2), (11, 7, 2),
                                   (1, 1, 6, 2)])
def test_exog_of_the_wrong_shape_is_refused(with_exog, shape):
    reg, history, _ = with_exog
    with pytest.raises(ValueError, match=r"exog must have shape \(horizon, 2\) = \(6, 2\) or "
                                         r"\(n_series, horizon, 2\) = \(11, 6, 2\)"):
        recursive_forecast(reg, history, horizon=6, exog=np.zeros(shape))


def test_exog_must_be_finite(with_exog):
    reg, history, future = with_exog
    future = future.copy()
    future[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="exog contains NaN"):
        recursive_forecast(reg, history, horizon=6, exog=future)


def test_mask_value_steps_in_the_starting_window_are_refused(univariate, monkeypatch):
    reg, bank = univariate
    history = bank[:3].copy()
    history[1, -4] = 0.5
    monkeypatch.setattr(reg, "mask_value", 0.5)
    with pytest.raises(ValueError, match=r"series 1, step 8 .* mask_value=0.5. predict treats"):
        recursive_forecast(reg, history, horizon=3)

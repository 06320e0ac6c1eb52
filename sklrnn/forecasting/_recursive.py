"""recursive_forecast: a one-step regressor's own predictions fed back as its input."""

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import validate_params
from sklearn.utils.validation import check_array, check_is_fitted

from .._checks import PositiveInt, check_not_temporal
from .._sequences import is_ragged
from ..nn.losses import DISTRIBUTIONS
from ..regressor import RNNRegressor


@validate_params(
    # The estimator and arrays are checked below, with messages that say what is accepted.
    {"estimator": "no_validation", "history": "no_validation", "horizon": [PositiveInt()],
     "window_length": [None, PositiveInt()], "exog": "no_validation",
     "n_paths": [None, PositiveInt()], "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def recursive_forecast(estimator, history, horizon, window_length=None, exog=None,
                       n_paths=None, random_state=None):
    """Forecast ``horizon`` steps ahead by feeding a one-step regressor its own predictions.

    The classic recursive strategy: take the last window of every series, predict the next
    step, append the prediction (and the exogenous values of that step) as the newest step of
    the window, drop the oldest step, and repeat::

        x = last window; predictions = []
        for i in range(horizon):
            x_next = estimator.predict(x); predictions.append(x_next)
            x = concat(x[1:], [x_next, exog[i]])

    All series advance together: each step is one batched forward pass of the fitted network
    (in chunks of the net's batch size, as ``predict`` does), run directly on float32 tensors
    without ``predict``'s per-call input validation. The result is what the loop above gives
    with ``estimator.predict`` (to float32 rounding; the same on the CPU).

    Parameters
    ----------
    estimator : RNNRegressor
        A fitted :class:`~sklrnn.RNNRegressor` with ``architecture="seq2vec"`` that maps a
        window of ``D`` features per step to the ``K`` values of the next step: the ``K``
        target variables first, then ``E = D - K`` exogenous variables (``K = D`` without
        exogenous variables). Typically trained on
        :func:`~sklrnn.preprocessing.make_windows` of the series. A model fitted on 2-D
        ``X`` (windows of one univariate series) reads windows of exactly
        ``n_features_in_`` steps; one fitted on 3-D ``X`` reads windows of any length.
    history : array-like of shape (n_timesteps,), (n_series, n_timesteps) or \
(n_series, n_timesteps, n_features)
        The observed past, oldest step first: one univariate series, ``n_series`` univariate
        series (the estimators' 2-D convention), or ``n_series`` series of ``D`` features
        (targets, then exogenous variables). A single multivariate series is
        ``history[None]``, shape ``(1, n_timesteps, n_features)``. Finite numbers; never
        modified.
    horizon : int
        Number of steps to forecast, >= 1.
    window_length : int or None, default=None
        How many of the last steps of ``history`` start the recursion (and the length of
        every window fed to the network). None: ``n_features_in_`` for a model fitted on
        2-D ``X``, the whole history for a model fitted on 3-D ``X``. For a model fitted on
        2-D ``X`` it must equal ``n_features_in_``.
    exog : array-like of shape (horizon, n_exog) or (n_series, horizon, n_exog), or None, \
default=None
        Future values of the ``E`` exogenous variables, required when the network predicts
        fewer values than it reads (``K < D``), refused otherwise. ``exog[i]`` belongs to
        the step of forecast ``i`` and is appended with it; a 2-D ``exog`` is the same
        future for every series. The last row only completes the window after the final
        forecast, so it does not change the result.
    n_paths : int or None, default=None
        For an estimator with ``distribution="normal"`` or ``"student_t"``: draw this many
        sample paths per series, each step drawn from the predicted distribution and fed
        back, all series and paths in one batched pass per step. None: feed back the
        distribution's mean (the median for ``"quantile"``), one path.
    random_state : int, RandomState instance or None, default=None
        Where the paths' draws come from (inverse transform sampling of uniforms): the
        same ``random_state``, the same paths, however many are drawn at once.

    Returns
    -------
    forecast : ndarray of shape (horizon,), (n_series, horizon) or (n_series, horizon, K)
        Float64. ``(n_series, horizon)`` when the estimator was fitted with 1-D ``y``,
        ``(n_series, horizon, K)`` when fitted with 2-D ``y``; for a 1-D ``history`` the
        leading ``n_series`` axis is dropped (``(horizon,)`` for 1-D ``y``). With
        ``n_paths``, an axis of paths follows the series' axis: ``(n_series, n_paths,
        horizon[, K])`` (``(n_paths, horizon[, K])`` for a 1-D ``history``).

    Raises
    ------
    TypeError
        When ``estimator`` is not an :class:`~sklrnn.RNNRegressor`, or ``horizon`` or
        ``window_length`` is not an integer.
    sklearn.exceptions.NotFittedError
        When ``estimator`` is not fitted.
    ValueError
        When the architecture is not ``"seq2vec"``; ``horizon`` or ``window_length`` is
        < 1; ``window_length`` differs from ``n_features_in_`` of a model fitted on 2-D
        ``X``; ``history`` is shorter than the window, has another number of features per
        step than the model reads, has sequences of different lengths, or contains NaN or
        infinity; the network predicts more values than it reads; ``exog`` is missing,
        superfluous, or of the wrong shape; or a step of the starting window is padding by
        the estimator's ``mask_value`` (see Notes).

    See Also
    --------
    sklrnn.preprocessing.make_windows : Cut a series into training windows and targets.

    Notes
    -----
    The network runs in eval mode (no dropout) under :func:`torch.no_grad`; its previous
    training mode is restored afterwards.

    With ``mask_value`` set, ``predict`` drops the time steps whose features all equal it, as
    padding. A recursive forecast treats every step as data, so a starting window holding
    such a step is refused (the forecast would not be the one ``predict`` gives); impute
    those steps or forecast from a window without them. A *predicted* step that hits
    ``mask_value`` exactly in every feature (practically never, for continuous outputs) is
    kept as data, where the ``predict`` loop would drop it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn import RNNRegressor
    >>> from sklrnn.forecasting import recursive_forecast
    >>> from sklrnn.preprocessing import make_windows
    >>> series = np.sin(2 * np.pi * np.arange(150) / 12)
    >>> X, y = make_windows(series, window_length=12)
    >>> reg = RNNRegressor(cell="gru", hidden_size=16, lr=0.02, max_epochs=20,
    ...                    random_state=0)
    >>> reg = reg.fit(X[:, :, 0], y)  # 2-D X: univariate windows
    >>> forecast = recursive_forecast(reg, series, horizon=12)
    >>> forecast.shape
    (12,)
    >>> future = np.sin(2 * np.pi * np.arange(150, 162) / 12)
    >>> bool(np.abs(forecast - future).max() < 0.2)
    True

    Many series at once, 2-D ``(n_series, n_timesteps)``:

    >>> recursive_forecast(reg, np.stack([series, -series]), horizon=12).shape
    (2, 12)
    """
    _check_estimator(estimator)
    horizon = int(horizon)
    windows, single = _check_history(estimator, history, window_length)
    n_series, n_steps, n_features = windows.shape
    n_outputs = estimator.n_outputs_
    future = _check_exog(exog, n_outputs, n_features, n_series, horizon)
    distribution = estimator._fitted_param("distribution")  # noqa: SLF001
    draws = None
    if n_paths is not None:
        if distribution not in DISTRIBUTIONS:
            raise ValueError(
                f"n_paths draws sample paths from a predicted distribution; the estimator "
                f"has distribution={distribution!r}. Fit it with distribution='normal' or "
                "'student_t', or leave n_paths=None."
            )
        seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
        draws = np.random.default_rng(seed).random((n_series, n_paths, horizon, n_outputs))
        draws = draws.reshape(n_series * n_paths, horizon, n_outputs)
        # Every series runs as n_paths copies, series after series.
        windows = np.repeat(windows, n_paths, axis=0)
        if future is not None:
            future = np.repeat(future, n_paths, axis=0)
        n_series *= n_paths

    net = estimator.net_
    module = net.module_
    batch_size = net.get_params_for("iterator_valid").get("batch_size", net.batch_size)
    if batch_size == -1:
        batch_size = n_series
    # The windows and everything appended to them, one step per forecast: window i is
    # steps[:, i:i + n_steps]. The exogenous columns of the future are filled in up front.
    steps = np.empty((n_series, n_steps + horizon, n_features), dtype=np.float32)
    steps[:, :n_steps] = windows
    if future is not None:
        steps[:, n_steps:, n_outputs:] = future
    steps = torch.from_numpy(steps).to(net.device)

    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            for i in range(horizon):
                window = steps[:, i:i + n_steps].contiguous()
                for start in range(0, n_series, batch_size):
                    stop = start + batch_size
                    out = module(window[start:stop])
                    if distribution is not None:  # the step: a draw, or the centre
                        out = out.cpu().double().numpy()
                        out = torch.from_numpy(
                            estimator._predictions(out) if draws is None  # noqa: SLF001
                            else estimator._draw(out, draws[start:stop, i]))  # noqa: SLF001
                    steps[start:stop, n_steps + i, :n_outputs] = out.reshape(-1, n_outputs)
    finally:
        module.train(was_training)

    forecast = steps[:, n_steps:, :n_outputs].cpu().numpy().astype(np.float64)
    if not estimator.has_output_axis_:
        forecast = forecast[:, :, 0]
    if n_paths is not None:
        forecast = forecast.reshape(-1, n_paths, *forecast.shape[1:])
    return forecast[0] if single else forecast


def _check_estimator(estimator):
    if not isinstance(estimator, RNNRegressor):
        raise TypeError(
            "recursive_forecast needs a fitted sklrnn.RNNRegressor (architecture='seq2vec') "
            f"that predicts the next step from a window; got {type(estimator).__name__}."
        )
    check_is_fitted(estimator)
    if estimator.architecture != "seq2vec":
        raise ValueError(
            "recursive_forecast feeds one-step predictions back as input, which needs "
            "architecture='seq2vec' (one output vector per window); the estimator has "
            f"architecture={estimator.architecture!r}."
        )


def _check_history(estimator, history, window_length):
    """Return the starting windows as float32 ``(N, W, D)`` and whether history was 1-D."""
    if is_ragged(history):
        raise ValueError(
            "history holds series of different lengths; pass one array of shape "
            "(n_series, n_timesteps) or (n_series, n_timesteps, n_features), e.g. the last "
            "window_length steps of each series: np.stack([s[-window_length:] for s in "
            "series])."
        )
    if np.ndim(history) not in (1, 2, 3):
        raise ValueError(
            "history must have shape (n_timesteps,), (n_series, n_timesteps) or "
            f"(n_series, n_timesteps, n_features); got {np.shape(history)}."
        )
    check_not_temporal(history, "history")
    history = check_array(history, ensure_2d=False, allow_nd=True, dtype=np.float32,
                          input_name="history")
    single = history.ndim == 1
    if single:
        history = history[None]
    if history.ndim == 2:
        history = history[:, :, None]
    if 0 in history.shape:
        raise ValueError(
            f"history of shape {np.shape(history)} holds no time steps or no features; every "
            "series needs at least one step of at least one feature to start a forecast from."
        )
    n_features = history.shape[2]
    expected = estimator.input_size_
    if n_features != expected:
        hint = (" A single multivariate series must be passed as history[None], shape "
                "(1, n_timesteps, n_features); 2-D history is univariate series."
                if n_features == 1 and expected > 1 else "")
        raise ValueError(
            f"history has {n_features} feature(s) per time step, but the estimator reads "
            f"{expected} (its targets, then its exogenous variables).{hint}"
        )

    fixed = estimator.n_features_in_ if estimator.input_ndim_ == 2 else None
    if window_length is None:
        window_length = fixed if fixed is not None else history.shape[1]
    else:
        window_length = int(window_length)
        if fixed is not None and window_length != fixed:
            raise ValueError(
                f"window_length={window_length}, but the estimator was fitted on 2-D X of "
                f"{fixed} columns and reads windows of exactly {fixed} steps; pass "
                f"window_length={fixed} or None."
            )
    if history.shape[1] < window_length:
        raise ValueError(
            f"history has {history.shape[1]} time step(s), fewer than the window of "
            f"{window_length} steps the forecast starts from; pass a longer history."
        )
    windows = history[:, history.shape[1] - window_length:]

    mask_value = estimator.mask_value
    if mask_value is not None:
        padding = (windows == mask_value).all(axis=2)
        if padding.any():
            series, step = np.argwhere(padding)[0]
            raise ValueError(
                f"{int(padding.sum())} time step(s) of the last {window_length} steps of "
                f"history (the first: series {series}, step {step} of the window) have every "
                f"feature equal to mask_value={mask_value}. predict treats such steps as "
                "padding and drops them, so they cannot start a recursive forecast; impute "
                "them, or fit the estimator with another mask_value."
            )
    return windows, single


def _check_exog(exog, n_outputs, n_features, n_series, horizon):
    """Return the future exogenous values as float32 ``(N or 1, horizon, E)``, or None."""
    n_exog = n_features - n_outputs
    if n_exog < 0:
        raise ValueError(
            f"The estimator predicts {n_outputs} values per window but reads {n_features} "
            "feature(s) per step, so its predictions cannot be fed back as the next step. "
            "recursive_forecast needs a model whose first outputs are the features of the "
            "next step: targets first, then exogenous variables."
        )
    if exog is None:
        if n_exog:
            raise ValueError(
                f"The estimator reads {n_features} features per step but predicts "
                f"{n_outputs}: the first {n_outputs} feature(s) are the targets it forecasts, "
                f"the other {n_exog} exogenous. Pass their future values as exog, of shape "
                f"(horizon, {n_exog}) or (n_series, horizon, {n_exog})."
            )
        return None
    if n_exog == 0:
        raise ValueError(
            f"exog was given, but the estimator predicts all {n_features} feature(s) it "
            "reads per step, so it has no exogenous variables; pass exog=None, or fit the "
            "estimator on windows of targets and exogenous variables with targets only as y."
        )
    check_not_temporal(exog, "exog")
    exog = check_array(exog, ensure_2d=False, allow_nd=True, dtype=np.float32,
                       input_name="exog")
    expected = f"(horizon, {n_exog}) = ({horizon}, {n_exog}) or (n_series, horizon, " \
               f"{n_exog}) = ({n_series}, {horizon}, {n_exog})"
    shape = exog.shape
    if exog.ndim == 2:
        exog = exog[None]
    if exog.ndim != 3 or exog.shape[1:] != (horizon, n_exog) or exog.shape[0] not in (
            1, n_series):
        raise ValueError(
            f"exog must have shape {expected}: one row per forecast step, one column per "
            f"exogenous variable (the estimator reads {n_features} features per step and "
            f"predicts {n_outputs}); got {shape}."
        )
    return exog

"""RNNForecaster: an sktime forecaster over an RNNRegressor. Importing it imports sktime."""

import contextlib
import importlib.util
import warnings

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import StrOptions, validate_parameter_constraints

from .._base import BaseRNN, auto_max_epochs, extended_signature
from .._checks import PositiveInt, check_float32_range
from .._docstrings import params_doc
from ..nn.losses import DISTRIBUTIONS, PinballLoss
from ..preprocessing import make_windows
from ..regressor import RNNRegressor

try:
    from sktime.forecasting.base import BaseForecaster, ForecastingHorizon
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "sklrnn.forecasting.RNNForecaster is an sktime forecaster and needs sktime: "
        "pip install 'sklrnn[sktime]'."
    ) from exc

__all__ = ["RNNForecaster"]

STRATEGIES = ("recursive", "direct")
DESEASONALIZE = ("auto", "multiplicative", "additive", None)
LEVELS = ("auto", "last", "mean")

#: Seasonal periods of the index frequencies sp="auto" knows, by the frequency's prefix.
FREQUENCY_SP = {"min": 60, "h": 24, "H": 24, "B": 5, "D": 7, "W": 52, "M": 12, "Q": 4,
                "A": 1, "Y": 1}

#: The upper quartile of the standard normal distribution.
NORMAL_QUARTILE = 0.6744897501960817

#: Quantile levels trained by ``quantiles=True``: exact for 50, 80 and 90% intervals.
DEFAULT_QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)

#: max_epochs="auto" trains at most this many epochs (RNNRegressor: 2,000). Windows overlap,
#: so an epoch of a short series repeats the same few steps: in temporal cross-validation on
#: the training parts of six data sets, caps of 50, 100, 200 and 300 epochs and none gave a
#: MASE of 0.54, 0.51, 0.54, 0.56 and 0.65 times Theta's (geometric mean; docs: forecasting).
AUTO_MAX_EPOCHS = 100

#: RNNForecaster parameters passed on to the RNNRegressor it trains, unchanged (a test checks
#: their defaults against RNNRegressor's).
NETWORK_PARAMS = (
    "cell", "activation", "hidden_size", "num_layers", "bidirectional", "dropout",
    "frame_size", "normalization", "weight_init", "clip_grad_norm", "clip_grad_value", "lr",
    "lr_schedule", "max_epochs", "batch_size", "optimizer", "early_stopping",
    "validation_fraction", "patience", "callbacks", "device", "accelerator", "random_state",
    "verbose",
)

#: What the network parameters do differently in RNNForecaster, added to their entries.
NETWORK_NOTES = {
    "early_stopping": "RNNForecaster holds out the latest windows of all series.",
    "max_epochs": (
        "RNNForecaster counts the 2,000 batches over all windows, but trains at most 100\n"
        "epochs: windows overlap, so an epoch of a short series repeats the same few steps,\n"
        "and 1,000 epochs of Airline's 96 windows fit noise (see the user guide's\n"
        "forecasting page). The epochs used are ``regressor_.max_epochs_``."),
}


class RNNForecaster(BaseForecaster):
    __doc__ = f"""Recurrent neural network forecaster for sktime: one network for many series.

    The forecaster cuts every series of ``y`` into windows of ``window_length`` steps
    (:func:`~sklrnn.preprocessing.make_windows`) and trains one :class:`~sklrnn.RNNRegressor`
    on the windows of all series together (a *global* model). It handles level, trend and
    season itself, as ES-RNN (Smyl 2020) does: classic adjustments per series, one network
    for what is left. Each series is seasonally adjusted (``sp``, ``deseasonalize``), then
    scaled: either every window relative to its last value with the series' drift taken out
    (``level="last"``, ``detrend``: the network learns corrections to the drift forecast)
    or each series standardized by its mean and standard deviation (``level="mean"``), so
    series of any scale train one network; forecasts are transformed back. Exogenous ``X``
    become further features of every time step of a window: columns known in the future,
    unless ``past_columns`` names them known only up to the cutoff or ``static_columns``
    attributes of a series.

    * ``strategy="recursive"``: the network predicts the next step; a forecast feeds its own
      predictions back, one batched pass over all series per step (the loop of
      :func:`~sklrnn.forecasting.recursive_forecast`, with the level of every step
      carried), reading the future values of ``X`` passed to ``predict``. Any horizon works.
    * ``strategy="direct"``: an ``"encoder_decoder"`` network reads the window and emits the
      whole horizon at once. The horizon ``fh`` must be given to ``fit``, forecasts can
      only be asked for its steps, and ``X`` is read for the window only (its future values
      are not used).

    It is used like every sktime forecaster: ``fit(y, X=None, fh=None)``, ``predict(fh,
    X=None)``, ``update(y, X=None, update_params=True)`` (appends the new data; with
    ``update_params`` the network is trained again on all of it), in sktime pipelines and
    ``ForecastingGridSearchCV``; see sktime's ``BaseForecaster`` for those methods. It
    passes sktime's ``check_estimator``. sktime is imported when the class is first used.

    The network reads consecutive rows as consecutive steps, so the time stamps of every
    series must be regular: ``fit`` refuses a time stamp twice (in ``y`` or ``X``), a gap,
    and datetimes without a frequency that none can be inferred from (resample them first,
    ``y.asfreq(...)``, or use a ``RangeIndex``). ``update`` refuses data that do not continue
    the data seen: a gap after the cutoff, or rows up to it with other values than those
    seen (repeating them exactly is fine). Integer time stamps may step by more than 1: the
    forecasts lie on their grid, and as sktime counts a relative ``fh`` in units of the
    index, ``fh=[2, 4]`` asks for the next two steps of 0, 2, 4, ...

    Parameters
    ----------
    window_length : int, default=12
        Time steps the network reads before each forecast.
    strategy : {{"recursive", "direct"}}, default="recursive"
        How multi-step forecasts are made; see above.
    quantiles : None, True or sequence of float, default=None
        Probabilistic forecasts, with ``strategy="direct"``: the network emits these quantile
        levels of every step of the horizon and is trained with the pinball loss (as MQ-RNN,
        Wen et al. 2017); ``True`` means ``(0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)``. 0.5 is
        added when missing: ``predict`` returns the median. ``predict_quantiles`` and
        ``predict_interval`` interpolate linearly between trained levels, and refuse
        levels outside them; quantiles are sorted per forecast, so they never cross. None:
        point forecasts trained with the squared error. (A recursive forecast feeds back
        one value per step, so its intervals past the first step would be too narrow).
    distribution : {{"normal", "student_t", "quantile"}} or None, default=None
        Probabilistic forecasts from a predicted distribution (see
        :class:`~sklrnn.RNNRegressor`'s ``distribution``): ``"normal"`` or
        ``"student_t"`` train the network by the negative log-likelihood of the next step
        (recursive) or of every step of the horizon (direct); forecasts are ``n_paths``
        sample paths, drawn at every step and, with the recursive strategy, fed back as
        the next step's input, so the uncertainty of every step carries into the next
        (as DeepAR samples, Salinas et al. 2020). ``predict`` is the mean of the paths,
        ``predict_quantiles``, ``predict_interval`` and ``predict_var`` their quantiles
        and variance, ``predict_proba`` skpro's ``Empirical`` distribution of them (with
        ``marginal=False`` a draw is a whole path; without skpro installed, sktime's Normal
        of their mean and variance). ``"quantile"`` is ``quantiles`` (``quantiles`` gives
        its levels; ``strategy="direct"``). None: point forecasts, or ``quantiles``.
    n_paths : int, default=1000
        Sample paths a forecast of ``distribution="normal"`` or ``"student_t"`` draws,
        all series and paths in one batched pass per step; they are drawn from
        ``random_state``, so forecasts repeat.
    calibration : {{"conformal"}} or None, default=None
        ``"conformal"``: intervals and quantiles by split-conformal prediction, per step
        ahead. ``fit`` (which then needs ``fh``) also trains a copy of the forecaster on
        every series without its last ``H + n - 1`` steps (``H`` the longest step of
        ``fh``, ``n = max(2 H, 20)`` origins, fewer where series are short), forecasts
        ``H`` steps from each of the ``n`` last origins of every series, and keeps the
        errors of every step ahead, in units of each series' scale; ``predict_quantiles``
        and ``predict_interval`` add their quantiles (with the finite-sample correction
        ``(n + 1) / n``) to ``predict``. The intervals then hold about as often as they
        claim whatever the network's own spread, with any ``distribution`` or none.
        ``predict`` is unchanged; ``update`` keeps the calibration of ``fit``. (With sample
        paths, the copy forecasts the mean of at most 100.)
    calibration_refits : int >= 1, default=1
        Copies ``calibration="conformal"`` trains: the origins are then the last
        ``calibration_refits * n`` of every series (fewer where series are short), in as
        many consecutive blocks, each forecast by a copy trained on every series up to the
        block's first origin. 1 suits panels, whose series pool their errors; for a single
        series, more copies take errors from further back in its history (where the
        copies, trained on less, also err more), so the intervals less often rest on a
        calm last stretch alone. Each copy is one more training.
    sp : "auto", None or int >= 1, default="auto"
        Seasonal period in time steps (12 for monthly data with a yearly season). ``"auto"``
        reads it from the index frequency of ``y`` (hourly 24, daily 7, weekly 52, monthly
        12, quarterly 4, yearly 1), else from the autocorrelation of the differenced series
        pooled over all series: its highest peak, when it is significant at 99%, else no
        season. None: no season. The value used is ``sp_``.
    deseasonalize : {{"auto", "multiplicative", "additive", None}}, default="auto"
        Seasonal adjustment before the network, put back after: classical decomposition
        (a centred moving average over one period; each phase's mean deviation from it is
        its seasonal component), per series and variable, as the statistical benchmarks of
        the M4 competition do. ``"multiplicative"`` decomposes the logarithm of ``y`` (a
        season that grows with the level, as Airline's); ``"additive"`` ``y`` itself.
        ``"auto"``: multiplicative when every value of ``y`` is positive, else additive, and
        only for the series whose autocorrelation at lag ``sp`` passes the 90% test of
        seasonality (series shorter than three periods are left alone). None: none. The
        mode used is ``deseasonalize_``, the factors (or components) ``seasonal_``.
    level : {{"auto", "last", "mean"}}, default="auto"
        How the network sees the level of the (adjusted) series. ``"last"``: every window
        relative to its own last value, in units of the series' mean absolute step, so the
        network predicts the change from the last value and an untrained network forecasts
        the naive (last value) forecast; a series that wanders, trends or shifts level is
        then no harder than one that stays put, and a forecast is never far off the recent
        level (the per-window normalisation of ES-RNN, Smyl 2020). ``"mean"``: every series
        standardized by its mean and standard deviation in ``fit`` (series that revert to a
        mean, e.g. Lynx's cycles). ``"auto"`` chooses ``"last"`` when, over all series, a
        value is nearer the one ``window_length`` steps before than the series' mean, else
        ``"mean"``. The choice is ``level_``.
    detrend : bool, default=True
        With ``level="last"``: each series' mean step (its drift) is added to the forecast
        of every step ahead, and the network learns what is left, as the drift method does.
    past_columns : str, list of str or None, default=None
        Columns of ``X`` known only up to the cutoff (a competitor's price, yesterday's
        footfall): the network reads them in the window, and ``predict`` never needs them.
        With ``strategy="recursive"`` the network also forecasts them, one step at a time
        beside ``y`` (trained on them as further targets), and feeds its forecasts back, as
        it does ``y``'s; with ``"direct"`` the window is all it reads of any column.
        Every other column of ``X`` (not past, not static) is known in the future: the
        recursive strategy reads it at every step forecast, so ``predict`` needs it.
    static_columns : str, list of str or None, default=None
        Columns of ``X`` that hold attributes of a series (store size, region code),
        constant over its time steps (one that varies is refused). They are standardized
        over the series (not within one, where they do not vary) and added to every step
        the network reads, so one global model tells the series apart; ``predict`` takes
        them from ``fit``.
    series_embedding : bool, default=False
        Add a one-hot code of the series to every step the network reads: the input
        weights of the first layer then learn a vector for every series (an embedding of
        the series, as a static categorical attribute is embedded in DeepAR). It widens
        every step by the number of series; for thousands of series, describe them with
        ``static_columns`` instead. A forecast is only made for the series seen in fit.
    {params_doc(NETWORK_PARAMS, NETWORK_NOTES)}

    Attributes
    ----------
    regressor_ : RNNRegressor
        The fitted network.
    n_windows_ : int
        Training windows cut from ``y``.
    sp_ : int
        The seasonal period used (``sp``, resolved; 1: none).
    deseasonalize_ : {{"multiplicative", "additive"}} or None
        The seasonal adjustment used.
    seasonal_ : ndarray of shape (n_series, n_phases, n_variables)
        The seasonal factors (multiplicative: around 1) or components (additive: around 0)
        of every series, by phase (``n_phases`` is ``sp_``), the first step of the series'
        ``y`` in ``fit`` phase 0; 1 (or 0) for a series without season.
    level_ : {{"last", "mean"}}
        The level normalisation used (``level``, resolved).

    See Also
    --------
    sklrnn.forecasting.recursive_forecast : The recursive loop on a fitted regressor.
    sktime.forecasting.compose.make_reduction : Reduction with any sklearn regressor,
        ``RNNRegressor`` included.

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from sklrnn.forecasting import RNNForecaster
    >>> y = load_airline()
    >>> forecaster = RNNForecaster(window_length=12, cell="gru", hidden_size=16,
    ...                            lr=0.01, max_epochs=20, random_state=0)
    >>> forecaster.fit(y[:-12]).predict(fh=[1, 2, 3]).shape
    (3,)
    """

    _tags = {
        "authors": ["sklrnn developers"],
        "y_inner_mtype": ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"],
        "X_inner_mtype": ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"],
        "capability:multivariate": True,
        "capability:exogenous": True,
        "capability:insample": False,
        "capability:pred_int": False,
        "capability:missing_values": False,
        "capability:random_state": True,
        "capability:update": True,
        "capability:unequal_length": True,
        "requires-fh-in-fit": False,
        "X-y-must-have-same-index": True,
        "fit_is_empty": False,
    }
    # sklrnn keeps the data it needs itself; sktime's copies would only double it.
    _config = {"remember_data": False}

    _parameter_constraints = {
        "window_length": [PositiveInt()],
        "strategy": [StrOptions(set(STRATEGIES))],
        "quantiles": [None, "boolean", "array-like"],
        "distribution": [None, StrOptions({"normal", "student_t", "quantile"})],
        "n_paths": [PositiveInt()],
        "calibration": [None, StrOptions({"conformal"})],
        "calibration_refits": [PositiveInt()],
        "sp": [StrOptions({"auto"}), None, PositiveInt()],
        "deseasonalize": [StrOptions({d for d in DESEASONALIZE if d is not None}), None],
        "level": [StrOptions(set(LEVELS))],
        "detrend": ["boolean"],
        "past_columns": [None, str, "array-like"],
        "static_columns": [None, str, "array-like"],
        "series_embedding": ["boolean"],
        # The regressor's own, so that a bad one is refused before any series is read.
        **{name: RNNRegressor._parameter_constraints[name]  # noqa: SLF001 (as in sklearn)
           for name in NETWORK_PARAMS},
    }

    def __init__(self, window_length=12, strategy="recursive", *, quantiles=None,
                 distribution=None, n_paths=1000, calibration=None, calibration_refits=1,
                 sp="auto", deseasonalize="auto", level="auto", detrend=True, past_columns=None,
                 static_columns=None, series_embedding=False, cell="lstm",
                 activation="tanh", hidden_size=32, num_layers=1, bidirectional=False,
                 dropout=0.0, frame_size="auto", normalization=None, weight_init="default",
                 clip_grad_norm=1.0, clip_grad_value=None, lr=1e-2, lr_schedule="cosine",
                 max_epochs="auto", batch_size=32, optimizer="adam", early_stopping="auto",
                 validation_fraction=0.1, patience=10, callbacks=None, device="cpu",
                 accelerator=None, random_state=None, verbose=0):
        self.window_length = window_length
        self.strategy = strategy
        self.quantiles = quantiles
        self.distribution = distribution
        self.n_paths = n_paths
        self.calibration = calibration
        self.calibration_refits = calibration_refits
        self.sp = sp
        self.deseasonalize = deseasonalize
        self.level = level
        self.detrend = detrend
        self.past_columns = past_columns
        self.static_columns = static_columns
        self.series_embedding = series_embedding
        self.cell = cell
        self.activation = activation
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.frame_size = frame_size
        self.normalization = normalization
        self.weight_init = weight_init
        self.clip_grad_norm = clip_grad_norm
        self.clip_grad_value = clip_grad_value
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.callbacks = callbacks
        self.device = device
        self.accelerator = accelerator
        self.random_state = random_state
        self.verbose = verbose
        super().__init__()
        # The recursive strategy reads X at every step up to the last one forecast.
        self.set_tags(**{"requires-fh-in-fit": strategy == "direct" or calibration is not None,
                         "capability:non_contiguous_X": strategy == "direct",
                         "capability:pred_int": (quantiles is not None or calibration is not None
                                                 or distribution is not None)})

    # -- fit ---------------------------------------------------------------------------------

    def _fit(self, y, X, fh):
        if self.__restoring is not None:  # sklrnn.load: the saved state, no training
            return self._restore(y, X)
        validate_parameter_constraints(self._parameter_constraints,
                                       self.get_params(deep=False), type(self).__name__)
        self._levels = self._check_quantiles()
        self._y_seen, self._X_seen = y, X
        for key, frame in self._parts("_y_seen").items():
            if not len(frame):
                raise ValueError(
                    f"Series {key!r} of y has 0 time steps; every series needs at least "
                    f"window_length + 1 = {self.window_length + 1} of them.")
        self._step = self._check_times()
        self._past_columns, self._future_columns, self._static_columns = \
            self._covariate_columns(X)
        self._horizon = 1
        if self.strategy == "direct":
            if (fh.to_relative(self.cutoff).to_numpy() < 1).any():
                raise ValueError(
                    "strategy='direct' forecasts the steps after the end of y only; fh holds "
                    f"steps {fh.to_relative(self.cutoff).to_numpy().tolist()} relative to it.")
            # Counted from each series' own end: series of a panel may end before the cutoff.
            self._horizon = int(self._steps_ahead(fh).max())
        self._fit_network()
        self._conformal = None if self.calibration is None else self._calibrate(fh)
        return self

    def _calibrate(self, fh):
        """Errors ``(H, n_scores, K)`` of forecasts from held-out origins, for conformal.

        The ``n`` origins are the last of every series (``H - 1`` steps before its end at
        the latest), in ``calibration_refits`` consecutive blocks. For each block, a copy of
        the forecaster, uncalibrated, is fitted on every series up to the block's first
        origin; it then forecasts ``H`` steps from each origin of the block, updated (not
        trained) with every step it passes. The errors are divided by each series' scale
        (``_scale``), so the series of a panel pool them; a series that ends before the
        others is forecast from the common cutoff on, so it has no errors of its first
        steps (NaN there: ``predict`` never asks for them).
        """
        if fh is None:
            raise ValueError(
                "calibration='conformal' needs fh in fit: the steps ahead it calibrates "
                "intervals for (e.g. fh=[1, 2, 3]).")
        horizon = int(self._steps_ahead(fh).max())
        # Series of a panel that end before the cutoff are this many steps behind at most.
        lag = int(self._steps_ahead(ForecastingHorizon([1], is_relative=True)).max()) - 1
        shortest = min(len(frame) for frame in self._parts("_y_seen").values())
        # A copy trains on at least window_length + 1 steps of every series (+ H, direct).
        need = self.window_length + (horizon + lag if self.strategy == "direct" else 1)
        room = shortest - need - (horizon - 1)
        origins = min(self.calibration_refits * max(2 * horizon, 20), room)
        if origins < 1:
            raise ValueError(
                f"calibration='conformal' holds out the last {horizon} step(s) and more of "
                f"every series; the shortest has {shortest} steps, too few beside "
                f"window_length={self.window_length}. Pass longer series, a shorter "
                "window_length or fh, or calibration=None.")
        held = horizon + origins - 1
        # Its point forecasts are means of at most 100 paths: the paths' noise in them is
        # a tenth of the spread or less, a small part of the errors, at far less cost.
        blank = self.clone().set_params(calibration=None, n_paths=min(self.n_paths, 100))
        y, X = self._y_seen, self._X_seen
        ahead = ForecastingHorizon(np.arange(1, horizon + 1), is_relative=True)
        firsts = {block[0] for block in
                  np.array_split(np.arange(origins), min(self.calibration_refits, origins))}
        scale = self._scale[:, :len(self._columns)]
        # Errors by step ahead of each series' origin: (origins, n_series, H, K), NaN where
        # a series that ends early has no forecast of the step.
        scores = np.full((origins, len(self._keys), horizon, len(self._columns)), np.nan)
        for k in range(origins):
            if k in firsts:  # a new copy, trained up to this origin
                copy = blank.clone()
                # Logged or not as here: a copy that saw only positive values would log
                # them, and could not take the logarithm of those that follow.
                copy._auto_mode = self.deseasonalize_  # noqa: SLF001 (a copy of this class)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    copy.fit(_rows(y, None, -(held - k)),
                             X=None if X is None else _rows(X, None, -(held - k)), fh=ahead)
            else:
                stop = -(held - k) or None
                copy.update(_rows(y, -(held - k + 1), stop), update_params=False,
                            X=None if X is None else _rows(X, -(held - k + 1), stop))
            future = None if X is None else _rows(X, -(held - k), None)
            forecast = _series(copy.predict(fh=ahead, X=future))
            # The H steps after the origin in every series, and those forecast of them.
            truth = _series(_rows(y, -(held - k), (-(held - k) + horizon) or None))
            for i, (key, part) in enumerate(truth.items()):
                found = part.index.isin(forecast[key].index)
                errors = (part[found].to_numpy()
                          - forecast[key].loc[part.index[found]].to_numpy())
                scores[k, i, np.flatnonzero(found)] = errors / scale[i]
        # -> (H, n_origins * n_series, K)
        return np.moveaxis(scores, 2, 0).reshape(horizon, -1, len(self._columns))

    def _fit_network(self):
        """Adjust and scale every series, cut windows from all of them, train the network."""
        keys, data = self._series_values()
        self._keys, self._columns = keys, list(self._y_seen.columns)
        n_targets, horizon = len(self._columns), self._horizon
        n_outputs = self._n_outputs()
        for key, d in zip(keys, data, strict=True):
            if len(d) < self.window_length + horizon:
                raise ValueError(
                    f"Series {key!r} has {len(d)} time steps, fewer than window_length="
                    f"{self.window_length} plus the {horizon} step(s) each window is trained "
                    "to predict; pass longer series or a shorter window_length.")
        self._fit_season([d[:, :n_targets] for d in data])
        adjusted = [self._adjusted(d, i) for i, d in enumerate(data)]
        self.level_ = self.level if self.level != "auto" else _choose_level(
            [d[:, :n_targets] for d in adjusted], self.window_length)
        with np.errstate(over="ignore", invalid="ignore"):
            center = np.stack([d.mean(axis=0) for d in adjusted])  # (n_series, D)
            scale = np.stack([d.std(axis=0) for d in adjusted])
            if self.level_ == "last":
                # Targets: the mean step from one value to the next (MASE's scale); the
                # window's last value is subtracted per window instead of a mean.
                center[:, :n_targets] = 0.0
                step = np.stack([np.abs(np.diff(d[:, :n_targets], axis=0)).mean(axis=0)
                                 for d in adjusted])
                scale[:, :n_targets] = np.where(step > 0, step, scale[:, :n_targets])
        if not (np.isfinite(center).all() and np.isfinite(scale).all()):
            raise ValueError(
                "The values of y (or X) are too large to standardize: their mean or standard "
                "deviation overflows float64. Divide the series by a constant first, e.g. "
                "with sktime's TransformedTargetForecaster.")
        self._center, self._scale = center, np.where(scale > 0, scale, 1.0)
        scaled = [(d - self._center[i]) / self._scale[i] for i, d in enumerate(adjusted)]
        self._static = self._static_features(keys)
        scaled = [np.concatenate([d, np.repeat(self._static[i:i + 1], len(d), axis=0)], axis=1)
                  for i, d in enumerate(scaled)]
        self._drift = np.zeros((len(data), n_targets))
        if self.detrend and self.level_ == "last":
            self._drift = np.stack([np.diff(d[:, :n_targets], axis=0).mean(axis=0)
                                    for d in scaled])
        windows, targets, ends = [], [], []
        steps = np.arange(1, horizon + 1)[:, None]
        for i, d in enumerate(scaled):
            X_win, y_win = make_windows(d, self.window_length, horizon)
            y_win = y_win.reshape(len(X_win), horizon, -1)[:, :, :n_outputs]
            if self.level_ == "last":
                last = X_win[:, -1:, :n_targets].copy()
                X_win = X_win.copy()
                X_win[:, :, :n_targets] -= last
                y_win = y_win.copy()
                y_win[:, :, :n_targets] -= last + steps * self._drift[i]
            windows.append(X_win)
            targets.append(y_win)
            ends.append(np.arange(len(X_win)) + len(d) - len(X_win))
        # Oldest windows first, across series, so early stopping holds out the latest ones.
        order = np.argsort(np.concatenate(ends), kind="stable")
        X_all = np.concatenate(windows)[order].astype(np.float32)
        y_all = np.concatenate(targets)[order].astype(np.float32)
        if self.strategy == "recursive":
            y_all = y_all[:, 0]
        params = {name: getattr(self, name) for name in NETWORK_PARAMS}
        if self.max_epochs == "auto":
            params["max_epochs"] = auto_max_epochs(len(X_all), self.batch_size,
                                                   AUTO_MAX_EPOCHS)
        architecture = "seq2vec" if self.strategy == "recursive" else "encoder_decoder"
        if self._levels is None:
            regressor = RNNRegressor(architecture=architecture, distribution=self.distribution,
                                     **params)
        else:
            regressor = _QuantileRegressor(architecture=architecture, levels=self._levels,
                                           **params)
        with warnings.catch_warnings():
            if self.level_ == "last":
                # The network learns corrections to the drift forecast: finding none (steps
                # no better predicted than by their mean) is a result, not a failure.
                warnings.filterwarnings("ignore", category=ConvergenceWarning,
                                        message=".*never fell below that of a constant")
            self.regressor_ = regressor.fit(X_all, y_all)
        self.n_windows_ = len(X_all)

    def _fit_season(self, targets):
        """Set ``sp_``, ``deseasonalize_`` and ``seasonal_`` from the targets of every series."""
        self.sp_ = int(self.sp or 1) if self.sp != "auto" else _detect_sp(
            targets, self.cutoff)
        mode = self.deseasonalize
        positive = all((t > 0).all() for t in targets)
        if mode == "auto":
            mode = self._auto_mode or ("multiplicative" if positive else "additive")
        elif mode == "multiplicative" and not positive:
            raise ValueError(
                "deseasonalize='multiplicative' needs positive values of y (it works with "
                "their logarithm); y has values <= 0. Use deseasonalize='additive' or 'auto'.")
        self.deseasonalize_ = mode
        n_targets = targets[0].shape[1]
        seasonal = np.zeros((len(targets), self.sp_, n_targets))
        if mode is not None and self.sp_ > 1:
            for i, t in enumerate(targets):
                z = np.log(t) if mode == "multiplicative" else t
                if len(z) < 2 * self.sp_:
                    if self.deseasonalize != "auto" and self.sp != "auto":
                        raise ValueError(
                            f"Series {self._keys[i]!r} has {len(z)} time steps; seasonal "
                            f"adjustment with sp={self.sp_} needs at least two periods "
                            f"({2 * self.sp_}). Pass a smaller sp, or sp=None.")
                    continue
                for k in range(n_targets):
                    if self.deseasonalize != "auto" or _is_seasonal(z[:, k], self.sp_):
                        seasonal[i, :, k] = _seasonal_components(z[:, k], self.sp_)
        self._seasonal = seasonal
        self.seasonal_ = np.exp(seasonal) if mode == "multiplicative" else seasonal

    def _series_values(self):
        """Keys of the series and their values, (T_i, D) each: targets, past-only columns
        of X, future-known ones (static columns: :meth:`_static_features`)."""
        targets = self._parts("_y_seen")
        columns = self._past_columns + self._future_columns
        exog = self._parts("_X_seen") if columns else None
        keys, values = list(targets), []
        for key, frame in targets.items():
            value = _finite(frame.to_numpy(dtype=np.float64), "y", key)
            if exog is not None:
                value = np.concatenate([value, _finite(
                    exog[key].loc[frame.index, columns].to_numpy(dtype=np.float64), "X", key)],
                    axis=1)
            values.append(value)
        return keys, values

    def _covariate_columns(self, X):
        """The columns of ``X`` by kind: past-only, future-known and static, three lists."""
        named = {}
        for name in ("past_columns", "static_columns"):
            value = getattr(self, name)
            value = [] if value is None else [value] if isinstance(value, str) else value
            # Labels as they are (tuples stay whole), numpy scalars as Python ones.
            named[name] = list(dict.fromkeys(
                v.item() if isinstance(v, np.generic) else v for v in value))
            if named[name] and X is None:
                warnings.warn(
                    f"{name}={getattr(self, name)!r} names columns of X, but fit got no X: "
                    "the forecaster learns from y alone. Pass X with those columns, or "
                    f"{name}=None.", UserWarning, stacklevel=4)
            missing = [c for c in named[name] if X is not None and c not in X.columns]
            if missing:
                raise ValueError(
                    f"{name} names column(s) {missing[:5]} that X lacks; X has the columns "
                    f"{list(X.columns)[:10]}. Name columns of X, or add them to X.")
        past, static = named["past_columns"], named["static_columns"]
        both = [c for c in past if c in static]
        if both:
            raise ValueError(
                f"Column(s) {both[:5]} are named in both past_columns and static_columns; a "
                "column is known only in the past or is a constant attribute of its series, "
                "not both.")
        if X is None:
            return [], [], []
        return past, [c for c in X.columns if c not in past + static], static

    def _static_features(self, keys):
        """What every step of series ``i`` adds, ``(n_series, S)``: the static columns of X,
        standardized over the series, then a one-hot code of the series (series_embedding)."""
        parts = [np.zeros((len(keys), 0))]
        if self._static_columns:
            exog = self._parts("_X_seen")
            values = []
            for key in keys:
                value = _finite(exog[key][self._static_columns].to_numpy(dtype=np.float64),
                                "X", key)
                changes = np.argwhere(value != value[:1])
                if len(changes):
                    row, j = changes[0]
                    raise ValueError(
                        f"Static column {self._static_columns[j]!r} of X varies within a "
                        f"series{_in_series(key)}: {value[0, j]} at its first step, "
                        f"{value[row, j]} at step {row}; static_columns hold "
                        "attributes of a series, constant over its time steps. Make it "
                        "constant, or leave it out of static_columns (past_columns if it is "
                        "known only up to the cutoff).")
                values.append(value[0])
            values = np.stack(values)
            center, scale = values.mean(axis=0), values.std(axis=0)
            parts.append((values - center) / np.where(scale > 0, scale, 1.0))
        if self.series_embedding:
            parts.append(np.eye(len(keys)))
        return np.concatenate(parts, axis=1)

    def _n_outputs(self):
        """What the network forecasts: the targets, and the recursive strategy's past-only
        columns of X (fed back as the targets are)."""
        return len(self._columns) + (len(self._past_columns) if self.strategy == "recursive"
                                     else 0)

    def _check_quantiles(self):
        """The quantile levels to train, sorted with 0.5 among them, or None."""
        if self.distribution in ("normal", "student_t") and self.quantiles is not None:
            raise ValueError(
                f"quantiles={self.quantiles!r} trains quantiles, distribution="
                f"{self.distribution!r} a {self.distribution} distribution: set one of them "
                "(distribution='quantile' with quantiles giving its levels).")
        if self.quantiles is None and self.distribution != "quantile":
            return None
        if self.strategy != "direct":
            raise ValueError(
                "quantiles need strategy='direct': a recursive forecast feeds back one value "
                "per step, so its intervals past the first step would be too narrow. For "
                "recursive probabilistic forecasts use distribution='normal' or 'student_t' "
                "(sample paths).")
        quantiles = True if self.quantiles is None else self.quantiles
        levels = DEFAULT_QUANTILES if quantiles is True else quantiles
        try:
            levels = np.asarray(levels, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"quantiles must be None, True or a sequence of levels in (0, 1); got "
                f"{self.quantiles!r}.") from exc
        if levels.ndim > 1:
            raise ValueError(
                f"quantiles must be a flat sequence of levels in (0, 1); got {self.quantiles!r}.")
        levels = np.unique(np.append(levels, 0.5))
        if not ((levels > 0) & (levels < 1)).all():
            raise ValueError(f"quantiles must lie in (0, 1); got {self.quantiles!r}.")
        return tuple(levels.tolist())

    def _parts(self, name):
        """``_series`` of the frame in attribute ``name``, split once per frame."""
        frame = getattr(self, name)
        cache = self.__dict__.setdefault("_parts_cache", {})
        if cache.get(name, (None,))[0] is not frame:
            cache[name] = (frame, _series(frame))
        return cache[name][1]

    def _adjusted(self, data, i, start=0):
        """Rows ``start ...`` of series ``i``, targets logged and seasonally adjusted."""
        n_targets = self._seasonal.shape[2]
        data = np.array(data, dtype=np.float64)
        if self.deseasonalize_ == "multiplicative":
            data[:, :n_targets] = np.log(data[:, :n_targets])
        phase = np.arange(start, start + len(data)) % self.sp_
        data[:, :n_targets] -= self._seasonal[i, phase]
        return data

    def _restored(self, forecast, steps, ends):
        """Forecasts ``(n_series, H, K, Q)`` of the scaled, adjusted values in units of y.

        ``steps`` ``(n_series, H)``: steps after the end of each series; ``ends``: lengths.
        """
        n_targets = forecast.shape[2]
        forecast = (forecast * self._scale[:, None, :n_targets, None]
                    + self._center[:, None, :n_targets, None])
        phase = (np.asarray(ends)[:, None] + steps - 1) % self.sp_
        season = np.take_along_axis(self._seasonal, phase[:, :, None], axis=1)
        forecast = forecast + season[..., None]
        if self.deseasonalize_ == "multiplicative":
            with np.errstate(over="ignore"):
                forecast = np.exp(forecast)
        return forecast

    # -- predict -----------------------------------------------------------------------------

    def _samples(self):
        """Whether forecasts are sample paths (``distribution`` normal or student_t)."""
        return self.regressor_.distribution in DISTRIBUTIONS

    def _predict(self, fh, X):
        point, keys = self._point(fh, X)
        times = fh.to_absolute_index(self.cutoff)
        return _join_series(point, keys, times, self._columns, self._y_seen.index)

    def _point(self, fh, X):
        """Point forecasts ``(n_series, len(fh), K)``: the median, or the mean of paths."""
        forecast, keys = self._forecast(fh, X)  # (n_series, len(fh), K, n_levels or paths)
        if self._samples():
            return forecast.mean(axis=-1), keys
        return forecast[..., 0 if self._levels is None else self._levels.index(0.5)], keys

    def _conformal_quantiles(self, fh, X, alpha):
        """Point forecasts plus the conformal quantiles ``alpha`` of the held-out errors."""
        point, keys = self._point(fh, X)
        steps = self._steps_ahead(fh)  # (n_series, len(fh))
        if steps.max() > len(self._conformal):
            raise ValueError(
                f"calibration='conformal' calibrated {len(self._conformal)} step(s) ahead, "
                f"the longest step of fh in fit; fh asks for step {int(steps.max())}. Fit "
                "with the longest fh you will ask for.")
        scores = np.sort(self._conformal, axis=1)  # (H, n, K), NaN (no forecast) last
        n = (~np.isnan(scores[:, :, 0])).sum(axis=1)[:, None]  # (H, 1): scores of a step
        # The finite-sample ranks: ceil((n + 1) a) above the median, floor below.
        alpha = np.asarray(alpha, dtype=float)
        ranks = np.where(alpha >= 0.5, np.ceil((n + 1) * alpha), np.floor((n + 1) * alpha))
        ranks = np.clip(ranks.astype(int), 1, np.maximum(n, 1)) - 1  # (H, n_alpha)
        quantiles = np.take_along_axis(scores, ranks[:, :, None], axis=1)  # (H, n_alpha, K)
        offsets = np.moveaxis(quantiles[steps - 1], -2, -1)  # (n_series, len(fh), K, n_alpha)
        scale = self._scale[:, None, :len(self._columns), None]
        return point[..., None] + offsets * scale, keys

    def _predict_var(self, fh, X=None, cov=False):
        if not self._samples():
            # The variance of the normal with the same quartiles, as sktime's default (which
            # would ask _predict_proba, and that this method).
            quartiles = self._predict_quantiles(fh, X, alpha=[0.25, 0.75])
            values = quartiles.to_numpy().reshape(len(quartiles), -1, 2)
            std = (values[..., 1] - values[..., 0]) / (2 * NORMAL_QUARTILE)
            return pd.DataFrame(std ** 2, index=quartiles.index, columns=self._columns)
        forecast, keys = self._forecast(fh, X)
        times = fh.to_absolute_index(self.cutoff)
        return _join_series(forecast.var(axis=-1, ddof=1), keys, times, self._columns,
                            self._y_seen.index)

    def _predict_proba(self, fh, X, marginal=True):
        """Sample paths as skpro's ``Empirical`` distribution, else sktime's default."""
        if (not self._samples() or getattr(self, "_conformal", None) is not None
                or importlib.util.find_spec("skpro") is None):
            # A Normal of predict and predict_var (sktime's own, without skpro).
            return super()._predict_proba(fh=fh, X=X, marginal=marginal)
        from skpro.distributions.empirical import Empirical

        forecast, keys = self._forecast(fh, X)  # (n_series, len(fh), K, paths)
        times = fh.to_absolute_index(self.cutoff)
        like = _join_series(forecast[..., 0], keys, times, self._columns, self._y_seen.index)
        paths = forecast.shape[-1]
        rows = like.index
        index = pd.MultiIndex.from_arrays(
            [np.repeat(np.arange(paths), len(like))]
            + [np.tile(rows.get_level_values(i), paths) for i in range(rows.nlevels)],
            names=["sample", *rows.names])
        # (paths, n_series, len(fh), K): path after path, each in the rows' order.
        values = np.moveaxis(forecast, -1, 0).reshape(paths * len(like), -1)
        # marginal=False: the paths are joint draws of all steps, so keep them whole.
        return Empirical(pd.DataFrame(values, index=index, columns=like.columns),
                         time_indep=marginal, index=like.index, columns=like.columns)

    def _predict_quantiles(self, fh, X, alpha):
        if getattr(self, "_conformal", None) is not None:
            values, keys = self._conformal_quantiles(fh, X, alpha)
            return self._quantile_frame(values, keys, fh, np.asarray(alpha, dtype=float))
        forecast, keys = self._forecast(fh, X)
        if self._samples():
            requested = np.asarray(alpha, dtype=float)
            values = np.moveaxis(np.quantile(forecast, requested, axis=-1), 0, -1)
            return self._quantile_frame(values, keys, fh, requested)
        levels = np.array(self._levels)
        requested = np.asarray(alpha, dtype=float)
        outside = requested[(requested < levels[0] - 1e-9) | (requested > levels[-1] + 1e-9)]
        if len(outside):
            raise ValueError(
                f"Quantile level(s) {outside.tolist()} lie outside the levels the network "
                f"was trained for, {levels.tolist()}; fit with quantiles that include them.")
        # Coverage c asks for levels (1 -/+ c) / 2, rounded: 0.5 - 0.45 = 0.04999...
        alpha = np.clip(requested, levels[0], levels[-1])
        # Linear interpolation between the trained levels, for every forecast at once.
        upper = np.clip(np.searchsorted(levels, alpha), 1, len(levels) - 1)
        weight = (alpha - levels[upper - 1]) / (levels[upper] - levels[upper - 1])
        values = (forecast[..., upper - 1] * (1 - weight) + forecast[..., upper] * weight)
        return self._quantile_frame(values, keys, fh, requested)

    def _quantile_frame(self, values, keys, fh, requested):
        """sktime's frame of quantiles ``values`` ``(n_series, len(fh), K, len(alpha))``."""
        times = fh.to_absolute_index(self.cutoff)
        columns = pd.MultiIndex.from_product([self._columns, list(requested)])
        # (n_series, n_times, K, n_alpha) -> rows (series, time), columns (variable, alpha)
        frame = _join_series(values.reshape(*values.shape[:2], -1), keys, times,
                             range(values.shape[2] * values.shape[3]), self._y_seen.index)
        frame.columns = columns
        return frame

    def _forecast(self, fh, X):
        """Forecasts of the steps of ``fh`` in the units of y, ``(n_series, len(fh), K, Q)``.

        ``Q`` is the number of trained quantile levels (1 for point forecasts), sorted.
        """
        if (fh.to_relative(self.cutoff).to_numpy() < 1).any():
            raise ValueError(
                "RNNForecaster forecasts the steps after the end of y only; fh holds steps "
                f"{fh.to_relative(self.cutoff).to_numpy().tolist()} relative to it.")
        keys, history = self._series_values()
        if keys != self._keys:
            raise ValueError(
                "update brought series the forecaster was not fitted on; call update with "
                "update_params=True, or fit again, to include them.")
        n_targets = len(self._columns)
        steps = self._steps_ahead(fh)  # (n_series, len(fh))
        horizon = int(steps.max())
        ends = [len(h) for h in history]
        w = self.window_length
        windows = np.stack([(self._adjusted(h[-w:], i, len(h) - w) - self._center[i])
                            / self._scale[i] for i, h in enumerate(history)])
        windows = np.concatenate([windows, np.repeat(self._static[:, None], w, axis=1)], axis=2)
        last = (windows[:, -1, :n_targets].copy() if self.level_ == "last"
                else np.zeros((len(windows), n_targets)))
        paths = self.n_paths if self._samples() else 1
        # The uniforms the paths are drawn by, from random_state: an int repeats forecasts.
        draws = None
        if self._samples():
            seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            # Direct: every step the network emits (fh may ask for fewer, or later ones).
            n_steps = horizon if self.strategy == "recursive" else self._horizon
            draws = np.random.default_rng(seed).random((len(windows), paths, n_steps,
                                                        self._n_outputs()))
        if self.strategy == "recursive":
            future = self._future_exog(X, keys, steps.max(axis=1), horizon)
            forecast = self._recursive_paths(windows, last, future, horizon, draws)
        elif self._samples():
            if horizon > self._horizon:
                raise ValueError(
                    f"strategy='direct' was fitted for {self._horizon} step(s) ahead; fh asks "
                    f"for step {horizon}. Fit with the longest fh you will ask for.")
            windows[:, :, :n_targets] -= last[:, None]
            out = self._predict_network(windows, raw=True)  # (n_series, H, K * P)
            delta = self.regressor_._draw(out[:, None], draws)  # noqa: SLF001
            drift = np.arange(1, out.shape[1] + 1)[:, None] * self._drift[:, None]
            forecast = np.moveaxis(delta + (last[:, None] + drift)[:, None], 1, -1)
        else:
            if horizon > self._horizon:
                raise ValueError(
                    f"strategy='direct' was fitted for {self._horizon} step(s) ahead; fh asks "
                    f"for step {horizon}. Fit with the longest fh you will ask for.")
            windows[:, :, :n_targets] -= last[:, None]
            forecast = self._predict_network(windows)
            forecast = forecast.reshape(len(windows), -1, n_targets, len(self._levels or [0.5]))
            drift = np.arange(1, forecast.shape[1] + 1)[:, None] * self._drift[:, None]
            forecast = forecast + (last[:, None] + drift)[..., None]
        if not self._samples():
            # Sorted per forecast, quantiles never cross (monotone rearrangement).
            forecast = np.sort(forecast, axis=-1)
        forecast = np.take_along_axis(forecast, steps[:, :, None, None] - 1, axis=1)
        return self._restored(forecast, steps, ends), keys

    def _predict_network(self, windows, raw=False):
        """The network's predictions for float64 ``windows``, as float64.

        ``raw``: its outputs, the parameters of a ``distribution`` rather than the mean.
        """
        windows = windows.astype(np.float32)
        if raw:
            return self.regressor_._forward(windows)  # noqa: SLF001 (the network's output)
        return self.regressor_.predict(windows).astype(np.float64)

    def _recursive_paths(self, windows, last, future, horizon, draws):
        """The recursive forecasts ``(n_series, H, K, paths)`` of scaled, adjusted windows.

        Every step feeds the step forecast back into the window (with the forecasts of the
        past-only columns of X). With ``draws`` (uniforms ``(n_series, paths, H, outputs)``),
        every series runs as ``paths`` copies, one batched pass per step, each drawing its
        step from the predicted distribution at its uniforms; without, the network's
        predictions are the one path.
        """
        n_series, n_targets, n_outputs = len(windows), last.shape[1], self._n_outputs()
        paths = 1 if draws is None else draws.shape[1]
        # Past-only columns are forecast as they are: no level, no drift.
        last = np.pad(np.repeat(last, paths, axis=0), ((0, 0), (0, n_outputs - n_targets)))
        drift = np.pad(np.repeat(self._drift, paths, axis=0),
                       ((0, 0), (0, n_outputs - n_targets)))
        windows = np.repeat(windows, paths, axis=0)
        if future is not None:
            future = np.repeat(future, paths, axis=0)
        forecast = []
        for step in range(horizon):
            relative = windows.copy()
            relative[:, :, :n_targets] -= last[:, None, :n_targets]
            if draws is None:
                delta = self._predict_network(relative).reshape(len(windows), n_outputs)
            else:
                delta = self.regressor_._draw(  # noqa: SLF001 (the regressor's sampler)
                    self._predict_network(relative, raw=True),
                    draws[:, :, step].reshape(len(windows), n_outputs))
            value = last + delta + drift
            forecast.append(value[:, :n_targets])
            if self.level_ == "last":
                last[:, :n_targets] = value[:, :n_targets]
            new = value if future is None else np.concatenate([value, future[:, step]], 1)
            windows = np.concatenate([windows[:, 1:], new[:, None]], axis=1)
        forecast = np.stack(forecast, axis=1)  # (n_series * paths, H, K)
        return np.moveaxis(forecast.reshape(n_series, paths, horizon, n_targets), 1, -1)

    def _steps_ahead(self, fh):
        """Steps of ``fh`` after the end of every series, ``(n_series, len(fh))`` ints.

        The series of a panel may end before the cutoff, and then need more steps.
        """
        times = fh.to_absolute_index(self.cutoff)
        ends = [frame.index[-1] for frame in self._parts("_y_seen").values()]
        steps = {end: self._steps_after(end, times) for end in set(ends)}
        return np.stack([steps[end] for end in ends])

    def _cutoff_at(self, time):
        """A cutoff like sktime's (an index of one time, with its frequency) at ``time``."""
        cutoff = self.cutoff
        if isinstance(cutoff, pd.PeriodIndex | pd.DatetimeIndex):
            return type(cutoff)([time], freq=cutoff.freq)
        return pd.Index([time])

    def _times_after(self, end, n):
        """The ``n`` times after ``end`` on the grid of y's time stamps."""
        if _is_int_step(self._step):
            return pd.Index(end + self._step * np.arange(1, n + 1))
        cutoff = self.cutoff if end == self.cutoff[0] else self._cutoff_at(end)
        return ForecastingHorizon(np.arange(1, n + 1)).to_absolute_index(cutoff)

    def _check_times(self):
        """The step of y's time stamps (see :func:`_time_step`), checked with X's.

        sktime's cutoff gets the frequency of y's datetimes when it has none (a DatetimeIndex
        without ``freq``, or an update of fewer than three steps): its forecasts need it.
        """
        step = _time_step(self._parts("_y_seen"), self.cutoff)
        if self._X_seen is not None:
            for key, frame in self._parts("_X_seen").items():
                _check_unique(frame.index, "X", key)
        self._set_cutoff(_with_freq(self.cutoff, step))
        return step

    def _check_continues(self, y):
        """Refuse ``y`` passed to update unless it continues the series seen.

        Its rows up to the end of a series seen must repeat that series exactly (sktime's
        ``update_predict`` passes expanding windows); the rest must start one step after
        that end and go on step by step. A series not seen before (of a panel) only needs
        regular time stamps of its own.
        """
        seen = self._parts("_y_seen")
        name = "y passed to update"
        for key, frame in _series(y).items():
            _check_unique(frame.index, name, key)
            old = seen.get(key)
            if old is None:
                if self._step is not None:
                    _check_grid(frame.index, self._step, key, name)
                continue
            end = old.index[-1]
            past = np.asarray(frame.index <= end)
            overlap = frame[past]
            if len(overlap):
                known = overlap.index.isin(old.index)
                changed = ~known
                changed[known] = (old.loc[overlap.index[known]].to_numpy(dtype=np.float64)
                                  != overlap[known].reindex(columns=old.columns)
                                  .to_numpy(dtype=np.float64)).any(axis=1)
                if changed.any():
                    at = overlap.index[np.flatnonzero(changed)[0]]
                    raise ValueError(
                        f"{name}{_in_series(key)} has a row at {at}, at or before the end "
                        f"of the data the forecaster has seen ({end}), that is not in those "
                        "data as it is: update appends the steps after the cutoff (rows up "
                        "to it may only repeat the data seen). Pass the new data"
                        f"{self._next_text(end)}, or fit again to change the past.")
            if self._step is None or past.all():
                continue
            new = frame.index[~past]
            expected = _grid(end, self._step, len(new) + 1)[1:]
            wrong = np.flatnonzero(np.asarray(new != expected))
            if len(wrong):
                i = wrong[0]
                where = (f"starts at {new[0]}, but the data seen end at {end} and the next "
                         f"step is {expected[0]}" if i == 0 else
                         f"has {new[i - 1]} followed by {new[i]}, but the step after "
                         f"{new[i - 1]} is {expected[i]}")
                raise ValueError(
                    f"{name}{_in_series(key)} {where}: RNNForecaster would forecast (and, "
                    "with update_params=True, train) as if the missing steps were not "
                    f"there. Pass the data{self._next_text(end)}, step by step, with any "
                    "gap filled first.")

    def _next_text(self, end):
        """`` from <the step after end> on``, when that step is known."""
        return "" if self._step is None else f" from {_grid(end, self._step, 2)[1]} on"

    def _seen_cutoff(self):
        """The cutoff of the data seen: the last time of all series, as sktime's."""
        end = max(frame.index[-1] for frame in self._parts("_y_seen").values())
        return _with_freq(self._cutoff_at(end), self._step)

    def _steps_after(self, last, times):
        """How many steps after ``last`` each of ``times`` is, as ints.

        Integer time stamps count steps of ``_step`` (sktime's relative ``fh`` counts their
        units): a time between two steps is refused.
        """
        if _is_int_step(self._step):
            distance = np.asarray(times, dtype=np.int64) - int(last)
            off = distance % self._step != 0
            if off.any():
                raise ValueError(
                    f"fh asks for time(s) {np.asarray(times)[off].tolist()}, between the steps of "
                    f"y: its integer time stamps step by {self._step} (the last is {last}), "
                    f"so the next steps are {last + self._step}, {last + 2 * self._step}, "
                    f"...; sktime counts a relative fh in units of the index. Pass fh as "
                    f"multiples of {self._step} (fh=[{self._step}, {2 * self._step}] for two "
                    "steps ahead), or index y by consecutive integers "
                    "(y.reset_index(drop=True)).")
            return distance // self._step
        if last == self.cutoff[0]:
            cutoff = self.cutoff
        else:
            cutoff = self._cutoff_at(last)
        fh = ForecastingHorizon(times, is_relative=False, freq=getattr(cutoff, "freq", None))
        return fh.to_relative(cutoff).to_numpy().astype(int)

    def _future_exog(self, X, keys, needed, horizon):
        """What the recursion appends to the forecasts of steps 1 .. horizon, (n_series,
        horizon, E): the scaled future-known columns of X, then the static features; None.

        Series ``i`` reads X at the ``needed[i]`` steps after its own end; the steps of the
        recursion after those repeat its last values (their forecasts are not used).
        """
        static = np.repeat(self._static[:, None], horizon, axis=1).astype(np.float32)
        if not self._future_columns:
            return static if static.shape[2] else None
        if X is None:
            raise ValueError(
                f"The forecaster was fitted with the future-known columns "
                f"{self._future_columns[:5]} of X; pass X to predict for every step up to "
                f"the last one forecast ({horizon} after the end of y), or name the columns "
                "known only up to the cutoff in past_columns.")
        start = len(self._columns) + len(self._past_columns)
        future, frames = [], _series(X)
        ends = [frame.index[-1] for frame in self._parts("_y_seen").values()]
        for i, (key, end) in enumerate(zip(keys, ends, strict=True)):
            frame = frames.get(key)
            if frame is None:
                raise ValueError(f"X passed to predict has no rows for series {key!r}.")
            _check_unique(frame.index, "X passed to predict", key)
            times = self._times_after(end, needed[i])
            missing = times.difference(frame.index)
            if len(missing):
                raise ValueError(
                    f"X passed to predict lacks the time(s) {list(missing)} of series "
                    f"{key!r}; the recursive strategy reads X at every step up to the last "
                    "one forecast.")
            absent = [column for column in self._future_columns
                      if column not in frame.columns]
            if absent:
                raise ValueError(
                    f"X passed to predict lacks the future-known column(s) {absent} of the X "
                    "the forecaster was fitted with; pass the same exogenous variables.")
            values = _finite(frame.loc[times, self._future_columns].to_numpy(dtype=np.float64),
                             "X passed to predict", key)
            values = np.concatenate([values, np.repeat(values[-1:], horizon - len(values), 0)])
            future.append((values - self._center[i, start:]) / self._scale[i, start:])
        future = np.stack(future)
        check_float32_range(future, "X passed to predict (standardized with the mean and "
                                    "standard deviation of the X seen in fit)")
        return np.concatenate([future.astype(np.float32), static], axis=2)

    # -- what sklrnn.save writes and sklrnn.load reads -----------------------------------------

    #: Parameters added since the first files were written, with the values that forecast as
    #: the models of files without them did: a file lacking one predates it.
    _added_params = {**BaseRNN._added_params,  # noqa: SLF001 (the network's defaults)
                     "sp": None, "deseasonalize": None, "level": "mean", "detrend": False,
                     "distribution": None, "n_paths": 1000, "calibration": None,
                     "calibration_refits": 1,
                     "past_columns": None, "static_columns": None, "series_embedding": False}
    #: The fitted attributes sklrnn.save writes (and load accepts); sktime's ``fit`` sets
    #: its own state again at load.
    __sklrnn_fitted__ = ("regressor_", "n_windows_", "sp_", "deseasonalize_", "seasonal_",
                         "level_", "_seasonal", "_drift", "_levels", "_horizon", "_keys",
                         "_columns", "_center", "_scale", "_y_seen", "_X_seen", "_conformal",
                         "_past_columns", "_future_columns", "_static_columns", "_static")
    #: The state being restored while sklrnn.load runs sktime's ``fit`` (name-mangled, so
    #: sktime's ``reset`` keeps it).
    __restoring = None
    #: What ``deseasonalize="auto"`` chooses, when the copies of :meth:`_calibrate` are
    #: told (None: chosen from y).
    _auto_mode = None

    @classmethod
    def __sklrnn_upgrade__(cls, node):
        """Bring the document of an older file to the current layout (see RNNRegressor's)."""
        params = {**cls._added_params, **node["params"]}
        return {**node, "params": params}

    def __sklrnn_state__(self):
        """What :func:`sklrnn.save` writes besides the parameters.

        Returns
        -------
        dict
            ``"fitted"``: the forecaster's own fitted attributes (the regressor among them);
            ``"sktime"``: what sktime's ``fit`` needs to set its state again, the type of y
            (``"y_mtype"``) and the forecasting horizon (``"fh"``: None, or whether it is
            ``"relative"`` and its ``"values"``, an array or a pandas index).
        """
        fh = self._fh
        if fh is not None:
            values = fh.to_pandas()
            fh = {"relative": fh.is_relative,
                  "values": values.to_numpy() if fh.is_relative else values}
        return {"fitted": {key: getattr(self, key) for key in self.__sklrnn_fitted__},
                "sktime": {"y_mtype": self._y_metadata["mtype"], "fh": fh}}

    def __sklrnn_restore__(self, state):
        """Set the state of :meth:`__sklrnn_state__` through sktime's own ``fit``.

        ``fit`` runs on the saved y and X with the saved horizon, and :meth:`_fit` restores
        the saved attributes instead of training.

        Returns
        -------
        set of str
            No tensors: the regressor holds the network.
        """
        from sktime.datatypes import convert_to

        fitted, sktime = state["fitted"], state["sktime"]
        fh = sktime["fh"]
        if fh is not None:
            fh = ForecastingHorizon(fh["values"], is_relative=fh["relative"])
        y = fitted["_y_seen"]
        # The y fit saw, in the type it came in; a series keeps its name.
        y = y.iloc[:, 0] if sktime["y_mtype"] == "pd.Series" else convert_to(
            y, to_type=sktime["y_mtype"])
        self.__restoring = fitted
        try:
            self.fit(y, X=fitted["_X_seen"], fh=fh)
        finally:
            del self.__restoring
        return set()

    def _restore(self, y, X):
        """What :meth:`_fit` does under :meth:`__sklrnn_restore__`."""
        fitted = self.__restoring
        if "sp_" not in fitted:  # saved before seasons and levels: neither adjusted
            shape = (len(fitted["_keys"]), 1, len(fitted["_columns"]))
            self.sp_, self.deseasonalize_, self.level_ = 1, None, "mean"
            self.seasonal_, self._seasonal = np.zeros(shape), np.zeros(shape)
            self._drift = np.zeros(shape[::2])
        self._conformal = None  # files before calibration have none
        # Files before typed covariates: every column of X known in the future.
        self._past_columns, self._static_columns = [], []
        self._future_columns = [] if X is None else list(X.columns)
        self._static = np.zeros((len(fitted["_keys"]), 0))
        self.__dict__.update(fitted)
        self._y_seen, self._X_seen = y, X
        self._step = self._check_times()
        return self

    # -- update ------------------------------------------------------------------------------

    def _update(self, y, X=None, update_params=True):
        try:
            self._check_continues(y)
            if (not update_params and self.deseasonalize_ == "multiplicative"
                    and (y.to_numpy() <= 0).any()):
                raise ValueError(
                    "The forecaster was fitted with deseasonalize_='multiplicative' (every "
                    "value of y was positive; it works with their logarithm), and y passed "
                    "to update has values <= 0. Update with update_params=True (which "
                    "chooses again), or fit with deseasonalize='additive'.")
            if X is not None:
                for key, frame in _series(X).items():
                    _check_unique(frame.index, "X passed to update", key)
        except ValueError:
            # sktime moved the cutoff to the end of y already: the refused data change nothing.
            self._set_cutoff(self._seen_cutoff())
            raise
        self._y_seen = _append(self._y_seen, y)
        self._set_cutoff(_with_freq(self.cutoff, self._step))
        if self._X_seen is not None and X is not None:
            self._X_seen = _append(self._X_seen, X)
        if update_params:
            self._fit_network()
        return self

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Cheap settings for sktime's estimator checks.

        Parameters
        ----------
        parameter_set : str, default="default"
            Name of the set; only the default one exists.

        Returns
        -------
        params : list of dict
            Constructor arguments of forecasters to test.
        """
        tiny = dict(hidden_size=4, max_epochs=2, batch_size=16, random_state=0)
        return [
            dict(window_length=3, **tiny),
            dict(window_length=2, strategy="direct", cell="gru", quantiles=True, **tiny),
            dict(window_length=3, distribution="normal", n_paths=20, **tiny),
            dict(window_length=2, strategy="direct", distribution="student_t", n_paths=20,
                 **tiny),
            dict(window_length=2, calibration="conformal", calibration_refits=2, **tiny),
            # past_columns and static_columns name columns, which sktime's X of various
            # names may lack (tests/test_covariates.py checks them).
            dict(window_length=3, series_embedding=True, **tiny),
        ]


def _acf(x, max_lag):
    """Autocorrelations of ``x`` at lags 0 .. max_lag (the biased estimator, as statsmodels')."""
    x = x - x.mean()
    denominator = (x * x).sum()
    if denominator == 0:
        return np.zeros(max_lag + 1)
    return np.array([(x[:len(x) - k] * x[k:]).sum() / denominator
                     for k in range(max_lag + 1)])


def _detect_sp(targets, cutoff):
    """The seasonal period: from the index frequency, else from the pooled autocorrelation.

    The autocorrelation of the differenced series, averaged over all series and variables
    weighted by length, is read at lags 2 .. a third of the shortest series (at most 3 full
    periods must fit); its highest peak is the period when it is significant (above the
    99% bound of Bartlett's formula), else there is no season (1).
    """
    freq = getattr(cutoff, "freqstr", None)
    if freq is not None:
        prefix = freq.split("-")[0].lstrip("0123456789")
        for name, sp in FREQUENCY_SP.items():
            if prefix.startswith(name) and (name != "M" or not prefix.startswith("min")):
                return sp
    max_lag = min(len(t) for t in targets) // 3
    if max_lag < 2:
        return 1
    acf, total = np.zeros(max_lag + 1), 0
    for t in targets:
        for column in np.diff(t, axis=0).T:
            acf += len(column) * _acf(column, max_lag)
            total += len(column)
    acf /= total
    peaks = [lag for lag in range(2, max_lag) if acf[lag] >= max(acf[lag - 1], acf[lag + 1])]
    if not peaks:
        return 1
    lag = max(peaks, key=lambda k: acf[k])
    # 99%, not the 90% of the per-series test: the highest of many lags is chosen.
    bound = 2.576 * np.sqrt((1 + 2 * (acf[1:lag] ** 2).sum()) / total)
    return lag if acf[lag] > bound else 1


def _choose_level(targets, lag):
    """"last" for series that wander (trend, random walk), "mean" for ones that revert.

    Over all series and variables, each in units of its mean step: the mean distance of a
    value from the one ``lag`` steps earlier (what a forecast from the last value errs by)
    against its mean distance from the series' mean (what a forecast of the mean errs by).
    """
    naive = mean = 0.0
    for t in targets:
        lag_t = max(1, min(lag, len(t) - 1))
        step = np.abs(np.diff(t, axis=0)).mean(axis=0)
        step = np.where(step > 0, step, 1.0)
        naive += (np.abs(t[lag_t:] - t[:-lag_t]).mean(axis=0) / step).sum()
        mean += (np.abs(t - t.mean(axis=0)).mean(axis=0) / step).sum()
    return "last" if naive <= mean else "mean"


def _is_seasonal(z, sp):
    """The 90% autocorrelation test for seasonality at lag ``sp`` (as the M4 benchmarks)."""
    if len(z) < 3 * sp:
        return False
    acf = _acf(z, sp)
    bound = 1.645 * np.sqrt((1 + 2 * (acf[1:sp] ** 2).sum()) / len(z))
    return abs(acf[sp]) > bound


def _seasonal_components(z, sp):
    """Classical additive seasonal components of ``z`` by phase (0 = its first step).

    The trend is the centred moving average over one period (2 x sp for even sp); each
    phase's component is the mean of ``z`` less the trend there, centred to sum to 0.
    """
    if sp % 2:
        weights = np.full(sp, 1.0 / sp)
    else:
        weights = np.r_[0.5, np.ones(sp - 1), 0.5] / sp
    trend = np.convolve(z, weights, mode="valid")
    half = len(weights) // 2
    detrended = z[half:half + len(trend)] - trend
    phase = np.arange(half, half + len(trend)) % sp
    components = np.array([detrended[phase == p].mean() for p in range(sp)])
    return components - components.mean()


def _is_int_step(step):
    """Whether ``step`` is the step of integer time stamps (else a frequency, or None)."""
    return isinstance(step, int | np.integer)


def _in_series(key):
    """`` (series <key>)`` for a series of a panel, nothing for a single series."""
    return "" if key is None else f" (series {key!r})"


def _check_unique(index, name, key):
    """Refuse a time index with a time stamp twice."""
    if index.has_duplicates:
        time = index[index.duplicated()][0]
        levels = 0 if key is None else list(range(len(key) + 1))
        raise ValueError(
            f"{name}{_in_series(key)} has more than one row at time {time}; every time step "
            f"needs exactly one. Drop the duplicates ({name.split()[0]}[~"
            f"{name.split()[0]}.index.duplicated()]) or aggregate them "
            f"({name.split()[0]}.groupby(level={levels}).mean()) first.")


def _with_freq(cutoff, step):
    """``cutoff``, given the frequency ``step`` of y's datetimes when it has none."""
    if isinstance(cutoff, pd.DatetimeIndex) and cutoff.freq is None and step is not None:
        return pd.DatetimeIndex(cutoff, freq=step)
    return cutoff


def _grid(start, step, n):
    """The ``n`` times from ``start`` on, ``step`` apart (an int, or a frequency)."""
    if _is_int_step(step):
        return pd.Index(start + step * np.arange(n))
    if isinstance(start, pd.Period):
        return pd.period_range(start, periods=n, freq=step)
    return pd.date_range(start, periods=n, freq=step)


def _check_grid(index, step, key, name="y"):
    """Refuse time stamps that are not consecutive steps of ``step`` from the first one."""
    if not len(index):
        return
    wrong = np.flatnonzero(np.asarray(index != _grid(index[0], step, len(index))))
    if not len(wrong):
        return
    i = wrong[0]
    if _is_int_step(step):
        unit = f"{step}" if step > 1 else "1 (consecutive integers)"
        fix = ("fill the missing steps, or index the series by consecutive integers, "
               "y.reset_index(drop=True)")
    elif isinstance(index, pd.PeriodIndex):
        unit = f"one step of their frequency {index.freqstr!r}"
        fix = ("fill the missing steps (y.reindex(pd.period_range(y.index[0], y.index[-1], "
               f"freq={index.freqstr!r})), then impute them), or index the series by a "
               "RangeIndex, y.reset_index(drop=True)")
    else:
        unit = f"one step of their frequency {step.freqstr!r}"
        fix = (f"fill the missing steps (y.asfreq({step.freqstr!r}), then impute them), or "
               "index the series by a RangeIndex, y.reset_index(drop=True)")
    where = (f"{index[0]} is not on that grid" if i == 0
             else f"{index[i - 1]} is followed by {index[i]}")
    raise ValueError(
        f"The time stamps of {name}{_in_series(key)} must go up by {unit} from one row to "
        f"the next, but {where}. RNNForecaster reads consecutive rows as consecutive "
        f"steps: {fix}.")


def _time_step(frames, cutoff):
    """The step between consecutive time stamps of the series ``frames`` of y, checked.

    An int for integer time stamps (1 when consecutive): the smallest step of any series,
    every series then checked to step by it. The frequency of datetimes and periods:
    sktime's (the cutoff's), else the one every series of datetimes has or lets pandas
    infer; none is refused (irregular datetimes). None for other indexes (not checked).
    A time stamp twice in a series is refused.
    """
    for key, frame in frames.items():
        _check_unique(frame.index, "y", key)
    indexes = list(frame.index for frame in frames.values())
    first = indexes[0]
    if isinstance(first, pd.DatetimeIndex | pd.PeriodIndex):
        step = getattr(cutoff, "freq", None) or _inferred_freq(indexes)
    elif pd.api.types.is_integer_dtype(first.dtype):
        steps = [np.diff(np.asarray(index, dtype=np.int64)) for index in indexes]
        steps = np.concatenate(steps)
        step = int(steps.min()) if len(steps) else 1
    else:
        return None
    for key, index in zip(frames, indexes, strict=True):
        _check_grid(index, step, key)
    return step


def _inferred_freq(indexes):
    """The frequency of the DatetimeIndexes of all series, or refuse irregular time stamps."""
    freqs = set()
    for index in indexes:
        try:
            freqs.add(index.freq or pd.infer_freq(index))
        except (TypeError, ValueError):  # fewer than three time stamps
            freqs.add(None)
    if len(freqs) == 1 and None not in freqs:
        return pd.tseries.frequencies.to_offset(freqs.pop())
    freq, spacing = "freq", ""
    longest = max(indexes, key=len)
    if len(longest) > 1:  # the most common step, as a frequency to suggest
        step = pd.Timedelta(int(pd.Series(np.diff(longest.asi8)).mode()[0]), unit=longest.unit)
        spacing = f" (the most common step is {step})"
        day = pd.Timedelta(days=1)
        if step < day:
            with contextlib.suppress(ValueError):
                freq = repr(pd.tseries.frequencies.to_offset(step).freqstr)
        elif step % day == pd.Timedelta(0) and step < 28 * day:  # not months: their days vary
            freq = repr(f"{step // day if step > day else ''}D")
    raise ValueError(
        "y has a DatetimeIndex without a frequency, and none can be inferred: its time "
        f"stamps are not evenly spaced{spacing}. RNNForecaster reads consecutive rows as "
        "consecutive steps, and sktime needs a frequency to label forecasts. Put y on a "
        f"regular grid first, y.asfreq({freq}) and fill the gaps, or y.resample({freq})"
        ".mean(); or index it by a RangeIndex, y.reset_index(drop=True).")


def _finite(values, name, key):
    """``values``, refused when not all finite (sktime catches NaN, not infinity)."""
    if not np.isfinite(values).all():
        raise ValueError(
            f"{name} contains infinity or NaN (in series {key!r}); RNNForecaster needs finite "
            "values. Replace or impute them first.")
    return values


def _series(frame):
    """``{key: frame of that series}``, in order of appearance, each sorted by time.

    A single series (no MultiIndex) has the key None; a series of a panel the tuple of its
    instance levels, and its frame is indexed by time alone.
    """
    if not isinstance(frame.index, pd.MultiIndex):
        return {None: frame.sort_index()}
    levels = list(range(frame.index.nlevels - 1))
    return {key if isinstance(key, tuple) else (key,): part.droplevel(levels).sort_index()
            for key, part in frame.groupby(level=levels, sort=False)}


def _join_series(forecast, keys, times, columns, like):
    """DataFrame of ``forecast`` (n_series, n_times, K) in the index layout of ``like``."""
    if keys == [None]:
        return pd.DataFrame(forecast[0], index=times, columns=columns)
    index = pd.MultiIndex.from_tuples(
        [(*key, time) for key in keys for time in times], names=like.names)
    return pd.DataFrame(forecast.reshape(-1, forecast.shape[2]), index=index, columns=columns)


def _rows(frame, start, stop):
    """Rows ``start:stop`` of every series of ``frame`` (negative: from each one's end)."""
    if not isinstance(frame.index, pd.MultiIndex):
        return frame.sort_index().iloc[start:stop]
    parts = {key: part.iloc[start:stop] for key, part in _series(frame).items()}
    joined = pd.concat(parts.values(), keys=list(parts), names=frame.index.names[:-1])
    joined.index = joined.index.set_names(frame.index.names)
    return joined


def _append(old, new):
    """``old`` with the rows of ``new`` added, a row of ``new`` replacing one at its time."""
    combined = pd.concat([old, new])
    return combined[~combined.index.duplicated(keep="last")]


class _QuantileRegressor(RNNRegressor):
    """An RNNRegressor whose network emits quantiles of every target (pinball loss).

    Parameters
    ----------
    levels : tuple of float, default=(0.5,)
        The quantile levels, increasing, in (0, 1). Targets ``(N, H, K)`` give outputs
        ``(N, H, K * n_levels)``, see :class:`~sklrnn.nn.losses.PinballLoss`.
    **params
        The parameters of :class:`~sklrnn.RNNRegressor`.
    """

    _criterion = PinballLoss
    # levels sizes the network's output: the parent's list, extended.
    _network_params = (*RNNRegressor._network_params, "levels")  # noqa: SLF001

    def __init__(self, *, levels=(0.5,), **params):
        super().__init__(**params)
        self.levels = levels

    # scikit-learn finds the parameters in the signature: RNNRegressor's, and levels.
    __init__.__signature__ = extended_signature(RNNRegressor.__init__, levels=(0.5,))

    @classmethod
    def __sklrnn_upgrade__(cls, node):
        node = super().__sklrnn_upgrade__(node)
        fitted = dict(node["fitted"])
        if "levels" in fitted:  # set on the instance before levels was a parameter
            return {**node, "params": {**node["params"], "levels": fitted.pop("levels")},
                    "fitted": fitted}
        return node

    def _output_size(self):
        return self.n_outputs_ * len(self.levels)

    def _criterion_spec(self, per_step):
        return PinballLoss, {"levels": self.levels}

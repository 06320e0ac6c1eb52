"""From long series to training windows, and from lag matrices to sequences."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import FLOAT_DTYPES, check_array, check_is_fitted, validate_data

from .._checks import PositiveInt, check_not_temporal
from .._sequences import is_ragged


@validate_params(
    # The arrays are checked below, with messages that say what shapes are accepted.
    {"series": "no_validation", "window_length": [PositiveInt()],
     "horizon": [PositiveInt()], "step": [PositiveInt()], "target": "no_validation"},
    prefer_skip_nested_validation=True,
)
def make_windows(series, window_length, horizon=1, step=1, *, target=None):
    """Cut a series into input windows and the values that follow them.

    Window ``i`` is ``series[i * step : i * step + window_length]``; its target is the next
    ``horizon`` values. Both are read-only views of ``series`` (numpy's
    :func:`~numpy.lib.stride_tricks.sliding_window_view`): windowing costs memory proportional
    to the series, not ``window_length`` copies of it. Copy them (``np.array(X)``) before
    writing to them.

    Parameters
    ----------
    series : array-like of shape (n_timesteps,) or (n_timesteps, n_features)
        The series, oldest value first. Numeric and finite.
    window_length : int
        Time steps per input window.
    horizon : int, default=1
        Values to predict after every window.
    step : int, default=1
        Distance between the starts of consecutive windows.
    target : int or None, default=None
        Column of a 2-D series to predict; None predicts every column.

    Returns
    -------
    X : ndarray of shape (n_windows, window_length, n_features)
        Input windows; ``n_features`` is 1 for a 1-D series.
    y : ndarray of shape (n_windows,), (n_windows, horizon), (n_windows, n_features) or \
(n_windows, horizon, n_features)
        What follows each window: a value per window for ``horizon=1``, a row of ``horizon``
        values otherwise, with a last axis of features when several columns are predicted.

    Raises
    ------
    ValueError
        When ``window_length + horizon`` exceeds the series length, or the series is not 1-D
        or 2-D, contains NaN or infinity, or ``target`` is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn.preprocessing import make_windows
    >>> X, y = make_windows(np.arange(6.0), window_length=3)
    >>> X[..., 0]
    array([[0., 1., 2.],
           [1., 2., 3.],
           [2., 3., 4.]])
    >>> y
    array([3., 4., 5.])
    >>> make_windows(np.arange(6.0), window_length=3, horizon=2)[1]
    array([[3., 4.],
           [4., 5.]])
    """
    if is_ragged(series):
        raise ValueError(
            "series holds rows of different lengths; pass one series of shape (n_timesteps,) "
            "or (n_timesteps, n_features), and cut the windows of several series one by one."
        )
    check_not_temporal(series, "series")
    series = check_array(series, ensure_2d=False, dtype="numeric", input_name="series",
                         ensure_min_samples=0, copy=False)
    if series.ndim not in (1, 2):
        raise ValueError(
            f"series must have shape (n_timesteps,) or (n_timesteps, n_features); got "
            f"{series.shape}."
        )
    n_steps = len(series)
    n_windows = (n_steps - window_length - horizon) // step + 1
    if n_steps < window_length + horizon:
        raise ValueError(
            f"A window of {window_length} steps plus a horizon of {horizon} is longer than the "
            f"series ({n_steps} steps); use a shorter window_length or a longer series."
        )
    view = np.lib.stride_tricks.sliding_window_view
    matrix = series.reshape(n_steps, -1)
    X = view(matrix, window_length, axis=0).transpose(0, 2, 1)[: n_windows * step : step]
    if target is not None:
        if (not isinstance(target, Integral) or isinstance(target, bool) or series.ndim != 2
                or not -matrix.shape[1] <= target < matrix.shape[1]):
            raise ValueError(
                f"target={target!r} does not name a column of a series with shape "
                f"{series.shape}; pass a column index of a 2-D series or None."
            )
        targets = matrix[window_length:, target]
    else:
        targets = series[window_length:]
    if horizon == 1:
        y = targets[: n_windows * step : step].view()
        y.flags.writeable = False
    else:
        y = view(targets, horizon, axis=0)[: n_windows * step : step]
        if y.ndim == 3:  # (n, D, horizon) -> (n, horizon, D)
            y = y.transpose(0, 2, 1)
    return X, y


class TabularToSequence(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator,
                        auto_wrap_output_keys=None):
    """Turn a flat lag matrix into multivariate sequences ``(N, T, n_variables)``.

    sktime's tabular reduction (:func:`sktime.forecasting.compose.make_reduction` with a
    scikit-learn regressor) hands the regressor one row per window: the window of the first
    variable (time increasing), then the window of the next, and so on. With exogenous
    variables that row mixes several series; this transformer restores them as the features
    of each time step, so an :class:`~sklrnn.RNNRegressor` after it in a Pipeline reads proper
    multivariate sequences.

    Parameters
    ----------
    n_variables : int, default=1
        Number of variables laid out one after another in every row. The number of columns
        must be a multiple of it.

    Attributes
    ----------
    n_timesteps_ : int
        Time steps per sequence: columns / ``n_variables``.
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names, when X was a DataFrame with string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn.preprocessing import TabularToSequence
    >>> # the y lags, then the x lags
    >>> row = np.array([[1.0, 2.0, 3.0, 10.0, 20.0, 30.0]])
    >>> TabularToSequence(n_variables=2).fit_transform(row)
    array([[[ 1., 10.],
            [ 2., 20.],
            [ 3., 30.]]])
    """

    _parameter_constraints = {"n_variables": [Interval(Integral, 1, None, closed="left")]}

    def __init__(self, n_variables=1):
        self.n_variables = n_variables

    def fit(self, X, y=None):
        """Check that the columns split into ``n_variables`` windows of equal length.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_variables * n_timesteps)
            Lag matrix.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._validate_params()
        X = validate_data(self, _lag_matrix(X), dtype=FLOAT_DTYPES)
        if X.shape[1] % self.n_variables:
            raise ValueError(
                f"X has {X.shape[1]} columns, which do not split into n_variables="
                f"{self.n_variables} windows of equal length; set n_variables to the number "
                "of variables in each row."
            )
        self.n_timesteps_ = X.shape[1] // self.n_variables
        self._n_features_out = self.n_variables
        return self

    def transform(self, X):
        """Reshape every row into a sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_variables * n_timesteps)
            Lag matrix with the columns seen in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, n_timesteps, n_variables)
            ``n_timesteps`` is ``n_timesteps_``, the columns divided by ``n_variables``.
        """
        check_is_fitted(self)
        X = validate_data(self, _lag_matrix(X), dtype=FLOAT_DTYPES, reset=False)
        return X.reshape(len(X), self.n_variables, self.n_timesteps_).transpose(0, 2, 1)


def _lag_matrix(X):
    """``X`` for ``validate_data``, refused when it is ragged or holds times."""
    if is_ragged(X):
        raise ValueError(
            "TabularToSequence reads a lag matrix of shape (n_samples, n_variables * "
            "n_timesteps), every row of one length; got sequences of different lengths. The "
            "sklrnn estimators read those directly (or pad them with SequencePadder)."
        )
    check_not_temporal(X)
    return X

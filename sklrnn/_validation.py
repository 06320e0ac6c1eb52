"""The one place that turns accepted input into float32 sequences, with every bad-input error.

Accepted ``X``: a 3-D array-like ``(N, T, D)``; a 2-D array-like or DataFrame ``(N, T)`` of N
univariate sequences. Estimators call :func:`validate_sequences` in ``fit`` (``reset=True``) and
in every prediction method (``reset=False``).
"""

import numpy as np
from sklearn.utils.validation import check_array, column_or_1d, validate_data


def _ndim(X):
    if X is None:
        raise ValueError(
            "X is None; pass sequences as an array of shape (n_samples, n_timesteps, "
            "n_features) or (n_samples, n_timesteps)."
        )
    ndim = getattr(X, "ndim", None)
    if ndim is None:
        try:
            ndim = np.asarray(X).ndim
        except ValueError as exc:  # numpy refuses inhomogeneous nested lists
            raise ValueError(
                "X is a ragged list of sequences of different lengths; pad them to one "
                "length first (e.g. numpy.pad) or pass a (n_samples, n_timesteps, "
                "n_features) array."
            ) from exc
    return ndim


def _writeable(X):
    # torch warns on read-only buffers (memmaps, broadcast views); copy those only.
    return X if X.flags.writeable else X.copy()


def validate_sequences(estimator, X, *, reset):
    """Validate ``X`` and return it as a float32 array of shape ``(N, T, D)``.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator being fitted or used; on ``reset`` it receives ``n_features_in_``
        (and ``feature_names_in_`` for DataFrames) plus the private ``_input_size`` (D) and
        ``_input_ndim``.
    X : array-like of shape (N, T, D) or (N, T), or DataFrame
        The sequences. 2-D input is N univariate sequences of length T.
    reset : bool
        True in ``fit``: record the input's shape. False afterwards: check it agrees.

    Returns
    -------
    ndarray of shape (N, T, D), dtype float32
        Never the caller's object when a conversion was needed; never written to.

    Raises
    ------
    ValueError
        On 1-D or 4-D+ input, empty input, zero-length sequences, NaN or infinity, complex
        data, or a feature count that disagrees with the one seen in ``fit``.
    TypeError
        On non-numeric data or sparse matrices.
    """
    ndim = _ndim(X)
    name = type(estimator).__name__
    if ndim not in (2, 3):
        raise ValueError(
            f"{name} expects X with 2 dimensions (n_samples, n_timesteps) or 3 dimensions "
            f"(n_samples, n_timesteps, n_features); got {ndim} dimension(s). Reshape your data: "
            "X.reshape(1, -1) for one univariate sequence, X.reshape(1, n_timesteps, n_features) "
            "for one multivariate sequence."
        )
    if reset:
        estimator._input_ndim = ndim
    if ndim == 2 and estimator._input_ndim == 2:
        # N univariate sequences of one fixed length: scikit-learn's tabular conventions hold,
        # n_features_in_ is the number of columns (time steps) and feature names are tracked.
        X = validate_data(estimator, X, reset=reset, dtype=np.float32)
        X = X[:, :, None]
    else:
        X = check_array(X, allow_nd=True, ensure_2d=False, dtype=np.float32, input_name="X")
        if X.ndim == 2:
            X = X[:, :, None]
        if reset:
            estimator.n_features_in_ = X.shape[2]
            if hasattr(estimator, "feature_names_in_"):
                del estimator.feature_names_in_
    n_samples, n_steps, n_features = X.shape
    if n_steps == 0 or n_features == 0:
        raise ValueError(
            f"Found X of shape {X.shape}: sequences need at least one time step and one "
            f"feature, while a minimum of 1 is required by {name}."
        )
    if reset:
        estimator._input_size = n_features
    elif n_features != estimator._input_size:
        raise ValueError(
            f"X has {n_features} features per time step, but {name} is expecting "
            f"{estimator._input_size} features per time step as input."
        )
    return _writeable(X)


def _check_y_given(estimator, y):
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is None."
        )


def validate_regression_target(estimator, y, n_samples):
    """Return regression targets as float32 ``(N, K)`` and whether they came in 1-D.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator being fitted, named in error messages.
    y : array-like of shape (N,) or (N, K)
        Targets.
    n_samples : int
        Number of sequences in X; y must have as many rows.

    Returns
    -------
    y : ndarray of shape (N, K), dtype float32
    was_1d : bool
    """
    _check_y_given(estimator, y)
    y = check_array(y, ensure_2d=False, dtype=np.float32, input_name="y")
    if y.ndim not in (1, 2):
        raise ValueError(
            f"y must have shape (n_samples,) or (n_samples, n_targets); got {y.shape}."
        )
    _check_lengths(n_samples, y)
    return _writeable(y.reshape(len(y), -1)), y.ndim == 1


def validate_class_labels(estimator, y, n_samples):
    """Return class labels as a 1-D array; a column vector warns and is raveled.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator being fitted, named in error messages.
    y : array-like of shape (N,)
        Class labels of any type numpy can sort (numbers, strings).
    n_samples : int
        Number of sequences in X; y must have as many entries.

    Returns
    -------
    ndarray of shape (N,)
    """
    _check_y_given(estimator, y)
    y = column_or_1d(y, warn=True)
    _check_lengths(n_samples, y)
    return y


def _check_lengths(n_samples, y):
    if len(y) != n_samples:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"X has {n_samples} sequences but y has {len(y)} rows."
        )

"""The one place that turns accepted y into targets, with every bad-target error."""

from typing import NamedTuple

import numpy as np
from sklearn.utils.validation import check_array, column_or_1d

from ._checks import check_not_temporal


class Targets(NamedTuple):
    """Validated regression targets with an axis of outputs, and whether ``y`` had one.

    Attributes
    ----------
    y : ndarray of shape (N, K) or (N, H, K), dtype float32
        A view of the caller's ``y`` when it is float32 already: never write to it.
    has_output_axis : bool
        False when ``y`` came without the axis K (``(N,)``, or ``(N, H)`` for a horizon);
        predictions then drop it too.
    """

    y: np.ndarray
    has_output_axis: bool


def check_y_given(estimator, y):
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is None."
        )


def validate_regression_target(estimator, y, n_samples):
    """Return regression targets as float32 ``(N, K)`` and whether they had the axis K.

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
    Targets
        ``y`` of shape (N, K); ``has_output_axis`` is False for 1-D ``y``.
    """
    check_y_given(estimator, y)
    check_not_temporal(y, "y")
    y = check_array(y, ensure_2d=False, dtype=np.float32, input_name="y")
    if y.ndim not in (1, 2):
        raise ValueError(
            f"y must have shape (n_samples,) or (n_samples, n_targets); got {y.shape}."
        )
    check_n_rows(n_samples, y)
    return Targets(y.reshape(len(y), -1), y.ndim == 2)


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
    check_y_given(estimator, y)
    y = column_or_1d(y, warn=True)
    check_n_rows(n_samples, y)
    return y


def check_n_rows(n_samples, y):
    if len(y) != n_samples:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"X has {n_samples} sequences but y has {len(y)} rows."
        )


def validate_horizon_target(estimator, y, n_samples):
    """Return targets of a decoded horizon as float32 ``(N, H, K)`` and whether K was given.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator being fitted, named in error messages.
    y : array-like of shape (N, H) or (N, H, K)
        H future steps of K targets per sample.
    n_samples : int
        Number of samples in X; y must have as many rows.

    Returns
    -------
    Targets
        ``y`` of shape (N, H, K); ``has_output_axis`` is False for 2-D ``y``.
    """
    check_y_given(estimator, y)
    check_not_temporal(y, "y")
    y = check_array(y, ensure_2d=False, allow_nd=True, dtype=np.float32, input_name="y")
    if y.ndim not in (2, 3):
        raise ValueError(
            f"architecture={estimator.architecture!r} predicts a sequence per sample: y must "
            f"have shape (n_samples, horizon) or (n_samples, horizon, n_targets); got "
            f"{y.shape}. For one target vector per sample use architecture='seq2vec'."
        )
    if 0 in y.shape[1:]:
        raise ValueError(
            f"y of shape {y.shape} has a horizon of {y.shape[1]} step(s) and "
            f"{y.shape[2] if y.ndim == 3 else 1} target(s) per step: "
            f"architecture={estimator.architecture!r} needs at least one of each."
        )
    check_n_rows(n_samples, y)
    return Targets(y.reshape(*y.shape[:2], -1), y.ndim == 3)


def step_targets(estimator, y, real, *, dtype=np.float32):
    """Return the targets of the real time steps, sequence after sequence.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator, named in error messages.
    y : array-like of shape (N, T) or (N, T, K), or list of N arrays (T_i,) or (T_i, K)
        One target per time step. An array is aligned step by step with ``X`` as it was
        given (its values at padding steps are ignored); a list holds each sequence's targets
        at its real steps only, as ragged ``X`` does.
    real : ndarray of shape (N, T), dtype bool
        The real steps of ``X`` as it was given (:func:`validate_network_sequences` with
        ``return_steps``).
    dtype : numpy dtype or None, default=np.float32
        float32 for regression targets (checked finite); None keeps class labels as they are.

    Returns
    -------
    ndarray of shape (M,) or (M, K)
        The targets of all M real steps, in the order of ``X[real]``.
    """
    check_y_given(estimator, y)
    n_real = real.sum(axis=1)
    if isinstance(y, (list, tuple)) or (isinstance(y, np.ndarray) and y.dtype == object
                                          and y.ndim == 1):
        parts = [np.asarray(part) for part in y]
        check_n_rows(len(real), parts)
        for i, (part, n_steps) in enumerate(zip(parts, n_real, strict=True)):
            if part.ndim not in (1, 2) or len(part) != n_steps:
                raise ValueError(
                    f"y[{i}] has shape {part.shape}, but sequence {i} of X has {n_steps} real "
                    "time steps: per-step targets (architecture='seq2seq') need one target, or "
                    "one row of targets, for every real step."
                )
        if len({part.shape[1:] for part in parts}) > 1:
            raise ValueError(
                "The per-step targets in y have different numbers of columns; every sequence "
                "needs the same number of targets per step."
            )
        flat = np.concatenate(parts)
    else:
        y = np.asarray(y)
        if y.ndim not in (2, 3) or y.shape[:2] != real.shape:
            raise ValueError(
                f"y of shape {y.shape} does not match X: architecture='seq2seq' needs one "
                f"target per time step, y of shape {real.shape} or {real.shape + ('K',)} "
                "aligned with X, or a list of one array per sequence."
            )
        flat = y[real]
    if dtype is not None:
        check_not_temporal(flat, "y")
        flat = check_array(flat, ensure_2d=False, dtype=dtype, input_name="y")
    return flat

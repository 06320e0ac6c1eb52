"""The one place that turns accepted input into float sequences, with every bad-input error.

Accepted ``X``: a 3-D array-like ``(N, T, D)``; a 2-D array-like or DataFrame ``(N, T)`` of N
univariate sequences; ragged sequences (a list or 1-D object array of ``(T_i, D)`` or ``(T_i,)``
arrays, or a sktime ``pd-multiindex`` or ``nested_univ`` panel). Estimators call
:func:`validate_sequences` in ``fit`` (``reset=True``) and in every prediction method
(``reset=False``); the preprocessing transformers share :func:`is_ragged`,
:func:`ragged_to_flat` and :func:`pad_flat`.

Arrays that need no conversion are returned as they are, read-only views included (such as
the windows of :func:`sklrnn.preprocessing.make_windows`): the network reads copies of one
batch at a time (:mod:`sklrnn._batching`), so the whole input is never copied, and float64
input is cast to float32 batch by batch.
"""

import warnings

import numpy as np
from sklearn.utils.validation import check_array, column_or_1d, validate_data


def _ndim(X):
    if X is None:
        raise ValueError(
            "X is None; pass sequences as an array of shape (n_samples, n_timesteps, "
            "n_features) or (n_samples, n_timesteps), or a list of (n_timesteps_i, n_features) "
            "arrays."
        )
    ndim = getattr(X, "ndim", None)
    return np.asarray(X).ndim if ndim is None else ndim


#: Float dtypes the estimators keep as given: every batch is cast to float32 when fetched.
BATCH_DTYPES = [np.float32, np.float64]

_FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_not_temporal(X, input_name="X"):
    """Refuse time stamps and durations, which :func:`~sklearn.utils.check_array` would cast.

    ``datetime64`` and ``timedelta64`` arrays (or DataFrame columns) would otherwise become
    nanoseconds silently.

    Parameters
    ----------
    X : object
        An array, DataFrame or Series; anything without a dtype passes.
    input_name : str, default="X"
        Name used in the error message.

    Raises
    ------
    TypeError
        When ``X`` holds ``datetime64`` or ``timedelta64`` values.
    """
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or not hasattr(dtypes, "__iter__"):
        dtypes = [getattr(X, "dtype", None)]
    for dtype in dtypes:
        if getattr(dtype, "kind", None) in ("M", "m"):
            raise TypeError(
                f"{input_name} holds {dtype} values: time stamps and durations are not numbers "
                "sklrnn can read. Convert them to numeric features first, e.g. elapsed days "
                "with (t - t0) / np.timedelta64(1, 'D')."
            )


def check_float32_range(X, input_name="X"):
    """Refuse float64 values beyond float32's range: the networks would read infinity.

    Float64 input is kept as given and cast to float32 batch by batch, after
    :func:`~sklearn.utils.check_array` checked it finite in float64.

    Parameters
    ----------
    X : ndarray
        Validated input.
    input_name : str, default="X"
        Name used in the error message.
    """
    if X.dtype == np.float64 and X.size:
        largest = max(-float(X.min()), float(X.max()))
        if largest > _FLOAT32_MAX:
            raise ValueError(
                f"Input {input_name} contains values too large for float32, the dtype the "
                f"networks compute in (the largest magnitude is {largest:.3g}, float32 ends at "
                f"{_FLOAT32_MAX:.3g}); rescale it first, e.g. with "
                "sklrnn.preprocessing.SequenceScaler."
            )


def _list_to_array(X, input_name="X"):
    """``np.asarray`` of a (nested) list, with an error that says what shapes are accepted."""
    try:
        return np.asarray(X)
    except ValueError as exc:
        raise ValueError(
            f"{input_name} is a nested list that is neither one array nor a list of sequences "
            f"({exc}). Pass an array of shape (n_samples, n_timesteps) or (n_samples, "
            "n_timesteps, n_features), or a list of arrays of shape (n_timesteps_i,) or "
            "(n_timesteps_i, n_features)."
        ) from exc


def _is_panel(X):
    """A sktime ``pd-multiindex`` panel: rows indexed by (instance, time)."""
    return getattr(getattr(X, "index", None), "nlevels", 1) == 2 and hasattr(X, "columns")


def rows_are_samples(X, y):
    """Whether a (series, time)-indexed DataFrame ``X`` is a table with one sample per row.

    sktime's ``make_reduction(..., pooling="global")`` passes such a table of windows (one
    row per window, y with one value per row); a sktime panel has one target per series.

    Parameters
    ----------
    X : object
        Training input.
    y : array-like
        Training targets.

    Returns
    -------
    bool
    """
    if not _is_panel(X) or y is None:
        return False
    n_targets = len(y)
    return n_targets == len(X) != X.index.get_level_values(0).nunique()


def _is_nested(X):
    """A sktime ``nested_univ`` panel: a DataFrame whose cells are whole series."""
    return (hasattr(X, "columns") and hasattr(X, "iloc") and X.shape[0] > 0 and X.shape[1] > 0
            and all(dtype.kind == "O" for dtype in X.dtypes)
            and hasattr(X.iloc[0, 0], "__len__") and not isinstance(X.iloc[0, 0], str))


def is_ragged(X):
    """Whether ``X`` holds sequences that may differ in length, rather than one array.

    True for a sktime panel (``pd-multiindex`` or ``nested_univ``), a 1-D object array of
    sequences, and a list or tuple of sequences whose shapes differ. A list of sequences
    of one shape is an ordinary 2-D or 3-D array-like.

    Parameters
    ----------
    X : object
        Candidate input.

    Returns
    -------
    bool
    """
    if _is_panel(X) or _is_nested(X):
        return True
    if isinstance(X, np.ndarray):
        return X.dtype == object and X.ndim == 1 and any(np.ndim(s) > 0 for s in X)
    if isinstance(X, (list, tuple)) and len(X) > 1:
        try:
            first = np.shape(X[0])
            return len(first) > 0 and any(np.shape(s) != first for s in X[1:])
        except ValueError:  # a sequence that is itself an inhomogeneous nested list
            return False
    return False


def ragged_to_flat(X, *, dtype=np.float32, allow_nan=False, input_name="X"):
    """Concatenate ragged sequences into one ``(sum(T_i), D)`` array plus their lengths.

    Parameters
    ----------
    X : list, tuple or 1-D object array of array-likes, or a sktime panel DataFrame
        The sequences: each ``(T_i, D)``, or ``(T_i,)`` for univariate ones. A
        ``pd-multiindex`` panel contributes one sequence per first-level index value, in order
        of appearance; a ``nested_univ`` panel one per row.
    dtype : numpy dtype, default=np.float32
        Dtype of the returned values.
    allow_nan : bool, default=False
        Let NaN through (for masking); infinity is always refused.
    input_name : str, default="X"
        Name used in error messages.

    Returns
    -------
    flat : ndarray of shape (sum of lengths, D)
        The time steps of all sequences, one after another.
    lengths : ndarray of shape (N,), dtype int64
        Length of every sequence.

    Raises
    ------
    ValueError
        On no sequences, empty sequences, sequences with different numbers of features or of
        more than 2 dimensions, NaN (unless allowed), infinity, strings or complex numbers.
    """
    if _is_panel(X):
        flat, lengths = _panel_to_flat(X)
    else:
        seqs = (_nested_to_list(X) if _is_nested(X)
                else [_list_to_array(s, f"{input_name}[{i}]") for i, s in enumerate(X)])
        if not seqs:
            raise ValueError(f"{input_name} holds no sequences; pass at least one.")
        bad = [i for i, s in enumerate(seqs) if s.ndim not in (1, 2)]
        if bad:
            raise ValueError(
                f"Every sequence in {input_name} must be an array of shape (n_timesteps,) or "
                f"(n_timesteps, n_features); sequence {bad[0]} has shape {seqs[bad[0]].shape}."
            )
        seqs = [s[:, None] if s.ndim == 1 else s for s in seqs]
        widths = np.array([s.shape[1] for s in seqs])
        if (widths != widths[0]).any():
            other = int(np.flatnonzero(widths != widths[0])[0])
            raise ValueError(
                f"The sequences in {input_name} have different numbers of features: sequence 0 "
                f"has {widths[0]}, sequence {other} has {widths[other]}. Every time step needs "
                "the same features."
            )
        lengths = np.array([len(s) for s in seqs], dtype=np.int64)
        flat = np.concatenate(seqs)
    check_not_temporal(flat, input_name)
    empty = np.flatnonzero(lengths == 0)
    if len(empty):
        raise ValueError(
            f"{input_name} contains {len(empty)} empty sequence(s) (the first is number "
            f"{empty[0]}); every sequence needs at least one time step."
        )
    flat = check_array(flat, dtype=dtype, ensure_all_finite="allow-nan" if allow_nan else True,
                       input_name=input_name)
    return flat, lengths


def _panel_to_flat(X):
    codes = np.asarray(X.index.codes[0])
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    if len(np.unique(codes)) != len(starts):
        raise ValueError(
            "The rows of every instance of the pd-multiindex panel X must be contiguous; "
            "sort it first with X.sort_index()."
        )
    lengths = np.diff(np.r_[starts, len(codes)]).astype(np.int64)
    return X.to_numpy(), lengths


def _nested_to_list(X):
    seqs = []
    for i, row in enumerate(X.itertuples(index=False)):
        series = [np.asarray(cell) for cell in row]
        if len({len(s) for s in series}) > 1:
            raise ValueError(
                f"Instance {i} of the nested panel has variables of different lengths "
                f"{[len(s) for s in series]}; every variable of a sequence needs one length."
            )
        seqs.append(np.column_stack(series))
    return seqs


def _panel_feature_names(X):
    """Column names of a ``pd-multiindex`` panel, when they are all strings."""
    if not _is_panel(X) or not all(isinstance(c, str) for c in X.columns):
        return None
    return np.asarray(X.columns, dtype=object)


def pad_flat(flat, lengths, value=0.0):
    """Scatter concatenated sequences into a post-padded ``(N, max(lengths), D)`` array.

    Parameters
    ----------
    flat : ndarray of shape (sum of lengths, D)
        The time steps of all sequences, one after another.
    lengths : ndarray of shape (N,)
        Length of every sequence.
    value : float, default=0.0
        Fill value of the padding.

    Returns
    -------
    ndarray of shape (N, max(lengths), D)

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn._validation import pad_flat
    >>> pad_flat(np.arange(5.0)[:, None], np.array([2, 3]))[..., 0]
    array([[0., 1., 0.],
           [2., 3., 4.]])
    """
    return pad_steps(flat, lengths, lengths.max(), value)


def step_mask(lengths, n_steps):
    """Return the boolean ``(N, n_steps)`` mask of real (not padded) time steps."""
    return np.arange(n_steps) < lengths[:, None]


#: A 3-D X with at most this many time steps and, per step, at least TRANSPOSED_RATIO times
#: as many and at least TRANSPOSED_MIN_FEATURES features looks like sktime's (N, D, T).
TRANSPOSED_MAX_STEPS, TRANSPOSED_RATIO, TRANSPOSED_MIN_FEATURES = 16, 4, 32


def warn_if_transposed(shape, name):
    """Warn when 3-D data of ``shape`` looks channels-first, (N, D, T), as sktime keeps it.

    sktime's ``numpy3D`` panels put the features before the time steps; passed as they are,
    a univariate series of 150 steps reads as one step of 150 features, and a network learns
    nothing of its order.
    """
    n_samples, n_steps, n_features = shape
    if (n_steps <= TRANSPOSED_MAX_STEPS and n_features >= TRANSPOSED_MIN_FEATURES
            and n_features >= TRANSPOSED_RATIO * n_steps):
        warnings.warn(
            f"{name} got X of shape {shape}: {n_steps} time step(s) of {n_features} features "
            "each. sklrnn reads 3-D X as (n_samples, n_timesteps, n_features); this looks like "
            "sktime's channels-first layout (n_samples, n_features, n_timesteps). If so, pass "
            "X.transpose(0, 2, 1); if the shape is right, ignore this warning.",
            UserWarning, stacklevel=4,
        )


def check_sequences(estimator, X, *, reset, dtype=np.float32, allow_nan=False):
    """Validate ``X`` and return it as ``(N, T, D)`` sequences plus their lengths.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator or transformer being fitted or used. On ``reset`` it receives
        ``n_features_in_`` (and ``feature_names_in_`` for DataFrames) plus the private
        ``_input_size`` (D) and ``_input_ndim``.
    X : array-like of shape (N, T, D) or (N, T), DataFrame, or ragged sequences
        The sequences. 2-D input is N univariate sequences of length T. Ragged input is a
        list (or 1-D object array) of arrays ``(T_i, D)`` or ``(T_i,)``, or a sktime
        ``pd-multiindex``/``nested_univ`` panel.
    reset : bool
        True in ``fit``: record the input's shape. False afterwards: check it agrees.
    dtype : numpy dtype or list of them, default=np.float32
        As in :func:`sklearn.utils.check_array`.
    allow_nan : bool, default=False
        Let NaN through; infinity is always refused.

    Returns
    -------
    X : ndarray of shape (N, T, D)
        Post-padded sequences (padding is zero). The caller's array itself, or a view of it,
        when no conversion was needed, read-only ones included: never write to it.
    lengths : ndarray of shape (N,), dtype int64, or None
        Real length of every sequence; None for array input, whose sequences fill all T steps.

    Raises
    ------
    ValueError
        On 1-D or 4-D+ input, empty input, empty sequences, NaN (unless allowed) or infinity,
        complex data, sequences with different numbers of features, or a feature count that
        disagrees with the one seen in ``fit``.
    TypeError
        On non-numeric data (time stamps and durations included) or sparse matrices.
    """
    name = type(estimator).__name__
    finite = "allow-nan" if allow_nan else True
    lengths = None
    original = X
    if isinstance(X, (list, tuple)) and not X:
        raise ValueError(
            f"Found X with 0 sequences (0 samples), while a minimum of 1 is required by {name}."
        )
    if is_ragged(X):
        flat, lengths = ragged_to_flat(X, dtype=dtype, allow_nan=allow_nan)
        X = pad_flat(flat, lengths)
        ndim = 3
    else:
        if isinstance(X, (list, tuple)):
            X = _list_to_array(X)
        check_not_temporal(X)
        ndim = _ndim(X)
    if ndim not in (2, 3):
        raise ValueError(
            f"{name} expects X with 2 dimensions (n_samples, n_timesteps) or 3 dimensions "
            f"(n_samples, n_timesteps, n_features), or a list of sequences; got {ndim} "
            "dimension(s). Reshape your data: X.reshape(1, -1) for one univariate sequence, "
            "X.reshape(1, n_timesteps, n_features) for one multivariate sequence."
        )
    if reset:
        estimator._input_ndim = ndim
    if ndim == 2 and estimator._input_ndim == 2:
        # N univariate sequences of one fixed length: scikit-learn's tabular conventions hold,
        # n_features_in_ is the number of columns (time steps) and feature names are tracked.
        X = validate_data(estimator, X, reset=reset, dtype=dtype, ensure_all_finite=finite)
        X = X[:, :, None]
    else:
        X = check_array(X, allow_nd=True, ensure_2d=False, dtype=dtype,
                        ensure_all_finite=finite, input_name="X")
        if X.ndim == 2:
            X = X[:, :, None]
        if reset:
            estimator.n_features_in_ = X.shape[2]
            names = _panel_feature_names(original)
            if names is not None:
                estimator.feature_names_in_ = names
            elif hasattr(estimator, "feature_names_in_"):
                del estimator.feature_names_in_
    n_samples, n_steps, n_features = X.shape
    if n_steps == 0 or n_features == 0:
        raise ValueError(
            f"Found X of shape {X.shape}: sequences need at least one time step and one "
            f"feature, while a minimum of 1 is required by {name}."
        )
    if reset:
        estimator._input_size = n_features
        if lengths is None and ndim == 3 and not _is_panel(original):
            warn_if_transposed(X.shape, name)
    elif n_features != estimator._input_size:
        raise ValueError(
            f"X has {n_features} features per time step, but {name} is expecting "
            f"{estimator._input_size} features per time step as input."
        )
    return X, lengths


def real_steps(X, lengths, mask_value):
    """Return the boolean ``(N, T)`` mask of the time steps that hold data.

    Parameters
    ----------
    X : ndarray of shape (N, T, D)
        Post-padded sequences.
    lengths : ndarray of shape (N,) or None
        Real length of every sequence; None when all fill the T steps.
    mask_value : float or None
        Steps whose features all equal it (all NaN for NaN) are padding too.

    Returns
    -------
    ndarray of shape (N, T), dtype bool
    """
    real = np.ones(X.shape[:2], dtype=bool) if lengths is None else step_mask(lengths, X.shape[1])
    if mask_value is not None:
        real &= ~(np.isnan(X) if np.isnan(mask_value) else X == mask_value).all(axis=2)
    return real


def validate_sequences(estimator, X, *, reset, return_steps=False):
    """Validate ``X`` for an estimator: float sequences with padding removed.

    :func:`check_sequences`, then the estimator's ``mask_value`` applied: time steps whose
    features all equal it (all NaN for NaN) are dropped and each sequence's remaining steps
    moved to its front, so pre-, post- and inner padding become lengths.

    A float32 or float64 array is kept as it is, not copied (a float64 one is cast to float32
    batch by batch, when the network fetches it); ragged or masked input, which is copied
    anyway, and every other dtype become float32.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator being fitted or used, with a ``mask_value`` attribute.
    X : array-like of shape (N, T, D) or (N, T), DataFrame, or ragged sequences
        The sequences, as for :func:`check_sequences`.
    reset : bool
        True in ``fit``, False afterwards.
    return_steps : bool, default=False
        Also return which steps of ``X``, as it was given, hold data.

    Returns
    -------
    X : ndarray of shape (N, T, D), dtype float32 or float64
        Post-padded sequences; the caller's array, or a view of it, when no conversion was
        needed: never write to it.
    lengths : ndarray of shape (N,), dtype int64, or None
        Real length of every sequence; None when every sequence fills all T steps.
    real : ndarray of shape (N, T_given), dtype bool
        Only with ``return_steps``: the real (not padded) steps in the layout ``X`` was given
        in (ragged input: post-padded to its longest sequence). ``X[real]`` of the given
        array lists the real steps sequence by sequence, as the returned ``X`` holds them.

    Raises
    ------
    ValueError
        As :func:`check_sequences`; also for sequences that are padding only, and for NaN
        outside all-NaN steps when ``mask_value`` is NaN.
    """
    mask_value = estimator.mask_value
    allow_nan = mask_value is not None and np.isnan(mask_value)
    copied = mask_value is not None or is_ragged(X)
    X, lengths = check_sequences(estimator, X, reset=reset, allow_nan=allow_nan,
                                 dtype=np.float32 if copied else BATCH_DTYPES)
    check_float32_range(X)
    real = real_steps(X, lengths, mask_value) if return_steps or mask_value is not None else None
    if mask_value is not None:
        X, lengths = _unmask(X, real, mask_value)
    if lengths is not None and (lengths == X.shape[1]).all():
        lengths = None
    return (X, lengths, real) if return_steps else (X, lengths)


def _unmask(X, real, mask_value):
    """Drop the time steps that are not ``real``: all features equal ``mask_value`` (Keras).

    The remaining steps of every sequence move to its front, so pre-, post- and inner
    padding all become zero post-padding with the right lengths. Returns a new array.
    """
    padding = ~real
    lengths = X.shape[1] - padding.sum(axis=1)
    empty = np.flatnonzero(lengths == 0)
    if len(empty):
        raise ValueError(
            f"{len(empty)} sequence(s) of X (the first is number {empty[0]}) consist only of "
            f"mask_value={mask_value} padding; every sequence needs at least one real time step."
        )
    if (padding[:, :-1] & ~padding[:, 1:]).any():  # a real step follows padding
        order = np.argsort(padding, axis=1, kind="stable")
        X = np.take_along_axis(X, order[:, :, None], axis=1)
    real = step_mask(lengths, X.shape[1])
    if np.isnan(mask_value) and np.isnan(X[real]).any():
        raise ValueError(
            "Input X contains NaN in time steps that are not entirely NaN; with "
            "mask_value=nan only steps whose features are all NaN are padding. Impute the "
            "missing values first."
        )
    # Zero the padding: the network never reads it, but NaN times zero is still NaN.
    return np.where(real[:, :, None], X, 0).astype(X.dtype, copy=False), lengths.astype(np.int64)


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
        A view of the caller's ``y`` when it is float32 already: never write to it.
    was_1d : bool
    """
    _check_y_given(estimator, y)
    check_not_temporal(y, "y")
    y = check_array(y, ensure_2d=False, dtype=np.float32, input_name="y")
    if y.ndim not in (1, 2):
        raise ValueError(
            f"y must have shape (n_samples,) or (n_samples, n_targets); got {y.shape}."
        )
    _check_lengths(n_samples, y)
    return y.reshape(len(y), -1), y.ndim == 1


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


def validate_vectors(estimator, X, *, reset):
    """Validate ``X`` for ``architecture="vec2seq"``: one float feature vector per sample.

    As in :func:`validate_sequences`, a float32 or float64 array is kept as it is.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator being fitted or used; on ``reset`` it receives ``n_features_in_`` (and
        ``feature_names_in_`` for DataFrames), ``_input_size`` and ``_input_ndim``.
    X : array-like of shape (N, D)
        The vectors.
    reset : bool
        True in ``fit``, False afterwards.

    Returns
    -------
    ndarray of shape (N, D), dtype float32 or float64
        The caller's array, or a view of it, when no conversion was needed.
    """
    if is_ragged(X) or (ndim := _ndim(X)) != 2:
        got = "ragged sequences" if is_ragged(X) else f"{ndim} dimension(s)"
        raise ValueError(
            f"{type(estimator).__name__} with architecture='vec2seq' expects X of shape "
            f"(n_samples, n_features), one vector per sample; got {got}. For sequences as "
            "input use architecture='encoder_decoder' (another output length) or 'seq2seq'."
        )
    check_not_temporal(X)
    X = validate_data(estimator, X, reset=reset, dtype=BATCH_DTYPES)
    check_float32_range(X)
    if reset:
        estimator._input_ndim = 2
        estimator._input_size = X.shape[1]
    return X


def validate_horizon_target(estimator, y, n_samples):
    """Return targets of a decoded horizon as float32 ``(N, H, K)`` and whether K was absent.

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
    y : ndarray of shape (N, H, K), dtype float32
        A view of the caller's ``y`` when it is float32 already: never write to it.
    no_target_axis : bool
        True for 2-D ``y``.
    """
    _check_y_given(estimator, y)
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
    _check_lengths(n_samples, y)
    return y.reshape(*y.shape[:2], -1), y.ndim == 2


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
        The real steps of ``X`` as it was given (:func:`validate_sequences` with
        ``return_steps``).
    dtype : numpy dtype or None, default=np.float32
        float32 for regression targets (checked finite); None keeps class labels as they are.

    Returns
    -------
    ndarray of shape (M,) or (M, K)
        The targets of all M real steps, in the order of ``X[real]``.
    """
    _check_y_given(estimator, y)
    n_real = real.sum(axis=1)
    if isinstance(y, (list, tuple)) or (isinstance(y, np.ndarray) and y.dtype == object
                                          and y.ndim == 1):
        parts = [np.asarray(part) for part in y]
        _check_lengths(len(real), parts)
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


def pad_steps(flat, lengths, n_steps, value):
    """Scatter per-step values ``(M, ...)`` into a post-padded ``(N, n_steps, ...)`` array."""
    padded = np.full((len(lengths), n_steps, *flat.shape[1:]), value, dtype=flat.dtype)
    padded[step_mask(lengths, n_steps)] = flat
    return padded

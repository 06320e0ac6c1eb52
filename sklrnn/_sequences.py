"""The one place that turns accepted X into float sequences, with every bad-input error.

Accepted ``X``: a 3-D array-like ``(N, T, D)``; a 2-D array-like or DataFrame ``(N, T)`` of N
univariate sequences; ragged sequences (a list or 1-D object array of ``(T_i, D)`` or ``(T_i,)``
arrays, or a sktime ``pd-multiindex`` or ``nested_univ`` panel).

:func:`read_sequences` reads any of these into post-padded sequences and their lengths,
checking them against what ``fit`` saw: the transformers use it.
:func:`validate_network_sequences` is what a network reads: it also drops the estimator's
``mask_value`` padding, keeps float arrays uncopied and refuses values beyond float32; the
estimators call it in ``fit`` and in every prediction method
(:func:`validate_network_vectors` for ``architecture="vec2seq"``).

Arrays that need no conversion are returned as they are, read-only views included (such as
the windows of :func:`sklrnn.preprocessing.make_windows`): the network reads copies of one
batch at a time (:mod:`sklrnn._batching`), so the whole input is never copied, and float64
input is cast to float32 batch by batch.
"""

import warnings
from typing import NamedTuple

import numpy as np
from sklearn.utils.validation import check_array, validate_data

from ._checks import check_float32_range, check_not_temporal, detach_tensors
from ._panels import is_nested, is_panel, nested_to_list, panel_feature_names, panel_to_flat
from .nn.layers import step_mask


class Sequences(NamedTuple):
    """Validated sequences: what :func:`read_sequences` and its variants return.

    Attributes
    ----------
    X : ndarray of shape (N, T, D)
        Post-padded sequences; the caller's array, or a view of it, when no conversion was
        needed: never write to it.
    lengths : ndarray of shape (N,), dtype int64, or None
        Real length of every sequence; None when every sequence fills all T steps.
    ndim : int
        Dimensions of X as given: 2 for N univariate sequences of one length (a table whose
        columns are time steps), 3 for sequences of D features, ragged ones included.
    ragged : bool
        Whether X was given as ragged sequences (a list of arrays or a sktime panel).
    real : ndarray of shape (N, T_given), dtype bool, or None
        The real (not padded) steps in the layout X was given in; only from
        :func:`validate_network_sequences` with ``return_steps=True``.
    """

    X: np.ndarray
    lengths: np.ndarray | None
    ndim: int
    ragged: bool
    real: np.ndarray | None = None


class PackedSequences:
    """Ragged sequences kept one after another; a batch of them is padded to its longest.

    What the networks read of ragged input (see :func:`validate_network_sequences`): the
    steps of all sequences in one ``(sum(T_i), D)`` array, so one long sequence among many
    short ones costs its own steps, not ``N`` times its length. Indexing with an array of
    rows, as :class:`~sklrnn._batching.BatchDataset` fetches a batch, returns those
    sequences post-padded (with zeros) to the longest of them; :meth:`take` and slices
    select sequences without copying any step. One row (an integer) is one sequence padded
    to the longest of all, as the row of the padded array would be.

    Parameters
    ----------
    flat : ndarray of shape (sum of lengths, D)
        The time steps of all sequences, one after another (or in any order ``starts``
        says).
    lengths : ndarray of shape (N,)
        Length of every sequence, at least 1.
    starts : ndarray of shape (N,) or None, default=None
        Row of ``flat`` where every sequence starts; None: one after another.
    """

    ndim = 3

    def __init__(self, flat, lengths, starts=None):
        self.flat, self.lengths = flat, lengths
        self.starts = (np.cumsum(lengths) - lengths) if starts is None else starts

    @property
    def shape(self):
        """``(N, T, D)``: T is the longest sequence's length."""
        return (len(self.lengths), int(self.lengths.max(initial=0)), self.flat.shape[1])

    @property
    def dtype(self):
        """The dtype of the steps."""
        return self.flat.dtype

    def __len__(self):
        return len(self.lengths)

    def take(self, rows):
        """The sequences ``rows`` (indices or a slice), sharing this one's steps."""
        return PackedSequences(self.flat, self.lengths[rows], self.starts[rows])

    def __getitem__(self, rows):
        if isinstance(rows, slice):
            return self.take(rows)
        if np.ndim(rows) == 0:  # one sequence, padded as the row of a padded array is
            sequence = np.zeros(self.shape[1:], dtype=self.flat.dtype)
            start, length = self.starts[rows], self.lengths[rows]
            sequence[:length] = self.flat[start:start + length]
            return sequence
        lengths, starts = self.lengths[rows], self.starts[rows]
        n_steps = int(lengths.max(initial=0))
        real = step_mask(lengths, n_steps)
        # Every real step's row in flat: its sequence's start plus the step.
        steps = (starts[:, None] + np.arange(n_steps))[real]
        batch = np.zeros((len(lengths), n_steps, self.flat.shape[1]), dtype=self.flat.dtype)
        batch[real] = self.flat[steps]
        return batch

    def padded(self):
        """All the sequences as one post-padded ``(N, T, D)`` array."""
        return self[np.arange(len(self))]


class InputShape(NamedTuple):
    """What ``fit`` saw of X, for checking the input of later calls.

    Attributes
    ----------
    ndim : int
        :attr:`Sequences.ndim` of the training input.
    size : int
        Features per time step ``D`` of the training input.
    """

    ndim: int
    size: int


def ndim_of(X):
    """The number of dimensions of array-like ``X``; a ValueError for None."""
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


def list_to_array(X, input_name="X"):
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
    if is_panel(X) or is_nested(X):
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
    if is_panel(X):
        flat, lengths = panel_to_flat(X)
    else:
        seqs = (nested_to_list(X) if is_nested(X)
                else [list_to_array(s, f"{input_name}[{i}]") for i, s in enumerate(X)])
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


def pad_steps(flat, lengths, n_steps=None, value=0.0):
    """Scatter concatenated per-step values into a post-padded ``(N, n_steps, ...)`` array.

    Parameters
    ----------
    flat : ndarray of shape (sum of lengths, ...)
        The time steps (features, targets or labels) of all sequences, one after another.
    lengths : ndarray of shape (N,)
        Length of every sequence.
    n_steps : int or None, default=None
        Steps of the result; None: the longest sequence's.
    value : scalar, default=0.0
        Fill value of the padding.

    Returns
    -------
    ndarray of shape (N, n_steps, ...)
        Of the dtype of ``flat``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn._sequences import pad_steps
    >>> pad_steps(np.arange(5.0)[:, None], np.array([2, 3]))[..., 0]
    array([[0., 1., 0.],
           [2., 3., 4.]])
    """
    n_steps = lengths.max() if n_steps is None else n_steps
    padded = np.full((len(lengths), n_steps, *flat.shape[1:]), value, dtype=flat.dtype)
    padded[step_mask(lengths, n_steps)] = flat
    return padded


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


def read_sequences(estimator, X, *, fitted=None, dtype=np.float32, allow_nan=False,
                   ragged=None, packed=False):
    """Validate ``X`` and return it as ``(N, T, D)`` sequences plus their lengths.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator or transformer being fitted or used. In ``fit`` it receives
        ``n_features_in_`` (and ``feature_names_in_`` for DataFrames), as from
        :func:`sklearn.utils.validation.validate_data`.
    X : array-like of shape (N, T, D) or (N, T), DataFrame, or ragged sequences
        The sequences. 2-D input is N univariate sequences of length T. Ragged input is a
        list (or 1-D object array) of arrays ``(T_i, D)`` or ``(T_i,)``, or a sktime
        ``pd-multiindex``/``nested_univ`` panel.
    fitted : InputShape or None, default=None
        None in ``fit``; afterwards the :class:`InputShape` of the training input, which X
        must agree with.
    dtype : numpy dtype or list of them, default=np.float32
        As in :func:`sklearn.utils.check_array`.
    allow_nan : bool, default=False
        Let NaN through; infinity is always refused.
    ragged : bool or None, default=None
        :func:`is_ragged` of X, when the caller knows it already.
    packed : bool, default=False
        Return ragged X as :class:`PackedSequences`, not padded to its longest sequence.

    Returns
    -------
    Sequences
        X post-padded (padding is zero) or packed, lengths (None for array input, whose
        sequences fill all T steps), ndim and ragged; ``real`` is None.

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
    reset = fitted is None
    finite = "allow-nan" if allow_nan else True
    lengths = None
    X = original = detach_tensors(X)
    if isinstance(X, (list, tuple)) and not X:
        raise ValueError(
            f"Found X with 0 sequences (0 samples), while a minimum of 1 is required by {name}."
        )
    if ragged is None:
        ragged = is_ragged(X)
    if ragged:
        flat, lengths = ragged_to_flat(X, dtype=dtype, allow_nan=allow_nan)
        X = PackedSequences(flat, lengths) if packed else pad_steps(flat, lengths)
        ndim = 3
    else:
        if isinstance(X, (list, tuple)):
            X = list_to_array(X)
        check_not_temporal(X)
        ndim = ndim_of(X)
    if ndim not in (2, 3):
        raise ValueError(
            f"{name} expects X with 2 dimensions (n_samples, n_timesteps) or 3 dimensions "
            f"(n_samples, n_timesteps, n_features), or a list of sequences; got {ndim} "
            "dimension(s). Reshape your data: X.reshape(1, -1) for one univariate sequence, "
            "X.reshape(1, n_timesteps, n_features) for one multivariate sequence."
        )
    if ndim == 2 and (reset or fitted.ndim == 2):
        # N univariate sequences of one fixed length: scikit-learn's tabular conventions hold,
        # n_features_in_ is the number of columns (time steps) and feature names are tracked.
        X = validate_data(estimator, X, reset=reset, dtype=dtype, ensure_all_finite=finite)
        X = X[:, :, None]
    elif isinstance(X, PackedSequences):  # its steps were checked as ragged_to_flat read them
        if reset:
            estimator.n_features_in_ = X.shape[2]
            _set_feature_names(estimator, original)
    else:
        X = check_array(X, allow_nd=True, ensure_2d=False, dtype=dtype,
                        ensure_all_finite=finite, input_name="X")
        if X.ndim == 2:
            X = X[:, :, None]
        if reset:
            estimator.n_features_in_ = X.shape[2]
            _set_feature_names(estimator, original)
    n_samples, n_steps, n_features = X.shape
    if n_steps == 0 or n_features == 0:
        raise ValueError(
            f"Found X of shape {X.shape}: sequences need at least one time step and one "
            f"feature, while a minimum of 1 is required by {name}."
        )
    if reset:
        if lengths is None and ndim == 3 and not is_panel(original):
            warn_if_transposed(X.shape, name)
    elif n_features != fitted.size:
        raise ValueError(
            f"X has {n_features} features per time step, but {name} is expecting "
            f"{fitted.size} features per time step as input."
        )
    return Sequences(X, lengths, ndim, ragged)


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


def _set_feature_names(estimator, X):
    """Set ``feature_names_in_`` from a panel's columns; remove it for other input."""
    names = panel_feature_names(X)
    if names is not None:
        estimator.feature_names_in_ = names
    elif hasattr(estimator, "feature_names_in_"):
        del estimator.feature_names_in_


def validate_network_sequences(estimator, X, mask_value=None, *, fitted=None,
                               return_steps=False):
    """Validate ``X`` for an estimator: float sequences with padding removed.

    :func:`read_sequences`, then the estimator's ``mask_value`` applied: time steps whose
    features all equal it (all NaN for NaN) are dropped and each sequence's remaining steps
    moved to its front, so pre-, post- and inner padding become lengths.

    A float32 or float64 array is kept as it is, not copied (a float64 one is cast to float32
    batch by batch, when the network fetches it); ragged or masked input, which is copied
    anyway, and every other dtype become float32.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator being fitted or used.
    X : array-like of shape (N, T, D) or (N, T), DataFrame, or ragged sequences
        The sequences, as for :func:`read_sequences`.
    mask_value : float or None, default=None
        The estimator's ``mask_value`` (as fitted, once fitted).
    fitted : InputShape or None, default=None
        None in ``fit``; afterwards the shape of the training input.
    return_steps : bool, default=False
        Also return which steps of ``X``, as it was given, hold data.

    Returns
    -------
    Sequences
        X of dtype float32 or float64 with its lengths (None when every sequence fills all T
        steps), ndim and ragged. Ragged X comes as :class:`PackedSequences` (no padding
        beyond each batch's longest sequence), unless masked or with ``return_steps``.
        With ``return_steps``, ``real``: the real (not padded)
        steps in the layout ``X`` was given in (ragged input: post-padded to its longest
        sequence); ``X[real]`` of the given array lists the real steps sequence by
        sequence, as the returned ``X`` holds them.

    Raises
    ------
    ValueError
        As :func:`read_sequences`; also for sequences that are padding only, and for NaN
        outside all-NaN steps when ``mask_value`` is NaN.
    """
    allow_nan = mask_value is not None and np.isnan(mask_value)
    ragged = is_ragged(X)
    copied = mask_value is not None or ragged
    X, lengths, ndim, _, _ = read_sequences(
        estimator, X, fitted=fitted, allow_nan=allow_nan, ragged=ragged,
        dtype=np.float32 if copied else BATCH_DTYPES,
        packed=mask_value is None and not return_steps)
    check_float32_range(X.flat if isinstance(X, PackedSequences) else X)
    real = real_steps(X, lengths, mask_value) if return_steps or mask_value is not None else None
    if mask_value is not None:
        X, lengths = _unmask(X, real, mask_value)
    if lengths is not None and (lengths == X.shape[1]).all():
        X = X.padded() if isinstance(X, PackedSequences) else X  # no padding to add
        lengths = None
    return Sequences(X, lengths, ndim, ragged, real if return_steps else None)


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


def validate_network_vectors(estimator, X, *, reset):
    """Validate ``X`` for ``architecture="vec2seq"``: one float feature vector per sample.

    As in :func:`validate_network_sequences`, a float32 or float64 array is kept as it is.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator being fitted or used; on ``reset`` it receives ``n_features_in_`` (and
        ``feature_names_in_`` for DataFrames), as from
        :func:`sklearn.utils.validation.validate_data`.
    X : array-like of shape (N, D)
        The vectors.
    reset : bool
        True in ``fit``, False afterwards.

    Returns
    -------
    ndarray of shape (N, D), dtype float32 or float64
        The caller's array, or a view of it, when no conversion was needed.
    """
    if is_ragged(X) or (ndim := ndim_of(X)) != 2:
        got = "ragged sequences" if is_ragged(X) else f"{ndim} dimension(s)"
        raise ValueError(
            f"{type(estimator).__name__} with architecture='vec2seq' expects X of shape "
            f"(n_samples, n_features), one vector per sample; got {got}. For sequences as "
            "input use architecture='encoder_decoder' (another output length) or 'seq2seq'."
        )
    check_not_temporal(X)
    X = validate_data(estimator, X, reset=reset, dtype=BATCH_DTYPES)
    check_float32_range(X)
    return X

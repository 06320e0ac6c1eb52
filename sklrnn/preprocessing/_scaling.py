"""SequenceScaler: standardize every feature over samples and time steps."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import FLOAT_DTYPES, check_is_fitted

from .._panels import is_panel, panel_order
from .._sequences import InputShape, is_ragged, ndim_of, read_sequences, real_steps
from ..nn.layers import step_mask


class SequenceScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Standardize each feature of sequences over all samples and time steps.

    What :class:`~sklearn.preprocessing.StandardScaler` does for 2-D data, for sequences:
    every feature gets one mean and one standard deviation, computed over every real time step
    of every sequence. Padding is ignored: steps of ragged input beyond a sequence's end do
    not exist, and steps whose features all equal ``mask_value`` are neither counted nor
    changed. NaN values are ignored in ``fit`` and kept in ``transform``, like scikit-learn's
    scalers, so NaN padding needs no ``mask_value``.

    The output has the input's form: ragged in, ragged out (a list of arrays; an object
    array for an object array; a DataFrame with the same index for a ``pd-multiindex``
    panel); 2-D in, 2-D out; 3-D in, 3-D out.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract the mean.
    with_std : bool, default=True
        Divide by the standard deviation.
    mask_value : float or None, default=None
        Time steps whose features all equal it are padding: left as they are, not counted.
        Finite or NaN (X may not contain infinity).

    Attributes
    ----------
    mean_ : ndarray of shape (n_step_features,) or None
        Mean of every feature; None when ``with_mean=False``.
    var_ : ndarray of shape (n_step_features,) or None
        Variance of every feature; None when ``with_std=False``.
    scale_ : ndarray of shape (n_step_features,) or None
        Standard deviation of every feature (1 where it is 0); None when ``with_std=False``.
    n_samples_seen_ : int
        Number of (non-NaN) time steps the statistics were computed over, summed over features
        when they differ.
    n_features_in_ : int
        Features per time step; for 2-D X, its number of columns (time steps).
    feature_names_in_ : ndarray of str
        Column names, when X was a DataFrame or pd-multiindex panel with string column names.

    See Also
    --------
    SequencePadder : Pad ragged sequences into one array.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn.preprocessing import SequenceScaler
    >>> X = [np.array([[0.0, 10.0], [2.0, 10.0]]), np.array([[4.0, 30.0]])]
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.mean_
    array([ 2.        , 16.66666667])
    >>> [x.round(2).tolist() for x in scaler.transform(X)]
    [[[-1.22, -0.71], [0.0, -0.71]], [[1.22, 1.41]]]
    """

    _parameter_constraints = {
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
        "mask_value": [None, Interval(Real, None, None, closed="neither"), "nan"],
    }

    def __init__(self, *, with_mean=True, with_std=True, mask_value=None):
        self.with_mean = with_mean
        self.with_std = with_std
        self.mask_value = mask_value

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = True
        return tags

    def fit(self, X, y=None):
        """Compute the mean and standard deviation of every feature.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, \
n_timesteps), or list of n_samples arrays of shape (n_timesteps_i, n_features) or (n_timesteps_i,)
            Sequences; also a sktime ``pd-multiindex`` or ``nested_univ`` panel.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted scaler.
        """
        self._validate_params()
        X, lengths, ndim, _, _ = read_sequences(self, X, dtype=FLOAT_DTYPES, allow_nan=True)
        self._input_ndim, self._input_size = ndim, X.shape[2]
        # In float64: numpy's nanvar squares in the input's dtype, and float16 overflows there.
        values = X[real_steps(X, lengths, self.mask_value)].astype(np.float64, copy=False)
        counts = (~np.isnan(values)).sum(axis=0)
        if (counts == 0).any():
            raise ValueError(
                f"Feature(s) {np.flatnonzero(counts == 0).tolist()} of X have no values that "
                "are neither NaN nor padding; SequenceScaler cannot standardize them."
            )
        with np.errstate(over="ignore", invalid="ignore"):
            mean = np.nanmean(values, axis=0, dtype=np.float64) if self.with_mean else None
            var = np.nanvar(values, axis=0, dtype=np.float64) if self.with_std else None
        if not all(stat is None or np.isfinite(stat).all() for stat in (mean, var)):
            raise ValueError(
                "The values of X are too large for SequenceScaler: their mean or variance "
                "overflows float64. Divide X by a constant first."
            )
        self.n_samples_seen_ = int(counts.max())
        self.mean_, self.var_ = mean, var
        if self.with_std:
            scale = np.sqrt(self.var_)
            # Constant features keep their spread (0) instead of becoming NaN or infinity.
            self.scale_ = np.where(scale < 10 * np.finfo(np.float64).eps, 1.0, scale)
        else:
            self.scale_ = None
        return self

    def transform(self, X):
        """Standardize ``X``.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, in any form ``fit`` accepts.

        Returns
        -------
        X_scaled : array-like or list of arrays
            In the form of ``X``.
        """
        return self._apply(X, inverse=False)

    def inverse_transform(self, X):
        """Undo the standardization.

        Parameters
        ----------
        X : array-like or list of arrays
            Standardized sequences, in any form ``fit`` accepts.

        Returns
        -------
        X_original : array-like or list of arrays
            In the form of ``X``.
        """
        return self._apply(X, inverse=True)

    def _apply(self, X, inverse):
        check_is_fitted(self)
        fitted = InputShape(self._input_ndim, self._input_size)
        padded, lengths, _, _, _ = read_sequences(self, X, fitted=fitted, dtype=FLOAT_DTYPES,
                                                   allow_nan=True)
        mean = 0.0 if self.mean_ is None else self.mean_
        scale = 1.0 if self.scale_ is None else self.scale_
        with np.errstate(over="ignore"):
            scaled = padded * scale + mean if inverse else (padded - mean) / scale
            real = real_steps(padded, lengths, self.mask_value)
            scaled = np.where(real[:, :, None], scaled, padded).astype(padded.dtype, copy=False)
        if np.isinf(scaled).any():  # X is finite: the result overflowed its dtype
            raise ValueError(
                f"{'Unscaling' if inverse else 'Scaling'} X gives values beyond the range of "
                f"its dtype {padded.dtype}; pass X as float64."
            )
        return _like(X, scaled, lengths)


def _like(X, padded, lengths):
    """Give sequences transformed in their padded form the form ``X`` came in."""
    if not is_ragged(X):
        return padded[:, :, 0] if ndim_of(X) == 2 else padded
    if is_panel(X):
        flat = padded[step_mask(lengths, padded.shape[1])]
        order = panel_order(X)  # the sequences were read in time order: back to X's rows
        if order is not None:
            flat = flat[np.argsort(order)]
        return type(X)(flat, index=X.index, columns=X.columns)
    seqs = [padded[i, :n] for i, n in enumerate(lengths)]
    if not hasattr(X, "columns"):  # keep univariate sequences 1-D
        seqs = [s[:, 0] if np.ndim(x) == 1 else s for s, x in zip(seqs, X, strict=True)]
    if isinstance(X, np.ndarray):
        out = np.empty(len(seqs), dtype=object)
        for i, seq in enumerate(seqs):
            out[i] = seq
        return out
    return seqs

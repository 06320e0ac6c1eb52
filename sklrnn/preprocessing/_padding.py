"""SequencePadder: ragged sequences to one (N, T, D) array."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import FLOAT_DTYPES, check_is_fitted

from .._sequences import InputShape, read_sequences
from ..nn.layers import step_mask


class SequencePadder(TransformerMixin, BaseEstimator):
    """Pad (and truncate) sequences of different lengths into one 3-D array.

    The scikit-learn counterpart of Keras' ``pad_sequences``: a transformer, so it can sit in
    a :class:`~sklearn.pipeline.Pipeline` in front of any model that needs one array. The
    sklrnn estimators take ragged input directly; pad for them with a ``value`` that real
    data never takes (NaN is safe) and give it to the estimator as ``mask_value``, so padding
    never changes a prediction.

    Parameters
    ----------
    padding : {"post", "pre"}, default="post"
        Put the padding after (``"post"``) or before (``"pre"``) each sequence.
    truncating : {"post", "pre"}, default="post"
        Sequences longer than ``maxlen`` lose their last (``"post"``) or first (``"pre"``)
        time steps.
    maxlen : int or None, default=None
        Output length. None learns the longest sequence length in ``fit``.
    value : float, default=0.0
        Fill value of the padding: finite, or NaN.

    Attributes
    ----------
    maxlen_ : int
        Output length: ``maxlen``, or the longest training sequence's length.
    n_features_in_ : int
        Features per time step; for 2-D X, its number of columns (time steps).
    feature_names_in_ : ndarray of str
        Column names, when X was a DataFrame or pd-multiindex panel with string column names.

    See Also
    --------
    SequenceScaler : Standardize sequences, ignoring padding.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn.preprocessing import SequencePadder
    >>> X = [np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0])]
    >>> SequencePadder(padding="pre", value=np.nan).fit_transform(X)[..., 0]
    array([[nan,  1.,  2.],
           [ 3.,  4.,  5.]])
    >>> SequencePadder(maxlen=2, truncating="pre").fit_transform(X)[..., 0]
    array([[1., 2.],
           [4., 5.]])
    """

    _parameter_constraints = {
        "padding": [StrOptions({"post", "pre"})],
        "truncating": [StrOptions({"post", "pre"})],
        "maxlen": [Interval(Integral, 1, None, closed="left"), None],
        # NaN is a safe fill value; infinity is one no estimator or transformer accepts.
        "value": [Interval(Real, None, None, closed="neither"), "nan"],
    }

    def __init__(self, padding="post", truncating="post", maxlen=None, value=0.0):
        self.padding = padding
        self.truncating = truncating
        self.maxlen = maxlen
        self.value = value

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    def fit(self, X, y=None):
        """Learn the output length.

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
            The fitted transformer.
        """
        self._validate_params()
        X, lengths, ndim, _, _ = read_sequences(self, X, dtype=FLOAT_DTYPES)
        self._input_ndim, self._input_size = ndim, X.shape[2]
        self.maxlen_ = self.maxlen or (X.shape[1] if lengths is None else int(lengths.max()))
        return self

    def transform(self, X):
        """Pad and truncate every sequence to ``maxlen_`` steps.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, in any form ``fit`` accepts.

        Returns
        -------
        ndarray of shape (n_samples, maxlen, n_features)
            ``maxlen`` is ``maxlen_``. Float, of the input's float dtype (float64 for other
            input).
        """
        check_is_fitted(self)
        fitted = InputShape(self._input_ndim, self._input_size)
        X, lengths, _, _, _ = read_sequences(self, X, fitted=fitted, dtype=FLOAT_DTYPES)
        n_samples, n_steps, n_features = X.shape
        if lengths is None:
            lengths = np.full(n_samples, n_steps)
        kept = np.minimum(lengths, self.maxlen_)
        steps = np.arange(n_steps)
        if self.truncating == "pre":  # keep the last `kept` real steps
            source = (steps >= (lengths - kept)[:, None]) & step_mask(lengths, n_steps)
        else:
            source = step_mask(kept, n_steps)
        target = step_mask(kept, self.maxlen_)
        if self.padding == "pre":
            target = target[:, ::-1]
        out = np.full((n_samples, self.maxlen_, n_features), self.value, dtype=X.dtype)
        out[target] = X[source]
        return out

"""RNNRegressor: recurrent network regression on sequences."""

import numpy as np
import torch
from sklearn.base import RegressorMixin
from skorch import NeuralNetRegressor

from ._base import FITTED_DOC, PARAMS_DOC, BaseRNN
from ._validation import validate_regression_target


class RNNRegressor(RegressorMixin, BaseRNN):
    __doc__ = f"""Recurrent neural network regressor for sequences, trained with skorch.

    Reads each sequence of ``X`` (``(n_samples, n_timesteps, n_features)``, or
    ``(n_samples, n_timesteps)`` for univariate sequences) and predicts one target vector per
    sequence, minimizing the mean squared error.

    Parameters
    ----------
    {PARAMS_DOC}

    Attributes
    ----------
    {FITTED_DOC}

    See Also
    --------
    RNNClassifier : The same network for class labels.

    Notes
    -----
    With ``early_stopping=True`` the validation data is the *last* ``validation_fraction`` of
    the rows, not a random sample: for windows cut from a time series, later windows overlap
    earlier ones, and a random split would leak the future into training.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn import RNNRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 10, 2)).astype("float32")
    >>> y = X[:, :, 0].mean(axis=1)
    >>> reg = RNNRegressor(cell="gru", hidden_size=16, lr=0.01, max_epochs=20, random_state=0)
    >>> reg.fit(X, y).score(X, y) > 0.8
    True
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _net_class = NeuralNetRegressor
    _criterion = torch.nn.MSELoss

    def _prepare_target(self, y, n_samples, reset):
        y, was_1d = validate_regression_target(self, y, n_samples)
        if reset:
            self._y_1d = was_1d
            self._n_outputs = y.shape[1]
        elif y.shape[1] != self._n_outputs:
            raise ValueError(
                f"y has {y.shape[1]} targets, but the network being warm-started predicts "
                f"{self._n_outputs}; refit with warm_start=False."
            )
        return y

    def _validation_rows(self, y, n_valid, seed):
        # The last rows, in order: later windows of a series overlap earlier ones.
        return np.arange(len(y) - n_valid, len(y))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X):
        """Predict the target of every sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps), \
or list of n_samples arrays of shape (n_timesteps_i, n_features) or (n_timesteps_i,)
            Sequences, in any form ``fit`` accepts; their length may differ from the training
            sequences' unless both are 2-D.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
            1-D when the training targets were 1-D.
        """
        out = self._forward(X)
        return out[:, 0] if self._y_1d else out


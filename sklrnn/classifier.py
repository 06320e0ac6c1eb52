"""RNNClassifier: recurrent network classification of sequences."""

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.utils.multiclass import check_classification_targets
from skorch import NeuralNetClassifier

from ._base import FITTED_DOC, PARAMS_DOC, BaseRNN
from ._validation import validate_class_labels


class RNNClassifier(ClassifierMixin, BaseRNN):
    __doc__ = f"""Recurrent neural network classifier for sequences, trained with skorch.

    Reads each sequence of ``X`` (``(n_samples, n_timesteps, n_features)``, or
    ``(n_samples, n_timesteps)`` for univariate sequences) and predicts its class, minimizing
    the cross-entropy. Labels may be of any type numpy can sort (integers, strings, ...).

    Parameters
    ----------
    {PARAMS_DOC}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
    {FITTED_DOC}

    See Also
    --------
    RNNRegressor : The same network for numeric targets.

    Notes
    -----
    With ``early_stopping=True`` the validation data is a stratified random
    ``validation_fraction`` of the rows, seeded by ``random_state``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn import RNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 10, 2)).astype("float32")
    >>> y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
    >>> clf = RNNClassifier(cell="gru", hidden_size=16, lr=0.01, max_epochs=20, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    >>> clf.classes_
    array(['down', 'up'], dtype='<U4')
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _net_class = NeuralNetClassifier
    _criterion = torch.nn.CrossEntropyLoss

    def _prepare_target(self, y, n_samples, reset):
        y = validate_class_labels(self, y, n_samples)
        check_classification_targets(y)
        if reset:
            self.classes_, codes = np.unique(y, return_inverse=True)
            if len(self.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                    f"but the data contains only one class: {self.classes_[0]!r}."
                )
            self._n_outputs = len(self.classes_)
            return codes.astype(np.int64)
        unseen = np.setdiff1d(y, self.classes_)
        if len(unseen):
            raise ValueError(
                f"y contains labels {unseen.tolist()} not seen in the first fit; refit with "
                "warm_start=False to learn new classes."
            )
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def _validation_rows(self, y, n_valid, seed):
        split = StratifiedShuffleSplit(n_splits=1, test_size=n_valid, random_state=seed)
        return next(split.split(np.zeros(len(y)), y))[1]

    def predict_proba(self, X):
        """Predict class probabilities of every sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps), \
or list of n_samples arrays of shape (n_timesteps_i, n_features) or (n_timesteps_i,)
            Sequences, in any form ``fit`` accepts.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``; rows sum to 1.
        """
        return self._forward(X)

    def predict(self, X):
        """Predict the class of every sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps), \
or list of n_samples arrays of shape (n_timesteps_i, n_features) or (n_timesteps_i,)
            Sequences, in any form ``fit`` accepts.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

"""RNNClassifier: recurrent network classification of sequences."""

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNetClassifier
from skorch.callbacks import EpochScoring

from ._accelerate import AcceleratedNetClassifier
from ._base import BaseRNN, per_sequence
from ._checks import detach_tensors
from ._docstrings import FITTED_DOC, PARAMS_DOC
from ._sequences import pad_steps
from ._targets import step_targets, validate_class_labels
from .nn.losses import StepCrossEntropyLoss


class RNNClassifier(ClassifierMixin, BaseRNN):
    __doc__ = f"""Recurrent neural network classifier for sequences, trained with skorch.

    Reads each sequence of ``X`` (``(n_samples, n_timesteps, n_features)``, or
    ``(n_samples, n_timesteps)`` for univariate sequences) and predicts its class, or with
    ``architecture="seq2seq"`` the class of every time step, minimizing the cross-entropy.
    Labels may be of any type numpy can sort (integers, strings, ...).

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

    _parameter_constraints = {
        **BaseRNN._parameter_constraints,  # noqa: SLF001 (the parent's, as in scikit-learn)
        "architecture": [StrOptions({"seq2vec", "seq2seq"})],
    }
    _net_class = NeuralNetClassifier
    _accelerated_net_class = AcceleratedNetClassifier
    _criterion = torch.nn.CrossEntropyLoss
    _step_criterion = StepCrossEntropyLoss

    def _prepare_target(self, y, X, real, reset):
        if self.architecture == "seq2seq":
            steps = self._step_labels(y, real)
            codes = self._encode(steps, reset)
            # (N, T) in the network's layout; -100 marks padded steps for the loss.
            return pad_steps(codes, real.sum(axis=1), X.shape[1], -100)
        return self._encode(validate_class_labels(self, y, len(X)), reset)

    def _output_size(self):
        return len(self.classes_)

    def _step_labels(self, y, real):
        steps = step_targets(self, y, real, dtype=None)
        if steps.ndim != 1:
            raise ValueError(
                f"{type(self).__name__} predicts one label per time step; y has "
                f"{steps.shape[1]} labels per step."
            )
        return steps

    def _encode(self, y, reset):
        """Learn ``classes_`` (on ``reset``) and return ``y`` as int64 class indices."""
        if reset:
            try:
                check_classification_targets(y)
                self.classes_, codes = np.unique(y, return_inverse=True)
            except TypeError as exc:  # labels numpy cannot sort: str and int, or None
                raise TypeError(_mixed_labels(y)) from exc
            if len(self.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                    f"but the data contains only one class: {self.classes_[0]!r}."
                )
            return codes.astype(np.int64)
        check_classification_targets(y)
        unseen = _unseen(y, self.classes_)
        if unseen:
            raise ValueError(
                f"y contains labels {unseen} not seen in the first fit; refit with "
                "warm_start=False to learn new classes."
            )
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def _check_score_targets(self, y):
        """Refuse labels outside ``classes_``: the network can never predict them."""
        y = np.asarray(y)
        try:
            check_classification_targets(y.ravel())
        except TypeError as exc:
            raise TypeError(_mixed_labels(y)) from exc
        unseen = _unseen(y, self.classes_)
        if unseen:
            raise ValueError(
                f"y contains labels {unseen} that {type(self).__name__} was not fitted on "
                f"(classes_ is {self.classes_.tolist()}), so it can never predict them. Score "
                "on samples of the fitted classes, or fit on data that includes these labels."
            )

    def _net_params(self):
        if self.architecture != "seq2seq":
            return {}
        # skorch's valid_acc scores one label per sequence; score the real steps instead.
        return {"callbacks__valid_acc": EpochScoring(
            _step_accuracy, name="valid_acc", lower_is_better=False)}

    def _constant_loss(self, y):
        """Cross-entropy of predicting the class frequencies: their entropy."""
        codes = np.asarray(y).ravel()
        counts = np.bincount(codes[codes != -100])  # -100 marks padded steps
        share = counts[counts > 0] / counts.sum()
        return float(-(share * np.log(share)).sum())

    def _validation_rows(self, y, n_valid, seed):
        # Stratified by class; sequences labelled per step are drawn at random.
        split = (StratifiedShuffleSplit if y.ndim == 1 else ShuffleSplit)(
            n_splits=1, test_size=n_valid, random_state=seed)
        return np.sort(next(split.split(np.zeros(len(y)), y if y.ndim == 1 else None))[1])

    def predict_proba(self, X):
        """Predict class probabilities of every sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps), \
or list of n_samples arrays of shape (n_timesteps_i, n_features) or (n_timesteps_i,)
            Sequences, in any form ``fit`` accepts.

        Returns
        -------
        ndarray of shape (n_samples, n_classes) or list of ndarray
            Probabilities in the order of ``classes_``; rows sum to 1. With
            ``architecture="seq2seq"``: ``(n_samples, n_timesteps, n_classes)``, or for
            ragged or masked X a list of one ``(n_timesteps_i, n_classes)`` array per sequence.
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
        ndarray of shape (n_samples,) or list of ndarray
            Labels from ``classes_``. With ``architecture="seq2seq"``: ``(n_samples,
            n_timesteps)``, or for ragged or masked X a list of one ``(n_timesteps_i,)`` array
            per sequence.
        """
        return self._predictions(self.predict_proba(X))

    def _predictions(self, proba):
        return per_sequence(lambda part: self.classes_[part.argmax(axis=-1)], proba)

    def score(self, X, y, sample_weight=None):
        """Return the accuracy of the predictions.

        For ``"seq2vec"`` the share of sequences classified correctly; for
        ``"seq2seq"`` the share of all real time steps of all sequences labelled correctly.
        Labels outside ``classes_``, which the classifier can never predict, are refused with
        a ValueError before anything is predicted.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, in any form ``predict`` accepts.
        y : array-like or list of arrays
            True labels, in any form ``fit`` accepts.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of every sequence (shared by all its steps).

        Returns
        -------
        float
            Accuracy, between 0 and 1.
        """
        y = detach_tensors(y)
        if self._fitted_param("architecture") == "seq2vec":
            check_is_fitted(self)
            self._check_score_targets(y)
            return super().score(X, y, sample_weight)
        y_true, y_pred, weight = self._pooled_steps(X, y, sample_weight, dtype=None)
        return accuracy_score(y_true, y_pred, sample_weight=weight)


def _unseen(y, classes):
    """The distinct labels of ``y`` that are not in ``classes``, in order of appearance."""
    known = set(classes.tolist())
    return [label for label in dict.fromkeys(np.ravel(y).tolist()) if label not in known]


def _mixed_labels(y):
    kinds = sorted({type(label).__name__ for label in np.ravel(y).tolist()})
    return (
        f"y mixes labels of the types {kinds}; class labels must all be strings or all "
        "numbers. Convert them to one type, e.g. y.astype(str)."
    )


def _step_accuracy(net, X, y):
    """Share of the real (not padded, label -100) time steps whose label ``net`` predicts."""
    codes = net.predict_proba(X).argmax(axis=-1)
    y = np.asarray(y)
    real = y != -100
    return float(np.mean(codes[real] == y[real]))

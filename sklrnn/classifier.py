"""RNNClassifier: recurrent network classification of sequences."""

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted
from skorch.callbacks import EpochScoring

from ._accelerate import AcceleratedNetClassifier
from ._base import BaseRNN, extended_signature, per_sequence
from ._checks import detach_tensors
from ._docstrings import FITTED_DOC, PARAMS_DOC
from ._nets import NetClassifier
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
    class_weight : dict, "balanced" or None, default=None
        The weight of each class in the loss, as in
        :class:`~sklearn.linear_model.LogisticRegression`: a dict ``{{label: weight}}``
        (classes not named weigh 1), ``"balanced"`` for ``n_samples / (n_classes *
        count)`` of the labels ``fit`` is given (of the real steps for ``"seq2seq"``), or
        None for equal weights. A sample's (or step's) weight is its class's times its
        ``sample_weight``.

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
    >>> clf = RNNClassifier(cell="gru", hidden_size=16, lr=0.01, max_epochs=20,
    ...                     random_state=0)
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
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }
    _net_class = NetClassifier
    _accelerated_net_class = AcceleratedNetClassifier
    _criterion = torch.nn.CrossEntropyLoss
    _step_criterion = StepCrossEntropyLoss
    _validation_score = "valid_acc"
    _added_params = {**BaseRNN._added_params,  # noqa: SLF001 (files before it had none)
                     "class_weight": None}

    def __init__(self, *, class_weight=None, **params):
        super().__init__(**params)
        self.class_weight = class_weight

    # scikit-learn finds the parameters in the signature: BaseRNN's, and class_weight.
    __init__.__signature__ = extended_signature(BaseRNN.__init__, class_weight=None)

    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train the network one epoch on ``X`` and ``y``, continuing from where it was.

        As :meth:`RNNRegressor.partial_fit <sklrnn.RNNRegressor.partial_fit>`, for labels:
        the first call needs ``classes``, every label the data will hold (a chunk may lack
        some), as :meth:`sklearn.neural_network.MLPClassifier.partial_fit` does.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, in any form :meth:`fit` accepts, with the features of the first call.
        y : array-like or list of arrays
            Their labels (per step for ``"seq2seq"``), all of them in ``classes``.
        sample_weight : array-like of shape (n_samples,), default=None
            The weight of every sample, as for :meth:`fit`.
        classes : array-like of shape (n_classes,), default=None
            All the labels, at the first call (later calls may repeat them).

        Returns
        -------
        self : object
            The estimator, trained one more epoch.

        Raises
        ------
        ValueError
            When the first call lacks ``classes``, a later call names other ones, or
            ``class_weight="balanced"`` (the chunk's label counts are not the data's: pass
            a dict from :func:`~sklearn.utils.class_weight.compute_class_weight`).

        Examples
        --------
        >>> import numpy as np
        >>> from sklrnn import RNNClassifier
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(300, 8, 1))
        >>> y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
        >>> clf = RNNClassifier(hidden_size=8, random_state=0)
        >>> for epoch in range(10):
        ...     for chunk in np.array_split(np.arange(300), 3):
        ...         clf = clf.partial_fit(X[chunk], y[chunk],
        ...                               classes=["down", "up"])
        >>> clf.score(X, y) > 0.9
        True
        """
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: a chunk's label "
                "counts are not the data's. Compute the weights once, e.g. dict(zip(classes, "
                "sklearn.utils.class_weight.compute_class_weight('balanced', classes=classes, "
                "y=y_sample))), and pass that dict as class_weight."
            )
        if classes is not None:
            classes = np.unique(check_array(classes, ensure_2d=False, dtype=None,
                                            input_name="classes"))
        fitted = hasattr(self, "net_")
        if not fitted and classes is None:
            raise ValueError(
                "The first call of partial_fit needs classes: every label the data will "
                "hold, e.g. classes=np.unique(y_all) (a chunk may lack some)."
            )
        if fitted and classes is not None and not np.array_equal(classes, self.classes_):
            raise ValueError(
                f"classes={classes.tolist()} differs from the classes of the fitted network, "
                f"{self.classes_.tolist()}; call fit to learn other classes."
            )
        return self._train(X, y, sample_weight, fitted, partial=True, classes=classes)

    def _prepare_target(self, y, X, real, reset, classes=None):
        """As :meth:`BaseRNN._prepare_target`; ``classes`` are the labels partial_fit was given."""
        if self.architecture == "seq2seq":
            steps = self._step_labels(y, real)
            codes = self._encode(steps, reset, classes)
            # (N, T) in the network's layout; -100 marks padded steps for the loss.
            return pad_steps(codes, real.sum(axis=1), X.shape[1], -100)
        return self._encode(validate_class_labels(self, y, len(X)), reset, classes)

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

    def _encode(self, y, reset, classes=None):
        """Learn ``classes_`` (on ``reset``; ``classes`` when given) and return ``y`` as int64
        class indices."""
        if reset and classes is not None:
            check_classification_targets(classes)
            if len(classes) < 2:
                raise ValueError(f"classes must hold at least 2 labels; got {classes.tolist()}.")
            self.classes_ = classes
        elif reset:
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
                f"y contains labels {unseen} not in classes_ {self.classes_.tolist()}; refit "
                "with warm_start=False to learn new classes."
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

    def _training_weight(self, sample_weight, y):
        """``sample_weight`` times the weight of every sample's (or step's) class."""
        weight = super()._training_weight(sample_weight, y)
        if self.class_weight is None:
            return weight
        real = y != -100  # -100 marks padded steps
        labels = self.classes_[y[real]]
        try:
            per_class = compute_class_weight(self.class_weight, classes=self.classes_,
                                             y=labels)
        except ValueError as exc:  # a dict naming labels that are no class
            raise ValueError(f"class_weight={self.class_weight!r}: {exc}") from exc
        class_weight = np.where(real, per_class[np.where(real, y, 0)], 0.0)
        if weight is None:
            return class_weight
        return class_weight * weight.reshape(-1, *(1,) * (y.ndim - 1))

    def _constant_loss(self, y, weight):
        """Cross-entropy of predicting the (weighted) class frequencies: their entropy."""
        codes = np.asarray(y)
        real = codes != -100  # -100 marks padded steps
        if weight is None:
            weight = np.ones(codes.shape)
        weight = np.broadcast_to(  # of every sample, or already of every step
            weight.reshape(*weight.shape, *(1,) * (codes.ndim - weight.ndim)), codes.shape)
        counts = np.bincount(codes[real], weights=weight[real])
        if not counts.sum():
            return None
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

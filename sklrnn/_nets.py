"""The skorch nets the estimators train: skorch's, with each sample's weight in the loss.

skorch's answer to sample weights (its FAQ; skorch issues #203, #630) is a dict ``X`` that
carries them beside the input and a ``get_loss`` that applies them. :class:`WeightedLoss` is
that answer once: the estimators pass ``{"X": ..., "lengths": ..., "sample_weight": ...}``
(the weights indexed with the rest of every batch, the held-out rows' weights with them),
:meth:`WeightedLoss.infer` keeps the weights from the module, and
:meth:`WeightedLoss.get_loss` averages the criterion's per-target losses
(``criterion__reduction="none"``) with :func:`sklrnn.nn.losses.weighted_mean`.
"""

from collections.abc import Mapping

from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.utils import to_tensor

from .nn.losses import weighted_mean


class WeightedLoss:
    """skorch net mixin: a loss averaged with the batch's ``sample_weight``, if it has one.

    The criterion must return one loss per target (``reduction="none"``); a criterion with a
    ``counted(target)`` method (:class:`~sklrnn.nn.losses.MaskedMSELoss`,
    :class:`~sklrnn.nn.losses.StepCrossEntropyLoss`) says which targets count.
    """

    def infer(self, x, **fit_params):
        if isinstance(x, Mapping) and "sample_weight" in x:
            x = {key: value for key, value in x.items() if key != "sample_weight"}
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        losses = super().get_loss(y_pred, y_true, X=X, training=training)
        y_true = to_tensor(y_true, device=self.device)
        counted = getattr(self.criterion_, "counted", None)
        weight = X.get("sample_weight") if isinstance(X, Mapping) else None
        if weight is not None:
            weight = to_tensor(weight, device=self.device)
        return weighted_mean(losses, None if counted is None else counted(y_true), weight)


class NetRegressor(WeightedLoss, NeuralNetRegressor):
    """:class:`~skorch.NeuralNetRegressor` with :class:`WeightedLoss`."""


class NetClassifier(WeightedLoss, NeuralNetClassifier):
    """:class:`~skorch.NeuralNetClassifier` with :class:`WeightedLoss`."""

"""Losses over per-step outputs whose padded steps must not count, and their weighted mean.

The estimators train with ``reduction="none"``: every loss returns one value per target (of
the target's shape, 0 where a target does not count), and :func:`weighted_mean` averages them
with the samples' weights, over the targets that count.
"""

import torch
import torch.nn.functional as F
from torch import nn


class MaskedMSELoss(nn.MSELoss):
    """Mean squared error over the targets that are not NaN.

    Padded steps of sequences of different lengths carry NaN targets; the mean is taken over
    the real ones only, so padding neither adds error nor dilutes it.

    Parameters
    ----------
    size_average : bool, optional
        Deprecated in PyTorch; use ``reduction``.
    reduce : bool, optional
        Deprecated in PyTorch; use ``reduction``.
    reduction : {"mean", "sum", "none"}, default="mean"
        The mean or the sum of the squared errors of the non-NaN targets, or every
        target's squared error (0 where the target is NaN), as in :class:`torch.nn.MSELoss`.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.losses import MaskedMSELoss
    >>> target = torch.tensor([[1.0, 2.0, float("nan")]])
    >>> MaskedMSELoss()(torch.tensor([[0.0, 2.0, 9.0]]), target)
    tensor(0.5000)
    """

    def forward(self, input, target):
        """Return the mean squared error over the non-NaN entries of ``target``.

        Parameters
        ----------
        input : torch.Tensor
            Predictions, of the shape of ``target``.
        target : torch.Tensor
            Targets, NaN where there is none (padded steps).

        Returns
        -------
        torch.Tensor
            The loss: a scalar, or, with ``reduction="none"``, every target's squared error,
            of the shape of ``target``, 0 where it is NaN.
        """
        real = self.counted(target)
        if self.reduction == "none":
            # NaN replaced before the error, not after: its gradient would be NaN.
            return F.mse_loss(input, target.nan_to_num(), reduction="none") * real
        return F.mse_loss(input[real], target[real], reduction=self.reduction)

    def counted(self, target):
        """Which targets count: those that are not NaN.

        Parameters
        ----------
        target : torch.Tensor
            Targets, NaN at padded steps.

        Returns
        -------
        torch.Tensor of bool
            True where the target counts, of the shape of ``target``.
        """
        return ~torch.isnan(target)


class StepCrossEntropyLoss(nn.CrossEntropyLoss):
    """Cross-entropy of a class label at every time step; label -100 marks padding.

    ``input`` holds logits ``(N, T, C)`` (classes last, as the networks emit them) and
    ``target`` class indices ``(N, T)``; steps whose target is ``ignore_index`` (-100) do
    not count. A subclass of :class:`torch.nn.CrossEntropyLoss`, so skorch turns logits into
    probabilities with a softmax over the last axis.

    Parameters
    ----------
    weight : torch.Tensor of shape (C,), optional
        A weight per class, as in :class:`torch.nn.CrossEntropyLoss`.
    size_average : bool, optional
        Deprecated in PyTorch; use ``reduction``.
    ignore_index : int, default=-100
        The label of steps that do not count (padding).
    reduce : bool, optional
        Deprecated in PyTorch; use ``reduction``.
    reduction : {"mean", "sum", "none"}, default="mean"
        The (weighted) mean or the sum over the steps that count, or every step's loss, as
        in :class:`torch.nn.CrossEntropyLoss`.
    label_smoothing : float, default=0.0
        Share of each target's probability spread evenly over all classes.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.losses import StepCrossEntropyLoss
    >>> logits = torch.zeros(1, 3, 2)
    >>> StepCrossEntropyLoss()(logits, torch.tensor([[0, 1, -100]]))
    tensor(0.6931)
    """

    def forward(self, input, target):
        """Return the mean cross-entropy over the steps whose label is not ``ignore_index``.

        Parameters
        ----------
        input : torch.Tensor of shape (N, T, C)
            Logits of ``C`` classes at every step.
        target : torch.Tensor of shape (N, T)
            Class indices (int64); ``ignore_index`` at steps that do not count.

        Returns
        -------
        torch.Tensor
            The loss: a scalar, or, with ``reduction="none"``, every step's loss, of shape
            ``(N, T)``, 0 at ignored steps.
        """
        loss = super().forward(input.reshape(-1, input.shape[-1]), target.reshape(-1))
        return loss.reshape(target.shape) if self.reduction == "none" else loss

    def counted(self, target):
        """Which steps count: those whose label is not ``ignore_index``.

        Parameters
        ----------
        target : torch.Tensor of shape (N, T)
            Class indices, ``ignore_index`` at padded steps.

        Returns
        -------
        torch.Tensor of bool of shape (N, T)
            True where the step counts.
        """
        return target != self.ignore_index


class PinballLoss(nn.Module):
    """Mean pinball (quantile) loss of several quantile levels per target.

    ``input`` holds ``len(levels)`` values per target, the last axis laid out as ``(K,
    n_levels)`` flattened: ``input[..., k * n_levels + j]`` estimates quantile ``levels[j]``
    of ``target[..., k]``. For a level ``q`` and the error ``e = target - prediction`` the
    loss is ``max(q e, (q - 1) e)``: minimizing its mean makes the prediction the
    ``q``-quantile (Koenker & Bassett 1978), as MQ-RNN trains its horizon of quantiles
    (Wen et al. 2017).

    Parameters
    ----------
    levels : sequence of float
        Quantile levels in (0, 1).
    reduction : {"mean", "none"}, default="mean"
        The mean over all targets and levels, or every one's loss, of shape
        ``(..., K, n_levels)``.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.losses import PinballLoss
    >>> loss = PinballLoss(levels=(0.1, 0.9))
    >>> loss(torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0]]))  # under-predicted by 1
    tensor(0.5000)
    """

    def __init__(self, levels, reduction="mean"):
        super().__init__()
        self.reduction = reduction
        self.register_buffer("levels", torch.as_tensor(levels, dtype=torch.float32))

    def forward(self, input, target):
        """Return the mean pinball loss over all targets and levels.

        Parameters
        ----------
        input : torch.Tensor of shape (..., K * n_levels)
            Quantile predictions: ``input[..., k * n_levels + j]`` of level ``levels[j]`` of
            ``target[..., k]``.
        target : torch.Tensor of shape (..., K)
            Targets.

        Returns
        -------
        torch.Tensor
            The loss: a scalar, or with ``reduction="none"`` of shape ``(..., K, n_levels)``.
        """
        input = input.unflatten(-1, (target.shape[-1], len(self.levels)))
        error = target.unsqueeze(-1) - input
        loss = torch.maximum(self.levels * error, (self.levels - 1) * error)
        return loss if self.reduction == "none" else loss.mean()


def weighted_mean(losses, counted=None, sample_weight=None):
    """The mean of per-target ``losses``, each sample's weighted, over the targets that count.

    ``sum(w_i * l_ij) / sum(w_i * c_ij)`` over samples ``i`` and their targets ``j`` (outputs,
    steps, levels): the mean loss of a data set in which a sample of integer weight ``w``
    appears ``w`` times. Without weights, the plain mean over the targets that count.

    Parameters
    ----------
    losses : torch.Tensor of shape (N, ...)
        Every target's loss (a loss's ``reduction="none"``), 0 where it does not count.
    counted : torch.Tensor of bool, optional
        Which losses count (padded steps do not), of the shape of ``losses`` or a prefix
        of it; None when all count.
    sample_weight : torch.Tensor of shape (N,) or a prefix of the shape of ``losses``, optional
        The weight of every sample (or of every step of every sample); None weighs all alike.

    Returns
    -------
    torch.Tensor
        The loss, a scalar; 0 when the weights of every target that counts are 0.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.losses import weighted_mean
    >>> weighted_mean(torch.tensor([1.0, 3.0]), sample_weight=torch.tensor([3.0, 1.0]))
    tensor(1.5000)
    """
    weight = None if counted is None else _trailing(counted.to(losses.dtype), losses)
    if sample_weight is not None:
        sample_weight = _trailing(sample_weight.to(losses.dtype), losses)
        weight = sample_weight if weight is None else weight * sample_weight
    if weight is None:
        return losses.sum() / losses.numel()
    weight = weight.expand_as(losses)
    return (losses * weight).sum() / weight.sum().clamp_min(torch.finfo(losses.dtype).tiny)


def _trailing(tensor, like):
    """``tensor`` with axes of size 1 appended up to the dimensions of ``like``."""
    return tensor.reshape(*tensor.shape, *(1,) * (like.dim() - tensor.dim()))

"""Losses over per-step outputs whose padded steps must not count."""

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
        The mean or the sum of the squared errors of the non-NaN targets, or those errors
        themselves, as in :class:`torch.nn.MSELoss`.

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
            The loss: a scalar, or, with ``reduction="none"``, the squared error of every
            non-NaN target, flattened.
        """
        real = ~torch.isnan(target)
        return F.mse_loss(input[real], target[real], reduction=self.reduction)


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
            The loss: a scalar, or, with ``reduction="none"``, every step's loss flattened to
            shape ``(N * T,)``, 0 at ignored steps.
        """
        return super().forward(input.reshape(-1, input.shape[-1]), target.reshape(-1))


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

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.losses import PinballLoss
    >>> loss = PinballLoss(levels=(0.1, 0.9))
    >>> loss(torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0]]))  # under-predicted by 1
    tensor(0.5000)
    """

    def __init__(self, levels):
        super().__init__()
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
            The loss, a scalar.
        """
        input = input.unflatten(-1, (target.shape[-1], len(self.levels)))
        error = target.unsqueeze(-1) - input
        return torch.maximum(self.levels * error, (self.levels - 1) * error).mean()

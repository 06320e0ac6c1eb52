"""Losses over per-step outputs whose padded steps must not count."""

import torch
import torch.nn.functional as F
from torch import nn


class MaskedMSELoss(nn.MSELoss):
    """Mean squared error over the targets that are not NaN.

    Padded steps of sequences of different lengths carry NaN targets; the mean is taken over
    the real ones only, so padding neither adds error nor dilutes it.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.losses import MaskedMSELoss
    >>> target = torch.tensor([[1.0, 2.0, float("nan")]])
    >>> MaskedMSELoss()(torch.tensor([[0.0, 2.0, 9.0]]), target)
    tensor(0.5000)
    """

    def forward(self, input, target):
        """Return the mean squared error over the non-NaN entries of ``target``."""
        real = ~torch.isnan(target)
        return F.mse_loss(input[real], target[real], reduction=self.reduction)


class StepCrossEntropyLoss(nn.CrossEntropyLoss):
    """Cross-entropy of a class label at every time step; label -100 marks padding.

    ``input`` holds logits ``(N, T, C)`` (classes last, as the networks emit them) and
    ``target`` class indices ``(N, T)``; steps whose target is ``ignore_index`` (-100) do
    not count. A subclass of :class:`torch.nn.CrossEntropyLoss`, so skorch turns logits into
    probabilities with a softmax over the last axis.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.losses import StepCrossEntropyLoss
    >>> logits = torch.zeros(1, 3, 2)
    >>> StepCrossEntropyLoss()(logits, torch.tensor([[0, 1, -100]]))
    tensor(0.6931)
    """

    def forward(self, input, target):
        """Return the mean cross-entropy over the steps whose label is not ``ignore_index``."""
        return super().forward(input.reshape(-1, input.shape[-1]), target.reshape(-1))

"""Losses over per-step outputs whose padded steps must not count, and their weighted mean.

The estimators train with ``reduction="none"``: every loss returns one value per target (of
the target's shape, 0 where a target does not count), and :func:`weighted_mean` averages them
with the samples' weights, over the targets that count.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn


class _NaNPadded:
    """Mixin of the losses whose NaN targets (padded steps) do not count."""

    def counted(self, target):
        """Which targets count: those that are not NaN (padded steps are).

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


class MaskedMSELoss(_NaNPadded, nn.MSELoss):
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


class PinballLoss(_NaNPadded, nn.Module):
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
    >>> # both levels under-predict the target by 1
    >>> loss(torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0]]))
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
        real = self.counted(target).unsqueeze(-1)
        error = target.nan_to_num().unsqueeze(-1) - input  # NaN targets (padding) count 0
        loss = torch.maximum(self.levels * error, (self.levels - 1) * error) * real
        if self.reduction == "none":
            return loss
        return loss.sum() / (real.sum() * len(self.levels)).clamp_min(1)


#: The distributions :class:`NLLLoss` fits, with the number of parameters of each.
DISTRIBUTIONS = {"normal": 2, "student_t": 3}

#: Least scale of a predicted distribution, and least degrees of freedom over 2 of a
#: Student's t (whose variance is finite from 2 on).
MIN_SCALE = 1e-4


def distribution_params(output, distribution):
    """The parameters of every target's distribution from a network's raw outputs.

    ``output[..., k * P + p]`` is raw parameter ``p`` of target ``k`` (``P`` is
    ``DISTRIBUTIONS[distribution]``): the location as it is, the scale through a softplus
    (above ``MIN_SCALE``), and a Student's t's degrees of freedom through a softplus above
    2, so that its variance is finite.

    Parameters
    ----------
    output : torch.Tensor of shape (..., K * P)
        A network's outputs.
    distribution : {"normal", "student_t"}
        The distribution.

    Returns
    -------
    tuple of torch.Tensor of shape (..., K)
        ``(loc, scale)``, and ``df`` for ``"student_t"``.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.losses import distribution_params
    >>> loc, scale = distribution_params(torch.tensor([[1.0, 0.0]]), "normal")
    >>> loc, scale.round(decimals=4)
    (tensor([[1.]]), tensor([[0.6932]]))
    """
    raw = output.unflatten(-1, (-1, DISTRIBUTIONS[distribution]))
    params = (raw[..., 0], torch.nn.functional.softplus(raw[..., 1]) + MIN_SCALE)
    if distribution == "student_t":
        params += (2.0 + torch.nn.functional.softplus(raw[..., 2]),)
    return params


class NLLLoss(_NaNPadded, nn.Module):
    """Negative log-likelihood of targets under the distributions a network predicts.

    The network predicts, for every target, the parameters of a normal or a Student's t
    distribution (:func:`distribution_params`); the loss is the mean negative
    log-likelihood of the targets, those that are NaN (padded steps) left out. Minimizing
    it fits the whole distribution, mean and spread, as DeepAR does (Salinas et al. 2020).

    Parameters
    ----------
    distribution : {"normal", "student_t"}
        The distribution of every target.
    reduction : {"mean", "none"}, default="mean"
        The mean over the targets that count, or every target's loss (0 where it is NaN),
        of the shape of the targets.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.losses import NLLLoss
    >>> loss = NLLLoss("normal")
    >>> # softplus^-1, so that the scale is 1
    >>> scale_one = torch.log(torch.expm1(torch.tensor(1.0 - 1e-4)))
    >>> params = torch.tensor([[0.0, scale_one]])
    >>> round(float(loss(params, torch.tensor([[0.0]]))), 4)
    0.9189
    """

    def __init__(self, distribution, reduction="mean"):
        super().__init__()
        self.distribution = distribution
        self.reduction = reduction

    def forward(self, input, target):
        """Return the negative log-likelihood of ``target``.

        Parameters
        ----------
        input : torch.Tensor of shape (..., K * P)
            The network's raw outputs, ``P`` parameters per target.
        target : torch.Tensor of shape (..., K)
            Targets, NaN where there is none (padded steps).

        Returns
        -------
        torch.Tensor
            The loss: a scalar, or with ``reduction="none"`` of the shape of ``target``.
        """
        real = self.counted(target)
        target = target.nan_to_num()
        loc, scale, *df = distribution_params(input, self.distribution)
        z = (target - loc) / scale
        if self.distribution == "normal":
            nll = torch.log(scale) + 0.5 * z**2 + 0.5 * math.log(2 * math.pi)
        else:
            (df,) = df
            nll = (torch.log(scale) + 0.5 * torch.log(df * math.pi)
                   + torch.lgamma(df / 2) - torch.lgamma((df + 1) / 2)
                   + (df + 1) / 2 * torch.log1p(z**2 / df))
        nll = nll * real
        if self.reduction == "none":
            return nll
        return nll.sum() / real.sum().clamp_min(1)


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
    >>> weighted_mean(torch.tensor([1.0, 3.0]),
    ...               sample_weight=torch.tensor([3.0, 1.0]))
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

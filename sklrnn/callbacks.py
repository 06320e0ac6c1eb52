"""skorch callbacks of sklrnn's own."""

import torch
from skorch.callbacks import Callback


class GradientValueClipping(Callback):
    """Clamp every gradient entry to ``[-clip_value, clip_value]`` before each optimizer step.

    The element-wise counterpart of skorch's ``GradientNormClipping``; estimators add it for
    ``clip_grad_value``.

    Parameters
    ----------
    clip_value : float
        Largest absolute value a gradient entry may keep.

    Examples
    --------
    >>> from sklrnn import RNNRegressor
    >>> from sklrnn.callbacks import GradientValueClipping
    >>> est = RNNRegressor(callbacks=[GradientValueClipping(0.5)])
    """

    def __init__(self, clip_value):
        self.clip_value = clip_value

    def on_grad_computed(self, net, named_parameters, **kwargs):
        """Clamp the gradients skorch just computed, in place."""
        torch.nn.utils.clip_grad_value_((p for _, p in named_parameters), self.clip_value)

"""Weight initialization schemes for recurrent layers, fused or custom."""

import torch
from torch import nn

WEIGHT_INITS = ("default", "xavier_uniform", "xavier_normal", "orthogonal", "identity")


def init_recurrent(rnn, scheme, hidden_size, forget_bias=False):
    """Initialize the recurrent layers ``rnn`` in place by ``scheme``.

    Weight matrices stack one block of ``hidden_size`` rows per gate; each block is
    initialized on its own. Input weights (``weight_ih*``) get Glorot initialization (normal
    for ``"xavier_normal"``, uniform otherwise); recurrent weights (``weight_hh*``) the same for
    ``"xavier_*"``, an orthogonal matrix for ``"orthogonal"`` and the identity for
    ``"identity"``. Biases and peephole weights start at zero, except the forget-gate input
    bias, which is 1 when ``forget_bias`` is set (LSTMs: gate order i, f, g, o).
    Normalization gains and shifts keep their initial 1 and 0.

    Parameters
    ----------
    rnn : torch.nn.Module
        What :func:`sklrnn.nn.make_recurrent` returned.
    scheme : {"default", "xavier_uniform", "xavier_normal", "orthogonal", "identity"}
        ``"default"`` leaves PyTorch's initialization untouched.
    hidden_size : int
        Rows per gate block.
    forget_bias : bool, default=False
        Set the forget-gate bias to 1.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn import make_recurrent
    >>> from sklrnn.nn.init import init_recurrent
    >>> rnn = make_recurrent("rnn", 2, 3, activation="relu")
    >>> init_recurrent(rnn, "identity", 3)
    >>> torch.equal(rnn.weight_hh_l0, torch.eye(3))
    True
    """
    if scheme not in WEIGHT_INITS:
        raise ValueError(f"Unknown weight_init {scheme!r}; choose one of {WEIGHT_INITS}.")
    if scheme == "default":
        return
    glorot = nn.init.xavier_normal_ if scheme == "xavier_normal" else nn.init.xavier_uniform_
    recurrent = {"orthogonal": nn.init.orthogonal_, "identity": nn.init.eye_}.get(scheme, glorot)
    with torch.no_grad():
        for name, param in rnn.named_parameters():
            leaf = name.rsplit(".", 1)[-1]
            if leaf.startswith("weight_ih"):
                for block in param.split(hidden_size):
                    glorot(block)
            elif leaf.startswith("weight_hh"):
                for block in param.split(hidden_size):
                    recurrent(block)
            elif leaf.startswith(("bias", "weight_peephole")):
                param.zero_()
                if forget_bias and leaf.startswith("bias_ih"):
                    param[hidden_size:2 * hidden_size] = 1.0

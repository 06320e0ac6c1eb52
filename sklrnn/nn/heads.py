"""Complete networks: recurrent layers plus an output head."""

import torch
import torch.nn.functional as F
from torch import nn

from .init import init_recurrent
from .layers import make_recurrent, run_recurrent, step_mask

POOLINGS = ("last", "mean", "max")

#: Eval-mode batches are padded to a multiple of this many rows (see ``forward``).
EVAL_BATCH_MULTIPLE = 8


class SequenceToVector(nn.Module):
    """Many-to-one network: read a whole sequence, emit one vector.

    The summary of a sequence is, with ``pooling="last"``, the final hidden state of the last
    layer (for a bidirectional network: the forward direction after the last step concatenated
    with the backward direction after the first step); with ``"mean"`` or ``"max"``, the mean or
    element-wise maximum of the last layer's outputs over the sequence's real time steps.
    Dropout is applied to that summary before the linear head, and between stacked layers.

    Parameters
    ----------
    input_size : int
        Features per time step ``D``.
    output_size : int
        Outputs per sequence (targets for regression, classes for classification logits).
    cell : {"rnn", "lstm", "peephole_lstm", "gru"}, default="lstm"
        The recurrent cell.
    hidden_size : int, default=32
        Size of the hidden state of each direction of each layer.
    num_layers : int, default=1
        Number of stacked recurrent layers.
    bidirectional : bool, default=False
        Also read each sequence backwards.
    dropout : float, default=0.0
        Dropout probability between layers and before the head.
    activation : {"tanh", "relu", "leaky_relu", "elu"}, default="tanh"
        Activation of ``cell="rnn"``.
    weight_init : str, default="default"
        Initialization scheme of the recurrent layers, see :func:`sklrnn.nn.init.init_recurrent`;
        LSTM forget-gate biases start at 1 under every scheme but ``"default"``.
    pooling : {"last", "mean", "max"}, default="last"
        How the outputs of the last layer become one vector per sequence.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn import SequenceToVector
    >>> net = SequenceToVector(input_size=3, output_size=2, cell="gru", hidden_size=8)
    >>> net(torch.zeros(4, 10, 3)).shape
    torch.Size([4, 2])
    """

    def __init__(self, input_size, output_size, cell="lstm", hidden_size=32, num_layers=1,
                 bidirectional=False, dropout=0.0, activation="tanh", weight_init="default",
                 pooling="last"):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"Unknown pooling {pooling!r}; choose one of {POOLINGS}.")
        self.pooling = pooling
        self.directions = 2 if bidirectional else 1
        self.rnn = make_recurrent(cell, input_size, hidden_size, num_layers=num_layers,
                                  bidirectional=bidirectional, dropout=dropout,
                                  activation=activation)
        init_recurrent(self.rnn, weight_init, hidden_size,
                       forget_bias=cell in ("lstm", "peephole_lstm"))
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.directions * hidden_size, output_size)

    def forward(self, X, lengths=None):
        """Map ``X`` of shape ``(N, T, D)`` to outputs of shape ``(N, output_size)``.

        ``lengths`` (N,) gives each sequence's real length when ``X`` is post-padded; the
        summary is then taken at each sequence's own end, so padding never changes an output.

        In eval mode the batch is zero-padded to a multiple of ``EVAL_BATCH_MULTIPLE``
        rows: CPU matrix kernels pick their code path (and so their rounding) by the number of
        rows, and a sequence's prediction must not depend on what else is in its batch.
        """
        n = X.shape[0]
        if not self.training:
            extra = -n % EVAL_BATCH_MULTIPLE
            X = F.pad(X, (0, 0, 0, 0, 0, extra))
            if lengths is not None:
                lengths = F.pad(lengths, (0, extra), value=1)
        output, _ = run_recurrent(self.rnn, X, lengths, states=False)
        if self.pooling == "last":
            # The forward direction's state after each sequence's last step, and the
            # backward direction's after the first step.
            hidden = output.shape[2] // self.directions
            last = output[:, -1] if lengths is None else output[
                torch.arange(len(output), device=X.device), lengths - 1]
            summary = last[:, :hidden]
            if self.directions == 2:
                summary = torch.cat([summary, output[:, 0, hidden:]], dim=1)
        elif lengths is None:
            summary = output.mean(1) if self.pooling == "mean" else output.amax(1)
        elif self.pooling == "mean":  # outputs at padded steps are zero
            summary = output.sum(1) / lengths.unsqueeze(1).to(output.dtype)
        else:
            real = step_mask(lengths, output.shape[1]).unsqueeze(-1)
            summary = output.masked_fill(~real, float("-inf")).amax(1)
        return self.head(self.dropout(summary))[:n]

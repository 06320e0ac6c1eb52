"""Complete networks: recurrent layers plus an output head, one per architecture.

===========================  ============================  ==============================
network                      input                         output
===========================  ============================  ==============================
:class:`SequenceToVector`    sequences ``(N, T, D)``       ``(N, K)``
:class:`SequenceToSequence`  sequences ``(N, T, D)``       ``(N, T, K)``: one per step
:class:`VectorToSequence`    vectors ``(N, D)``            ``(N, H, K)``: ``horizon`` steps
:class:`EncoderDecoder`      sequences ``(N, T, D)``       ``(N, H, K)``, H independent of T
===========================  ============================  ==============================

Networks that read sequences take an optional ``lengths`` tensor (N,), on any device, for
post-padded sequences of different lengths; padding never changes an output at a real step.
"""

import torch
import torch.nn.functional as F
from torch import nn

from .init import init_recurrent
from .layers import make_recurrent, run_recurrent, stack_frames, step_mask

POOLINGS = ("last", "mean", "max")

#: Eval-mode batches are padded to a multiple of this many rows (see ``RecurrentNet``).
EVAL_BATCH_MULTIPLE = 16

_PARAMETERS_DOC = """cell : {"rnn", "lstm", "peephole_lstm", "gru"}, default="lstm"
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
    normalization : {None, "batch", "layer"}, default=None
        Batch or layer normalization inside the recurrent cells (see :mod:`sklrnn.nn`).
    max_steps : int, optional
        With ``normalization="batch"``: time steps whose statistics are kept (default 100,
        ``horizon`` for a decoder); later steps use the last kept step's."""


class RecurrentNet(nn.Module):
    __doc__ = f"""Recurrent layers, dropout and a linear head: what every network is made of.

    In eval mode, :meth:`pad_batch` zero-pads a batch to a multiple of
    ``EVAL_BATCH_MULTIPLE`` rows: CPU matrix kernels pick their code path (and so their
    rounding) by the number of rows (in blocks of 8 with AVX2, 16 with AVX-512), and a
    sample's prediction must not depend on what else is in its batch.

    Parameters
    ----------
    input_size : int
        Features per time step ``D``.
    output_size : int
        Outputs of the head per sequence or per step.
    {_PARAMETERS_DOC}
    """

    def __init__(self, input_size, output_size, cell="lstm", hidden_size=32, num_layers=1,
                 bidirectional=False, dropout=0.0, activation="tanh", weight_init="default",
                 normalization=None, max_steps=None):
        super().__init__()
        self.directions = 2 if bidirectional else 1
        self.rnn = make_recurrent(cell, input_size, hidden_size, num_layers=num_layers,
                                  bidirectional=bidirectional, dropout=dropout,
                                  activation=activation, normalization=normalization,
                                  max_steps=max_steps)
        init_recurrent(self.rnn, weight_init, hidden_size,
                       forget_bias=cell in ("lstm", "peephole_lstm"))
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.directions * hidden_size, output_size)

    def recurrent_output(self, X, lengths=None):
        """Run the recurrent layers over ``X`` and return the last layer's output.

        As :func:`~sklrnn.nn.run_recurrent` without states.

        Parameters
        ----------
        X : torch.Tensor of shape (N, T, D)
            Sequences, each padded at its end.
        lengths : torch.Tensor of shape (N,) or None, default=None
            Real length of every sequence, on any device; None when all fill the T steps.

        Returns
        -------
        torch.Tensor of shape (N, T', directions * hidden_size)
            Hidden states of the last layer, ``T' = max(lengths)`` (``T`` without
            ``lengths``), zero at padded steps.
        """
        return run_recurrent(self.rnn, X, lengths, states=False)[0]

    def pad_batch(self, X, lengths=None):
        """In eval mode, pad ``X`` (and ``lengths``, with ones) to a multiple of 16 rows.

        The added rows are zero (their lengths 1); callers drop their outputs. In training
        mode, and for a batch whose rows are a multiple of ``EVAL_BATCH_MULTIPLE`` already,
        ``X`` and ``lengths`` are returned as they are.

        Parameters
        ----------
        X : torch.Tensor of shape (N, ...)
            A batch: sequences ``(N, T, D)`` or vectors ``(N, D)``.
        lengths : torch.Tensor of shape (N,) or None, default=None
            Real length of every sequence, or None.

        Returns
        -------
        X : torch.Tensor of shape (N', ...)
            The batch, ``N'`` the smallest multiple of ``EVAL_BATCH_MULTIPLE`` >= N in eval
            mode.
        lengths : torch.Tensor of shape (N',) or None
            The lengths, padded with ones; None when ``lengths`` is None.
        """
        extra = 0 if self.training else -X.shape[0] % EVAL_BATCH_MULTIPLE
        if not extra:
            return X, lengths
        X = F.pad(X, (0, 0) * (X.dim() - 1) + (0, extra))
        return X, None if lengths is None else F.pad(lengths, (0, extra), value=1)


class SequenceToVector(RecurrentNet):
    __doc__ = f"""Many-to-one network: read a whole sequence, emit one vector.

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
    {_PARAMETERS_DOC}
    pooling : {{"last", "mean", "max"}}, default="last"
        How the outputs of the last layer become one vector per sequence.
    frame_size : int, default=1
        Consecutive time steps read as one (:func:`~sklrnn.nn.stack_frames`): the recurrent
        layers see ``ceil(T / frame_size)`` steps of ``frame_size * input_size`` features,
        which shortens the path gradients travel through long sequences.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn import SequenceToVector
    >>> net = SequenceToVector(input_size=3, output_size=2, cell="gru",
    ...                        hidden_size=8)
    >>> net(torch.zeros(4, 10, 3)).shape
    torch.Size([4, 2])
    """

    def __init__(self, input_size, output_size, cell="lstm", hidden_size=32, num_layers=1,
                 bidirectional=False, dropout=0.0, activation="tanh", weight_init="default",
                 normalization=None, max_steps=None, pooling="last", frame_size=1):
        if pooling not in POOLINGS:
            raise ValueError(f"Unknown pooling {pooling!r}; choose one of {POOLINGS}.")
        super().__init__(input_size * frame_size, output_size, cell, hidden_size, num_layers,
                         bidirectional, dropout, activation, weight_init, normalization,
                         max_steps)
        self.pooling = pooling
        self.frame_size = frame_size

    def forward(self, X, lengths=None):
        """Map ``X`` of shape ``(N, T, D)`` to outputs of shape ``(N, output_size)``.

        Parameters
        ----------
        X : torch.Tensor of shape (N, T, D)
            Sequences, each padded at its end when ``lengths`` is given.
        lengths : torch.Tensor of shape (N,) or None, default=None
            Real length of every sequence, on any device; the summary is then taken at each
            sequence's own end, so padding never changes an output. None when all fill the
            T steps.

        Returns
        -------
        torch.Tensor of shape (N, output_size)
            The head's outputs, one vector per sequence.
        """
        n = X.shape[0]
        X, lengths = stack_frames(X, lengths, self.frame_size)
        X, lengths = self.pad_batch(X, lengths)
        output = self.recurrent_output(X, lengths)
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


class SequenceToSequence(RecurrentNet):
    __doc__ = f"""Many-to-many network: an output at every time step of a sequence.

    The head maps the last layer's output at each step to that step's outputs. A
    bidirectional network sees the whole sequence at every step (tagging); a one-directional
    one only the steps up to it (causal, e.g. filtering).

    Parameters
    ----------
    input_size : int
        Features per time step ``D``.
    output_size : int
        Outputs per time step.
    {_PARAMETERS_DOC}

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn import SequenceToSequence
    >>> net = SequenceToSequence(input_size=3, output_size=2, cell="gru",
    ...                          hidden_size=8)
    >>> net(torch.zeros(4, 10, 3)).shape
    torch.Size([4, 10, 2])
    """

    def forward(self, X, lengths=None):
        """Map ``X`` of shape ``(N, T, D)`` to outputs of shape ``(N, T, output_size)``.

        Parameters
        ----------
        X : torch.Tensor of shape (N, T, D)
            Sequences, each padded at its end when ``lengths`` is given.
        lengths : torch.Tensor of shape (N,) or None, default=None
            Real length of every sequence, on any device; None when all fill the T steps.

        Returns
        -------
        torch.Tensor of shape (N, T, output_size)
            The head's outputs at every step. Outputs at padded steps are the head's bias and
            carry no information.
        """
        n, n_steps = X.shape[:2]
        X, lengths = self.pad_batch(X, lengths)
        output = self.recurrent_output(X, lengths)
        # run_recurrent cuts padding beyond the longest sequence; give all T steps back.
        output = F.pad(output, (0, 0, 0, n_steps - output.shape[1]))
        return self.head(self.dropout(output))[:n]


class VectorToSequence(RecurrentNet):
    __doc__ = f"""One-to-many network: unroll ``horizon`` steps from one vector per sample.

    The decoder reads the input vector at every one of its ``horizon`` steps (Keras'
    ``RepeatVector`` followed by a recurrent layer) and the head maps its output at each step
    to that step's outputs. It never reads its own predictions or the targets, so training and
    prediction run the same computation (no teacher forcing, no exposure bias) and the whole
    horizon is one call of a fused kernel.

    Parameters
    ----------
    input_size : int
        Features per sample ``D``.
    output_size : int
        Outputs per step.
    horizon : int
        Number of steps ``H`` to unroll.
    {_PARAMETERS_DOC}

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn import VectorToSequence
    >>> net = VectorToSequence(input_size=3, output_size=2, horizon=5,
    ...                        hidden_size=8)
    >>> net(torch.zeros(4, 3)).shape
    torch.Size([4, 5, 2])
    """

    def __init__(self, input_size, output_size, horizon, cell="lstm", hidden_size=32,
                 num_layers=1, bidirectional=False, dropout=0.0, activation="tanh",
                 weight_init="default", normalization=None, max_steps=None):
        super().__init__(input_size, output_size, cell, hidden_size, num_layers, bidirectional,
                         dropout, activation, weight_init, normalization,
                         horizon if max_steps is None else max_steps)
        self.horizon = horizon

    def forward(self, X):
        """Map ``X`` of shape ``(N, D)`` to outputs of shape ``(N, horizon, output_size)``.

        Parameters
        ----------
        X : torch.Tensor of shape (N, D)
            One vector per sample, read by the decoder at every step.

        Returns
        -------
        torch.Tensor of shape (N, horizon, output_size)
            The head's outputs at each of the ``horizon`` steps.
        """
        n = X.shape[0]
        X, _ = self.pad_batch(X)
        output = self.recurrent_output(X.unsqueeze(1).expand(-1, self.horizon, -1))
        return self.head(self.dropout(output))[:n]


class EncoderDecoder(nn.Module):
    __doc__ = f"""Sequence to sequence of another length: an encoder and a decoder network.

    The encoder, a :class:`SequenceToVector` whose head emits a context vector of
    ``hidden_size`` values, reads the input sequence; the decoder, a
    :class:`VectorToSequence`, unrolls ``horizon`` steps from that context. Both use the same
    cell and sizes. The decoder is free running: it never reads targets, in training or
    prediction, so there is no teacher forcing and nothing differs between the two.

    Parameters
    ----------
    input_size : int
        Features per time step ``D``.
    output_size : int
        Outputs per decoded step.
    horizon : int
        Number of steps ``H`` to decode.
    {_PARAMETERS_DOC}
    pooling : {{"last", "mean", "max"}}, default="last"
        How the encoder summarizes a sequence, as in :class:`SequenceToVector`.
    frame_size : int, default=1
        Consecutive input steps the encoder reads as one, as in :class:`SequenceToVector`.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn import EncoderDecoder
    >>> net = EncoderDecoder(input_size=3, output_size=1, horizon=6,
    ...                      hidden_size=8)
    >>> net(torch.zeros(4, 20, 3)).shape
    torch.Size([4, 6, 1])
    """

    def __init__(self, input_size, output_size, horizon, cell="lstm", hidden_size=32,
                 num_layers=1, bidirectional=False, dropout=0.0, activation="tanh",
                 weight_init="default", normalization=None, max_steps=None, pooling="last",
                 frame_size=1):
        super().__init__()
        shared = dict(cell=cell, hidden_size=hidden_size, num_layers=num_layers,
                      bidirectional=bidirectional, dropout=dropout, activation=activation,
                      weight_init=weight_init, normalization=normalization)
        self.encoder = SequenceToVector(input_size, hidden_size, pooling=pooling,
                                        max_steps=max_steps, frame_size=frame_size, **shared)
        self.decoder = VectorToSequence(hidden_size, output_size, horizon, **shared)

    def forward(self, X, lengths=None):
        """Map ``X`` of shape ``(N, T, D)`` to outputs of shape ``(N, horizon, output_size)``.

        Parameters
        ----------
        X : torch.Tensor of shape (N, T, D)
            Sequences, each padded at its end when ``lengths`` is given.
        lengths : torch.Tensor of shape (N,) or None, default=None
            Real length of every sequence, on any device; None when all fill the T steps.

        Returns
        -------
        torch.Tensor of shape (N, horizon, output_size)
            The decoder's outputs at each of the ``horizon`` steps.
        """
        return self.decoder(self.encoder(X, lengths))

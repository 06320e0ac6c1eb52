"""Stacked, optionally bidirectional recurrent layers over fused or custom cells.

:func:`make_recurrent` returns PyTorch's fused :class:`torch.nn.RNN`, :class:`torch.nn.LSTM` or
:class:`torch.nn.GRU` whenever they compute the requested configuration, and
:class:`CustomRNN` (the one shared implementation for every other cell) otherwise. Both take
``(N, T, D)`` input and return ``(output, h_n)`` with the layout of the fused modules.
:func:`run_recurrent` runs either kind over padded sequences of different lengths: the fused
modules in one call, one call per layer and direction (the backward one reading each sequence
reversed within its length), one call per length, or on a packed sequence (whichever is exact
and fastest), :class:`CustomRNN` with masked state updates.
"""

import contextlib
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .cells import (
    ACTIVATIONS,
    NORMALIZATIONS,
    ElmanCell,
    GRUCell,
    LSTMCell,
    PeepholeLSTMCell,
    StepBatchNorm,
)

CELLS = ("rnn", "lstm", "peephole_lstm", "gru")
#: run_recurrent's call of the fused operator: one layer and one direction per call, no
#: dropout inside it, sequences batch-first (the positional arguments of torch.lstm & co.).
ONE_LAYER, NO_DROPOUT, ONE_DIRECTION, BATCH_FIRST = 1, 0.0, False, True


class Recurrence(nn.Module):
    """Run one cell over the time axis, forwards or backwards.

    The input projection of every time step is computed in one matrix product up front;
    the Python loop only does what depends on the previous state. With ``lengths``, a
    sequence's state stops changing after its last real step, so padding never reaches it.
    Backwards, every sequence is read reversed within its own length: its step ``t`` is the
    ``t``-th from its own end, which is what per-step batch-norm statistics count.

    Parameters
    ----------
    cell : sklrnn.nn.cells.ElmanCell, LSTMCell, PeepholeLSTMCell or GRUCell
        The step function.
    reverse : bool, default=False
        Process the sequence from its last step to its first.
    """

    def __init__(self, cell, reverse=False):
        super().__init__()
        self.cell = cell
        self.reverse = reverse

    def forward(self, x, lengths=None):
        """Run the cell over every sequence, backwards if ``reverse``.

        Parameters
        ----------
        x : torch.Tensor of shape (N, T, D)
            Post-padded sequences.
        lengths : torch.Tensor of shape (N,) or None, default=None
            Real length of every sequence; None when all fill ``T`` steps.

        Returns
        -------
        output : torch.Tensor of shape (N, T, H)
            The hidden state at every step; zero at padded steps.
        state : tuple of torch.Tensor of shape (N, H)
            The cell's state (``(h,)``, or ``(h, c)`` for an LSTM) at every sequence's last
            real step (its first, run backwards).
        """
        cell = self.cell
        n, n_steps = x.shape[:2]
        real = None if lengths is None else step_mask(lengths, n_steps)
        if self.reverse:
            x = reverse_padded(x, lengths)
        gx = cell.project(x, real)
        states = cell.scan(gx)
        if states is not None:
            # Padding comes after every sequence, so running through it cannot change the
            # real steps; each sequence's final state is the one at its last real step.
            output = states[0]
            if real is None:
                state = tuple(s[:, -1] for s in states)
            else:
                output = torch.where(real.unsqueeze(-1), output, 0.0)
                rows = torch.arange(n, device=x.device)
                state = tuple(s[rows, lengths - 1] for s in states)
            return (reverse_padded(output, lengths) if self.reverse else output), state
        gx = gx.unbind(1)
        state = cell.init_state(n, x)
        step = cell.step_function()
        outputs = []
        for t in range(n_steps):
            active = None if real is None else real[:, t]
            new = step(gx[t], state, t, active)
            state = new if active is None else tuple(
                torch.where(active.unsqueeze(1), s_new, s)
                for s_new, s in zip(new, state, strict=True))
            outputs.append(new[0])
        output = torch.stack(outputs, 1)
        if real is not None:
            output = torch.where(real.unsqueeze(-1), output, 0.0)
        return (reverse_padded(output, lengths) if self.reverse else output), state


def reverse_padded(x, lengths=None):
    """Return ``x`` (N, T, D) with every sequence reversed within its own length.

    Padding stays where it is, after each sequence; without ``lengths`` the whole time axis
    is reversed. Applying it twice gives ``x`` back.

    Parameters
    ----------
    x : torch.Tensor of shape (N, T, D)
        Post-padded sequences.
    lengths : torch.Tensor of shape (N,) or None, default=None
        Real length of every sequence, on ``x``'s device.

    Returns
    -------
    torch.Tensor of shape (N, T, D)
        Each sequence's real steps in reverse order, its padding after them.
    """
    if lengths is None:
        return x.flip(1)
    n, n_steps = x.shape[:2]
    steps = torch.arange(n_steps, device=x.device)
    source = torch.where(steps < lengths.unsqueeze(1), lengths.unsqueeze(1) - 1 - steps, steps)
    # As an index into x's rows flattened to (N * T, D): one gather, cheaper than 3-D indexing.
    rows = (source + n_steps * torch.arange(n, device=x.device).unsqueeze(1)).flatten()
    return x.reshape(n * n_steps, -1).index_select(0, rows).view(x.shape)


class CustomRNN(nn.Module):
    """Stacked, optionally bidirectional RNN over a custom cell, laid out like ``nn.LSTM``.

    Parameters
    ----------
    cell : {"rnn", "lstm", "peephole_lstm", "gru"}
        ``"rnn"`` is an :class:`~sklrnn.nn.cells.ElmanCell` with ``activation``; the others
        :class:`~sklrnn.nn.cells.LSTMCell`, :class:`~sklrnn.nn.cells.PeepholeLSTMCell` and
        :class:`~sklrnn.nn.cells.GRUCell`.
    input_size, hidden_size, num_layers : int
        As in :class:`torch.nn.LSTM`.
    bidirectional : bool, default=False
        Add a backward direction to every layer; outputs are concatenated.
    dropout : float, default=0.0
        Dropout on the outputs of every layer except the last.
    activation : str, default="tanh"
        Activation of the ``"rnn"`` cell.
    normalization : {None, "batch", "layer"}, default=None
        Normalization inside every cell (see :mod:`sklrnn.nn`).
    max_steps : int, optional
        Time steps whose batch-norm statistics every cell keeps (see
        :class:`~sklrnn.nn.cells.StepBatchNorm`).

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.layers import CustomRNN
    >>> rnn = CustomRNN("peephole_lstm", 3, 4, num_layers=2, bidirectional=True)
    >>> output, h_n = rnn(torch.zeros(5, 7, 3))
    >>> output.shape, h_n.shape
    (torch.Size([5, 7, 8]), torch.Size([4, 5, 4]))
    """

    def __init__(self, cell, input_size, hidden_size, num_layers=1, bidirectional=False,
                 dropout=0.0, activation="tanh", normalization=None, max_steps=None):
        super().__init__()
        self.dropout = dropout
        directions = 2 if bidirectional else 1
        layers = []
        for layer in range(num_layers):
            size = input_size if layer == 0 else hidden_size * directions
            layers.append(nn.ModuleList(
                Recurrence(_make_cell(cell, size, hidden_size, activation, normalization,
                                      max_steps), reverse=bool(d))
                for d in range(directions)
            ))
        self.layers = nn.ModuleList(layers)

    def forward(self, x, lengths=None):
        """Run every layer and direction over post-padded sequences, as ``nn.LSTM`` does.

        Parameters
        ----------
        x : torch.Tensor of shape (N, T, input_size)
            Post-padded sequences.
        lengths : torch.Tensor of shape (N,) or None, default=None
            Real length of every sequence; None when all fill ``T`` steps.

        Returns
        -------
        output : torch.Tensor of shape (N, T, directions * hidden_size)
            The last layer's hidden states, directions concatenated.
        h_n : torch.Tensor of shape (num_layers * directions, N, hidden_size)
            Every layer's and direction's final hidden state.
        """
        h_n = []
        for i, layer in enumerate(self.layers):
            if i:
                x = F.dropout(x, self.dropout, self.training)
            outputs = []
            for direction in layer:
                output, state = direction(x, lengths)
                outputs.append(output)
                h_n.append(state[0])
            x = torch.cat(outputs, dim=-1) if len(outputs) > 1 else outputs[0]
        return x, torch.stack(h_n)


def run_recurrent(rnn, x, lengths=None, states=True):
    """Run recurrent layers from :func:`~sklrnn.nn.make_recurrent` over post-padded sequences.

    Parameters
    ----------
    rnn : torch.nn.Module
        Fused ``nn.RNN``/``nn.LSTM``/``nn.GRU`` (batch first) or :class:`CustomRNN`.
    x : torch.Tensor of shape (N, T, D)
        Sequences, each padded at its end.
    lengths : torch.Tensor of shape (N,) or None, default=None
        Real length of every sequence, on any device (as for ``pack_padded_sequence``);
        None when all fill the T steps.
    states : bool, default=True
        Also return the final states. Without them a one-directional fused module reads the
        whole padded batch in one call (padding after a sequence cannot reach its outputs),
        the fastest way on every device. A bidirectional one (and an ``nn.RNN`` or ``nn.GRU``
        with states) reads it in one call per layer and direction, 3-4 times faster than
        packed sequences on a GPU and several times on the CPU; only the final cell states
        of ``nn.LSTM`` need one call per length (CPU) or packed sequences.

    Returns
    -------
    output : torch.Tensor of shape (N, T', directions * H)
        Hidden states of the last layer; ``T' = max(lengths)`` (padding beyond the longest
        sequence is cut off), zero at padded steps.
    h_n : torch.Tensor or tuple of torch.Tensor, or None
        Final states as the module returns them, taken at every sequence's own last step
        (forwards) and first step (backwards). Padding never changes them. None when
        ``states=False``.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.layers import make_recurrent, run_recurrent
    >>> rnn = make_recurrent("gru", 1, 4)
    >>> x = torch.randn(2, 5, 1)
    >>> _, h_n = run_recurrent(rnn, x, torch.tensor([5, 3]))
    >>> _, alone = rnn(x[1:, :3])
    >>> torch.allclose(h_n[:, 1], alone[:, 0], atol=1e-6)
    True
    """
    if lengths is not None:
        lengths = lengths.to(x.device)
        shortest, n_steps = torch.stack(torch.aminmax(lengths)).tolist()  # one device sync
        x = x[:, :n_steps]
        if shortest == n_steps:
            lengths = None
    if lengths is None:
        output, h_n = rnn(x)
    elif isinstance(rnn, CustomRNN):
        output, h_n = rnn(x, lengths)
    elif not (states or rnn.bidirectional):
        output, h_n = rnn(x)
        output = torch.where(step_mask(lengths, x.shape[1]).unsqueeze(-1), output, 0.0)
    elif not (states and isinstance(rnn, nn.LSTM)):
        output, h_n = _run_directions(rnn, x, lengths)
    elif isinstance(rnn, nn.LSTM) and x.device.type == "cpu" and (
            len(groups := torch.unique(lengths)) <= MAX_LENGTH_GROUPS):
        output, h_n = _run_by_length(rnn, x, lengths, groups.tolist())
    else:
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        output, h_n = rnn(packed)
        output, _ = pad_packed_sequence(output, batch_first=True, total_length=x.shape[1])
    return output, (h_n if states else None)


def step_recurrent(rnn, x, state=None, t=0):
    """Advance forward-only recurrent layers by one time step from ``state``.

    What :func:`~sklrnn.nn.run_recurrent` computes at step ``t`` of a sequence, given the
    state after its step ``t - 1``: a stream reads one step at a time instead of re-reading
    the whole history. Dropout between layers is not applied (run it in eval mode).

    Parameters
    ----------
    rnn : torch.nn.Module
        One-directional fused ``nn.RNN``/``nn.LSTM``/``nn.GRU`` or :class:`CustomRNN`.
    x : torch.Tensor of shape (N, D)
        The inputs of step ``t``.
    state : tuple of torch.Tensor of shape (num_layers, N, hidden_size), or None
        Every layer's state after step ``t - 1``, hidden state first (``(h,)``, or ``(h, c)``
        for an LSTM); None for the zero state before the first step.
    t : int, default=0
        The time step of ``x``: batch-normalized cells normalize it with that step's
        statistics.

    Returns
    -------
    output : torch.Tensor of shape (N, hidden_size)
        The last layer's hidden state after step ``t``.
    state : tuple of torch.Tensor of shape (num_layers, N, hidden_size)
        Every layer's state after step ``t``.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.layers import (make_recurrent, run_recurrent,
    ...                               step_recurrent)
    >>> rnn = make_recurrent("gru", 2, 4, num_layers=2)
    >>> x = torch.randn(3, 5, 2)
    >>> state = None
    >>> for t in range(5):
    ...     output, state = step_recurrent(rnn, x[:, t], state, t)
    >>> torch.allclose(output, run_recurrent(rnn, x)[0][:, -1], atol=1e-6)
    True
    """
    if state is None:
        state = initial_state(rnn, x)
    if not isinstance(rnn, CustomRNN):
        output, state = rnn(x.unsqueeze(1), state if isinstance(rnn, nn.LSTM) else state[0])
        return output[:, 0], (state if isinstance(rnn, nn.LSTM) else (state,))
    new = []
    for i, (direction,) in enumerate(rnn.layers):
        cell = direction.cell
        gx = cell.project(x.unsqueeze(1), start=t)[:, 0]
        layer_state = cell.step_function()(gx, tuple(s[i] for s in state), t)
        new.append(layer_state)
        x = layer_state[0]
    return x, tuple(torch.stack(s) for s in zip(*new, strict=True))


def initial_state(rnn, reference):
    """Return the zero state of one-directional layers, as ``step_recurrent`` takes it.

    Parameters
    ----------
    rnn : torch.nn.Module
        One-directional fused ``nn.RNN``/``nn.LSTM``/``nn.GRU`` or :class:`CustomRNN`.
    reference : torch.Tensor of shape (N, ...)
        A batch whose size, device and dtype the state takes.

    Returns
    -------
    tuple of torch.Tensor of shape (num_layers, N, hidden_size)
        Zeros: ``(h,)``, or ``(h, c)`` for an LSTM.
    """
    if isinstance(rnn, CustomRNN):
        cell = rnn.layers[0][0].cell
        layers, hidden, n_states = len(rnn.layers), cell.hidden_size, cell.n_states
    else:
        layers, hidden = rnn.num_layers, rnn.hidden_size
        n_states = 2 if isinstance(rnn, nn.LSTM) else 1
    zeros = reference.new_zeros(layers, reference.shape[0], hidden)
    return (zeros,) * n_states


def _run_directions(rnn, x, lengths):
    """Run every layer and direction of a fused module as one call on the padded batch.

    The backward direction reads every sequence reversed within its own length, so in both
    directions a sequence's padding comes after its real steps and cannot reach their
    outputs: the calls are exact without packing (which the CPU kernels and cuDNN run
    several times slower) or splitting the batch by length. Each call is the operator the
    module's own ``forward`` calls, for one layer and one direction. Final hidden states are
    the outputs at each sequence's last real step (forwards) and first step (backwards); the
    cell states of ``nn.LSTM`` are not among its outputs, so its ``h_n`` is None.
    """
    n, n_steps = x.shape[:2]
    real = step_mask(lengths, n_steps)
    rows = torch.arange(n, device=x.device)
    directions = 2 if rnn.bidirectional else 1
    operator = getattr(torch, rnn.mode.lower())  # torch.lstm, torch.gru, torch.rnn_tanh, ...
    h_0 = x.new_zeros(1, n, rnn.hidden_size)
    h_0 = (h_0, h_0) if isinstance(rnn, nn.LSTM) else h_0
    h_n = []
    for layer in range(rnn.num_layers):
        if layer:
            x = F.dropout(x, rnn.dropout, rnn.training)
        outputs = []
        for direction in range(directions):
            weights = rnn.all_weights[layer * directions + direction]
            inputs = reverse_padded(x, lengths) if direction else x
            with warnings.catch_warnings():
                # cuDNN copies one direction's weights into a block of their own; expected.
                warnings.filterwarnings("ignore", "RNN module weights are not part", UserWarning)
                # The arguments torch.nn.modules.rnn passes, for one layer and direction:
                # (input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
                # batch_first); dropout between layers is applied above.
                output = operator(inputs, h_0, weights, rnn.bias, ONE_LAYER, NO_DROPOUT,
                                  rnn.training, ONE_DIRECTION, BATCH_FIRST)[0]
            if direction:
                output = reverse_padded(output, lengths)
                h_n.append(output[:, 0])
            else:
                h_n.append(output[rows, lengths - 1])
            outputs.append(output)
        x = torch.cat(outputs, 2) if directions == 2 else outputs[0]
    h_n = None if isinstance(rnn, nn.LSTM) else torch.stack(h_n)
    return torch.where(real.unsqueeze(-1), x, 0.0), h_n


#: Most distinct lengths in a batch that the CPU LSTM runs as separate unpadded calls.
MAX_LENGTH_GROUPS = 8


def _run_by_length(rnn, x, lengths, groups):
    """Run the sequences of every length as one unpadded call.

    PyTorch's CPU LSTM has a fast (oneDNN) kernel for unpacked input only; on packed input
    it falls back to a path several times slower. Length-bucketed batches hold few distinct
    lengths, so a few exact calls beat one packed call.
    """
    output = None
    for n_steps in groups:
        rows = (lengths == n_steps).nonzero().squeeze(1)
        out, states = rnn(x[rows, :n_steps])
        if output is None:
            output = out.new_zeros(x.shape[0], x.shape[1], out.shape[2])
            finals = [s.new_zeros(s.shape[0], x.shape[0], s.shape[2]) for s in states]
        output[rows, :n_steps] = out
        for final, state in zip(finals, states, strict=True):
            final[:, rows] = state
    return output, tuple(finals)


@contextlib.contextmanager
def estimate_batch_norm(module):
    """Re-estimate batch-norm statistics from the batches ``module`` runs inside the block.

    The running averages kept in training trail the changing weights and are noisy where a
    step's batch statistics are (e.g. a rare input). Inside this block every
    :class:`~sklrnn.nn.cells.StepBatchNorm` of ``module`` pools the statistics of the
    batches run, per step, and on leaving stores them as its running statistics ("precise
    batch norm", Wu & Johnson 2021): exact for the current weights. Dropout is off, so the
    statistics are those of the inputs the layers see in eval mode. Run it with
    :func:`torch.no_grad`; modes are restored on leaving.

    Parameters
    ----------
    module : torch.nn.Module
        A network holding batch-normalized cells.

    Yields
    ------
    None
        Run the batches whose statistics are wanted inside the ``with`` block.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn import SequenceToVector
    >>> from sklrnn.nn.layers import estimate_batch_norm
    >>> net = SequenceToVector(2, 1, cell="gru", normalization="batch",
    ...                        max_steps=6)
    >>> with torch.no_grad(), estimate_batch_norm(net):
    ...     for batch in torch.randn(3, 16, 6, 2):
    ...         _ = net(batch)
    >>> net.training
    True
    """
    norms = [m for m in module.modules() if isinstance(m, StepBatchNorm)]
    modes = [(m, m.training) for m in module.modules()]
    module.train()  # eval mode would pad batches (RecurrentNet.pad_batch) and skip statistics
    for m in module.modules():
        if isinstance(m, nn.Dropout | CustomRNN):
            m.eval()  # dropout off
    for norm in norms:
        norm.train()
        norm.begin_estimate()
    try:
        yield
        for norm in norms:
            norm.end_estimate()
    finally:
        for norm in norms:
            norm.cancel_estimate()
        for m, mode in modes:
            m.training = mode


def stack_frames(x, lengths=None, frame_size=1):
    """Concatenate every ``frame_size`` consecutive time steps into one step.

    A sequence of ``T`` steps of ``D`` features becomes one of ``ceil(T / k)`` steps of
    ``k * D`` features, ``k = frame_size``: step ``j`` holds steps ``jk .. jk + k - 1`` in
    order, and the last one is completed with zeros. Padded steps (beyond ``lengths``) are
    zeroed first, so a sequence's frames never depend on how long the others in its batch are.

    Parameters
    ----------
    x : torch.Tensor of shape (N, T, D)
        Post-padded sequences.
    lengths : torch.Tensor of shape (N,) or None, default=None
        Real length of every sequence, on any device; None when all fill ``T`` steps.
    frame_size : int, default=1
        Steps per frame; 1 returns ``x`` and ``lengths`` unchanged (but on ``x``'s device).

    Returns
    -------
    frames : torch.Tensor of shape (N, ceil(T / frame_size), frame_size * D)
        The frames, each a run of ``frame_size`` steps' features side by side.
    lengths : torch.Tensor of shape (N,) or None
        ``ceil(lengths / frame_size)``: the frames that hold a real step, on ``x``'s device.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn import stack_frames
    >>> x = torch.arange(5.0).reshape(1, 5, 1)
    >>> stack_frames(x, frame_size=2)[0]
    tensor([[[0., 1.],
             [2., 3.],
             [4., 0.]]])
    """
    if lengths is not None:
        lengths = lengths.to(x.device)
    if frame_size == 1:
        return x, lengths
    n, n_steps, n_features = x.shape
    if lengths is not None:
        x = torch.where(step_mask(lengths, n_steps).unsqueeze(-1), x, 0.0)
    x = F.pad(x, (0, 0, 0, -n_steps % frame_size))
    x = x.reshape(n, -1, frame_size * n_features)
    if lengths is not None:
        lengths = torch.div(lengths + frame_size - 1, frame_size, rounding_mode="floor")
    return x, lengths


def step_mask(lengths, n_steps):
    """Return the boolean ``(N, n_steps)`` mask of every sequence's real time steps.

    Parameters
    ----------
    lengths : torch.Tensor or numpy.ndarray of shape (N,)
        Real length of every sequence.
    n_steps : int
        Time steps of the padded sequences.

    Returns
    -------
    torch.Tensor or numpy.ndarray of shape (N, n_steps), dtype bool
        Of the type of ``lengths`` (and on its device): True at real steps.
    """
    if isinstance(lengths, torch.Tensor):
        return torch.arange(n_steps, device=lengths.device) < lengths.unsqueeze(1)
    return np.arange(n_steps) < lengths[:, None]


def _make_cell(cell, input_size, hidden_size, activation, normalization, max_steps):
    if cell == "rnn":
        return ElmanCell(input_size, hidden_size, activation, normalization, max_steps)
    kind = {"lstm": LSTMCell, "peephole_lstm": PeepholeLSTMCell, "gru": GRUCell}[cell]
    return kind(input_size, hidden_size, normalization, max_steps)


def is_fused(cell, activation="tanh", normalization=None):
    """Whether PyTorch computes this cell with a fused kernel (``nn.RNN``/``LSTM``/``GRU``).

    Parameters
    ----------
    cell : {"rnn", "lstm", "peephole_lstm", "gru"}
        The recurrent cell.
    activation : {"tanh", "relu", "leaky_relu", "elu"}, default="tanh"
        Activation of ``cell="rnn"``.
    normalization : {None, "batch", "layer"}, default=None
        Normalization inside the cell; PyTorch's fused kernels cannot normalize.

    Returns
    -------
    bool
        True where :func:`make_recurrent` builds ``nn.RNN``, ``nn.LSTM`` or ``nn.GRU``.
    """
    return normalization is None and (
        cell in ("lstm", "gru") or (cell == "rnn" and activation in ("tanh", "relu")))


def make_recurrent(cell, input_size, hidden_size, num_layers=1, bidirectional=False,
                   dropout=0.0, activation="tanh", normalization=None, max_steps=None):
    """Build the recurrent layers for ``cell``, fused where PyTorch computes it.

    Parameters
    ----------
    cell : {"rnn", "lstm", "peephole_lstm", "gru"}
        The recurrent cell.
    input_size, hidden_size, num_layers : int
        As in :class:`torch.nn.LSTM`.
    bidirectional : bool, default=False
        Add a backward direction to every layer.
    dropout : float, default=0.0
        Dropout on the outputs of every layer except the last.
    activation : {"tanh", "relu", "leaky_relu", "elu"}, default="tanh"
        Activation of ``cell="rnn"``; ignored by the other cells.
    normalization : {None, "batch", "layer"}, default=None
        Batch or layer normalization inside every cell (see :mod:`sklrnn.nn`);
        normalized cells run on sklrnn's :class:`CustomRNN`, since PyTorch's fused kernels
        cannot normalize.
    max_steps : int, optional
        With ``normalization="batch"``: time steps whose statistics are kept (default 100);
        later steps use the last kept step's.

    Returns
    -------
    torch.nn.Module
        A module mapping ``(N, T, input_size)`` to ``(output, h_n)`` with batch-first output
        ``(N, T, directions * hidden_size)`` and ``h_n`` (or ``(h_n, c_n)`` for the fused LSTM)
        of shape ``(num_layers * directions, N, hidden_size)``.

    Examples
    --------
    >>> from sklrnn.nn.layers import make_recurrent
    >>> type(make_recurrent("gru", 3, 8)).__name__
    'GRU'
    >>> type(make_recurrent("peephole_lstm", 3, 8)).__name__
    'CustomRNN'
    """
    if cell not in CELLS:
        raise ValueError(f"Unknown cell {cell!r}; choose one of {CELLS}.")
    if activation not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {activation!r}; choose one of {tuple(ACTIVATIONS)}.")
    if normalization not in NORMALIZATIONS:
        raise ValueError(
            f"Unknown normalization {normalization!r}; choose one of {NORMALIZATIONS}.")
    kwargs = dict(num_layers=num_layers, bidirectional=bidirectional,
                  dropout=dropout if num_layers > 1 else 0.0)
    if not is_fused(cell, activation, normalization):
        return CustomRNN(cell, input_size, hidden_size, activation=activation,
                         normalization=normalization, max_steps=max_steps, **kwargs)
    if cell == "rnn":
        return nn.RNN(input_size, hidden_size, nonlinearity=activation, batch_first=True, **kwargs)
    fused = nn.LSTM if cell == "lstm" else nn.GRU
    return fused(input_size, hidden_size, batch_first=True, **kwargs)

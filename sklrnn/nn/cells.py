"""Recurrent cells for what PyTorch's fused kernels do not compute.

Each cell computes one time step. Its input-to-hidden projection ``W_ih x_t + b_ih``
(``project``) is *not* computed in the step: :class:`sklrnn.nn.layers.Recurrence`
applies it to all time steps in one matrix product before the loop, so the per-step work is
only the hidden-to-hidden product and the gate arithmetic.

With ``normalization="layer"`` every cell is layer-normalized after Ba et al. (2016): the
recurrent projection ``W_hh h_{t-1}`` -- the path through which gradients vanish or explode
over time -- is normalized before its bias is added, each gate's block of ``hidden_size``
values on its own (zero mean, unit variance, then a learned gain, initially 1); an LSTM also
normalizes its cell state before the output ``tanh`` (with a learned gain and shift).
Statistics are per sample and per step, so a sequence's padding never enters them. Unlike Ba
et al., the input projection ``W_ih x_t`` is not normalized: per sample, that would discard
the magnitude of every step's features (a univariate series would keep only its sign), which
is the signal in numeric sequences, unlike the word embeddings Ba et al. read.

Parameter names and gate order follow :class:`torch.nn.RNNCell`, :class:`torch.nn.LSTMCell`
and :class:`torch.nn.GRUCell` (``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``; gates
``i, f, g, o`` and ``r, z, n``), so weights can be copied between them.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

ACTIVATIONS = {
    "tanh": torch.tanh,
    "relu": F.relu,
    "leaky_relu": F.leaky_relu,
    "elu": F.elu,
}


NORMALIZATIONS = (None, "layer")


class _Cell(nn.Module):
    """Weights shared by every cell: ``n_gates`` stacked blocks of ``hidden_size`` rows."""

    n_gates = 1
    n_states = 1

    def __init__(self, input_size, hidden_size, normalization=None):
        super().__init__()
        if normalization not in NORMALIZATIONS:
            raise ValueError(
                f"Unknown normalization {normalization!r}; choose one of {NORMALIZATIONS}.")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.normalization = normalization
        rows = self.n_gates * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(rows, input_size))
        self.weight_hh = nn.Parameter(torch.empty(rows, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(rows))
        self.bias_hh = nn.Parameter(torch.empty(rows))
        if normalization == "layer":
            self.norm_hh = nn.Parameter(torch.empty(self.n_gates, hidden_size))
        self.reset_parameters()

    def reset_parameters(self):
        """Draw weights and biases from U(-1/sqrt(H), 1/sqrt(H)), as PyTorch's cells do.

        Normalization gains start at 1 and shifts at 0.
        """
        bound = 1.0 / math.sqrt(self.hidden_size)
        for name, param in self.named_parameters():
            if name.startswith("norm_"):
                nn.init.zeros_(param) if name.endswith("shift") else nn.init.ones_(param)
            else:
                nn.init.uniform_(param, -bound, bound)

    def init_state(self, batch_size, reference):
        """Return the zero state for ``batch_size`` sequences, on ``reference``'s device."""
        zeros = reference.new_zeros(batch_size, self.hidden_size)
        return (zeros,) * self.n_states

    def project(self, x):
        """Return the input projection ``W_ih x + b_ih`` of ``x`` (..., input_size)."""
        return F.linear(x, self.weight_ih, self.bias_ih)

    def recurrent(self, h):
        """Return the recurrent projection ``W_hh h + b_hh`` of the previous state ``h``."""
        if self.normalization is None:
            return F.linear(h, self.weight_hh, self.bias_hh)
        return self._normalize(F.linear(h, self.weight_hh), self.norm_hh) + self.bias_hh

    def _normalize(self, z, gain):
        """Layer-normalize every gate block of ``z`` (..., n_gates * H) and scale by ``gain``."""
        blocks = z.unflatten(-1, (self.n_gates, self.hidden_size))
        return (F.layer_norm(blocks, (self.hidden_size,)) * gain).flatten(-2)


class ElmanCell(_Cell):
    """Vanilla (Elman) RNN step with any activation.

    ``h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``. PyTorch's fused :class:`torch.nn.RNN`
    offers only tanh and ReLU; this cell adds Leaky ReLU (slope 0.01) and ELU (alpha 1).

    Parameters
    ----------
    input_size : int
        Features per time step.
    hidden_size : int
        Size of the hidden state.
    activation : {"tanh", "relu", "leaky_relu", "elu"}, default="tanh"
        The nonlinearity applied to the pre-activation.
    normalization : {None, "layer"}, default=None
        Layer-normalize the recurrent projection (see the module docstring).

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.cells import ElmanCell
    >>> cell = ElmanCell(3, 5, activation="elu")
    >>> state = cell.init_state(2, torch.zeros(1))
    >>> cell(cell.project(torch.ones(2, 3)), state)[0].shape
    torch.Size([2, 5])
    """

    def __init__(self, input_size, hidden_size, activation="tanh", normalization=None):
        super().__init__(input_size, hidden_size, normalization)
        self.activation = activation
        self._act = ACTIVATIONS[activation]

    def forward(self, gx, state):
        """Advance one step: ``gx`` is the projected input :meth:`project` of ``x_t``."""
        (h,) = state
        return (self._act(gx + self.recurrent(h)),)


class LSTMCell(_Cell):
    """LSTM step, the computation of :class:`torch.nn.LSTMCell`, optionally normalized.

    PyTorch's fused LSTM is used wherever it applies; this cell runs the LSTM with
    ``normalization="layer"``, and is the base of :class:`PeepholeLSTMCell`::

        i_t, f_t, g_t, o_t = split(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
        c_t = sigmoid(f_t) * c_{t-1} + sigmoid(i_t) * tanh(g_t)
        h_t = sigmoid(o_t) * tanh(c_t)

    Layer-normalized, ``tanh(c_t)`` becomes ``tanh(LN(c_t))`` (with a learned gain and shift).

    Parameters
    ----------
    input_size : int
        Features per time step.
    hidden_size : int
        Size of the hidden and cell states.
    normalization : {None, "layer"}, default=None
        Layer-normalize the recurrent projection and the cell state (see the module
        docstring).

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.cells import LSTMCell
    >>> cell = LSTMCell(3, 5, normalization="layer")
    >>> state = cell.init_state(2, torch.zeros(1))
    >>> [s.shape for s in cell(cell.project(torch.ones(2, 3)), state)]
    [torch.Size([2, 5]), torch.Size([2, 5])]
    """

    n_gates = 4
    n_states = 2
    peephole = False

    def __init__(self, input_size, hidden_size, normalization=None):
        super().__init__(input_size, hidden_size, normalization)
        if self.peephole:
            self.weight_peephole = nn.Parameter(torch.empty(3, hidden_size))
        if normalization == "layer":
            self.norm_c_gain = nn.Parameter(torch.empty(hidden_size))
            self.norm_c_shift = nn.Parameter(torch.empty(hidden_size))
        self.reset_parameters()

    def forward(self, gx, state):
        """Advance one step: ``gx`` is the projected input :meth:`project` of ``x_t``."""
        h, c = state
        i, f, g, o = (gx + self.recurrent(h)).chunk(4, dim=1)
        if self.peephole:
            w_ci, w_cf, w_co = self.weight_peephole
            i = torch.addcmul(i, w_ci, c)
            f = torch.addcmul(f, w_cf, c)
        c = torch.addcmul(torch.sigmoid(f) * c, torch.sigmoid(i), torch.tanh(g))
        if self.peephole:
            o = torch.addcmul(o, w_co, c)
        out = c if self.normalization is None else F.layer_norm(
            c, (self.hidden_size,), self.norm_c_gain, self.norm_c_shift)
        return torch.sigmoid(o) * torch.tanh(out), c


class PeepholeLSTMCell(LSTMCell):
    """LSTM step with peephole connections (Gers & Schmidhuber, 2000).

    The input and forget gates look at the previous cell state, the output gate at the new one::

        i_t = sigmoid(W_ii x_t + W_hi h_{t-1} + w_ci * c_{t-1} + b_i)
        f_t = sigmoid(W_if x_t + W_hf h_{t-1} + w_cf * c_{t-1} + b_f)
        g_t = tanh(W_ig x_t + W_hg h_{t-1} + b_g)
        c_t = f_t * c_{t-1} + i_t * g_t
        o_t = sigmoid(W_io x_t + W_ho h_{t-1} + w_co * c_t + b_o)
        h_t = o_t * tanh(c_t)

    The peephole weights ``w_ci, w_cf, w_co`` are diagonal (element-wise). With them at zero
    the cell is exactly :class:`torch.nn.LSTMCell`.

    Parameters
    ----------
    input_size : int
        Features per time step.
    hidden_size : int
        Size of the hidden and cell states.
    normalization : {None, "layer"}, default=None
        Layer-normalize the recurrent projection and the cell state (see
        :class:`LSTMCell`).

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.cells import PeepholeLSTMCell
    >>> cell = PeepholeLSTMCell(3, 5)
    >>> state = cell.init_state(2, torch.zeros(1))
    >>> [s.shape for s in cell(cell.project(torch.ones(2, 3)), state)]
    [torch.Size([2, 5]), torch.Size([2, 5])]
    """

    peephole = True


class GRUCell(_Cell):
    """GRU step, the computation of :class:`torch.nn.GRUCell`, optionally normalized.

    PyTorch's fused GRU is used wherever it applies; this cell runs the GRU with
    ``normalization="layer"``::

        r_t, z_t, n_t from W_ih x_t + b_ih (input part) and W_hh h_{t-1} + b_hh (recurrent)
        r_t = sigmoid(x_r + h_r)        z_t = sigmoid(x_z + h_z)
        n_t = tanh(x_n + r_t * h_n)
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}

    Parameters
    ----------
    input_size : int
        Features per time step.
    hidden_size : int
        Size of the hidden state.
    normalization : {None, "layer"}, default=None
        Layer-normalize the recurrent projection (see the module docstring).

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.cells import GRUCell
    >>> cell = GRUCell(3, 5, normalization="layer")
    >>> state = cell.init_state(2, torch.zeros(1))
    >>> cell(cell.project(torch.ones(2, 3)), state)[0].shape
    torch.Size([2, 5])
    """

    n_gates = 3

    def forward(self, gx, state):
        """Advance one step: ``gx`` is the projected input :meth:`project` of ``x_t``."""
        (h,) = state
        x_r, x_z, x_n = gx.chunk(3, dim=1)
        h_r, h_z, h_n = self.recurrent(h).chunk(3, dim=1)
        r = torch.sigmoid(x_r + h_r)
        z = torch.sigmoid(x_z + h_z)
        n = torch.tanh(torch.addcmul(x_n, r, h_n))
        return (torch.lerp(n, h, z),)

"""Recurrent cells that PyTorch does not ship as fused kernels.

Each cell computes one time step. Its input-to-hidden projection ``W_ih x_t + b_ih`` is
*not* computed by the cell: :class:`sklrnn.nn.layers.Recurrence` applies it to all time
steps in one matrix product before the loop, so the per-step work is only the
hidden-to-hidden product and the gate arithmetic. Parameter names and gate order follow
:class:`torch.nn.RNNCell` and :class:`torch.nn.LSTMCell` (``weight_ih``, ``weight_hh``,
``bias_ih``, ``bias_hh``; gates ``i, f, g, o``), so weights can be copied between them.
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


class _Cell(nn.Module):
    """Weights shared by every cell: ``n_gates`` stacked blocks of ``hidden_size`` rows."""

    n_gates = 1
    n_states = 1

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        rows = self.n_gates * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(rows, input_size))
        self.weight_hh = nn.Parameter(torch.empty(rows, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(rows))
        self.bias_hh = nn.Parameter(torch.empty(rows))
        self.reset_parameters()

    def reset_parameters(self):
        """Initialize every parameter from U(-1/sqrt(H), 1/sqrt(H)), as PyTorch's cells do."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -bound, bound)

    def init_state(self, batch_size, reference):
        """Return the zero state for ``batch_size`` sequences, on ``reference``'s device."""
        zeros = reference.new_zeros(batch_size, self.hidden_size)
        return (zeros,) * self.n_states


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

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.cells import ElmanCell
    >>> cell = ElmanCell(3, 5, activation="elu")
    >>> state = cell.init_state(2, torch.zeros(1))
    >>> gx = torch.nn.functional.linear(torch.ones(2, 3), cell.weight_ih, cell.bias_ih)
    >>> cell(gx, state)[0].shape
    torch.Size([2, 5])
    """

    def __init__(self, input_size, hidden_size, activation="tanh"):
        super().__init__(input_size, hidden_size)
        self.activation = activation
        self._act = ACTIVATIONS[activation]

    def forward(self, gx, state):
        """Advance one step: ``gx`` is the projected input ``W_ih x_t + b_ih``."""
        (h,) = state
        return (self._act(gx + F.linear(h, self.weight_hh, self.bias_hh)),)


class PeepholeLSTMCell(_Cell):
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

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.cells import PeepholeLSTMCell
    >>> cell = PeepholeLSTMCell(3, 5)
    >>> state = cell.init_state(2, torch.zeros(1))
    >>> gx = torch.nn.functional.linear(torch.ones(2, 3), cell.weight_ih, cell.bias_ih)
    >>> [s.shape for s in cell(gx, state)]
    [torch.Size([2, 5]), torch.Size([2, 5])]
    """

    n_gates = 4
    n_states = 2

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        self.weight_peephole = nn.Parameter(torch.empty(3, hidden_size))
        self.reset_parameters()

    def forward(self, gx, state):
        """Advance one step: ``gx`` is the projected input ``W_ih x_t + b_ih``."""
        h, c = state
        gates = gx + F.linear(h, self.weight_hh, self.bias_hh)
        i, f, g, o = gates.chunk(4, dim=1)
        w_ci, w_cf, w_co = self.weight_peephole
        i = torch.sigmoid(torch.addcmul(i, w_ci, c))
        f = torch.sigmoid(torch.addcmul(f, w_cf, c))
        c = torch.addcmul(f * c, i, torch.tanh(g))
        o = torch.sigmoid(torch.addcmul(o, w_co, c))
        return o * torch.tanh(c), c

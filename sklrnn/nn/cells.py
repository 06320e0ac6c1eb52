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

With ``normalization="batch"`` every cell is batch-normalized after Cooijmans et al. (2016):
the input projection ``W_ih x_t`` and the recurrent projection ``W_hh h_{t-1}`` are normalized
separately, each feature over the batch (learned gain, initially 0.1, no shift: the biases
follow), and an LSTM also normalizes its cell state (gain 0.1 and a shift). Statistics are
kept *per time step* (:class:`StepBatchNorm`): in training, step ``t`` is normalized with the
mean and variance of the sequences that have a step ``t`` -- padding never enters them --
and running averages of them are stored for the first ``max_steps`` steps; in eval mode step
``t`` uses the stored ones (step ``max_steps - 1``'s beyond it), so a sequence's prediction
depends neither on its batch nor on its padding. A backward direction counts steps from each
sequence's own end (:class:`sklrnn.nn.layers.Recurrence` reverses every sequence within its
length).

Parameter names and gate order follow :class:`torch.nn.RNNCell`, :class:`torch.nn.LSTMCell`
and :class:`torch.nn.GRUCell` (``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``; gates
``i, f, g, o`` and ``r, z, n``), so weights can be copied between them.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd.function import once_differentiable

ACTIVATIONS = {
    "tanh": torch.tanh,
    "relu": F.relu,
    "leaky_relu": F.leaky_relu,
    "elu": F.elu,
}


NORMALIZATIONS = (None, "batch", "layer")

#: Time steps whose batch-norm statistics a cell keeps when ``max_steps`` is not given.
MAX_STEPS = 100


class StepBatchNorm(nn.Module):
    """Batch normalization with statistics per time step (Cooijmans et al. 2016).

    Every feature of ``z`` is normalized over the real sequences of the batch at each time
    step, then scaled by a learned gain (and shifted, with ``shift=True``). Training updates
    running averages of every step's mean and (unbiased) variance, for the first
    ``max_steps`` steps; a step that fewer than 2 sequences reach leaves them alone. Eval mode
    normalizes with them, step ``max_steps - 1``'s standing in for every later step.
    :func:`sklrnn.nn.estimate_batch_norm` replaces the running averages, which trail
    the changing weights, by exact statistics of the final weights over given batches.

    Parameters
    ----------
    num_features : int
        Features of ``z``.
    max_steps : int
        Time steps whose statistics are kept.
    gain : float, default=0.1
        Initial gain: Cooijmans et al. found 0.1 keeps saturating gates trainable.
    shift : bool, default=False
        Learn a shift, initially 0.
    momentum : float, default=0.1
        Weight of a batch in the running averages, as in :class:`torch.nn.BatchNorm1d`.
    eps : float, default=1e-5
        Added to the variance.

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.cells import StepBatchNorm
    >>> norm = StepBatchNorm(3, max_steps=10)
    >>> z = torch.randn(8, 5, 3)
    >>> norm(z).shape, norm.running_mean.shape
    (torch.Size([8, 5, 3]), torch.Size([10, 3]))
    """

    def __init__(self, num_features, max_steps, gain=0.1, shift=False, momentum=0.1,
                 eps=1e-5):
        super().__init__()
        if max_steps < 1:
            raise ValueError(f"max_steps must be at least 1; got {max_steps}.")
        self.max_steps = max_steps
        self.momentum = momentum
        self.eps = eps
        self.initial_gain = gain
        self.weight = nn.Parameter(torch.empty(num_features))
        self.bias = nn.Parameter(torch.empty(num_features)) if shift else None
        self.register_buffer("running_mean", torch.zeros(max_steps, num_features))
        self.register_buffer("running_var", torch.ones(max_steps, num_features))
        self._sums = None  # (count, sum, sum of squares) per step while estimating
        self.reset_parameters()

    def reset_parameters(self):
        """Gain ``gain``, shift 0, running statistics those of a standard normal."""
        nn.init.constant_(self.weight, self.initial_gain)
        if self.bias is not None:
            nn.init.zeros_(self.bias)
        self.running_mean.zero_()
        self.running_var.fill_(1.0)

    def forward(self, z, real=None, start=0):
        """Normalize ``z`` (N, T, F), the values at steps ``start .. start + T - 1``.

        In training, with the statistics of the batch's real entries at each step (and the
        running averages updated); in eval mode, with the running averages.

        Parameters
        ----------
        z : torch.Tensor of shape (N, T, F)
            Values of ``num_features`` features at ``T`` consecutive time steps.
        real : torch.Tensor of shape (N, T), dtype bool, or None, default=None
            The real entries, which alone enter the statistics; None means all are real.
        start : int, default=0
            The time step of ``z[:, 0]``: whose statistics normalize it.

        Returns
        -------
        torch.Tensor of shape (N, T, F)
            ``z`` normalized, times the gain (plus the shift, with ``shift=True``).
        """
        n, n_steps = z.shape[:2]
        stop = start + n_steps
        kept = stop <= self.max_steps  # steps start..stop-1 all have running averages
        if not self.training:
            if kept:
                mean, var = self.running_mean[start:stop], self.running_var[start:stop]
            else:
                slots = torch.arange(start, stop, device=z.device).clamp(max=self.max_steps - 1)
                mean, var = self.running_mean[slots], self.running_var[slots]
            return self._fused(z, mean, var)
        if real is None and n > 1 and self._sums is None and (kept or start >= self.max_steps):
            # No padding: one fused call, which updates the steps' running averages in place.
            if kept:
                return self._fused(z, self.running_mean[start:stop], self.running_var[start:stop])
            return self._fused(z, None, None)
        weight = (torch.ones_like(z[..., :1]) if real is None
                  else real.unsqueeze(-1).to(z.dtype))
        count = weight.sum(0)  # (T, 1)
        mean = (z * weight).sum(0) / count.clamp(min=1)
        var = ((z - mean).square() * weight).sum(0) / count.clamp(min=1)
        self._update(mean.detach(), var.detach(), count, start)
        out = (z - mean) * torch.rsqrt(var + self.eps) * self.weight
        return out if self.bias is None else out + self.bias

    def _fused(self, z, mean, var):
        """Normalize ``z`` (N, T, F) by one :func:`torch.nn.functional.batch_norm` call.

        Every (step, feature) pair is a channel, so statistics are per step. In eval mode
        ``mean`` and ``var`` (T, F) normalize; in training the batch's statistics do, and
        ``mean`` and ``var``, views of the running averages (or None), are updated in place.
        """
        n, n_steps = z.shape[:2]
        weight, bias = self.weight, self.bias
        if n_steps > 1:
            weight = weight.repeat(n_steps)
            bias = None if bias is None else bias.repeat(n_steps)
        out = F.batch_norm(z.reshape(n, -1), None if mean is None else mean.view(-1),
                           None if var is None else var.view(-1), weight, bias,
                           self.training, self.momentum, self.eps)
        return out.view(z.shape)

    @torch.no_grad()
    def _update(self, mean, var, count, start):
        stop = min(start + len(mean), self.max_steps)
        if stop <= start:
            return
        kept = slice(0, stop - start)
        mean, var, count = mean[kept], var[kept], count[kept]
        if self._sums is not None:
            total, first, second = (s[start:stop] for s in self._sums)
            total += count
            first += count * mean
            second += count * (var + mean.square())
            return
        seen = count >= 2
        unbiased = var * count / (count - 1).clamp(min=1)
        running_mean = self.running_mean[start:stop]
        running_var = self.running_var[start:stop]
        running_mean.copy_(torch.where(seen, running_mean.lerp(mean, self.momentum), running_mean))
        running_var.copy_(torch.where(seen, running_var.lerp(unbiased, self.momentum), running_var))

    def begin_estimate(self):
        """Start summing the statistics of the batches seen in training mode."""
        shape = self.running_mean.shape
        self._sums = (self.running_mean.new_zeros(shape[0], 1, dtype=torch.float64),
                      self.running_mean.new_zeros(shape, dtype=torch.float64),
                      self.running_mean.new_zeros(shape, dtype=torch.float64))

    def cancel_estimate(self):
        """Stop summing without storing anything: the running statistics stay as they are."""
        self._sums = None

    @torch.no_grad()
    def end_estimate(self):
        """Store the pooled statistics since :meth:`begin_estimate` as the running ones.

        Steps that fewer than 2 sequences reached keep their running averages.
        """
        total, first, second = self._sums
        self._sums = None
        seen = total >= 2
        mean = first / total.clamp(min=1)
        var = (second / total.clamp(min=1) - mean.square()).clamp(min=0)
        var = var * total / (total - 1).clamp(min=1)
        self.running_mean.copy_(torch.where(seen, mean, self.running_mean))
        self.running_var.copy_(torch.where(seen, var, self.running_var))

    def extra_repr(self):
        """Describe the module in its ``repr``: features, ``max_steps`` and ``momentum``.

        Returns
        -------
        str
            What :class:`torch.nn.Module`'s ``repr`` shows between the parentheses.
        """
        return f"{self.weight.shape[0]}, max_steps={self.max_steps}, momentum={self.momentum}"


class _Cell(nn.Module):
    """Weights shared by every cell: ``n_gates`` stacked blocks of ``hidden_size`` rows."""

    n_gates = 1
    n_states = 1

    def __init__(self, input_size, hidden_size, normalization=None, max_steps=None):
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
        elif normalization == "batch":
            self.max_steps = MAX_STEPS if max_steps is None else max_steps
            self.bn_ih = StepBatchNorm(rows, self.max_steps)
            self.bn_hh = StepBatchNorm(rows, self.max_steps)
        self._add_cell_parameters(normalization)
        self.reset_parameters()

    def _add_cell_parameters(self, normalization):
        """Register a subclass's own parameters; they are drawn with the rest, once."""

    def reset_parameters(self):
        """Draw weights and biases from U(-1/sqrt(H), 1/sqrt(H)), as PyTorch's cells do.

        Layer-normalization gains start at 1 and shifts at 0; batch normalization as
        :class:`StepBatchNorm` starts.
        """
        bound = 1.0 / math.sqrt(self.hidden_size)
        for name, param in self.named_parameters(recurse=False):
            if name.startswith("norm_"):
                nn.init.zeros_(param) if name.endswith("shift") else nn.init.ones_(param)
            else:
                nn.init.uniform_(param, -bound, bound)
        for child in self.children():
            child.reset_parameters()

    def init_state(self, batch_size, reference):
        """Return the zero state for ``batch_size`` sequences, on ``reference``'s device.

        Parameters
        ----------
        batch_size : int
            Number of sequences ``N``.
        reference : torch.Tensor
            A tensor whose device and dtype the state takes.

        Returns
        -------
        tuple of torch.Tensor of shape (N, hidden_size)
            ``n_states`` zero tensors: ``(h,)``, or ``(h, c)`` for an LSTM.
        """
        zeros = reference.new_zeros(batch_size, self.hidden_size)
        return (zeros,) * self.n_states

    def project(self, x, real=None, start=0):
        """Return the input projection ``W_ih x + b_ih`` of ``x`` (N, T, input_size).

        Parameters
        ----------
        x : torch.Tensor of shape (N, T, input_size)
            Inputs of every step. Without batch normalization one step, of shape
            ``(N, input_size)``, works as well.
        real : torch.Tensor of shape (N, T), dtype bool, or None, default=None
            The real steps, which alone enter batch-norm statistics; None means all are real.
        start : int, default=0
            The time step of ``x[:, 0]``, whose batch-norm statistics normalize it (a stream
            projects one step at a time).

        Returns
        -------
        torch.Tensor of shape (N, T, n_gates * hidden_size)
            The projection, its ``W_ih x`` batch-normalized with ``normalization="batch"``.
        """
        if self.normalization != "batch":
            return F.linear(x, self.weight_ih, self.bias_ih)
        return self.bn_ih(F.linear(x, self.weight_ih), real, start) + self.bias_ih

    def forward(self, gx, state, t=0, active=None):
        """Advance one step: ``gx`` is the projected input :meth:`project` of ``x_t``.

        Parameters
        ----------
        gx : torch.Tensor of shape (N, n_gates * hidden_size)
            The projected input of step ``t``.
        state : tuple of torch.Tensor of shape (N, hidden_size)
            The state after the previous step, hidden state first (:meth:`init_state` before
            the first).
        t : int, default=0
            The time step; batch normalization keeps statistics per step.
        active : torch.Tensor of shape (N,), dtype bool, or None, default=None
            The sequences that have step ``t``, which alone enter batch-norm statistics;
            None means all. Like ``t``, it matters to batch normalization only.

        Returns
        -------
        tuple of torch.Tensor of shape (N, hidden_size)
            The new state, hidden state first.
        """
        return self.step_function()(gx, state, t, active)

    def step_function(self):
        """Return the step ``step(gx, state, t, active)``, which :meth:`forward` runs.

        What does not change from step to step (transposed and split weights) is prepared
        once here, so a loop over the time steps that calls the returned function does only
        the per-step work. :class:`sklrnn.nn.layers.Recurrence` does that.
        """
        raise NotImplementedError

    def scan(self, gx):
        """Run every step at once from the zero state, where the cell has a kernel for it.

        Parameters
        ----------
        gx : torch.Tensor of shape (N, T, n_gates * hidden_size)
            The projected inputs (:meth:`project`) of every step.

        Returns
        -------
        tuple of torch.Tensor of shape (N, T, hidden_size), or None
            The state at every step, hidden state first; None where the cell has no such
            kernel and :class:`sklrnn.nn.layers.Recurrence` steps through time instead.
        """
        return None

    def _recurrent_function(self):
        """Return ``recurrent(h, t, active)``: the recurrent projection ``W_hh h + b_hh``.

        Normalized as the module docstring describes.
        """
        weight = self.weight_hh.t()
        if self.normalization is None:
            return lambda h, t, active: torch.addmm(self.bias_hh, h, weight)
        if self.normalization == "layer":
            blocks, gain = (self.n_gates, self.hidden_size), self.norm_hh.flatten()

            def recurrent(h, t, active):  # every gate block normalized on its own
                z = F.layer_norm((h @ weight).unflatten(1, blocks), blocks[1:])
                return torch.addcmul(self.bias_hh, z.flatten(1), gain)
            return recurrent
        return lambda h, t, active: _batch_norm(self.bn_hh, h @ weight, t, active) + self.bias_hh


def _batch_norm(norm, z, t, active):
    """Batch-normalize ``z`` (N, F) at step ``t`` over the ``active`` rows."""
    real = None if active is None else active.unsqueeze(1)
    return norm(z.unsqueeze(1), real, start=t).squeeze(1)


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
    normalization : {None, "batch", "layer"}, default=None
        Batch-normalize the input and recurrent projections, or layer-normalize the
        recurrent projection (see the module docstring).
    max_steps : int, optional
        Time steps whose batch-norm statistics are kept (default ``MAX_STEPS``, 100).

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn.cells import ElmanCell
    >>> cell = ElmanCell(3, 5, activation="elu")
    >>> state = cell.init_state(2, torch.zeros(1))
    >>> cell(cell.project(torch.ones(2, 3)), state)[0].shape
    torch.Size([2, 5])
    """

    def __init__(self, input_size, hidden_size, activation="tanh", normalization=None,
                 max_steps=None):
        super().__init__(input_size, hidden_size, normalization, max_steps)
        self.activation = activation
        self._act = ACTIVATIONS[activation]

    def step_function(self):
        """Return the Elman step ``step(gx, state, t, active)``, which :meth:`forward` runs.

        Returns
        -------
        callable
            ``step(gx, state, t=0, active=None)``: from the projected input ``gx`` (N,
            hidden_size) of step ``t`` (:meth:`project`) and the state ``(h,)``, the new
            state ``(h,)``. ``t`` and ``active`` (N,), the sequences that have step ``t``,
            matter to batch normalization only.
        """
        recurrent = self._recurrent_function()

        def step(gx, state, t=0, active=None):
            (h,) = state
            return (self._act(gx + recurrent(h, t, active)),)

        return step


class LSTMCell(_Cell):
    """LSTM step, the computation of :class:`torch.nn.LSTMCell`, optionally normalized.

    PyTorch's fused LSTM is used wherever it applies; this cell runs the LSTM when it is
    normalized, and is the base of :class:`PeepholeLSTMCell`::

        i_t, f_t, g_t, o_t = split(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
        c_t = sigmoid(f_t) * c_{t-1} + sigmoid(i_t) * tanh(g_t)
        h_t = sigmoid(o_t) * tanh(c_t)

    Normalized, ``tanh(c_t)`` becomes ``tanh(LN(c_t))`` or ``tanh(BN(c_t))`` (with a learned
    gain and shift).

    Parameters
    ----------
    input_size : int
        Features per time step.
    hidden_size : int
        Size of the hidden and cell states.
    normalization : {None, "batch", "layer"}, default=None
        Normalize the projections and the cell state (see the module docstring).
    max_steps : int, optional
        Time steps whose batch-norm statistics are kept (default ``MAX_STEPS``, 100).

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

    def _add_cell_parameters(self, normalization):
        hidden_size = self.hidden_size
        if self.peephole:
            self.weight_peephole = nn.Parameter(torch.empty(3, hidden_size))
        if normalization == "layer":
            self.norm_c_gain = nn.Parameter(torch.empty(hidden_size))
            self.norm_c_shift = nn.Parameter(torch.empty(hidden_size))
        elif normalization == "batch":
            self.bn_c = StepBatchNorm(hidden_size, self.max_steps, shift=True)

    def step_function(self):
        """Return the LSTM step ``step(gx, state, t, active)``, which :meth:`forward` runs.

        Returns
        -------
        callable
            ``step(gx, state, t=0, active=None)``: from the projected input ``gx`` (N,
            4 * hidden_size) of step ``t`` (:meth:`project`) and the state ``(h, c)``, the
            new state ``(h, c)``. ``t`` and ``active`` (N,), the sequences that have step
            ``t``, matter to batch normalization only.
        """
        recurrent = self._recurrent_function()
        hidden = self.hidden_size
        if self.peephole:
            w_if, w_co = self.weight_peephole[:2], self.weight_peephole[2]
        if self.normalization == "layer":
            def normalize(c, t, active):
                return F.layer_norm(c, (hidden,), self.norm_c_gain, self.norm_c_shift)
        elif self.normalization == "batch":
            def normalize(c, t, active):
                return _batch_norm(self.bn_c, c, t, active)
        else:
            def normalize(c, t, active):
                return c

        def step(gx, state, t=0, active=None):
            h, c = state
            gates = gx + recurrent(h, t, active)
            g = torch.tanh(gates[:, 2 * hidden:3 * hidden])
            # Sigmoids of gate blocks side by side: one call for several gates.
            if self.peephole:
                i, f = torch.addcmul(gates[:, :2 * hidden].unflatten(1, (2, hidden)),
                                     c.unsqueeze(1), w_if).sigmoid().unbind(1)
                c = torch.addcmul(f * c, i, g)
                o = torch.sigmoid(torch.addcmul(gates[:, 3 * hidden:], w_co, c))
            else:
                i, f, _, o = torch.sigmoid(gates).chunk(4, dim=1)
                c = torch.addcmul(f * c, i, g)
            return o * torch.tanh(normalize(c, t, active)), c

        return step


    def scan(self, gx):
        """Run every step at once from the zero state, unless the cell is batch-normalized.

        Parameters
        ----------
        gx : torch.Tensor of shape (N, T, 4 * hidden_size)
            The projected inputs (:meth:`project`) of every step.

        Returns
        -------
        tuple of torch.Tensor of shape (N, T, hidden_size), or None
            The hidden and cell states ``(h, c)`` at every step; None with
            ``normalization="batch"``, whose statistics need the steps one at a time:
            :class:`sklrnn.nn.layers.Recurrence` steps through time instead.
        """
        # Unnormalized or layer-normalized, the whole sequence is one autograd node. Batch
        # norm's statistics would need the steps one at a time (and padding masked out).
        if self.normalization == "batch":
            return None
        peephole = self.weight_peephole if self.peephole else None
        if self.normalization is None:
            return _LSTMSequence.apply(gx, self.weight_hh, self.bias_hh, peephole)
        return _LSTMSequence.apply(gx, self.weight_hh, self.bias_hh, peephole,
                                   self.norm_hh.flatten(), self.norm_c_gain, self.norm_c_shift)


class _LSTMSequence(torch.autograd.Function):
    """An LSTM over all time steps, differentiated by hand: peepholes, layer norm optional.

    Stepped under autograd, every step records some twenty operations, and backward runs
    as many nodes (and splits, concatenations and reductions for the weights' shares). Here
    the forward writes each step's activated gates and states into buffers, the backward
    runs the LSTM's derivative a step at a time with PyTorch's fused ``sigmoid_backward``,
    ``tanh_backward`` and normalization backward kernels, and the recurrent weights'
    gradient is one matrix product over all steps. ``benchmarks/bench_cells.py`` times it
    against ``torch.nn.LSTM``.

    ``forward(gx, weight_hh, bias_hh, peephole, norm_hh=None, norm_c_gain=None,
    norm_c_shift=None)`` takes the projected inputs ``gx`` (N, T, 4H), the recurrent weights
    and bias, the peephole weights (3, H) or None and, for layer normalization (see
    :class:`LSTMCell`), the gains of the recurrent projection (4H,) and the cell state's gain
    and shift (H,); it returns the hidden and cell states of every step, (N, T, H) each,
    from the zero state.
    """

    @staticmethod
    def forward(ctx, gx, weight_hh, bias_hh, peephole, norm_hh=None, norm_c_gain=None,
                norm_c_shift=None):
        n, n_steps = gx.shape[:2]
        hidden = weight_hh.shape[1]
        weight = weight_hh.t()
        layer = norm_hh is not None
        # gx + b_hh, time first; every step adds its recurrent term, then activates in place
        gates = torch.add(gx.transpose(0, 1), bias_hh, out=gx.new_empty(n_steps, n, 4 * hidden))
        h = gx.new_zeros(n_steps + 1, n, hidden)  # h[t + 1] is step t's; h[0] the zero state
        c = gx.new_zeros(n_steps + 1, n, hidden)
        tanh_c = gx.new_empty(n_steps, n, hidden)
        if layer:  # the raw recurrent projections and the norms' statistics
            raw = gx.new_empty(n_steps, n, 4, hidden)
            stats = [], []
        for t in range(n_steps):
            if layer:
                torch.mm(h[t], weight, out=raw[t].view(n, -1))
                z, *step_stats = torch.native_layer_norm(raw[t], (hidden,), None, None, 1e-5)
                stats[0].append(step_stats)
                z = gates[t].addcmul_(z.view(n, -1), norm_hh)
            else:
                z = gates[t].addmm_(h[t], weight)
            i_f, g, o = z[:, :2 * hidden], z[:, 2 * hidden:3 * hidden], z[:, 3 * hidden:]
            if peephole is not None:
                i_f.unflatten(1, (2, hidden)).addcmul_(c[t].unsqueeze(1), peephole[:2])
            i_f.sigmoid_()
            g.tanh_()
            torch.mul(z[:, hidden:2 * hidden], c[t], out=c[t + 1]).addcmul_(z[:, :hidden], g)
            if peephole is not None:
                o.addcmul_(c[t + 1], peephole[2])
            o.sigmoid_()
            out = c[t + 1]
            if layer:
                out, *step_stats = torch.native_layer_norm(out, (hidden,), norm_c_gain,
                                                           norm_c_shift, 1e-5)
                stats[1].append(step_stats)
            torch.mul(o, torch.tanh(out, out=tanh_c[t]), out=h[t + 1])
        saved = (weight_hh, peephole, gates, h, c, tanh_c)
        if layer:
            # means and reciprocal standard deviations (T, N, 4, 1) of the projections'
            # gate blocks, (T, N, 1) of the cell states
            saved += (raw, norm_hh, norm_c_gain, norm_c_shift,
                      *(torch.stack(s) for norm in stats for s in zip(*norm, strict=True)))
        ctx.save_for_backward(*saved)
        ctx.set_materialize_grads(False)  # unused states get None, not zeros to add
        return h[1:].transpose(0, 1), c[1:].transpose(0, 1)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_h, grad_c):
        weight_hh, peephole, gates, h, c, tanh_c, *norms = ctx.saved_tensors
        n_steps, n, width = gates.shape
        hidden = width // 4
        layer = bool(norms)
        sigmoid_backward = torch.ops.aten.sigmoid_backward.grad_input
        tanh_backward = torch.ops.aten.tanh_backward.grad_input
        grad_gates = torch.empty_like(gates)  # of the gates' pre-activations
        grad_raw = grad_gates  # of the recurrent projections W_hh h, before any norm
        if layer:
            raw, norm_hh, norm_c_gain, norm_c_shift, mean_hh, rstd_hh, mean_c, rstd_c = norms
            grad_raw = torch.empty_like(gates)
            grad_c_norm = [torch.zeros_like(p) for p in (norm_c_gain, norm_c_shift)]
        dh = gates.new_zeros(n, hidden)  # flowing back from step t + 1
        dc = gates.new_zeros(n, hidden)
        for t in reversed(range(n_steps)):
            if grad_h is not None:
                dh += grad_h[:, t]
            if grad_c is not None:
                dc += grad_c[:, t]
            i, f, g, o = gates[t].split(hidden, 1)
            d_i, d_f, d_g, d_o = grad_gates[t].split(hidden, 1)
            sigmoid_backward(torch.mul(dh, tanh_c[t], out=d_o), o, grad_input=d_o)
            d_out = torch.ops.aten.tanh_backward(dh * o, tanh_c[t])
            if layer:
                d_out, d_gain, d_shift = torch.ops.aten.native_layer_norm_backward(
                    d_out, c[t + 1], (hidden,), mean_c[t], rstd_c[t], norm_c_gain,
                    norm_c_shift, (True, True, True))
                grad_c_norm[0] += d_gain
                grad_c_norm[1] += d_shift
            dc += d_out
            if peephole is not None:
                dc.addcmul_(d_o, peephole[2])
            sigmoid_backward(torch.mul(dc, g, out=d_i), i, grad_input=d_i)
            sigmoid_backward(torch.mul(dc, c[t], out=d_f), f, grad_input=d_f)
            tanh_backward(torch.mul(dc, i, out=d_g), g, grad_input=d_g)
            dc = dc * f
            if peephole is not None:
                dc.addcmul_(d_i, peephole[0]).addcmul_(d_f, peephole[1])
            if layer:
                grad_raw[t] = torch.ops.aten.native_layer_norm_backward(
                    (grad_gates[t] * norm_hh).view(n, 4, hidden), raw[t], (hidden,),
                    mean_hh[t], rstd_hh[t], None, None, (True, False, False))[0].view(n, -1)
            dh = grad_raw[t] @ weight_hh
        grad_weight = grad_raw.view(-1, width).t() @ h[:-1].reshape(-1, hidden)
        grad_bias = grad_gates.view(-1, width).sum(0)
        grad_peephole = None
        if peephole is not None:
            grad_peephole = torch.stack([
                (grad_gates[..., :hidden] * c[:-1]).sum((0, 1)),
                (grad_gates[..., hidden:2 * hidden] * c[:-1]).sum((0, 1)),
                (grad_gates[..., 3 * hidden:] * c[1:]).sum((0, 1)),
            ])
        grads = (grad_gates.transpose(0, 1), grad_weight, grad_bias, grad_peephole)
        if not layer:
            return grads
        normalized = (raw - mean_hh) * rstd_hh  # the gate blocks' layer norms, all steps
        grad_norm_hh = (grad_gates.view(-1, width) * normalized.view(-1, width)).sum(0)
        return grads + (grad_norm_hh, *grad_c_norm)


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
    normalization : {None, "batch", "layer"}, default=None
        Normalize the projections and the cell state (see :class:`LSTMCell`).
    max_steps : int, optional
        Time steps whose batch-norm statistics are kept (default ``MAX_STEPS``, 100).

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

    PyTorch's fused GRU is used wherever it applies; this cell runs the GRU when it is
    normalized::

        x_r, x_z, x_n = W_ih x_t + b_ih        (input part, split by gate)
        h_r, h_z, h_n = W_hh h_{t-1} + b_hh    (recurrent part, split by gate)
        r_t = sigmoid(x_r + h_r)        z_t = sigmoid(x_z + h_z)
        n_t = tanh(x_n + r_t * h_n)
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}

    Parameters
    ----------
    input_size : int
        Features per time step.
    hidden_size : int
        Size of the hidden state.
    normalization : {None, "batch", "layer"}, default=None
        Batch-normalize the input and recurrent projections, or layer-normalize the
        recurrent projection (see the module docstring).
    max_steps : int, optional
        Time steps whose batch-norm statistics are kept (default ``MAX_STEPS``, 100).

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

    def step_function(self):
        """Return the GRU step ``step(gx, state, t, active)``, which :meth:`forward` runs.

        Returns
        -------
        callable
            ``step(gx, state, t=0, active=None)``: from the projected input ``gx`` (N,
            3 * hidden_size) of step ``t`` (:meth:`project`) and the state ``(h,)``, the new
            state ``(h,)``. ``t`` and ``active`` (N,), the sequences that have step ``t``,
            matter to batch normalization only.
        """
        recurrent = self._recurrent_function()
        rz = 2 * self.hidden_size  # the r and z blocks, side by side

        def step(gx, state, t=0, active=None):
            (h,) = state
            hh = recurrent(h, t, active)
            r, z = torch.sigmoid(gx[:, :rz] + hh[:, :rz]).chunk(2, dim=1)
            n = torch.tanh(torch.addcmul(gx[:, rz:], r, hh[:, rz:]))
            return (torch.lerp(n, h, z),)

        return step

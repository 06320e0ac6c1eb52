"""One-step checks of the custom recurrent cells against their published equations."""

import pytest
import torch
from torch.testing import assert_close

from sklrnn.nn.cells import (
    ElmanCell,
    GRUCell,
    LSTMCell,
    PeepholeLSTMCell,
    StepBatchNorm,
    _LSTMSequence,
)
from sklrnn.nn.layers import CustomRNN, estimate_batch_norm, make_recurrent, run_recurrent

INPUT, HIDDEN, BATCH = 3, 5, 4


def _sigmoid(z):
    return 1.0 / (1.0 + torch.exp(-z))


def _tanh(z):
    e = torch.exp(2.0 * z)
    return (e - 1.0) / (e + 1.0)


def _project(x, cell):
    """The projected input ``W_ih x + b_ih`` that the cells take, as Recurrence computes it."""
    return x @ cell.weight_ih.T + cell.bias_ih


def _peephole_step_reference(x, h, c, cell):
    """Gers & Schmidhuber (2000) peephole LSTM step in float64, written out gate by gate."""
    p = {name: t.detach().double() for name, t in cell.named_parameters()}
    x, h, c = x.double(), h.double(), c.double()
    H = cell.hidden_size

    def pre(k):
        rows = slice(k * H, (k + 1) * H)
        return (x @ p["weight_ih"][rows].T + p["bias_ih"][rows]
                + h @ p["weight_hh"][rows].T + p["bias_hh"][rows])

    w_ci, w_cf, w_co = p["weight_peephole"]
    i = _sigmoid(pre(0) + w_ci * c)
    f = _sigmoid(pre(1) + w_cf * c)
    g = _tanh(pre(2))
    c_new = f * c + i * g
    o = _sigmoid(pre(3) + w_co * c_new)
    return o * _tanh(c_new), c_new


def _random_state():
    return torch.randn(BATCH, HIDDEN), torch.randn(BATCH, HIDDEN)


def test_peephole_cell_with_zero_peepholes_equals_torch_lstm_cell():
    torch.manual_seed(0)
    reference = torch.nn.LSTMCell(INPUT, HIDDEN)
    cell = PeepholeLSTMCell(INPUT, HIDDEN)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(reference, name))
        cell.weight_peephole.zero_()
    x = torch.randn(BATCH, INPUT)
    h, c = _random_state()

    with torch.no_grad():
        h_cell, c_cell = cell(_project(x, cell), (h, c))
        h_ref, c_ref = reference(x, (h, c))

    assert_close(h_cell, h_ref)
    assert_close(c_cell, c_ref)


def test_peephole_cell_step_follows_gers_schmidhuber_equations():
    torch.manual_seed(1)
    cell = PeepholeLSTMCell(INPUT, HIDDEN)
    with torch.no_grad():
        cell.weight_peephole.copy_(torch.randn(3, HIDDEN))
    assert (cell.weight_peephole != 0).all()
    x = torch.randn(BATCH, INPUT)
    h, c = _random_state()

    with torch.no_grad():
        h_cell, c_cell = cell(_project(x, cell), (h, c))
    h_ref, c_ref = _peephole_step_reference(x, h, c, cell)

    assert_close(h_cell, h_ref.float())
    assert_close(c_cell, c_ref.float())


@pytest.mark.parametrize("peephole", [0, 1, 2])
def test_each_peephole_weight_changes_the_step(peephole):
    torch.manual_seed(2)
    cell = PeepholeLSTMCell(INPUT, HIDDEN)
    x = torch.randn(BATCH, INPUT)
    h, c = _random_state()
    with torch.no_grad():
        cell.weight_peephole.zero_()
        before = cell(_project(x, cell), (h, c))
        cell.weight_peephole[peephole] = 1.0
        after = cell(_project(x, cell), (h, c))

    # w_ci and w_cf reach c and h; w_co only the output gate, so only h.
    assert not torch.allclose(after[0], before[0])
    if peephole < 2:
        assert not torch.allclose(after[1], before[1])
    else:
        assert torch.equal(after[1], before[1])


def test_peephole_cell_initial_state_is_zero_hidden_and_cell():
    cell = PeepholeLSTMCell(INPUT, HIDDEN)
    state = cell.init_state(BATCH, torch.zeros(1))
    assert len(state) == 2
    for s in state:
        assert s.shape == (BATCH, HIDDEN)
        assert torch.equal(s, torch.zeros(BATCH, HIDDEN))


ELMAN_ACTIVATIONS = {
    "tanh": _tanh,
    "relu": lambda z: torch.where(z > 0, z, torch.zeros_like(z)),
    "leaky_relu": lambda z: torch.where(z > 0, z, 0.01 * z),
    "elu": lambda z: torch.where(z > 0, z, torch.exp(z) - 1.0),
}


@pytest.mark.parametrize("activation", sorted(ELMAN_ACTIVATIONS))
def test_elman_cell_step_is_activation_of_affine_input_and_hidden(activation):
    torch.manual_seed(3)
    cell = ElmanCell(INPUT, HIDDEN, activation=activation)
    # Scale up so a good share of pre-activations are negative and the activations differ.
    x = 3 * torch.randn(BATCH, INPUT)
    h = 3 * torch.randn(BATCH, HIDDEN)

    with torch.no_grad():
        (h_cell,) = cell(_project(x, cell), (h,))

    p = {name: t.detach().double() for name, t in cell.named_parameters()}
    z = (x.double() @ p["weight_ih"].T + p["bias_ih"]
         + h.double() @ p["weight_hh"].T + p["bias_hh"])
    assert (z < 0).any() and (z > 0).any()
    assert_close(h_cell, ELMAN_ACTIVATIONS[activation](z).float())


def test_elman_cell_with_tanh_equals_torch_rnn_cell():
    torch.manual_seed(4)
    reference = torch.nn.RNNCell(INPUT, HIDDEN, nonlinearity="tanh")
    cell = ElmanCell(INPUT, HIDDEN, activation="tanh")
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(reference, name))
    x = torch.randn(BATCH, INPUT)
    h = torch.randn(BATCH, HIDDEN)

    with torch.no_grad():
        (h_cell,) = cell(_project(x, cell), (h,))
        h_ref = reference(x, h)

    assert_close(h_cell, h_ref)


@pytest.mark.parametrize("cell_class", [ElmanCell, PeepholeLSTMCell])
def test_cell_parameters_start_within_pytorch_default_bound(cell_class):
    torch.manual_seed(5)
    cell = cell_class(INPUT, HIDDEN)
    bound = HIDDEN ** -0.5
    gates = 4 if cell_class is PeepholeLSTMCell else 1
    assert cell.weight_ih.shape == (gates * HIDDEN, INPUT)
    assert cell.weight_hh.shape == (gates * HIDDEN, HIDDEN)
    for name, param in cell.named_parameters():
        assert param.abs().max() <= bound, name
        assert param.std() > 0, name


# -- plain LSTM and GRU cells (the base of layer normalization) ------------------------------

TORCH_CELLS = [(LSTMCell, torch.nn.LSTMCell), (GRUCell, torch.nn.GRUCell)]


def _copy_weights(source, target):
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(target, name).copy_(getattr(source, name))


@pytest.mark.parametrize("cell_class, torch_class", TORCH_CELLS, ids=["lstm", "gru"])
def test_unnormalized_lstm_and_gru_cells_equal_torch_cells(cell_class, torch_class):
    torch.manual_seed(6)
    reference, cell = torch_class(INPUT, HIDDEN), cell_class(INPUT, HIDDEN)
    _copy_weights(reference, cell)
    x = torch.randn(BATCH, INPUT)
    state = _random_state()[:cell.n_states]
    with torch.no_grad():
        got = cell(cell.project(x), state)
        expected = reference(x, state if cell.n_states == 2 else state[0])
    for g, e in zip(got, expected if cell.n_states == 2 else (expected,), strict=True):
        assert_close(g, e)


@pytest.mark.parametrize("cell, fused", [("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)])
def test_custom_lstm_and_gru_layers_equal_fused_layers(cell, fused):
    torch.manual_seed(7)
    reference = fused(INPUT, HIDDEN, num_layers=2, bidirectional=True, batch_first=True)
    custom = CustomRNN(cell, INPUT, HIDDEN, num_layers=2, bidirectional=True)
    for layer in range(2):
        for direction, suffix in enumerate(("", "_reverse")):
            target = custom.layers[layer][direction].cell
            with torch.no_grad():
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    getattr(target, name).copy_(getattr(reference, f"{name}_l{layer}{suffix}"))
    x = torch.randn(BATCH, 6, INPUT)
    with torch.no_grad():
        assert_close(custom(x)[0], reference(x)[0])


@pytest.mark.parametrize("loss_on", ["hidden and cell states", "hidden states"])
@pytest.mark.parametrize("normalization", [None, "layer"])
@pytest.mark.parametrize("cell_class", [LSTMCell, PeepholeLSTMCell])
def test_lstm_scan_equals_stepping_in_states_and_gradients(cell_class, normalization, loss_on):
    # The whole-sequence kernel with its hand-written backward against the step function
    # differentiated by autograd, in float64, for a loss on every hidden (and cell) state.
    torch.manual_seed(15)
    cell = cell_class(INPUT, HIDDEN, normalization=normalization).double()
    _randomize(cell)
    gx = torch.randn(BATCH, 6, 4 * HIDDEN, dtype=torch.float64, requires_grad=True)
    weights = torch.randn(2, BATCH, 6, HIDDEN, dtype=torch.float64)
    step = cell.step_function()
    state, stepped = cell.init_state(BATCH, gx), []
    for t in range(6):
        state = step(gx[:, t], state)
        stepped.append(state)
    results = []
    for states in (cell.scan(gx), [torch.stack(s, 1) for s in zip(*stepped, strict=True)]):
        used = states if loss_on == "hidden and cell states" else states[:1]
        loss = sum((w * s).sum() for w, s in zip(weights, used, strict=False))
        inputs = [gx, *(p for name, p in cell.named_parameters() if not name.endswith("_ih"))]
        results.append((states, torch.autograd.grad(loss, inputs)))
    assert_close(results[0], results[1])


@pytest.mark.parametrize("layer_norm", [False, True])
@pytest.mark.parametrize("peephole", [False, True])
def test_lstm_scan_passes_gradcheck(peephole, layer_norm):
    torch.manual_seed(16)
    hidden = 2
    inputs = [torch.randn(3, 4, 4 * hidden), torch.randn(4 * hidden, hidden),
              torch.randn(4 * hidden), torch.randn(3, hidden) if peephole else None]
    if layer_norm:
        inputs += [torch.randn(4 * hidden), torch.randn(hidden), torch.randn(hidden)]
    inputs = [None if a is None else a.double().requires_grad_() for a in inputs]
    assert torch.autograd.gradcheck(_LSTMSequence.apply, inputs)


# -- layer normalization -----------------------------------------------------------------------

def _layer_norm_gates(z, n_gates, gain):
    """Normalize each gate block by hand: zero mean, unit (biased) variance, times gain."""
    blocks = z.reshape(len(z), n_gates, HIDDEN)
    mean = blocks.mean(-1, keepdim=True)
    var = blocks.var(-1, unbiased=False, keepdim=True)
    return ((blocks - mean) / torch.sqrt(var + 1e-5) * gain).reshape(len(z), -1)


def _randomize(cell):
    with torch.no_grad():
        for param in cell.parameters():
            param.copy_(torch.randn_like(param))


def test_layer_normalized_lstm_step_follows_ba_et_al():
    torch.manual_seed(8)
    cell = LSTMCell(INPUT, HIDDEN, normalization="layer")
    _randomize(cell)
    x = torch.randn(BATCH, INPUT)
    h, c = _random_state()
    pre = (x @ cell.weight_ih.T + cell.bias_ih
           + _layer_norm_gates(h @ cell.weight_hh.T, 4, cell.norm_hh) + cell.bias_hh)
    i, f, g, o = pre.chunk(4, dim=1)
    c_ref = _sigmoid(f) * c + _sigmoid(i) * _tanh(g)
    c_norm = (c_ref - c_ref.mean(-1, keepdim=True)) / torch.sqrt(
        c_ref.var(-1, unbiased=False, keepdim=True) + 1e-5)
    h_ref = _sigmoid(o) * _tanh(c_norm * cell.norm_c_gain + cell.norm_c_shift)
    with torch.no_grad():
        h_cell, c_cell = cell(cell.project(x), (h, c))
    assert_close(c_cell, c_ref)
    assert_close(h_cell, h_ref)


@pytest.mark.parametrize("cell_class", [ElmanCell, GRUCell, PeepholeLSTMCell])
def test_layer_normalized_step_ignores_the_scale_of_the_recurrent_weights(cell_class):
    # Normalization makes the recurrent term invariant to the scale of W_hh (the remedy for
    # exploding or vanishing recurrences) while the input keeps its magnitude.
    torch.manual_seed(9)
    cell = cell_class(INPUT, HIDDEN, normalization="layer")
    _randomize(cell)
    x = torch.randn(BATCH, INPUT)
    state = _random_state()[:cell.n_states]
    with torch.no_grad():
        before = cell(cell.project(x), state)
        cell.weight_hh.mul_(10.0)
        after = cell(cell.project(x), state)
        scaled_input = cell(cell.project(3 * x), state)
    for b, a, s in zip(before, after, scaled_input, strict=True):
        assert_close(a, b, atol=1e-4, rtol=1e-4)
        assert not torch.allclose(s, b, atol=1e-2)


@pytest.mark.parametrize("cell_class", [ElmanCell, LSTMCell, PeepholeLSTMCell, GRUCell])
def test_normalization_parameters_start_as_identity(cell_class):
    cell = cell_class(INPUT, HIDDEN, normalization="layer")
    gates = cell.n_gates
    assert torch.equal(cell.norm_hh, torch.ones(gates, HIDDEN))
    if cell.n_states == 2:
        assert torch.equal(cell.norm_c_gain, torch.ones(HIDDEN))
        assert torch.equal(cell.norm_c_shift, torch.zeros(HIDDEN))


@pytest.mark.parametrize("cell, activation", [("rnn", "tanh"), ("rnn", "elu"), ("lstm", "tanh"),
                                              ("peephole_lstm", "tanh"), ("gru", "tanh")])
def test_layer_normalized_layers_ignore_padding(cell, activation):
    torch.manual_seed(10)
    rnn = make_recurrent(cell, INPUT, HIDDEN, num_layers=2, bidirectional=True,
                         activation=activation, normalization="layer")
    assert isinstance(rnn, CustomRNN)
    x = torch.randn(BATCH, 7, INPUT)
    lengths = torch.tensor([7, 3, 5, 1])
    with torch.no_grad():
        output, _ = run_recurrent(rnn, x, lengths)
        for row, n in enumerate(lengths.tolist()):
            alone, _ = rnn(x[row:row + 1, :n])
            # A GPU runs a batch of 4 and a batch of 1 through different kernels (seen:
            # 2e-5 apart on an H200); the CPU gives the same float32 sums.
            assert_close(output[row, :n], alone[0], **({} if x.device.type == "cpu"
                                                       else dict(atol=1e-4, rtol=1e-4)))
            assert not output[row, n:].any()


# -- batch normalization (Cooijmans et al. 2016) -------------------------------------------

def _masked_stats(z, real):
    """Per-step mean and biased variance of z (N, T, F) over the real rows, by loops."""
    means, variances = [], []
    for t in range(z.shape[1]):
        rows = z[real[:, t], t]
        means.append(rows.mean(0))
        variances.append(rows.var(0, unbiased=False))
    return torch.stack(means), torch.stack(variances)


def test_step_batch_norm_normalizes_each_step_over_the_real_rows_only():
    torch.manual_seed(11)
    norm = StepBatchNorm(3, max_steps=10)
    lengths = torch.tensor([4, 4, 3, 2, 2, 1])
    real = torch.arange(4) < lengths.unsqueeze(1)
    z = torch.randn(6, 4, 3)
    garbage = torch.where(real.unsqueeze(-1), z, 1e3)
    out = norm(z, real)
    mean, var = _masked_stats(z, real)
    expected = (z - mean) / torch.sqrt(var + 1e-5) * 0.1
    assert_close(out[real], expected[real])
    # Padding values enter neither the outputs at real steps nor the running statistics.
    stats = norm.running_mean.clone(), norm.running_var.clone()
    norm.reset_parameters()
    assert_close(norm(garbage, real)[real], out[real])
    assert_close((norm.running_mean, norm.running_var), stats)


def test_step_batch_norm_keeps_running_statistics_per_step():
    torch.manual_seed(12)
    norm = StepBatchNorm(3, max_steps=3, momentum=0.25)
    lengths = torch.tensor([4, 2, 2, 1])
    real = torch.arange(4) < lengths.unsqueeze(1)
    z = torch.randn(4, 4, 3)
    norm(z, real)
    mean, var = _masked_stats(z, real)
    count = real.sum(0, keepdim=True).T.float()
    unbiased = var * count / (count - 1)
    # Steps 0 and 1 have >= 2 sequences; step 2 only one, so it keeps its initial values;
    # step 3 is beyond max_steps.
    assert_close(norm.running_mean[:2], 0.25 * mean[:2])
    assert_close(norm.running_var[:2], 0.75 + 0.25 * unbiased[:2])
    assert torch.equal(norm.running_mean[2], torch.zeros(3))
    assert torch.equal(norm.running_var[2], torch.ones(3))


@pytest.mark.parametrize("start", [0, 1, 3, 5])
def test_step_batch_norm_without_padding_equals_the_masked_computation(start):
    # Unpadded batches take one fused batch_norm call; it must agree with the masked path
    # (an all-real mask) in outputs, gradients and running statistics, kept steps or not.
    torch.manual_seed(14)
    z = torch.randn(6, 3, 4, requires_grad=True)
    results = []
    for real in (None, torch.ones(6, 3, dtype=torch.bool)):
        norm = StepBatchNorm(4, max_steps=5, shift=True, momentum=0.3)
        with torch.no_grad():
            norm.bias.fill_(0.2)
        out = norm(z, real, start=start)
        (grad,) = torch.autograd.grad((out * torch.arange(4.0)).sum(), z)
        results.append((out, grad, norm.running_mean, norm.running_var))
    assert_close(results[0], results[1])


def test_step_batch_norm_in_eval_mode_uses_the_stored_statistics():
    torch.manual_seed(13)
    norm = StepBatchNorm(3, max_steps=2, shift=True)
    with torch.no_grad():
        norm.running_mean.copy_(torch.randn(2, 3))
        norm.running_var.copy_(torch.rand(2, 3) + 0.5)
        norm.bias.fill_(0.3)
    norm.eval()
    z = torch.randn(5, 4, 3)
    stored = norm.running_mean.clone(), norm.running_var.clone()
    out = norm(z)
    # Steps 2 and 3, beyond max_steps, use step 1's statistics.
    slots = torch.tensor([0, 1, 1, 1])
    mean, var = norm.running_mean[slots], norm.running_var[slots]
    assert_close(out, (z - mean) / torch.sqrt(var + 1e-5) * 0.1 + 0.3)
    # Each row on its own, and at a later start step, as the recurrent path calls it.
    assert_close(norm(z[2:3]), out[2:3])
    assert_close(norm(z[:, 1:2], start=1), out[:, 1:2])
    assert_close((norm.running_mean, norm.running_var), stored)


@pytest.mark.parametrize("cell_class", [ElmanCell, LSTMCell, PeepholeLSTMCell, GRUCell])
def test_batch_normalized_cells_start_with_gain_one_tenth(cell_class):
    cell = cell_class(INPUT, HIDDEN, normalization="batch", max_steps=7)
    norms = [cell.bn_ih, cell.bn_hh] + ([cell.bn_c] if cell.n_states == 2 else [])
    for norm in norms:
        assert torch.equal(norm.weight, torch.full_like(norm.weight, 0.1))
        assert norm.running_mean.shape[0] == 7
    assert cell.bn_ih.bias is None and cell.bn_hh.bias is None
    if cell.n_states == 2:
        assert torch.equal(cell.bn_c.bias, torch.zeros(HIDDEN))


def test_batch_normalized_lstm_step_follows_cooijmans_et_al():
    torch.manual_seed(14)
    cell = LSTMCell(INPUT, HIDDEN, normalization="batch")
    _randomize(cell)
    x = torch.randn(BATCH, 1, INPUT)
    h, c = _random_state()

    def bn(z, norm):
        mean, var = z.mean(0), z.var(0, unbiased=False)
        return (z - mean) / torch.sqrt(var + 1e-5) * norm.weight + (
            0 if norm.bias is None else norm.bias)

    pre = (bn(x[:, 0] @ cell.weight_ih.T, cell.bn_ih) + cell.bias_ih
           + bn(h @ cell.weight_hh.T, cell.bn_hh) + cell.bias_hh)
    i, f, g, o = pre.chunk(4, dim=1)
    c_ref = _sigmoid(f) * c + _sigmoid(i) * _tanh(g)
    h_ref = _sigmoid(o) * _tanh(bn(c_ref, cell.bn_c))
    with torch.no_grad():
        h_cell, c_cell = cell(cell.project(x)[:, 0], (h, c))
    assert_close(c_cell, c_ref)
    assert_close(h_cell, h_ref)


@pytest.mark.parametrize("cell_class", [ElmanCell, GRUCell, PeepholeLSTMCell])
def test_batch_normalized_step_ignores_the_scale_of_both_projections(cell_class):
    torch.manual_seed(15)
    cell = cell_class(INPUT, HIDDEN, normalization="batch")
    _randomize(cell)
    x = torch.randn(BATCH, 1, INPUT)
    state = _random_state()[:cell.n_states]
    with torch.no_grad():
        before = cell(cell.project(x)[:, 0], state)
        cell.weight_hh.mul_(10.0)
        cell.weight_ih.mul_(5.0)
        after = cell(cell.project(x)[:, 0], state)
    for b, a in zip(before, after, strict=True):
        assert_close(a, b, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("cell, activation", [("rnn", "tanh"), ("rnn", "elu"), ("lstm", "tanh"),
                                              ("peephole_lstm", "tanh"), ("gru", "tanh")])
def test_batch_normalized_layers_train_on_real_steps_and_predict_per_sequence(cell, activation):
    torch.manual_seed(16)
    rnn = make_recurrent(cell, INPUT, HIDDEN, num_layers=2, bidirectional=True,
                         activation=activation, normalization="batch", max_steps=5)
    x = torch.randn(BATCH, 7, INPUT)
    lengths = torch.tensor([7, 3, 5, 3])
    real = (torch.arange(7) < lengths.unsqueeze(1)).unsqueeze(-1)
    # Training: whatever the padding holds, outputs and running statistics are the same.
    outputs, buffers = [], []
    for fill in (0.0, 1e3):
        for module in rnn.modules():
            if isinstance(module, StepBatchNorm):
                module.reset_parameters()
        with torch.no_grad():
            output, _ = run_recurrent(rnn, torch.where(real, x, fill), lengths)
        outputs.append(output)
        buffers.append([b.clone() for b in rnn.buffers()])
    assert_close(outputs[0], outputs[1])
    assert_close(buffers[0], buffers[1])
    assert not torch.equal(buffers[0][0], torch.zeros_like(buffers[0][0]))
    # Eval: stored statistics per step (a backward direction counts from each sequence's
    # end), so every sequence gets alone what it gets in the padded batch.
    rnn.eval()
    with torch.no_grad():
        output, _ = run_recurrent(rnn, x, lengths)
        for row, n in enumerate(lengths.tolist()):
            alone, _ = rnn(x[row:row + 1, :n])
            assert_close(output[row, :n], alone[0])
            assert not output[row, n:].any()


def test_estimate_batch_norm_pools_the_batches_with_dropout_off():
    torch.manual_seed(17)
    rnn = make_recurrent("gru", INPUT, HIDDEN, num_layers=2, dropout=0.5,
                         normalization="batch", max_steps=6)
    x = torch.randn(10, 6, INPUT)
    lengths = torch.tensor([6, 6, 5, 4, 2, 6, 3, 3, 1, 6])
    real = torch.arange(6) < lengths.unsqueeze(1)
    cell = rnn.layers[0][0].cell
    stats = []
    for _ in range(2):  # no dropout noise: the same twice
        with torch.no_grad(), estimate_batch_norm(rnn):
            run_recurrent(rnn, x[:4], lengths[:4])
            run_recurrent(rnn, x[4:], lengths[4:])
        stats.append([b.clone() for b in rnn.buffers()])
    assert_close(stats[0], stats[1])
    assert rnn.training and all(m.training for m in rnn.modules())
    # The first layer's input projection: exact statistics over all real rows, per step.
    z = x @ cell.weight_ih.T
    mean = torch.stack([z[real[:, t], t].mean(0) for t in range(6)])
    var = torch.stack([z[real[:, t], t].var(0) for t in range(6)])
    assert_close(cell.bn_ih.running_mean, mean)
    assert_close(cell.bn_ih.running_var, var)


def test_unknown_normalization_is_refused():
    with pytest.raises(ValueError, match="Unknown normalization 'batchnorm'"):
        GRUCell(INPUT, HIDDEN, normalization="batchnorm")
    with pytest.raises(ValueError, match="Unknown normalization"):
        make_recurrent("lstm", INPUT, HIDDEN, normalization="group")

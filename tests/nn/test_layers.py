"""Stacked recurrences, make_recurrent, SequenceToVector and init_recurrent against references."""

import warnings

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from torch.testing import assert_close

from sklrnn.nn import (
    CustomRNN,
    ElmanCell,
    PeepholeLSTMCell,
    SequenceToVector,
    layers,
    make_recurrent,
    run_recurrent,
)
from sklrnn.nn.init import init_recurrent

INPUT, HIDDEN, STEPS, BATCH = 3, 4, 6, 5

# (cell, activation): every configuration the package offers.
CONFIGS = [
    ("rnn", "tanh"),
    ("rnn", "relu"),
    ("rnn", "leaky_relu"),
    ("rnn", "elu"),
    ("lstm", "tanh"),
    ("peephole_lstm", "tanh"),
    ("gru", "tanh"),
]
CONFIG_IDS = [f"{cell}-{activation}" for cell, activation in CONFIGS]
STACKS = [(1, False), (1, True), (2, False), (2, True)]
STACK_IDS = ["1layer", "1layer-bidir", "2layers", "2layers-bidir"]
CUSTOM_WEIGHTS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _sigmoid(z):
    return 1.0 / (1.0 + torch.exp(-z))


def _tanh(z):
    e = torch.exp(2.0 * z)
    return (e - 1.0) / (e + 1.0)


def _copy_fused_into_custom(fused, custom, num_layers, bidirectional):
    """Copy nn.RNN/nn.LSTM weights (weight_ih_l{k}[_reverse], ...) into a CustomRNN."""
    with torch.no_grad():
        for k in range(num_layers):
            for d in range(2 if bidirectional else 1):
                cell = custom.layers[k][d].cell
                suffix = f"_l{k}" + ("_reverse" if d else "")
                for name in CUSTOM_WEIGHTS:
                    getattr(cell, name).copy_(getattr(fused, name + suffix))
                if isinstance(cell, PeepholeLSTMCell):
                    cell.weight_peephole.zero_()


# ---------------------------------------------------------------------------------------------
# CustomRNN against PyTorch's fused modules and a hand-written loop


@pytest.mark.parametrize("num_layers, bidirectional", STACKS, ids=STACK_IDS)
def test_custom_tanh_rnn_equals_torch_rnn(num_layers, bidirectional):
    torch.manual_seed(0)
    fused = nn.RNN(INPUT, HIDDEN, num_layers=num_layers, bidirectional=bidirectional,
                   batch_first=True)
    custom = CustomRNN("rnn", INPUT, HIDDEN, num_layers=num_layers,
                       bidirectional=bidirectional, activation="tanh")
    _copy_fused_into_custom(fused, custom, num_layers, bidirectional)
    x = torch.randn(BATCH, STEPS, INPUT)

    with torch.no_grad():
        out_ref, h_ref = fused(x)
        out, h_n = custom(x)

    assert out.shape == out_ref.shape
    assert h_n.shape == h_ref.shape
    assert_close(out, out_ref)
    assert_close(h_n, h_ref)


@pytest.mark.parametrize("num_layers, bidirectional", STACKS, ids=STACK_IDS)
def test_custom_peephole_lstm_with_zero_peepholes_equals_torch_lstm(num_layers, bidirectional):
    torch.manual_seed(1)
    fused = nn.LSTM(INPUT, HIDDEN, num_layers=num_layers, bidirectional=bidirectional,
                    batch_first=True)
    custom = CustomRNN("peephole_lstm", INPUT, HIDDEN, num_layers=num_layers,
                       bidirectional=bidirectional)
    _copy_fused_into_custom(fused, custom, num_layers, bidirectional)
    x = torch.randn(BATCH, STEPS, INPUT)

    with torch.no_grad():
        out_ref, (h_ref, _) = fused(x)
        out, h_n = custom(x)

    assert out.shape == out_ref.shape
    assert h_n.shape == h_ref.shape
    assert_close(out, out_ref)
    assert_close(h_n, h_ref)


def _peephole_layer_reference(x, cell, reverse):
    """Run the Gers & Schmidhuber (2000) equations over x (N, T, D) in float64, step by step."""
    p = {name: t.detach().double() for name, t in cell.named_parameters()}
    H = cell.hidden_size
    W_ih, W_hh = p["weight_ih"].split(H), p["weight_hh"].split(H)
    b_ih, b_hh = p["bias_ih"].split(H), p["bias_hh"].split(H)
    w_ci, w_cf, w_co = p["weight_peephole"]
    n, T, _ = x.shape
    h = torch.zeros(n, H, dtype=torch.float64)
    c = torch.zeros(n, H, dtype=torch.float64)
    outputs = [None] * T
    for t in (reversed(range(T)) if reverse else range(T)):
        def pre(k, t=t, h=h):
            return x[:, t] @ W_ih[k].T + b_ih[k] + h @ W_hh[k].T + b_hh[k]

        i = _sigmoid(pre(0) + w_ci * c)
        f = _sigmoid(pre(1) + w_cf * c)
        g = _tanh(pre(2))
        c = f * c + i * g
        o = _sigmoid(pre(3) + w_co * c)
        h = o * _tanh(c)
        outputs[t] = h
    return torch.stack(outputs, 1), h


@pytest.mark.parametrize("num_layers, bidirectional", STACKS, ids=STACK_IDS)
def test_custom_peephole_lstm_sequence_follows_hand_written_loop(num_layers, bidirectional):
    torch.manual_seed(2)
    custom = CustomRNN("peephole_lstm", INPUT, HIDDEN, num_layers=num_layers,
                       bidirectional=bidirectional)
    with torch.no_grad():
        for layer in custom.layers:
            for direction in layer:
                direction.cell.weight_peephole.copy_(torch.randn(3, HIDDEN))
    x = torch.randn(BATCH, STEPS, INPUT)

    with torch.no_grad():
        out, h_n = custom(x)

    layer_input, h_ref = x.double(), []
    for layer in custom.layers:
        outputs = []
        for d, direction in enumerate(layer):
            output, h_last = _peephole_layer_reference(layer_input, direction.cell, bool(d))
            outputs.append(output)
            h_ref.append(h_last)
        layer_input = torch.cat(outputs, dim=-1)
    assert_close(out, layer_input.float())
    assert_close(h_n, torch.stack(h_ref).float())


@pytest.mark.parametrize("activation", ["leaky_relu", "elu"])
def test_custom_elman_rnn_sequence_follows_hand_written_loop(activation):
    torch.manual_seed(3)
    custom = CustomRNN("rnn", INPUT, HIDDEN, bidirectional=True, activation=activation)
    x = 3 * torch.randn(BATCH, STEPS, INPUT)
    act = {
        "leaky_relu": lambda z: torch.where(z > 0, z, 0.01 * z),
        "elu": lambda z: torch.where(z > 0, z, torch.exp(z) - 1.0),
    }[activation]

    with torch.no_grad():
        out, h_n = custom(x)

    xd, outputs, h_ref = x.double(), [], []
    for d, direction in enumerate(custom.layers[0]):
        p = {name: t.detach().double() for name, t in direction.cell.named_parameters()}
        h = torch.zeros(BATCH, HIDDEN, dtype=torch.float64)
        output = [None] * STEPS
        for t in (reversed(range(STEPS)) if d else range(STEPS)):
            h = act(xd[:, t] @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T
                    + p["bias_hh"])
            output[t] = h
        outputs.append(torch.stack(output, 1))
        h_ref.append(h)
    assert_close(out, torch.cat(outputs, -1).float())
    assert_close(h_n, torch.stack(h_ref).float())


def test_custom_rnn_dropout_acts_between_layers_only_in_training():
    torch.manual_seed(4)
    custom = CustomRNN("rnn", INPUT, HIDDEN, num_layers=2, dropout=0.5, activation="elu")
    x = torch.randn(BATCH, STEPS, INPUT)
    with torch.no_grad():
        custom.eval()
        assert torch.equal(custom(x)[0], custom(x)[0])
        custom.train()
        assert not torch.equal(custom(x)[0], custom(x)[0])
    single = CustomRNN("rnn", INPUT, HIDDEN, num_layers=1, dropout=0.5, activation="elu")
    with torch.no_grad():
        assert torch.equal(single(x)[0], single(x)[0])


# ---------------------------------------------------------------------------------------------
# make_recurrent


@pytest.mark.parametrize(
    "cell, activation, expected",
    [
        ("lstm", "tanh", nn.LSTM),
        ("gru", "tanh", nn.GRU),
        ("rnn", "tanh", nn.RNN),
        ("rnn", "relu", nn.RNN),
        ("peephole_lstm", "tanh", CustomRNN),
        ("rnn", "leaky_relu", CustomRNN),
        ("rnn", "elu", CustomRNN),
    ],
)
def test_make_recurrent_uses_fused_module_where_pytorch_has_one(cell, activation, expected):
    rnn = make_recurrent(cell, INPUT, HIDDEN, activation=activation)
    assert type(rnn) is expected
    if expected is CustomRNN:
        step = rnn.layers[0][0].cell
        if cell == "peephole_lstm":
            assert isinstance(step, PeepholeLSTMCell)
        else:
            assert isinstance(step, ElmanCell)
            assert step.activation == activation
    else:
        assert rnn.batch_first
        if expected is nn.RNN:
            assert rnn.nonlinearity == activation


@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("num_layers, bidirectional", STACKS, ids=STACK_IDS)
def test_make_recurrent_returns_batch_first_output_and_fused_h_n_layout(
        cell, activation, num_layers, bidirectional):
    torch.manual_seed(5)
    rnn = make_recurrent(cell, INPUT, HIDDEN, num_layers=num_layers,
                         bidirectional=bidirectional, activation=activation)
    directions = 2 if bidirectional else 1
    with torch.no_grad():
        output, h_n = rnn(torch.randn(BATCH, STEPS, INPUT))
    if cell == "lstm":
        h_n = h_n[0]
    assert output.shape == (BATCH, STEPS, directions * HIDDEN)
    assert h_n.shape == (num_layers * directions, BATCH, HIDDEN)


def test_make_recurrent_rejects_unknown_cell():
    with pytest.raises(ValueError, match="Unknown cell"):
        make_recurrent("transformer", INPUT, HIDDEN)


def test_make_recurrent_rejects_unknown_activation():
    with pytest.raises(ValueError, match="Unknown activation 'sigmoid'"):
        make_recurrent("rnn", INPUT, HIDDEN, activation="sigmoid")


@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
def test_make_recurrent_dropout_with_one_layer_gives_no_warning(cell, activation):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rnn = make_recurrent(cell, INPUT, HIDDEN, num_layers=1, dropout=0.3,
                             activation=activation)
    assert rnn.dropout == 0.0


@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
def test_make_recurrent_keeps_dropout_between_stacked_layers(cell, activation):
    rnn = make_recurrent(cell, INPUT, HIDDEN, num_layers=2, dropout=0.3, activation=activation)
    assert rnn.dropout == 0.3


# ---------------------------------------------------------------------------------------------
# SequenceToVector


@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("num_layers, bidirectional", STACKS, ids=STACK_IDS)
def test_sequence_to_vector_output_shape(cell, activation, num_layers, bidirectional):
    torch.manual_seed(6)
    net = SequenceToVector(INPUT, 2, cell=cell, hidden_size=HIDDEN, num_layers=num_layers,
                           bidirectional=bidirectional, activation=activation)
    x = torch.randn(BATCH, STEPS, INPUT)
    with torch.no_grad():
        assert net(x).shape == (BATCH, 2)
        net.eval()
        assert net(x).shape == (BATCH, 2)


@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("num_layers, bidirectional", [(1, False), (2, True)],
                         ids=["1layer", "2layers-bidir"])
def test_sequence_to_vector_gradients_reach_every_parameter(
        cell, activation, num_layers, bidirectional):
    torch.manual_seed(7)
    net = SequenceToVector(INPUT, 2, cell=cell, hidden_size=HIDDEN, num_layers=num_layers,
                           bidirectional=bidirectional, activation=activation)
    net(torch.randn(BATCH, STEPS, INPUT)).sum().backward()
    for name, param in net.named_parameters():
        assert param.grad is not None, name
        assert torch.isfinite(param.grad).all(), name
        assert param.grad.abs().sum() > 0, name


@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize(
    "num_layers, bidirectional, rows",
    [
        (1, False, range(37)),
        # Fewer rows for the stack (a one-row fused LSTM call is slow on oneDNN CPUs); they
        # cover both ends and both sides of the 8- and 16-row blocks of the CPU kernels.
        (2, True, (0, 7, 8, 15, 16, 20, 36)),
    ],
    ids=["1layer", "2layers-bidir"],
)
def test_sequence_to_vector_eval_prediction_does_not_depend_on_batch(
        cell, activation, num_layers, bidirectional, rows):
    torch.manual_seed(8)
    net = SequenceToVector(INPUT, 2, cell=cell, hidden_size=HIDDEN, num_layers=num_layers,
                           bidirectional=bidirectional, activation=activation).eval()
    x = torch.randn(37, STEPS, INPUT)
    with torch.no_grad():
        batch = net(x)
        assert batch.shape == (37, 2)
        for row in rows:
            assert torch.equal(net(x[row:row + 1])[0], batch[row]), row


@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("num_layers", [1, 2])
def test_bidirectional_summary_is_forward_last_step_and_backward_first_step(
        cell, activation, num_layers):
    torch.manual_seed(9)
    net = SequenceToVector(INPUT, 2, cell=cell, hidden_size=HIDDEN, num_layers=num_layers,
                           bidirectional=True, activation=activation)
    x = torch.randn(BATCH, STEPS, INPUT)
    with torch.no_grad():
        output, _ = net.rnn(x)
        summary = torch.cat([output[:, -1, :HIDDEN], output[:, 0, HIDDEN:]], dim=-1)
        expected = summary @ net.head.weight.T + net.head.bias
        assert_close(net(x), expected)
        # With the head blind to the forward half, the output still reacts to the first step:
        # the backward direction, which reads that step last, carries it into the summary.
        net.head.weight[:, :HIDDEN] = 0.0
        x_changed = x.clone()
        x_changed[:, 0] += 1.0
        assert not torch.allclose(net(x_changed), net(x))


@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
def test_unidirectional_summary_is_last_step_output(cell, activation):
    torch.manual_seed(10)
    net = SequenceToVector(INPUT, 2, cell=cell, hidden_size=HIDDEN, num_layers=2,
                           activation=activation)
    x = torch.randn(BATCH, STEPS, INPUT)
    with torch.no_grad():
        output, _ = net.rnn(x)
        expected = output[:, -1] @ net.head.weight.T + net.head.bias
        assert_close(net(x), expected)


def test_sequence_to_vector_dropout_is_off_in_eval_mode():
    torch.manual_seed(11)
    net = SequenceToVector(INPUT, 2, cell="gru", hidden_size=HIDDEN, num_layers=2,
                           dropout=0.5)
    x = torch.randn(BATCH, STEPS, INPUT)
    with torch.no_grad():
        assert not torch.equal(net(x), net(x))
        net.eval()
        assert torch.equal(net(x), net(x))


@pytest.mark.parametrize("cell", ["lstm", "peephole_lstm", "gru", "rnn"])
def test_sequence_to_vector_sets_forget_bias_only_for_lstms(cell):
    net = SequenceToVector(INPUT, 2, cell=cell, hidden_size=HIDDEN, weight_init="orthogonal")
    rnn = net.rnn
    bias_ih = rnn.layers[0][0].cell.bias_ih if isinstance(rnn, CustomRNN) else rnn.bias_ih_l0
    expected = torch.zeros_like(bias_ih)
    if cell in ("lstm", "peephole_lstm"):
        expected[HIDDEN:2 * HIDDEN] = 1.0
    assert torch.equal(bias_ih.detach(), expected)


# ---------------------------------------------------------------------------------------------
# init_recurrent


def _recurrent(cell, activation, hidden=HIDDEN, input_size=INPUT, num_layers=2,
               bidirectional=True):
    torch.manual_seed(12)
    return make_recurrent(cell, input_size, hidden, num_layers=num_layers,
                          bidirectional=bidirectional, activation=activation)


def _blocks(rnn, prefix, hidden):
    """Every (name, gate block) of the parameters whose last name part starts with prefix."""
    for name, param in rnn.named_parameters():
        if name.rsplit(".", 1)[-1].startswith(prefix):
            for block in param.detach().split(hidden):
                yield name, block


@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
def test_identity_init_makes_every_recurrent_gate_block_the_identity(cell, activation):
    rnn = _recurrent(cell, activation)
    init_recurrent(rnn, "identity", HIDDEN)
    blocks = list(_blocks(rnn, "weight_hh", HIDDEN))
    assert blocks
    for name, block in blocks:
        assert torch.equal(block, torch.eye(HIDDEN)), name


@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
def test_orthogonal_init_makes_every_recurrent_gate_block_orthogonal(cell, activation):
    rnn = _recurrent(cell, activation)
    init_recurrent(rnn, "orthogonal", HIDDEN)
    blocks = list(_blocks(rnn, "weight_hh", HIDDEN))
    assert blocks
    for name, block in blocks:
        assert block.shape == (HIDDEN, HIDDEN), name
        assert_close(block @ block.T, torch.eye(HIDDEN), msg=name)
    # Gate blocks are drawn one by one, not copies of each other.
    if cell != "rnn":
        first, second = blocks[0][1], blocks[1][1]
        assert not torch.allclose(first, second)


@pytest.mark.parametrize("scheme", ["xavier_uniform", "xavier_normal", "identity"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "peephole_lstm", "gru"])
def test_glorot_init_gives_each_gate_block_the_glorot_variance(scheme, cell):
    size = 256
    rnn = _recurrent(cell, "tanh" if cell != "rnn" else "elu", hidden=size, input_size=size,
                     num_layers=1, bidirectional=False)
    init_recurrent(rnn, scheme, size)
    std = (2.0 / (size + size)) ** 0.5
    uniform_bound = (6.0 / (size + size)) ** 0.5
    # Input weights are Glorot under every scheme; recurrent weights only under xavier_*.
    prefixes = ["weight_ih", "weight_hh"] if scheme.startswith("xavier") else ["weight_ih"]
    for prefix in prefixes:
        for name, block in _blocks(rnn, prefix, size):
            assert block.shape == (size, size)
            assert abs(block.std().item() - std) < 0.25 * std, name
            assert abs(block.mean().item()) < 0.1 * std, name
            if scheme == "xavier_normal":
                assert block.abs().max() > uniform_bound, name
            else:
                assert block.abs().max() <= uniform_bound, name


@pytest.mark.parametrize("scheme", ["xavier_uniform", "xavier_normal", "orthogonal", "identity"])
@pytest.mark.parametrize(
    "cell, activation, forget_bias",
    [(cell, activation, False) for cell, activation in CONFIGS]
    + [("lstm", "tanh", True), ("peephole_lstm", "tanh", True)],
    ids=[f"{i}-no_forget_bias" for i in CONFIG_IDS] + ["lstm-forget_bias",
                                                         "peephole_lstm-forget_bias"],
)
def test_init_zeroes_biases_and_peepholes_except_lstm_forget_gate(
        scheme, cell, activation, forget_bias):
    rnn = _recurrent(cell, activation)
    init_recurrent(rnn, scheme, HIDDEN, forget_bias=forget_bias)
    checked = 0
    for name, param in rnn.named_parameters():
        leaf = name.rsplit(".", 1)[-1]
        if leaf.startswith("weight_i") or leaf.startswith("weight_hh"):
            continue
        expected = torch.zeros_like(param)
        if forget_bias and leaf.startswith("bias_ih"):
            expected[HIDDEN:2 * HIDDEN] = 1.0
        assert torch.equal(param.detach(), expected), name
        checked += 1
    # 2 layers x 2 directions x (bias_ih, bias_hh[, weight_peephole])
    assert checked == 4 * (3 if cell == "peephole_lstm" else 2)


@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
def test_default_init_changes_nothing(cell, activation):
    rnn = _recurrent(cell, activation)
    before = {name: param.detach().clone() for name, param in rnn.named_parameters()}
    init_recurrent(rnn, "default", HIDDEN, forget_bias=True)
    for name, param in rnn.named_parameters():
        assert torch.equal(param, before[name]), name


def test_init_rejects_unknown_scheme():
    rnn = _recurrent("lstm", "tanh")
    with pytest.raises(ValueError, match="Unknown weight_init"):
        init_recurrent(rnn, "kaiming", HIDDEN)


# -- variable lengths ----------------------------------------------------------------------

LENGTHS = torch.tensor([6, 2, 5, 1, 6])


def _padded_batch(seed=0):
    """Sequences of LENGTHS, post-padded with noise (so leaking padding would show)."""
    torch.manual_seed(seed)
    return torch.randn(BATCH, STEPS, INPUT)


@pytest.mark.parametrize("num_layers, bidirectional", STACKS, ids=STACK_IDS)
@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
def test_run_recurrent_gives_each_sequence_the_states_it_has_alone(
        cell, activation, num_layers, bidirectional):
    torch.manual_seed(1)
    rnn = make_recurrent(cell, INPUT, HIDDEN, num_layers=num_layers, bidirectional=bidirectional)
    x = _padded_batch()
    output, h_n = run_recurrent(rnn, x, LENGTHS)
    h_n = h_n[0] if isinstance(h_n, tuple) else h_n
    for i, n in enumerate(LENGTHS.tolist()):
        alone_output, alone_h = rnn(x[i:i + 1, :n])
        alone_h = alone_h[0] if isinstance(alone_h, tuple) else alone_h
        assert_close(h_n[:, i], alone_h[:, 0], atol=1e-6, rtol=1e-5)
        assert_close(output[i, :n], alone_output[0], atol=1e-6, rtol=1e-5)
        assert torch.all(output[i, n:] == 0)


@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
def test_run_recurrent_sends_no_gradient_into_padding(cell, activation):
    torch.manual_seed(1)
    rnn = make_recurrent(cell, INPUT, HIDDEN, num_layers=2, bidirectional=True)
    x = _padded_batch().requires_grad_()
    output, h_n = run_recurrent(rnn, x, LENGTHS)
    (output.sum() + (h_n[0] if isinstance(h_n, tuple) else h_n).sum()).backward()
    padding = torch.arange(STEPS) >= LENGTHS[:, None]
    assert torch.all(x.grad[padding] == 0)
    assert torch.all(x.grad[~padding].abs().sum(-1) > 0)


@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
def test_run_recurrent_without_states_gives_the_same_outputs(cell, activation):
    rnn = make_recurrent(cell, INPUT, HIDDEN, num_layers=2)
    x = _padded_batch()
    expected, _ = run_recurrent(rnn, x, LENGTHS)
    output, h_n = run_recurrent(rnn, x, LENGTHS, states=False)
    assert h_n is None
    assert_close(output, expected, atol=1e-6, rtol=1e-5)


def test_run_recurrent_cuts_steps_beyond_the_longest_sequence():
    rnn = make_recurrent("gru", INPUT, HIDDEN)
    output, _ = run_recurrent(rnn, _padded_batch(), torch.tensor([3, 2, 3, 1, 2]))
    assert output.shape == (BATCH, 3, HIDDEN)


@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
def test_run_recurrent_with_full_lengths_equals_plain_call(cell, activation):
    rnn = make_recurrent(cell, INPUT, HIDDEN, bidirectional=True)
    x = _padded_batch()
    expected, _ = rnn(x)
    output, _ = run_recurrent(rnn, x, torch.full((BATCH,), STEPS))
    assert torch.equal(output, expected)


FUSED_CONFIGS = [("lstm", "tanh"), ("gru", "tanh"), ("rnn", "tanh"), ("rnn", "relu")]
FUSED_IDS = [f"{cell}-{activation}" for cell, activation in FUSED_CONFIGS]


def _packed_reference(rnn, x, lengths):
    """What the fused module gives on a packed sequence: the exact reference."""
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    output, h_n = rnn(packed)
    output, _ = pad_packed_sequence(output, batch_first=True, total_length=x.shape[1])
    return output, h_n


@pytest.mark.parametrize("states", [False, True], ids=["outputs", "states"])
@pytest.mark.parametrize("num_layers, bidirectional", STACKS, ids=STACK_IDS)
@pytest.mark.parametrize("cell, activation", FUSED_CONFIGS, ids=FUSED_IDS)
def test_run_recurrent_fused_equals_packed_sequences_with_gradients(
        cell, activation, num_layers, bidirectional, states):
    torch.manual_seed(2)
    rnn = make_recurrent(cell, INPUT, HIDDEN, num_layers=num_layers, bidirectional=bidirectional,
                         activation=activation)
    x = _padded_batch()
    results = []
    for run in (_packed_reference, lambda *args: run_recurrent(*args, states=states)):
        rnn.zero_grad()
        output, h_n = run(rnn, x, LENGTHS)
        h_n = [] if not states else list(h_n) if isinstance(h_n, tuple) else [h_n]
        (output.square().sum() + sum(h.square().sum() for h in h_n)).backward()
        results.append((output, h_n, [p.grad.clone() for p in rnn.parameters()]))
    (expected, expected_h_n, expected_grads), (output, h_n, grads) = results
    assert_close(output, expected, atol=1e-6, rtol=1e-5)
    for h, expected_h in zip(h_n, expected_h_n, strict=True):
        assert_close(h, expected_h, atol=1e-6, rtol=1e-5)
    for grad, expected_grad in zip(grads, expected_grads, strict=True):
        assert grad.abs().sum() > 0
        assert_close(grad, expected_grad, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("states", [False, True], ids=["outputs", "states"])
@pytest.mark.parametrize("cell, activation", FUSED_CONFIGS, ids=FUSED_IDS)
def test_run_recurrent_runs_bidirectional_fused_cells_on_cpu_without_packing(
        cell, activation, states, monkeypatch):
    # Packed sequences take slow CPU kernels; only the LSTM's final cell states need them
    # (or one call per length).
    def no_packing(*args, **kwargs):
        raise AssertionError("packed")
    monkeypatch.setattr(layers, "pack_padded_sequence", no_packing)
    monkeypatch.setattr(layers, "_run_by_length", no_packing)
    rnn = make_recurrent(cell, INPUT, HIDDEN, num_layers=2, bidirectional=True,
                         activation=activation)
    if cell == "lstm" and states:
        with pytest.raises(AssertionError, match="packed"):
            run_recurrent(rnn, _padded_batch(), LENGTHS, states=states)
    else:
        run_recurrent(rnn, _padded_batch(), LENGTHS, states=states)


@pytest.mark.parametrize("cell, activation", FUSED_CONFIGS, ids=FUSED_IDS)
def test_run_recurrent_fused_dropout_acts_between_layers_in_training(cell, activation):
    torch.manual_seed(3)
    rnn = make_recurrent(cell, INPUT, HIDDEN, num_layers=2, bidirectional=True, dropout=0.5,
                         activation=activation)
    x = _padded_batch()
    padding = torch.arange(STEPS) >= LENGTHS[:, None]
    outputs = []
    for seed in (0, 0, 1):
        torch.manual_seed(seed)
        output, _ = run_recurrent(rnn, x, LENGTHS, states=False)
        assert output.shape == (BATCH, STEPS, 2 * HIDDEN)
        assert torch.all(output[padding] == 0)
        outputs.append(output)
    assert torch.equal(outputs[0], outputs[1])
    assert not torch.equal(outputs[0], outputs[2])
    outputs[0].sum().backward()
    if activation == "tanh":  # a few ReLU units may be dead, and their weights get no gradient
        assert all(p.grad.abs().sum() > 0 for p in rnn.parameters())
    # With dropout 1, the second layer reads zeros: the first layer's outputs are dropped,
    # the second layer's are not.
    rnn.dropout = 1.0
    output, _ = run_recurrent(rnn, x, LENGTHS, states=False)
    second = make_recurrent(cell, 2 * HIDDEN, HIDDEN, bidirectional=True, activation=activation)
    with torch.no_grad():
        for name, parameter in second.named_parameters():
            parameter.copy_(getattr(rnn, name.replace("_l0", "_l1")))
    expected, _ = run_recurrent(second, torch.zeros(BATCH, STEPS, 2 * HIDDEN), LENGTHS)
    assert_close(output, expected, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("bidirectional", [False, True], ids=["forward", "bidir"])
@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
def test_sequence_to_vector_ignores_padding_in_eval_mode(cell, activation, pooling,
                                                         bidirectional):
    torch.manual_seed(0)
    net = SequenceToVector(INPUT, 2, cell=cell, activation=activation, num_layers=2,
                           bidirectional=bidirectional, pooling=pooling).eval()
    x = _padded_batch()
    with torch.no_grad():
        batch = net(x, LENGTHS)
        for i, n in enumerate(LENGTHS.tolist()):
            assert_close(batch[i], net(x[i:i + 1, :n])[0], atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("pooling, reduce", [("mean", torch.mean), ("max", torch.amax)])
def test_sequence_to_vector_pools_the_last_layer_outputs_over_time(pooling, reduce):
    torch.manual_seed(0)
    net = SequenceToVector(INPUT, 2, cell="gru", hidden_size=HIDDEN, bidirectional=True,
                           pooling=pooling).eval()
    x = _padded_batch()
    with torch.no_grad():
        output, _ = net.rnn(x)
        expected = net.head(reduce(output, dim=1))
        assert_close(net(x), expected, atol=1e-6, rtol=1e-5)


def test_sequence_to_vector_rejects_unknown_pooling():
    with pytest.raises(ValueError, match="Unknown pooling 'sum'"):
        SequenceToVector(INPUT, 2, pooling="sum")

"""SequenceToSequence, VectorToSequence, EncoderDecoder and the per-step losses."""

import pytest
import torch
from torch import nn
from torch.testing import assert_close

from sklrnn.nn import EncoderDecoder, SequenceToSequence, SequenceToVector, VectorToSequence
from sklrnn.nn.losses import MaskedMSELoss, StepCrossEntropyLoss

INPUT, HIDDEN, STEPS, BATCH, HORIZON, OUTPUT = 3, 4, 6, 5, 7, 2

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
LENGTHS = torch.tensor([6, 2, 5, 1, 6])


def _network(kind, cell, activation, num_layers=1, bidirectional=False, **kwargs):
    """One of the four networks, reading INPUT features and emitting OUTPUT per step."""
    shared = dict(cell=cell, activation=activation, hidden_size=HIDDEN, num_layers=num_layers,
                  bidirectional=bidirectional, **kwargs)
    if kind == "seq2vec":
        return SequenceToVector(INPUT, OUTPUT, **shared)
    if kind == "seq2seq":
        return SequenceToSequence(INPUT, OUTPUT, **shared)
    if kind == "vec2seq":
        return VectorToSequence(INPUT, OUTPUT, HORIZON, **shared)
    return EncoderDecoder(INPUT, OUTPUT, HORIZON, **shared)


def _input(kind, n=BATCH, seed=0):
    """Vectors (n, INPUT) for vec2seq, sequences (n, STEPS, INPUT) otherwise."""
    torch.manual_seed(seed)
    return torch.randn(n, INPUT) if kind == "vec2seq" else torch.randn(n, STEPS, INPUT)


EXPECTED_SHAPE = {
    "seq2vec": (BATCH, OUTPUT),
    "seq2seq": (BATCH, STEPS, OUTPUT),
    "vec2seq": (BATCH, HORIZON, OUTPUT),
    "encoder_decoder": (BATCH, HORIZON, OUTPUT),
}


# ---------------------------------------------------------------------------------------------
# Shapes


@pytest.mark.parametrize("kind", list(EXPECTED_SHAPE))
@pytest.mark.parametrize("num_layers, bidirectional", STACKS, ids=STACK_IDS)
@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
def test_every_network_has_its_output_shape_in_train_and_eval_mode(
        kind, cell, activation, num_layers, bidirectional):
    torch.manual_seed(0)
    net = _network(kind, cell, activation, num_layers, bidirectional)
    x = _input(kind)
    with torch.no_grad():
        assert net(x).shape == EXPECTED_SHAPE[kind]
        net.eval()
        assert net(x).shape == EXPECTED_SHAPE[kind]
        if kind in ("seq2seq", "encoder_decoder"):
            assert net(x, LENGTHS).shape == EXPECTED_SHAPE[kind]


@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
def test_sequence_to_sequence_keeps_all_given_steps_when_every_sequence_is_shorter(
        cell, activation):
    net = _network("seq2seq", cell, activation, bidirectional=True).eval()
    with torch.no_grad():
        out = net(_input("seq2seq"), torch.tensor([3, 2, 3, 1, 2]))
    assert out.shape == (BATCH, STEPS, OUTPUT)


def test_horizon_of_encoder_decoder_does_not_depend_on_input_length():
    net = EncoderDecoder(INPUT, OUTPUT, HORIZON, cell="gru", hidden_size=HIDDEN).eval()
    with torch.no_grad():
        for n_steps in (1, 4, 25):
            assert net(torch.randn(3, n_steps, INPUT)).shape == (3, HORIZON, OUTPUT)


def test_encoder_decoder_is_an_encoder_then_a_decoder_of_its_context():
    torch.manual_seed(0)
    net = EncoderDecoder(INPUT, OUTPUT, HORIZON, cell="lstm", hidden_size=HIDDEN,
                         bidirectional=True).eval()
    assert isinstance(net.encoder, SequenceToVector)
    assert isinstance(net.decoder, VectorToSequence)
    assert net.encoder.head.out_features == HIDDEN
    assert net.decoder.horizon == HORIZON
    x = _input("encoder_decoder")
    with torch.no_grad():
        assert_close(net(x, LENGTHS), net.decoder(net.encoder(x, LENGTHS)))


def test_vector_to_sequence_reads_the_input_vector_at_every_step():
    """Keras' RepeatVector + recurrent layer: the decoder input is the vector, H times."""
    torch.manual_seed(0)
    net = VectorToSequence(INPUT, OUTPUT, HORIZON, cell="gru", hidden_size=HIDDEN).eval()
    x = _input("vec2seq")
    with torch.no_grad():
        output, _ = net.rnn(x[:, None].repeat(1, HORIZON, 1))
        assert_close(net(x), net.head(output))


# ---------------------------------------------------------------------------------------------
# Padding


@pytest.mark.parametrize("num_layers, bidirectional", [(1, False), (2, False), (2, True)],
                         ids=["1layer", "2layers", "2layers-bidir"])
@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
def test_sequence_to_sequence_gives_each_sequence_the_outputs_it_has_alone(
        cell, activation, num_layers, bidirectional):
    torch.manual_seed(1)
    net = _network("seq2seq", cell, activation, num_layers, bidirectional).eval()
    x = _input("seq2seq", seed=2)
    x[torch.arange(STEPS) >= LENGTHS[:, None]] = 50.0  # padding that would show if read
    with torch.no_grad():
        batch = net(x, LENGTHS)
        for i, n in enumerate(LENGTHS.tolist()):
            assert_close(batch[i, :n], net(x[i:i + 1, :n])[0], atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("bidirectional", [False, True], ids=["forward", "bidir"])
@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
def test_sequence_to_sequence_outputs_at_padded_steps_are_the_head_bias(
        cell, activation, bidirectional):
    torch.manual_seed(1)
    net = _network("seq2seq", cell, activation, bidirectional=bidirectional).eval()
    with torch.no_grad():
        out = net(_input("seq2seq"), LENGTHS)
    padding = torch.arange(STEPS) >= LENGTHS[:, None]
    assert_close(out[padding], net.head.bias.detach().expand(int(padding.sum()), OUTPUT))


@pytest.mark.parametrize("cell, activation", [("lstm", "tanh"), ("peephole_lstm", "tanh")],
                         ids=["lstm", "peephole_lstm"])
def test_encoder_decoder_ignores_padding(cell, activation):
    torch.manual_seed(1)
    net = _network("encoder_decoder", cell, activation, 2, True).eval()
    x = _input("encoder_decoder", seed=3)
    x[torch.arange(STEPS) >= LENGTHS[:, None]] = -50.0
    with torch.no_grad():
        batch = net(x, LENGTHS)
        for i, n in enumerate(LENGTHS.tolist()):
            assert_close(batch[i], net(x[i:i + 1, :n])[0], atol=1e-6, rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# Eval-mode predictions do not depend on the batch


@pytest.mark.parametrize("kind", ["seq2seq", "vec2seq", "encoder_decoder"])
@pytest.mark.parametrize("cell, activation", [("rnn", "tanh"), ("rnn", "elu"), ("lstm", "tanh"),
                                              ("peephole_lstm", "tanh"), ("gru", "tanh")],
                         ids=["rnn-tanh", "rnn-elu", "lstm", "peephole_lstm", "gru"])
def test_eval_prediction_does_not_depend_on_batch_composition(kind, cell, activation):
    torch.manual_seed(8)
    net = _network(kind, cell, activation).eval()
    x = _input(kind, n=21, seed=9)
    with torch.no_grad():
        batch = net(x)
        # Both ends and both sides of the 8-row blocks the eval batch is padded to.
        for row in (0, 7, 8, 20):
            assert torch.equal(net(x[row:row + 1])[0], batch[row]), row
        assert torch.equal(net(x[3:14]), batch[3:14])


@pytest.mark.parametrize("kind", ["seq2seq", "encoder_decoder"])
def test_eval_prediction_with_lengths_does_not_depend_on_batch_composition(kind):
    torch.manual_seed(8)
    net = _network(kind, "gru", "tanh", bidirectional=True).eval()
    x = _input(kind, n=13, seed=9)
    lengths = torch.tensor([6, 2, 5, 1, 6, 3, 4, 6, 2, 2, 5, 1, 3])
    with torch.no_grad():
        batch = net(x, lengths)
        for row in (0, 3, 9, 12):
            assert torch.equal(net(x[row:row + 1], lengths[row:row + 1])[0], batch[row]), row


# ---------------------------------------------------------------------------------------------
# Gradients


@pytest.mark.parametrize("kind", ["seq2seq", "vec2seq", "encoder_decoder"])
@pytest.mark.parametrize("num_layers, bidirectional", [(1, False), (2, True)],
                         ids=["1layer", "2layers-bidir"])
@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
def test_gradients_reach_every_parameter(kind, cell, activation, num_layers, bidirectional):
    torch.manual_seed(7)
    net = _network(kind, cell, activation, num_layers, bidirectional)
    args = (LENGTHS,) if kind != "vec2seq" else ()
    net(_input(kind), *args).pow(2).sum().backward()
    for name, param in net.named_parameters():
        assert param.grad is not None, name
        assert torch.isfinite(param.grad).all(), name
        assert param.grad.abs().sum() > 0, name


@pytest.mark.parametrize("cell, activation", CONFIGS, ids=CONFIG_IDS)
def test_sequence_to_sequence_sends_no_gradient_into_padding(cell, activation):
    torch.manual_seed(1)
    net = _network("seq2seq", cell, activation, 2, True)
    x = _input("seq2seq").requires_grad_()
    net(x, LENGTHS).sum().backward()
    padding = torch.arange(STEPS) >= LENGTHS[:, None]
    assert torch.all(x.grad[padding] == 0)
    assert torch.all(x.grad[~padding].abs().sum(-1) > 0)


# ---------------------------------------------------------------------------------------------
# Losses


def test_masked_mse_is_the_mean_squared_error_over_the_real_targets_only():
    torch.manual_seed(0)
    prediction = torch.randn(4, 5, 2)
    target = torch.randn(4, 5, 2)
    padded = target.clone()
    padded[1, 3:] = float("nan")
    padded[3, 1:] = float("nan")
    real = ~torch.isnan(padded)
    expected = ((prediction - target)[real] ** 2).mean()
    assert_close(MaskedMSELoss()(prediction, padded), expected)
    assert_close(MaskedMSELoss(reduction="sum")(prediction, padded),
                 ((prediction - target)[real] ** 2).sum())
    # What the network emits at padded steps counts for nothing, and gets no gradient.
    changed = prediction.clone()
    changed[~real] = 1e6
    assert_close(MaskedMSELoss()(changed, padded), expected)
    prediction.requires_grad_()
    MaskedMSELoss()(prediction, padded).backward()
    assert torch.all(prediction.grad[~real] == 0)
    assert torch.isfinite(prediction.grad).all()
    assert torch.all(prediction.grad[real] != 0)


def test_masked_mse_without_nan_equals_mse():
    torch.manual_seed(0)
    prediction, target = torch.randn(3, 4, 2), torch.randn(3, 4, 2)
    assert_close(MaskedMSELoss()(prediction, target), nn.MSELoss()(prediction, target))


def test_masked_mse_doc_example():
    target = torch.tensor([[1.0, 2.0, float("nan")]])
    loss = MaskedMSELoss()(torch.tensor([[0.0, 2.0, 9.0]]), target)
    assert_close(loss, torch.tensor(0.5))


def test_step_cross_entropy_is_the_mean_over_steps_not_labelled_minus_100():
    torch.manual_seed(0)
    logits = torch.randn(3, 5, 4)  # (N, T, C): classes last, as the networks emit them
    target = torch.randint(0, 4, (3, 5))
    target[0, 4:] = -100
    target[2, 2:] = -100
    real = target != -100
    expected = nn.functional.cross_entropy(logits[real], target[real])
    assert_close(StepCrossEntropyLoss()(logits, target), expected)
    # torch's own layout (N, C, T) with ignore_index gives the same.
    assert_close(nn.CrossEntropyLoss()(logits.transpose(1, 2), target), expected)
    changed = logits.clone()
    changed[~real] = torch.tensor([100.0, -100.0, 3.0, 0.0])
    assert_close(StepCrossEntropyLoss()(changed, target), expected)
    logits.requires_grad_()
    StepCrossEntropyLoss()(logits, target).backward()
    assert torch.all(logits.grad[~real] == 0)
    assert torch.all(logits.grad[real].abs().sum(-1) > 0)


def test_step_cross_entropy_doc_example_and_is_a_cross_entropy_loss():
    loss = StepCrossEntropyLoss()(torch.zeros(1, 3, 2), torch.tensor([[0, 1, -100]]))
    assert_close(loss, torch.log(torch.tensor(2.0)))
    # skorch turns a CrossEntropyLoss's logits into probabilities with a softmax.
    assert isinstance(StepCrossEntropyLoss(), nn.CrossEntropyLoss)
    assert StepCrossEntropyLoss().ignore_index == -100


def test_pinball_loss_is_minimized_by_the_quantiles_of_the_data():
    from sklrnn.nn.losses import PinballLoss

    torch.manual_seed(0)
    data = torch.randn(4000, 1)
    prediction = torch.zeros(1, 3, requires_grad=True)  # levels 0.1, 0.5, 0.9
    loss = PinballLoss((0.1, 0.5, 0.9))
    optimizer = torch.optim.Adam([prediction], lr=0.05)
    for _ in range(400):
        optimizer.zero_grad()
        loss(prediction.expand(len(data), 3), data).backward()
        optimizer.step()
    expected = torch.quantile(data[:, 0], torch.tensor([0.1, 0.5, 0.9]))
    torch.testing.assert_close(prediction[0].detach(), expected, atol=0.05, rtol=0)

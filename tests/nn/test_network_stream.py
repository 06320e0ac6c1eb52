"""NetworkStream and step_recurrent: one step at a time equals the network on every prefix."""

import itertools

import pytest
import torch
from torch.testing import assert_close

from sklrnn.nn import (
    EncoderDecoder,
    SequenceToSequence,
    SequenceToVector,
    VectorToSequence,
    estimate_batch_norm,
    make_recurrent,
    run_recurrent,
)
from sklrnn.nn.layers import step_recurrent
from sklrnn.nn.streaming import NetworkStream

INPUT, HIDDEN, STEPS, BATCH = 2, 5, 9, 4
CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("rnn", "leaky_relu"), ("rnn", "elu"),
         ("lstm", "tanh"), ("peephole_lstm", "tanh"), ("gru", "tanh")]
NORMALIZATIONS = [None, "layer", "batch"]


def _ready(net):
    """``net`` in eval mode, batch-norm statistics estimated (they start at N(0, 1))."""
    torch.manual_seed(1)
    with torch.no_grad(), estimate_batch_norm(net):
        net(torch.randn(16, STEPS, INPUT) * 2 + 1)
    return net.eval()


def _assert_float32_close(actual, expected):
    """Equal to float32 rounding, relative to the outputs' size (an ELU network's grow)."""
    scale = max(1.0, expected.abs().max().item())
    assert_close(actual, expected, atol=1e-5 * scale, rtol=1e-5)


def _prefix_outputs(stream, x):
    """The stream's output after each step of ``x`` (N, T, D)."""
    return [stream.update(x[:, t]) for t in range(x.shape[1])]


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("normalization", NORMALIZATIONS)
@pytest.mark.parametrize(("cell", "activation"), CELLS)
def test_step_recurrent_continues_run_recurrent(cell, activation, normalization, num_layers):
    torch.manual_seed(0)
    rnn = make_recurrent(cell, INPUT, HIDDEN, num_layers=num_layers, activation=activation,
                         normalization=normalization, max_steps=4).eval()
    x = torch.randn(BATCH, STEPS, INPUT)
    expected = run_recurrent(rnn, x, states=False)[0]
    state = None
    for t in range(STEPS):
        output, state = step_recurrent(rnn, x[:, t], state, t)
        _assert_float32_close(output, expected[:, t])
    assert all(s.shape == (num_layers, BATCH, HIDDEN) for s in state)


@pytest.mark.parametrize(("pooling", "frame_size"),
                         list(itertools.product(["last", "mean", "max"], [1, 4])))
@pytest.mark.parametrize("normalization", NORMALIZATIONS)
@pytest.mark.parametrize(("cell", "activation"), CELLS)
def test_seq2vec_stream_equals_network_on_every_prefix(cell, activation, normalization,
                                                        pooling, frame_size):
    torch.manual_seed(0)
    net = _ready(SequenceToVector(INPUT, 3, cell=cell, activation=activation,
                                  hidden_size=HIDDEN, num_layers=2, normalization=normalization,
                                  max_steps=2, pooling=pooling, frame_size=frame_size))
    x = torch.randn(BATCH, STEPS, INPUT)
    outputs = _prefix_outputs(NetworkStream(net, BATCH), x)
    for t, out in enumerate(outputs):
        _assert_float32_close(out, net(x[:, :t + 1]))


@pytest.mark.parametrize("normalization", NORMALIZATIONS)
@pytest.mark.parametrize(("cell", "activation"), CELLS)
def test_seq2seq_stream_gives_each_steps_output(cell, activation, normalization):
    torch.manual_seed(0)
    net = _ready(SequenceToSequence(INPUT, 3, cell=cell, activation=activation,
                                    hidden_size=HIDDEN, normalization=normalization,
                                    max_steps=4))
    x = torch.randn(BATCH, STEPS, INPUT)
    expected = net(x)
    for t, out in enumerate(_prefix_outputs(NetworkStream(net, BATCH), x)):
        _assert_float32_close(out, expected[:, t])


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_encoder_decoder_stream_decodes_every_prefix(cell):
    torch.manual_seed(0)
    net = EncoderDecoder(INPUT, 2, 5, cell=cell, hidden_size=HIDDEN, pooling="mean",
                         frame_size=2).eval()
    x = torch.randn(BATCH, STEPS, INPUT)
    for t, out in enumerate(_prefix_outputs(NetworkStream(net, BATCH), x)):
        assert out.shape == (BATCH, 5, 2)
        _assert_float32_close(out, net(x[:, :t + 1]))


def test_state_and_load_state_continue_a_stream_elsewhere():
    torch.manual_seed(0)
    net = SequenceToVector(INPUT, 1, cell="peephole_lstm", hidden_size=HIDDEN,
                           pooling="max", frame_size=3).eval()
    x = torch.randn(BATCH, STEPS, INPUT)
    stream = NetworkStream(net, BATCH)
    _prefix_outputs(stream, x[:, :4])  # stops inside a frame
    state = stream.state()
    moved = NetworkStream(net, BATCH).load_state(state)
    assert moved.steps == 4
    assert_close(_prefix_outputs(moved, x[:, 4:])[-1], net(x))
    stream.reset()
    assert stream.steps == 0
    assert_close(_prefix_outputs(stream, x[:, :2])[-1], net(x[:, :2]))


def test_load_state_refuses_another_shape():
    net = SequenceToVector(INPUT, 1, hidden_size=HIDDEN).eval()
    state = NetworkStream(net, 2).state()
    with pytest.raises(ValueError, match="same n_streams"):
        NetworkStream(net, 3).load_state(state)


@pytest.mark.parametrize(("net", "match"), [
    (SequenceToVector(INPUT, 1, bidirectional=True), "bidirectional"),
    (EncoderDecoder(INPUT, 1, 3, bidirectional=True), "bidirectional"),
    (VectorToSequence(INPUT, 1, 3), "only networks that read sequences"),
])
def test_networks_that_cannot_stream_are_refused(net, match):
    with pytest.raises(ValueError, match=match):
        NetworkStream(net)

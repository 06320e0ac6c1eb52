"""Run a network over sequences that arrive one time step at a time.

A recurrent network's state after step ``t`` summarizes everything before it, so a new
observation costs one step of the cells instead of a pass over the whole history.
:class:`NetworkStream` keeps that state (and what the pooling needs) for ``n`` sequences
read side by side, and after every step returns what the network returns on the sequences
seen so far.
"""

import torch

from .heads import EncoderDecoder, SequenceToSequence, SequenceToVector
from .layers import initial_state, step_recurrent


class NetworkStream:
    """Outputs of a network on ``n_streams`` sequences fed one time step at a time.

    After every :meth:`update`, the output is the network's output on the prefixes read so
    far (to float rounding): for a :class:`~sklrnn.nn.SequenceToVector` (or an
    :class:`~sklrnn.nn.EncoderDecoder`) its output on the whole prefix; for a
    :class:`~sklrnn.nn.SequenceToSequence` its output at the newest step (those at earlier
    steps do not change: a one-directional network is causal). Each update runs the cells
    for one step. With ``frame_size = k > 1`` the network reads frames of ``k`` steps; a
    frame not yet complete is read as the network reads a sequence's last frame, completed
    with zeros, and its state is kept only once the frame is full. Mean and max pooling keep
    the running sum and maximum of the completed frames' outputs.

    Run the network in eval mode: batch-normalized cells then use their stored statistics of
    each step, as in prediction. Bidirectional networks, which need a sequence's end before
    its first output, and :class:`~sklrnn.nn.VectorToSequence`, which reads no sequence,
    cannot stream.

    Parameters
    ----------
    net : SequenceToVector, SequenceToSequence or EncoderDecoder
        A one-directional network.
    n_streams : int, default=1
        Sequences read side by side.

    Attributes
    ----------
    steps : int
        Time steps read since the start (or the last :meth:`reset`).

    Examples
    --------
    >>> import torch
    >>> from sklrnn.nn import SequenceToVector
    >>> from sklrnn.nn.streaming import NetworkStream
    >>> net = SequenceToVector(input_size=2, output_size=1, cell="gru",
    ...                        hidden_size=4).eval()
    >>> x = torch.randn(3, 6, 2)
    >>> stream = NetworkStream(net, n_streams=3)
    >>> for t in range(6):
    ...     out = stream.update(x[:, t])
    >>> torch.allclose(out, net(x), atol=1e-6)
    True
    """

    def __init__(self, net, n_streams=1):
        if not isinstance(net, SequenceToVector | SequenceToSequence | EncoderDecoder):
            raise ValueError(
                f"A {type(net).__name__} cannot stream: only networks that read sequences "
                "(SequenceToVector, SequenceToSequence, EncoderDecoder) can."
            )
        encoder = net.encoder if isinstance(net, EncoderDecoder) else net
        if encoder.directions != 1:
            raise ValueError(
                "A bidirectional network cannot stream: its backward direction needs the end "
                "of a sequence before it can give any output. Fit with bidirectional=False "
                "to predict one step at a time."
            )
        self.net = net
        self.encoder = encoder
        self.n_streams = n_streams
        self.frame_size = getattr(encoder, "frame_size", 1)
        self.pooling = getattr(encoder, "pooling", None)  # None: an output per step
        self.reset()

    def reset(self):
        """Forget every step read: the next :meth:`update` starts new sequences."""
        reference = next(self.net.parameters()).new_zeros(self.n_streams, 1)
        rnn = self.encoder.rnn
        size = (rnn.input_size if hasattr(rnn, "input_size")
                else rnn.layers[0][0].cell.input_size)
        self.steps = 0
        self.hidden = initial_state(rnn, reference)
        width = self.hidden[0].shape[2]
        fill = float("-inf") if self.pooling == "max" else 0.0
        self.pooled = reference.new_full((self.n_streams, width), fill)
        self.frame = reference.new_zeros(self.n_streams, size)

    @torch.no_grad()
    def update(self, x):
        """Read the next time step of every sequence; return the network's output on them.

        Parameters
        ----------
        x : torch.Tensor of shape (n_streams, D)
            Step ``steps`` of every sequence, on the network's device and in its dtype.

        Returns
        -------
        torch.Tensor
            The network's output on every sequence read so far: ``(n_streams, K)`` for a
            :class:`~sklrnn.nn.SequenceToVector` and (its newest step's) for a
            :class:`~sklrnn.nn.SequenceToSequence`; ``(n_streams, H, K)`` for an
            :class:`~sklrnn.nn.EncoderDecoder`.
        """
        frame_index, position = divmod(self.steps, self.frame_size)
        width = x.shape[1]
        self.frame[:, position * width:(position + 1) * width] = x
        output, hidden = step_recurrent(self.encoder.rnn, self.frame, self.hidden, frame_index)
        if self.pooling is None:
            self.steps += 1
            self.hidden = hidden
            return self.net.head(output)
        if self.pooling == "last":
            summary = output
            pooled = self.pooled
        elif self.pooling == "mean":
            pooled = self.pooled + output
            summary = pooled / (frame_index + 1)
        else:
            pooled = torch.maximum(self.pooled, output)
            summary = pooled
        if position == self.frame_size - 1:  # the frame is complete: keep what it did
            self.hidden, self.pooled = hidden, pooled
            self.frame.zero_()
        self.steps += 1
        out = self.encoder.head(summary)
        return self.net.decoder(out) if self.net is not self.encoder else out

    def state(self):
        """Return everything the stream keeps, to continue it elsewhere (:meth:`load_state`).

        Returns
        -------
        dict
            ``"steps"`` (int); ``"hidden"``, the recurrent state after the last complete
            frame, shaped ``(n_states, num_layers, n_streams, hidden_size)``; ``"pooled"``,
            the running sum or maximum of the pooled outputs ``(n_streams, hidden_size)``;
            ``"frame"``, the steps of the frame being filled ``(n_streams, frame_size * D)``.
            Tensors are copies.
        """
        return {"steps": self.steps, "hidden": torch.stack(self.hidden).clone(),
                "pooled": self.pooled.clone(), "frame": self.frame.clone()}

    def load_state(self, state):
        """Continue from ``state``, as :meth:`state` returned it.

        Parameters
        ----------
        state : dict
            A stream's :meth:`state`, for a network of the same shape and ``n_streams``.

        Returns
        -------
        NetworkStream
            This stream.
        """
        reference = self.state()
        for key in ("hidden", "pooled", "frame"):
            if tuple(state[key].shape) != tuple(reference[key].shape):
                raise ValueError(
                    f"The state's {key!r} has shape {tuple(state[key].shape)}, but this "
                    f"stream's has {tuple(reference[key].shape)}: load the state of a stream "
                    "of the same estimator with the same n_streams."
                )
        steps = int(state["steps"])
        if steps < 0:
            raise ValueError(f"The state's 'steps' must be at least 0; got {steps}.")
        like = reference["hidden"]
        self.steps = steps
        self.hidden = tuple(torch.as_tensor(state["hidden"]).to(like).unbind(0))
        self.pooled = torch.as_tensor(state["pooled"]).to(like)
        self.frame = torch.as_tensor(state["frame"]).to(like).clone()
        return self

"""Streaming inference: a fitted estimator's predictions on sequences that arrive step by step.

``est.stream(n_streams=k)`` returns a :class:`Stream`. Each :meth:`Stream.update` reads the
next time step of ``k`` sequences and returns what ``est.predict`` returns on the prefixes
read so far, at the cost of one step of the recurrent cells instead of a pass over the whole
history (:class:`sklrnn.nn.streaming.NetworkStream` does the work).
"""

from numbers import Integral

import numpy as np
import torch
from sklearn.base import is_classifier
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted, check_scalar

from .nn.streaming import NetworkStream

__all__ = ["Stream"]


class Stream:
    """Predictions of a fitted estimator on ``n_streams`` sequences read one step at a time.

    Made by :meth:`RNNRegressor.stream <sklrnn.RNNRegressor.stream>` or
    :meth:`RNNClassifier.stream <sklrnn.RNNClassifier.stream>`. After every :meth:`update`
    the stream's predictions equal ``estimator.predict`` on the prefixes read so far, to
    float32 rounding: for ``architecture="seq2vec"`` and ``"encoder_decoder"`` the prediction
    for the whole prefix, for ``"seq2seq"`` the prediction at the newest step (those at
    earlier steps never change). Each sequence's recurrent state (and for
    ``pooling="mean"``/``"max"`` the running sum or maximum) is kept, so an update costs one
    step of the cells whatever the length of the history. Every step is read as real: a
    stream has no padding and no ``mask_value``.

    Bidirectional networks cannot stream (their backward direction needs a sequence's end),
    nor can ``architecture="vec2seq"``, which reads no sequence.

    Parameters
    ----------
    estimator : RNNRegressor or RNNClassifier
        A fitted estimator. The stream uses its network as it is when the stream is made; a
        later ``fit`` gives the estimator a new network, which a new stream uses. A
        ``partial_fit`` changes the network in place: the states kept so far were computed
        with the old weights, so :meth:`reset` the stream (or make a new one) after it.
    n_streams : int, default=1
        Sequences read side by side.

    Attributes
    ----------
    n_streams : int
        Sequences read side by side.
    steps : int
        Time steps read since the stream was made or last :meth:`reset`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn import RNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 12, 2)).astype(np.float32)
    >>> y = (X[:, :, 0].sum(axis=1) > 0).astype(int)
    >>> clf = RNNClassifier(hidden_size=8, lr=0.03, max_epochs=10,
    ...                     random_state=0).fit(X, y)
    >>> stream = clf.stream(n_streams=3)
    >>> for t in range(12):
    ...     labels = stream.update(X[:3, t])
    >>> bool((labels == clf.predict(X[:3])).all())
    True
    >>> np.allclose(stream.predict_proba(), clf.predict_proba(X[:3]), atol=1e-5)
    True
    """

    def __init__(self, estimator, n_streams=1):
        check_is_fitted(estimator)
        check_scalar(n_streams, "n_streams", Integral, min_val=1)
        self.estimator = estimator
        self.n_streams = n_streams
        self._module = estimator.net_.module_
        self._module.eval()
        self._network = NetworkStream(self._module, n_streams)
        self._parameter = next(self._module.parameters())
        self._nonlinearity = estimator.net_._get_predict_nonlinearity()  # noqa: SLF001
        self._output = None

    @property
    def steps(self):
        """Time steps read since the stream was made or last reset."""
        return self._network.steps

    def update(self, x):
        """Read the next time step of every sequence and predict on the prefixes so far.

        Parameters
        ----------
        x : array-like of shape (n_streams, n_features)
            The new step of every sequence. For univariate sequences ``(n_streams,)`` works
            too, and for one stream ``(n_features,)``.

        Returns
        -------
        ndarray
            What ``estimator.predict`` returns on the ``n_streams`` prefixes read so far:
            ``(n_streams,)`` or ``(n_streams, n_outputs)`` for ``"seq2vec"`` (the newest
            step's for ``"seq2seq"``), ``(n_streams, horizon[, n_outputs])`` for
            ``"encoder_decoder"``; labels for a classifier.
        """
        x = self._check_step(x)
        with torch.no_grad():
            if self._module.training:  # a partial_fit since the last update
                self._module.eval()
            out = self._network.update(torch.as_tensor(x).to(self._parameter))
            self._output = self._nonlinearity(out).double().cpu().numpy()
        return self.estimator._predictions(self._output)  # noqa: SLF001

    @available_if(lambda self: is_classifier(self.estimator))
    def predict_proba(self):
        """Class probabilities of the prefixes read so far (classifiers only).

        Returns
        -------
        ndarray of shape (n_streams, n_classes)
            What ``estimator.predict_proba`` returns on the prefixes (for ``"seq2seq"``, at
            the newest step), in the order of ``classes_``.
        """
        if self._output is None:
            raise ValueError(
                "The stream has not read a step yet: call update(x) with the first step of "
                "every sequence before predict_proba()."
            )
        return self._output.copy()

    def reset(self):
        """Start new sequences: forget every step read so far.

        Returns
        -------
        Stream
            This stream.
        """
        self._network.reset()
        self._output = None
        return self

    def state(self):
        """Return the stream's state as numpy arrays, to continue it in another process.

        Returns
        -------
        dict
            ``"steps"`` (int), ``"hidden"``, ``"pooled"`` and ``"frame"`` (float32 arrays):
            the recurrent state, the running pooled outputs and the steps of a frame not
            yet complete (see :meth:`sklrnn.nn.streaming.NetworkStream.state`), and
            ``"output"``: the network's last output (None before the first update). Pass it
            to :meth:`load_state` of a stream of the same estimator (e.g. one
            :func:`sklrnn.load` read back) with the same ``n_streams``.
        """
        state = {key: value if key == "steps" else value.cpu().numpy()
                 for key, value in self._network.state().items()}
        state["output"] = None if self._output is None else self._output.copy()
        return state

    def load_state(self, state):
        """Continue from a :meth:`state`, this stream's or another's of the same estimator.

        Parameters
        ----------
        state : dict
            What :meth:`state` returned.

        Returns
        -------
        Stream
            This stream.
        """
        if not isinstance(state, dict) or not {"steps", "hidden", "pooled", "frame"} <= set(
                state):
            raise TypeError(
                "state must be the dict Stream.state() returns, with keys 'steps', 'hidden', "
                f"'pooled', 'frame' and 'output'; got {type(state).__name__}."
            )
        arrays = {key: np.asarray(state[key], dtype=np.float32)
                  for key in ("hidden", "pooled", "frame")}
        self._network.load_state({"steps": state["steps"],
                                  **{key: torch.from_numpy(a) for key, a in arrays.items()}})
        output = state.get("output")
        self._output = None if output is None else np.array(output, dtype=np.float64)
        return self

    def _check_step(self, x):
        """``x`` as a float32 ``(n_streams, n_features)`` array, or a ValueError."""
        n_features = self.estimator.input_size_
        x = check_array(x, ensure_2d=False, dtype=np.float32, input_name="x")
        if x.ndim == 1:
            if n_features == 1 and len(x) == self.n_streams:
                x = x[:, None]
            elif self.n_streams == 1:
                x = x[None]
        if x.shape != (self.n_streams, n_features):
            raise ValueError(
                f"x has shape {x.shape}, but the stream reads one step of {self.n_streams} "
                f"sequence(s) of {n_features} feature(s): pass an array of shape "
                f"({self.n_streams}, {n_features})."
            )
        return x


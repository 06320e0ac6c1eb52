"""skorch callbacks of sklrnn's own: gradient diagnostics, divergence guard, value clipping.

===============================  =========================================================
callback                         what it does
===============================  =========================================================
:class:`GradientMonitor`         records gradient norms per layer and per time step in
                                 the history, to diagnose vanishing or exploding gradients
:class:`DivergenceGuard`         stops training when the loss becomes NaN or infinite;
                                 estimators add one by default
:class:`GradientValueClipping`   clamps gradient entries (``clip_grad_value``)
:class:`LRRecorder`              records the learning rate of every epoch (``lr``);
                                 estimators add one
===============================  =========================================================

:func:`plot_step_gradients` draws what :class:`GradientMonitor` recorded per time step;
:func:`lr_schedule_callback` makes the estimators' ``lr_schedule``.
"""

import copy
import math
import re
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback, LRScheduler, PrintLog
from torch import nn
from torch.optim.lr_scheduler import LambdaLR, ReduceLROnPlateau
from torch.utils.data import default_collate

from .nn.layers import CustomRNN, step_mask

#: ``lr_schedule="cosine"`` ends at this share of ``lr``.
COSINE_FLOOR = 0.01
#: ``lr_schedule="onecycle"``: share of the steps spent warming up, the starting and the
#: final learning rate as shares of ``lr`` (torch's OneCycleLR defaults).
ONECYCLE_WARMUP, ONECYCLE_START, ONECYCLE_END = 0.3, 1 / 25, 1e-4
#: ``lr_schedule="plateau"``: halve the learning rate after this many epochs without progress.
PLATEAU_FACTOR, PLATEAU_PATIENCE = 0.5, 5

#: History keys that :class:`GradientMonitor` records.
MONITOR_KEYS = ("grad_norms", "step_grad_norms")


class GradientValueClipping(Callback):
    """Clamp every gradient entry to ``[-clip_value, clip_value]`` before each optimizer step.

    The element-wise counterpart of skorch's ``GradientNormClipping``; estimators add it for
    ``clip_grad_value``.

    Parameters
    ----------
    clip_value : float
        Largest absolute value a gradient entry may keep.

    Examples
    --------
    >>> from sklrnn import RNNRegressor
    >>> from sklrnn.callbacks import GradientValueClipping
    >>> est = RNNRegressor(callbacks=[GradientValueClipping(0.5)])
    """

    def __init__(self, clip_value):
        self.clip_value = clip_value

    def initialize(self):
        """Check ``clip_value``: a finite number > 0.

        Returns
        -------
        GradientValueClipping
            The callback itself.
        """
        value = self.clip_value
        if not (isinstance(value, Real) and not isinstance(value, bool)
                and math.isfinite(value) and value > 0):
            raise ValueError(
                f"GradientValueClipping's clip_value must be a finite number > 0; got {value!r}. "
                "Leave the callback out to train without clipping."
            )
        return self

    def on_grad_computed(self, net, named_parameters, **kwargs):
        """Clamp the gradients skorch just computed, in place.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        named_parameters : iterable of (str, torch.nn.Parameter)
            The module's parameters with their names, gradients computed.
        **kwargs : dict
            Further arguments skorch passes; unused.
        """
        torch.nn.utils.clip_grad_value_((p for _, p in named_parameters), self.clip_value)


class GradientMonitor(Callback):
    """Record gradient norms per layer and per time step, to diagnose vanishing gradients.

    In every monitored epoch (the first, then every ``every``-th: epochs 1, 1 + every,
    1 + 2 * every, ...) two entries are added to the net's history (``est.history_``):

    ``grad_norms``
        A dict ``{layer name: norm}``: the 2-norm of the gradient of the training loss with
        respect to the parameters of each layer, averaged over the epoch's training batches
        (the first ``max_batches`` of them, if set). Layer names follow PyTorch's
        ``nn.LSTM``: ``"rnn.l0"``, ``"rnn.l1"``, ... for the recurrent layers, with the
        backward direction of a bidirectional layer on its own as ``"rnn.l0_reverse"`` --
        the same names for fused (``"lstm"``, ``"gru"``, ...) and custom cells
        (``"peephole_lstm"``, ...) -- and ``"head"`` for the output layer. An
        encoder-decoder network prefixes them with ``"encoder."`` and ``"decoder."``.
    ``step_grad_norms``
        A list with one float per time step ``t``: the norm of the gradient of a sequence's
        loss with respect to its input at step ``t``, ``||d loss / d x_t||``, averaged over
        the sequences that have step ``t``. It is what reaches step ``t`` back through
        every layer and the whole recurrence -- how much the loss still "hears" that step.
        Vanishing gradients show as a curve falling steeply from the last step towards the
        first; exploding ones as a rising one. It is computed at the end of the epoch, with
        the epoch's final weights, in eval mode (no dropout), on a fixed diagnostic batch:
        up to ``max_samples`` training sequences spread evenly over the training set,
        chosen in the first monitored epoch of each ``fit``. For sequences of different
        lengths the list has one entry per step of the longest of them. Networks whose input has no
        time axis (``architecture="vec2seq"``) record no ``step_grad_norms``.

    The gradient norms are those skorch computed, before any clipping by the estimator's
    ``clip_grad_norm`` or ``clip_grad_value``: estimators run their clipping callbacks after
    the ones in ``callbacks``. A clipping callback listed *before* the monitor in
    ``callbacks`` runs first, and the monitor then sees the clipped gradients.

    Monitoring leaves training unchanged: the diagnostic pass uses no random numbers and
    does not touch the gradients the optimizer steps with.

    Parameters
    ----------
    every : int, default=1
        Monitor the first epoch and then every ``every``-th one.
    max_batches : int or None, default=None
        Average the parameter gradient norms over the first ``max_batches`` training batches
        of a monitored epoch only; None for all of them.
    max_samples : int, default=64
        Sequences in the diagnostic batch of ``step_grad_norms``.

    See Also
    --------
    plot_step_gradients : Draw ``step_grad_norms`` against the time step.
    DivergenceGuard : Stop training when the loss becomes NaN or infinite.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn import RNNRegressor
    >>> from sklrnn.callbacks import GradientMonitor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(32, 15, 2)).astype("float32")
    >>> y = X[:, 0, 0]
    >>> reg = RNNRegressor(cell="rnn", hidden_size=8, max_epochs=2,
    ...                    random_state=0,
    ...                    callbacks=[GradientMonitor()]).fit(X, y)
    >>> last = reg.history_[-1]
    >>> sorted(last["grad_norms"])
    ['head', 'rnn.l0']
    >>> len(last["step_grad_norms"])
    15
    >>> step = last["step_grad_norms"]
    >>> # the first step hears least of the loss: vanishing gradients
    >>> bool(step[0] < step[-1])
    True
    """

    def __init__(self, every=1, max_batches=None, max_samples=64):
        self.every = every
        self.max_batches = max_batches
        self.max_samples = max_samples

    def initialize(self):
        """Check the parameters and clear the state of earlier fits.

        Returns
        -------
        GradientMonitor
            The callback itself.
        """
        for name in ("every", "max_batches", "max_samples"):
            value = getattr(self, name)
            if (value is not None or name != "max_batches") and not (
                    isinstance(value, Integral) and not isinstance(value, bool) and value >= 1):
                raise ValueError(f"GradientMonitor's {name} must be an int >= 1"
                                 f"{' or None' if name == 'max_batches' else ''}; got "
                                 f"{value!r}.")
        self._clear()
        return self

    def _clear(self):
        self.layer_names_ = {}
        self.active_ = False
        self._sums = {}
        self._batches = 0
        self._diagnostic = None

    def on_train_begin(self, net, **kwargs):
        """Name the layers of the network and keep the records out of the printed table.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        **kwargs : dict
            Further arguments skorch passes; unused.
        """
        self._clear()
        self.layer_names_ = layer_names(net.module_)
        for _, callback in net.callbacks_:
            if isinstance(callback, PrintLog) and hasattr(callback, "keys_ignored_"):
                callback.keys_ignored_ |= set(MONITOR_KEYS)

    def on_epoch_begin(self, net, **kwargs):
        """Decide whether this epoch is monitored and reset the sums.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        **kwargs : dict
            Further arguments skorch passes; unused.
        """
        # skorch's own on_epoch_begin has added this epoch's row already.
        self.active_ = (len(net.history) - 1) % self.every == 0
        self._sums = {}
        self._batches = 0

    def on_grad_computed(self, net, named_parameters, training=False, **kwargs):
        """Add this batch's gradient norm of every layer to the epoch's sums.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        named_parameters : iterable of (str, torch.nn.Parameter)
            The module's parameters with their names, gradients computed.
        training : bool, default=False
            Whether the batch is a training batch; only those count.
        **kwargs : dict
            Further arguments skorch passes; unused.
        """
        if not (self.active_ and training):
            return
        if self.max_batches is not None and self._batches >= self.max_batches:
            return
        norms = {}
        for name, param in named_parameters:
            if param.grad is None:
                continue
            layer = self.layer_names_.get(id(param)) or _owner(name)
            norms.setdefault(layer, []).append(torch.linalg.vector_norm(param.grad.detach()))
        for layer, parts in norms.items():
            norm = torch.linalg.vector_norm(torch.stack(parts))
            self._sums[layer] = self._sums[layer] + norm if layer in self._sums else norm
        self._batches += 1

    def on_epoch_end(self, net, dataset_train=None, **kwargs):
        """Record the epoch's mean gradient norms and the step gradients.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        dataset_train : torch.utils.data.Dataset or None, default=None
            The training data, from which the diagnostic batch of ``step_grad_norms`` is
            drawn; None records no step gradients.
        **kwargs : dict
            Further arguments skorch passes; unused.
        """
        if not self.active_:
            return
        if self._batches:
            net.history.record("grad_norms", {
                layer: float(total) / self._batches for layer, total in self._sums.items()})
        if dataset_train is not None and len(dataset_train):
            if self._diagnostic is None:
                self._diagnostic = _diagnostic_batch(dataset_train, self.max_samples)
            steps = _step_gradient_norms(net, *self._diagnostic)
            if steps is not None:
                net.history.record("step_grad_norms", steps)

    def on_train_end(self, net, **kwargs):
        """Let go of the diagnostic batch and the sums.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        **kwargs : dict
            Further arguments skorch passes; unused.
        """
        self._clear()


def layer_names(module):
    """Map every parameter of ``module`` (by ``id``) to the name of its layer.

    Recurrent layers are named as in ``nn.LSTM``: ``"<path>.l<k>"`` and
    ``"<path>.l<k>_reverse"`` for the backward direction, for fused modules and
    :class:`~sklrnn.nn.layers.CustomRNN` alike. Every other parameter belongs to the module
    that holds it (``"head"``).

    Parameters
    ----------
    module : torch.nn.Module
        The network.

    Returns
    -------
    dict
        ``{id(parameter): layer name}``.

    Examples
    --------
    >>> from sklrnn.nn import SequenceToVector
    >>> from sklrnn.callbacks import layer_names
    >>> net = SequenceToVector(3, 1, cell="gru", num_layers=2,
    ...                        bidirectional=True)
    >>> sorted(set(layer_names(net).values()))
    ['head', 'rnn.l0', 'rnn.l0_reverse', 'rnn.l1', 'rnn.l1_reverse']
    """
    names = {}
    for path, sub in module.named_modules():
        prefix = f"{path}." if path else ""
        if isinstance(sub, nn.RNNBase):
            for name, param in sub.named_parameters(recurse=False):
                match = re.search(r"_l(\d+)(_reverse)?$", name)
                layer = f"l{match[1]}{match[2] or ''}" if match else name
                names.setdefault(id(param), prefix + layer)
        elif isinstance(sub, CustomRNN):
            for k, layer in enumerate(sub.layers):
                for direction, recurrence in enumerate(layer):
                    for param in recurrence.parameters():
                        names.setdefault(id(param),
                                         f"{prefix}l{k}{'_reverse' if direction else ''}")
        else:
            for name, param in sub.named_parameters(recurse=False):
                names.setdefault(id(param), path or name)
    return names


def _owner(name):
    """The module path of a parameter name: ``"head.weight"`` -> ``"head"``."""
    return name.rsplit(".", 1)[0]


def _diagnostic_batch(dataset, max_samples):
    """Collate up to ``max_samples`` items spread evenly over ``dataset`` into one batch.

    Indexes and collates by hand: a DataLoader would draw a seed from torch's global random
    generator and so change the training that follows.
    """
    n = len(dataset)
    rows = np.unique(np.linspace(0, n - 1, min(n, max_samples)).round().astype(int))
    return default_collate([dataset[int(i)] for i in rows])


def _step_gradient_norms(net, X, y):
    """Mean norm of the gradient of every sequence's loss w.r.t. its input at each step.

    Runs the net's module in eval mode on the batch ``X`` (an ``(N, T, D)`` tensor, or a
    dict with ``"X"`` and ``"lengths"``), computes the net's loss against ``y`` and
    differentiates it with respect to ``X`` only: the parameters' gradients stay as they
    were. The batch loss is scaled by the batch size N, so each sequence's entry is the
    gradient of its own loss (exactly so for losses that average over sequences; per-step
    losses average over all real steps, and then it is the gradient of the sequence's
    summed step losses divided by the mean length).

    Parameters
    ----------
    net : skorch.NeuralNet
        An initialized net.
    X : torch.Tensor or dict
        The batch, as skorch passes it to the module.
    y : torch.Tensor
        Its targets.

    Returns
    -------
    list of float or None
        One value per time step, averaged over the sequences that have that step; None when
        ``X`` has no time axis.
    """
    lengths = None
    if isinstance(X, dict):
        X = dict(X)
        inputs, lengths = X["X"], X.get("lengths")
    else:
        inputs = X
    if inputs.dim() != 3:
        return None
    module = net.module_
    was_training = module.training
    inputs = inputs.to(net.device, dtype=torch.float32).detach().requires_grad_(True)
    if isinstance(X, dict):
        X["X"] = inputs
        X = {key: value.to(net.device) for key, value in X.items()}
    else:
        X = inputs
    try:
        module.train(False)
        # cuDNN's RNN backward refuses eval mode; the native kernels give the same gradients.
        with torch.enable_grad(), torch.backends.cudnn.flags(enabled=False):
            y_pred = net.infer(X)
            loss = net.get_loss(y_pred, y.to(net.device), X=X, training=False)
            (grad,) = torch.autograd.grad(loss, inputs, allow_unused=True)
    finally:
        module.train(was_training)
    if grad is None:
        grad = torch.zeros_like(inputs)
    n, n_steps = grad.shape[:2]
    norms = torch.linalg.vector_norm(grad.detach(), dim=2).double() * n  # (N, T)
    if lengths is None:
        return norms.mean(0).tolist()
    lengths = lengths.to(norms.device)
    n_steps = int(lengths.max())
    real = step_mask(lengths, n_steps)
    sums = torch.where(real, norms[:, :n_steps], 0.0).sum(0)
    return (sums / real.sum(0)).tolist()


class DivergenceWarning(RuntimeWarning):
    """The training loss became NaN or infinite and :class:`~.DivergenceGuard` stepped in."""


class DivergenceGuard(Callback):
    """Stop training as soon as the training loss becomes NaN or infinite.

    Every training batch's loss is checked, and at the end of every epoch the weights. When
    either is not finite, training diverged (exploding gradients, a learning rate too high)
    and nothing after that point can recover:

    - ``restore=False``: raise a :class:`FloatingPointError` that says where it happened
      and what to try. The network is left as it was then, with weights that are
      typically non-finite (the optimizer stepped with the batch's gradients already).
    - ``restore=True``: put back the weights and optimizer state of the end of the last
      good epoch, stop training as early stopping does, and warn with a
      :class:`DivergenceWarning`. Weights are good when they are finite and the loss of
      the first batch computed with them (the next epoch's first) is finite too; the
      weights at the start of training count as those of epoch 0. The estimator is then
      fitted with those weights and predicts with them. While training, this keeps up to
      two copies of the weights and optimizer state (Adam's is twice the size of the
      weights); they are let go when training ends. When not even the first batch had a
      finite loss, there is nothing to restore and the error is raised.

    Either way, the history row of the epoch that diverged gets ``"diverged": True``; its
    batches show the non-finite loss.

    Estimators add ``("divergence_guard", DivergenceGuard())`` to their callbacks unless
    ``callbacks`` holds a ``DivergenceGuard`` or an entry named ``"divergence_guard"``
    already: pass ``callbacks=[("divergence_guard", DivergenceGuard(restore=True))]`` to
    restore, ``[("divergence_guard", None)]`` to train without a guard.

    Parameters
    ----------
    restore : bool, default=False
        Restore the last finite weights and stop, instead of raising.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklrnn import RNNRegressor
    >>> from sklrnn.callbacks import DivergenceGuard, DivergenceWarning
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(64, 10, 1)).astype("float32")
    >>> y = 10 * X[:, -3:, 0].sum(axis=1)
    >>> reg = RNNRegressor(cell="rnn", activation="relu",
    ...                    weight_init="identity", optimizer="sgd", lr=0.02,
    ...                    hidden_size=8, batch_size=16, max_epochs=5,
    ...                    clip_grad_norm=None, lr_schedule=None,
    ...                    random_state=0)
    >>> reg.fit(X, y)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FloatingPointError: The training loss became inf at epoch 2, batch 2: ...
    >>> guarded = reg.set_params(
    ...     callbacks=[("divergence_guard", DivergenceGuard(restore=True))])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     guarded = guarded.fit(X, y)
    >>> caught[0].category is DivergenceWarning
    True
    >>> bool(np.isfinite(guarded.predict(X)).all())
    True
    """

    def __init__(self, restore=False):
        self.restore = restore

    def initialize(self):
        """Check ``restore`` and clear the state of earlier fits.

        Returns
        -------
        DivergenceGuard
            The callback itself.
        """
        if not isinstance(self.restore, bool | np.bool_):
            raise ValueError(f"DivergenceGuard's restore must be True or False; got "
                             f"{self.restore!r}.")
        self._clear()
        return self

    def _clear(self):
        self.good_state_ = None
        self._pending = None
        self._batch = 0

    def on_train_begin(self, net, **kwargs):
        """Copy the starting weights, to restore if the first epoch diverges.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        **kwargs : dict
            Further arguments skorch passes; unused.
        """
        self._clear()
        self._pending = self._copy(net)

    def on_epoch_begin(self, net, **kwargs):
        """Restart the batch count.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        **kwargs : dict
            Further arguments skorch passes; unused.
        """
        self._batch = 0

    def on_batch_end(self, net, batch=None, training=False, loss=None, **kwargs):
        """Check the loss of a training batch.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        batch : tuple or None, default=None
            The batch; unused.
        training : bool, default=False
            Whether the batch is a training batch; only those are checked.
        loss : torch.Tensor, float or None, default=None
            The batch's loss.
        **kwargs : dict
            Further arguments skorch passes; unused.
        """
        if not training:
            return
        self._batch += 1
        loss = float(loss.detach()) if torch.is_tensor(loss) else loss
        if loss is not None and not math.isfinite(loss):
            self._diverged(net, f"The training loss became {loss} at epoch "
                                f"{len(net.history)}, batch {self._batch}")
        if self._pending is not None:
            # The first batch's loss was computed with the copied weights: they are good.
            self.good_state_, self._pending = self._pending, None

    def on_epoch_end(self, net, **kwargs):
        """Check the weights after the epoch's last step, and copy them.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        **kwargs : dict
            Further arguments skorch passes; unused.
        """
        if not _finite_weights(net.module_):
            self._diverged(net, "The weights became non-finite in the last step of epoch "
                                f"{len(net.history)}")
        self._pending = self._copy(net)

    def on_train_end(self, net, **kwargs):
        """Let go of the copies.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        **kwargs : dict
            Further arguments skorch passes; unused.
        """
        self._clear()

    def _copy(self, net):
        """With ``restore``: the weights, optimizer state and epochs finished up to now."""
        if not self.restore:
            return None
        return {
            "epoch": len(net.history),
            "module": {k: v.detach().clone() for k, v in net.module_.state_dict().items()},
            "optimizers": {name: copy.deepcopy(getattr(net, f"{name}_").state_dict())
                           for name in net._optimizers},  # noqa: SLF001 (skorch's names)
        }

    def _diverged(self, net, what):
        net.history.record("diverged", True)
        if self.good_state_ is None:
            restore = (" (no weights gave a finite loss, so there are none to restore)"
                       if self.restore else ", or callbacks=[('divergence_guard', "
                       "DivergenceGuard(restore=True))] to keep the weights of the last good "
                       "epoch")
            raise FloatingPointError(
                f"{what}: training diverged. Try clip_grad_norm=1.0 or a lower learning rate "
                f"than lr={net.lr!r}{restore}.")
        net.module_.load_state_dict(self.good_state_["module"])
        for name, state in self.good_state_["optimizers"].items():
            getattr(net, f"{name}_").load_state_dict(state)
        epoch = self.good_state_["epoch"]
        when = f"the end of epoch {epoch}" if epoch else "the start of training"
        warnings.warn(
            f"{what}: training diverged and stopped. The weights of {when} were restored. "
            f"Try clip_grad_norm=1.0 or a lower learning rate than lr={net.lr!r}.",
            DivergenceWarning, stacklevel=2)
        raise KeyboardInterrupt


def _finite_weights(module):
    return all(bool(torch.isfinite(p).all()) for p in module.parameters())


def plot_step_gradients(history_or_estimator, ax=None, epochs=None):
    """Plot the step gradient norms :class:`~.GradientMonitor` recorded against the time step.

    One line per epoch, on a logarithmic y axis: a line falling steeply towards the first
    time steps shows vanishing gradients.

    Parameters
    ----------
    history_or_estimator : skorch.History, skorch.NeuralNet or fitted estimator
        Where the records are: a history, a net, or an estimator's ``history_``.
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; the current axes when None.
    epochs : iterable of int or None, default=None
        The (1-based) epochs to draw, among those monitored. None draws up to five,
        spread evenly from the first monitored epoch to the last.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn import RNNRegressor
    >>> from sklrnn.callbacks import GradientMonitor, plot_step_gradients
    >>> X = np.random.default_rng(0).normal(size=(16, 12, 1)).astype("float32")
    >>> reg = RNNRegressor(hidden_size=4, max_epochs=2, random_state=0,
    ...                    callbacks=[GradientMonitor()]).fit(X, X[:, 0, 0])
    >>> ax = plot_step_gradients(reg)  # doctest: +SKIP
    """
    history = getattr(history_or_estimator, "history_", None)
    if history is None:
        history = getattr(history_or_estimator, "history", history_or_estimator)
    if not (isinstance(history, list) and all(isinstance(row, dict) for row in history)):
        if hasattr(history_or_estimator, "get_params") and hasattr(history_or_estimator, "fit"):
            raise NotFittedError(
                f"This {type(history_or_estimator).__name__} instance has no history: it is not "
                "fitted (or not initialized) yet. Fit it with callbacks=[GradientMonitor()] "
                "first.")
        raise TypeError(
            "plot_step_gradients reads a skorch History, a skorch net or a fitted sklrnn "
            f"estimator; got {type(history_or_estimator).__name__}.")
    recorded = {row["epoch"]: row["step_grad_norms"] for row in history
                if "step_grad_norms" in row}
    if not recorded:
        raise ValueError(
            "No step gradient norms were recorded; train with "
            "callbacks=[GradientMonitor()] (on sequence input) first.")
    if epochs is None:
        monitored = sorted(recorded)
        picks = np.linspace(0, len(monitored) - 1, min(5, len(monitored))).round()
        epochs = [monitored[int(i)] for i in np.unique(picks)]
    else:
        if isinstance(epochs, str | bytes) or not hasattr(epochs, "__iter__"):
            raise TypeError(f"epochs must be an iterable of epoch numbers or None; got "
                            f"{epochs!r}. Pass [{epochs!r}] for a single epoch.")
        epochs = list(epochs)
        missing = [epoch for epoch in epochs if epoch not in recorded]
        if missing:
            raise ValueError(f"Epochs {missing} have no step gradient norms; the monitored "
                             f"epochs are {sorted(recorded)}.")
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "plot_step_gradients needs matplotlib; install it with `pip install matplotlib`."
        ) from exc
    if ax is None:
        ax = plt.gca()
    for epoch in epochs:
        norms = recorded[epoch]
        ax.plot(np.arange(len(norms)), norms, marker=".", label=f"epoch {epoch}")
    ax.set_yscale("log")
    ax.set_xlabel("time step t")
    ax.set_ylabel("mean ||d loss / d x_t||")
    ax.set_title("Gradient reaching each time step")
    ax.legend()
    return ax


class LRRecorder(Callback):
    """Record the learning rate of every epoch in the history, as ``lr``.

    The learning rate of the optimizer's first parameter group when the epoch starts, so
    with any schedule, or none, ``net.history[:, "lr"]`` shows what training used.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn import RNNRegressor
    >>> X, y = np.zeros((8, 5, 1), "float32"), np.zeros(8, "float32")
    >>> reg = RNNRegressor(hidden_size=4, lr=0.1, lr_schedule="cosine",
    ...                    max_epochs=3, random_state=0).fit(X, y)
    >>> [round(lr, 4) for lr in reg.history_[:, "lr"]]
    [0.1, 0.0505, 0.001]
    """

    def on_epoch_begin(self, net, **kwargs):
        """Record the learning rate the epoch starts with.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        **kwargs : dict
            Further arguments skorch passes; unused.
        """
        net.history.record("lr", float(net.optimizer_.param_groups[0]["lr"]))


class _CosineDecay:
    """Learning-rate factor after ``step`` of ``total`` steps: half a cosine to COSINE_FLOOR."""

    def __init__(self, total):
        self.total = total

    def __call__(self, step):
        progress = min(step / max(self.total - 1, 1), 1.0)
        return COSINE_FLOOR + (1 - COSINE_FLOOR) * 0.5 * (1 + math.cos(math.pi * progress))


class _OneCycle:
    """Learning-rate factor of the one-cycle policy: a cosine up, then a cosine down."""

    def __init__(self, total):
        self.total = total

    def __call__(self, step):
        progress = min(step / max(self.total - 1, 1), 1.0)
        if progress < ONECYCLE_WARMUP:
            low, high, part = ONECYCLE_START, 1.0, progress / ONECYCLE_WARMUP
        else:
            low, high = 1.0, ONECYCLE_END
            part = (progress - ONECYCLE_WARMUP) / (1 - ONECYCLE_WARMUP)
        return high + (low - high) * 0.5 * (1 + math.cos(math.pi * part))


def lr_schedule_callback(schedule, total_steps, monitor="train_loss"):
    """The skorch callback of an estimator's ``lr_schedule``.

    Parameters
    ----------
    schedule : {"cosine", "onecycle", "plateau"} or skorch.callbacks.LRScheduler
        The schedule (see the estimators' ``lr_schedule``); a callback is copied.
    total_steps : int
        Optimizer steps the training will take: the span of ``"cosine"`` and
        ``"onecycle"``, which hold their final rate beyond it.
    monitor : str, default="train_loss"
        The history key ``"plateau"`` watches.

    Returns
    -------
    skorch.callbacks.LRScheduler
        Stepped after every batch (``"plateau"``: every epoch). Every call of ``fit`` or
        ``partial_fit`` starts the schedule again from the optimizer's initial rate.

    Examples
    --------
    >>> from sklrnn.callbacks import lr_schedule_callback
    >>> callback = lr_schedule_callback("cosine", total_steps=100)
    >>> [round(float(lr), 3) for lr in callback.simulate(3, 1.0)]
    [1.0, 1.0, 0.999]
    """
    if isinstance(schedule, LRScheduler):
        return copy.deepcopy(schedule)
    if schedule == "plateau":
        return LRScheduler(ReduceLROnPlateau, monitor=monitor, factor=PLATEAU_FACTOR,
                           patience=PLATEAU_PATIENCE, event_name=None)
    factor = {"cosine": _CosineDecay, "onecycle": _OneCycle}[schedule](total_steps)
    # last_epoch=-1: every fit starts from the initial rate (skorch would pass the epoch).
    return LRScheduler(LambdaLR, lr_lambda=factor, last_epoch=-1, step_every="batch",
                       event_name=None)

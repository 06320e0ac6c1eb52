"""Data-parallel training with Hugging Face accelerate: the skorch nets behind ``accelerator``.

skorch's :class:`~skorch.hf.AccelerateMixin` prepares the module and the optimizer with the
accelerator (DistributedDataParallel across processes, gradient accumulation) and steps
through it. Used on its own with sklrnn's batches it breaks in several ways (measured with
accelerate 1.15 and skorch 1.4, see the tests); :class:`AcceleratedNet` changes these:

- ``accelerator.prepare`` of sklrnn's DataLoaders (index-array batches from a ``sampler``
  with ``batch_size=None``) drops the sampler: one sequence per batch on one process, a
  ``TypeError`` on several. The estimators shard the training batches themselves
  (``iterator_train__shard``, :class:`~sklrnn._batching.ShardedBatches`); validation and
  prediction run all batches on every process, so nothing is gathered (accelerate's
  ``gather_for_metrics`` needs batches of one size to drop its padding).
- The device is the accelerator's (``cuda:<local rank>``, or the CPU); skorch moves the
  batches there.
- skorch's ``fit`` initializes the net again, and AccelerateMixin, having prepared the
  first module, leaves the new one unprepared: no gradient all-reduce, processes drift apart.
- Losses without parameters are not prepared: on several CPU processes accelerate wraps any
  module in DistributedDataParallel, which refuses them.
- The module is unwrapped after every callback's ``on_train_end`` (early stopping restores
  the best weights into the wrapped module it copied them from) and wrapped again by a
  later ``partial_fit`` (``warm_start``).
- Every process sees the same losses: each training batch's loss is averaged over the
  processes (so that :class:`~sklrnn.callbacks.DivergenceGuard` stops all of them at the
  same batch), and so are the epoch's (:class:`SyncEpochLosses`).
- The accelerator forgets the module and optimizer when training ends: it keeps a reference
  to everything it prepared, which held every network of a grid search in memory.
"""

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.hf import AccelerateMixin

from ._nets import NetClassifier, NetRegressor


class SyncEpochLosses(Callback):
    """Average the epoch's ``train_loss`` and ``valid_loss`` over the processes.

    Each process records the losses of its own batches. Callbacks that act on them (early
    stopping, checkpoints, learning-rate schedules, the printed table) must see the same
    numbers on every process, or one stops while the others wait for it. Runs after
    skorch's scoring of the epoch and before every other callback; sets the ``*_best``
    flags again from the averaged values.
    """

    def on_epoch_end(self, net, **kwargs):
        accelerator = net.accelerator
        if accelerator.num_processes == 1:
            return
        history = net.history
        keys = [key for key in ("train_loss", "valid_loss") if key in history[-1]]
        if not keys:
            return
        values = torch.tensor([history[-1, key] for key in keys], dtype=torch.float64,
                              device=accelerator.device)
        values = accelerator.reduce(values, reduction="mean").tolist()
        for key, value in zip(keys, values, strict=True):
            history.record(key, value)
            if f"{key}_best" in history[-1]:
                earlier = [v for v in history[:-1, key]] if len(history) > 1 else []
                history.record(f"{key}_best", not earlier or value < min(earlier))


class AcceleratedNet(AccelerateMixin):
    """skorch's :class:`~skorch.hf.AccelerateMixin` for sklrnn's estimators (see the module).

    The estimators build it with their ``accelerator``; ``device`` is ignored (the
    accelerator's is used).
    """

    def __init__(self, *args, accelerator, device=None, callbacks=None, **kwargs):
        callbacks = [("sync_epoch_losses", SyncEpochLosses()), *(callbacks or [])]
        # PrintLog prints whatever the verbosity once its sink is not print.
        kwargs.setdefault("callbacks__print_log__sink",
                          accelerator.print if kwargs.get("verbose") else print)
        super().__init__(*args, accelerator=accelerator, device=accelerator.device,
                         unwrap_after_train=False, callbacks=callbacks, **kwargs)
        self._prepared = []

    def _validate_params(self):
        # AccelerateMixin asks for device=None; here it is the accelerator's own device.
        super(AccelerateMixin, self)._validate_params()

    def initialize(self):
        # A new module and optimizer: prepare them, even if earlier ones were.
        self._release_accelerator()
        self._wrapped_with_accelerator = False
        return super().initialize()

    def _initialize_accelerator(self):
        if self._wrapped_with_accelerator:
            return self
        self._wrap_modules()
        with self._current_init_context("optimizer"):
            for name in self._optimizers:
                optimizer = getattr(self, name + "_")
                if isinstance(optimizer, torch.optim.Optimizer):
                    optimizer = self.accelerator.prepare(optimizer)
                    self._prepared.append(optimizer)
                    setattr(self, name + "_", optimizer)
        return self

    def _wrap_modules(self):
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, torch.nn.Module) and any(
                    p.requires_grad for p in module.parameters()):
                module = self.accelerator.prepare_model(module)
                self._prepared.append(module)
                setattr(self, name + "_", module)
        self._wrapped_with_accelerator = True

    def get_iterator(self, dataset, training=False):
        # Not accelerator.prepare: the estimators shard the training batches themselves.
        return NeuralNet.get_iterator(self, dataset, training=training)

    def evaluation_step(self, batch, training=False):
        # Every process evaluates every batch: nothing to gather.
        return NeuralNet.evaluation_step(self, batch, training=training)

    def train_step(self, batch, **fit_params):
        step = super().train_step(batch, **fit_params)
        if self.accelerator.num_processes > 1:
            step["loss"] = self.accelerator.reduce(step["loss"].detach(), reduction="mean")
        return step

    def on_train_end(self, net, **kwargs):
        # AccelerateMixin's, without unwrapping: callbacks still restore weights into the
        # wrapped module (partial_fit unwraps after them).
        self.accelerator.wait_for_everyone()
        return NeuralNet.on_train_end(self, net, **kwargs)

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        if self.initialized_ and not self._wrapped_with_accelerator:
            self._wrap_modules()  # warm_start: train the prepared module again
        try:
            return super().partial_fit(X, y, classes=classes, **fit_params)
        finally:
            self._unwrap_accelerator()
            self._release_accelerator()

    def _release_accelerator(self):
        """Drop the accelerator's references to what this net prepared."""
        prepared, self._prepared = getattr(self, "_prepared", []), []
        for name in ("_models", "_optimizers"):
            registry = getattr(self.accelerator, name, None)
            if isinstance(registry, list):
                registry[:] = [obj for obj in registry
                               if not any(obj is mine for mine in prepared)]


class AcceleratedNetRegressor(AcceleratedNet, NetRegressor):
    """:class:`~sklrnn._nets.NetRegressor` trained through an accelerator."""


class AcceleratedNetClassifier(AcceleratedNet, NetClassifier):
    """:class:`~sklrnn._nets.NetClassifier` trained through an accelerator."""

"""BaseRNN: the fit/predict machinery shared by RNNRegressor and RNNClassifier."""

import copy
import inspect
import warnings
from numbers import Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_array, check_is_fitted
from skorch.callbacks import (
    Callback,
    EarlyStopping,
    GradientNormClipping,
    LRScheduler,
    ProgressBar,
)
from skorch.history import History

from ._batching import BatchDataset, HoldOut, batch_loader, bucket_loader
from ._checks import PositiveInt, detach_tensors
from ._panels import rows_are_samples
from ._sequences import (
    InputShape,
    PackedSequences,
    Sequences,
    validate_network_sequences,
    validate_network_vectors,
)
from ._targets import step_targets
from .callbacks import DivergenceGuard, GradientValueClipping, LRRecorder, lr_schedule_callback
from .nn import (
    CELLS,
    EncoderDecoder,
    SequenceToSequence,
    SequenceToVector,
    VectorToSequence,
    estimate_batch_norm,
)
from .nn.cells import ACTIVATIONS
from .nn.heads import POOLINGS
from .nn.init import WEIGHT_INITS
from .streaming import Stream

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}

#: Batches that each call of skorch's predict_proba predicts (BaseRNN._net_predict).
PREDICT_CHUNK_BATCHES = 32

#: Optimizer steps that ``max_epochs="auto"`` trains for (see its documentation).
AUTO_STEPS = 2000
#: ``max_epochs="auto"`` trains at least this many epochs, and at most AUTO_MAX_EPOCHS.
AUTO_MIN_EPOCHS = 5
AUTO_MAX_EPOCHS = 2000
#: ``frame_size="auto"`` reads sequences in frames of ``ceil(T / AUTO_FRAME_STEPS)`` steps.
AUTO_FRAME_STEPS = 25
#: ``early_stopping="auto"`` holds out data when that gives at least this many sequences.
AUTO_MIN_VALIDATION = 100
#: ConvergenceWarning: the training loss never fell below this share of a constant
#: predictor's, or fell by more than CONVERGENCE_TOL of that level over the last tenth of
#: the epochs.
CONSTANT_LEVEL = 0.95
CONVERGENCE_TOL = 0.01

#: architecture -> the network it trains (sklrnn.nn.heads)
NETWORKS = {
    "seq2vec": SequenceToVector,
    "seq2seq": SequenceToSequence,
    "vec2seq": VectorToSequence,
    "encoder_decoder": EncoderDecoder,
}

def n_batches(n_train, batch_size):
    """Batches in an epoch of ``n_train`` training sequences."""
    return -(-n_train // batch_size)


def auto_max_epochs(n_train, batch_size, most=AUTO_MAX_EPOCHS):
    """Epochs of ``max_epochs="auto"``: AUTO_STEPS batches, AUTO_MIN_EPOCHS to ``most``."""
    return int(np.clip(-(-AUTO_STEPS // n_batches(n_train, batch_size)), AUTO_MIN_EPOCHS,
                       most))


class BaseRNN(BaseEstimator):
    """Shared machinery: parameter validation, seeding, net building, prediction.

    Subclasses set the class attributes below and implement the hooks that raise
    ``NotImplementedError`` here (:meth:`_prepare_target`, :meth:`_output_size`,
    :meth:`_validation_rows`, :meth:`_predictions`); :meth:`_constant_loss`,
    :meth:`_net_params` and :meth:`_check_score_targets` have defaults.
    """

    #: The skorch net class ``fit`` trains, and its counterpart for ``accelerator``
    #: (:mod:`sklrnn._accelerate`).
    _net_class = None
    _accelerated_net_class = None
    #: The loss of one output per sample (or per decoded step), and of per-step outputs
    #: whose padded steps it must ignore (``"seq2seq"``).
    _criterion = None
    _step_criterion = None
    #: Parameters that shape the network or how it reads its input: ``fit`` keeps the
    #: values it built the network with, which ``predict``, ``score`` and ``sklrnn.save``
    #: use until the next ``fit`` (scikit-learn's rule for ``set_params``), and a
    #: ``warm_start`` fit refuses to continue a network after they changed.
    _network_params = ("architecture", "cell", "activation", "hidden_size", "num_layers",
                       "bidirectional", "pooling", "frame_size", "normalization",
                       "mask_value")

    _parameter_constraints = {
        "cell": [StrOptions(set(CELLS))],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "hidden_size": [PositiveInt()],
        "num_layers": [PositiveInt()],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "architecture": [StrOptions({"seq2vec", "seq2seq", "vec2seq", "encoder_decoder"})],
        "pooling": [StrOptions(set(POOLINGS))],
        "frame_size": [PositiveInt(), StrOptions({"auto"})],
        "normalization": [None, StrOptions({"batch", "layer"})],
        "weight_init": [StrOptions(set(WEIGHT_INITS))],
        "clip_grad_norm": [None, Interval(Real, 0, None, closed="neither")],
        "clip_grad_value": [None, Interval(Real, 0, None, closed="neither")],
        # NaN marks padding too; infinity cannot, as X may not contain it.
        "mask_value": [None, Interval(Real, None, None, closed="neither"), "nan"],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "lr_schedule": [None, StrOptions({"cosine", "plateau", "onecycle"}), LRScheduler],
        "max_epochs": [PositiveInt(), StrOptions({"auto"})],
        "batch_size": [PositiveInt()],
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "patience": [PositiveInt()],
        "callbacks": [list, None],
        "device": [str, torch.device],
        "accelerator": [None, HasMethods(["prepare", "reduce", "wait_for_everyone"])],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    def __init__(self, *, cell="lstm", activation="tanh", hidden_size=32, num_layers=1,
                 bidirectional=False, dropout=0.0, architecture="seq2vec", pooling="last",
                 frame_size="auto", normalization=None, weight_init="default",
                 clip_grad_norm=1.0, clip_grad_value=None, mask_value=None, lr=1e-2,
                 lr_schedule="cosine", max_epochs="auto", batch_size=32, optimizer="adam",
                 early_stopping="auto", validation_fraction=0.1, patience=10, callbacks=None,
                 device="cpu", accelerator=None, random_state=None, verbose=0,
                 warm_start=False):
        self.cell = cell
        self.activation = activation
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.architecture = architecture
        self.pooling = pooling
        self.frame_size = frame_size
        self.normalization = normalization
        self.weight_init = weight_init
        self.clip_grad_norm = clip_grad_norm
        self.clip_grad_value = clip_grad_value
        self.mask_value = mask_value
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.callbacks = callbacks
        self.device = device
        self.accelerator = accelerator
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    def __setstate__(self, state):
        super().__setstate__(state)
        if "net_" in self.__dict__:
            # Unpickled fused weights are separate tensors; cuDNN wants them in one block.
            for module in self.net_.module_.modules():
                if isinstance(module, torch.nn.RNNBase):
                    module.flatten_parameters()

    def __sklearn_is_fitted__(self):
        """Fitted means a trained network: a failed ``fit`` leaves none."""
        return hasattr(self, "net_")

    # -- what sklrnn.save writes and sklrnn.load reads -----------------------------------------

    #: Parameters added since the first files were written, with the values that train as
    #: the models of files without them were trained: a file lacking one predates it.
    _added_params = {"frame_size": 1, "lr_schedule": None}
    #: Fitted attributes of older files under their names now (None: no longer kept).
    _renamed_attributes = {"_input_size": "input_size_", "_input_ndim": "input_ndim_",
                           "_n_outputs": None}

    @classmethod
    def __sklrnn_upgrade__(cls, node):
        """Bring the document of an older file to the current layout; ``node`` is kept.

        Parameters
        ----------
        node : dict
            The estimator's document as :func:`sklrnn.save` wrote it: ``"params"``,
            ``"fitted"`` (encoded values) and the network's ``"history"`` and, before
            ``max_steps_``, ``"max_steps"``.

        Returns
        -------
        dict
            The document with today's parameter and attribute names.
        """
        params = {**cls._added_params, **node["params"]}
        fitted = {}
        for key, value in node["fitted"].items():
            key = cls._renamed_attributes.get(key, key)
            if key is not None:
                fitted[key] = value
        if "history" in node and "max_steps_" not in fitted:
            fitted["max_steps_"] = node.get("max_steps")
        return {**node, "params": params, "fitted": fitted}

    def __sklrnn_state__(self):
        """What :func:`sklrnn.save` writes besides the parameters.

        Returns
        -------
        dict
            ``"params"``: the parameters the network was built with, where ``set_params``
            changed them since ``fit``; ``"fitted"``: every attribute ``fit`` set but the
            network; ``"tensors"``: the network's state dict; ``"history"``: its training
            history as a list.
        """
        params = self.get_params(deep=False)
        return {
            "params": dict(self._built_params),
            "fitted": {key: value for key, value in vars(self).items() if key not in params
                       and key not in ("net_", "history_", "_built_params")},
            "tensors": self.net_.module_.state_dict(),
            "history": self.history_.to_list(),
        }

    def __sklrnn_restore__(self, state):
        """Set the fitted state of :meth:`__sklrnn_state__` on this unfitted estimator.

        Parameters
        ----------
        state : dict
            As :meth:`__sklrnn_state__` returns it; ``"tensors"`` may hold more tensors than
            the network's (those of other estimators in the same file).

        Returns
        -------
        set of str
            The names of the tensors the network took.

        Raises
        ------
        ValueError
            When this machine lacks the saved ``device``, or the tensors do not fit the
            network the parameters build.
        """
        self._validate_params()
        self._check_compatible()
        self.__dict__.update(state["fitted"])
        self._built_params = {name: getattr(self, name) for name in self._network_params}
        try:
            self._cuda_devices()
        except ValueError as exc:
            raise ValueError(
                f"a network saved on device={self.device!r}, which this machine does not "
                "have: load it with sklrnn.load(path, device='cpu')."
            ) from exc
        tensors = self._check_tensor_shapes(state["tensors"])
        net = self._build_net(None)
        net.module_.load_state_dict(tensors)
        net.history = History(state["history"])
        self.net_, self.history_ = net, net.history
        return set(tensors)

    def _check_tensor_shapes(self, tensors):
        """The network's tensors among ``tensors``, once their names and shapes fit it.

        The network is laid out on PyTorch's ``meta`` device, which allocates nothing, so
        sizes from an altered file cost no memory before they are compared.
        """
        n_tensors = len(tensors)
        if self.num_layers * (1 + self.bidirectional) > n_tensors:
            raise ValueError(
                f"{n_tensors} tensors, too few for num_layers={self.num_layers}: they do not "
                "fit the network its hyperparameters build."
            )
        with torch.device("meta"):
            expected = NETWORKS[self.architecture](**self._module_kwargs()).state_dict()
        mismatched = sorted(
            key for key, value in expected.items()
            if key not in tensors or tuple(tensors[key].shape) != tuple(value.shape))
        if mismatched:
            shown = ", ".join(
                f"{key} {tuple(expected[key].shape)}"
                + (f" (file: {tuple(tensors[key].shape)})" if key in tensors else " (missing)")
                for key in mismatched[:3])
            more = f" and {len(mismatched) - 3} more" if len(mismatched) > 3 else ""
            raise ValueError(
                f"tensors that do not fit the network its hyperparameters build: {shown}{more}."
            )
        return {key: tensors[key] for key in expected}

    # -- fit ---------------------------------------------------------------------------------

    def fit(self, X, y, sample_weight=None):
        """Train the network on sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps), \
or list of n_samples arrays of shape (n_timesteps_i, n_features) or (n_timesteps_i,)
            Training sequences; 2-D input is univariate sequences. Sequences of different
            lengths come as a list (or 1-D object array) of arrays or a sktime panel
            (``pd-multiindex`` or ``nested_univ``), or padded, with ``mask_value`` set.
            With ``architecture="vec2seq"``: vectors of shape ``(n_samples, n_features)``.
        y : array-like or list of arrays
            Targets, shaped as ``architecture`` describes: ``(n_samples,)`` or
            ``(n_samples, n_outputs)`` for ``"seq2vec"``.
        sample_weight : array-like of shape (n_samples,), default=None
            The weight of every sample, >= 0: the loss is the weighted mean of the samples'
            losses (every real step of a sample, or decoded step, weighs what the sample
            does), so an integer weight counts like repeating the sample. The held-out
            rows of early stopping keep theirs. None weighs all samples alike.

        Returns
        -------
        self : object
            The fitted estimator.

        Raises
        ------
        ValueError
            When ``sample_weight`` has another length than ``X``, negative or non-finite
            values, or is 0 everywhere. With ``warm_start=True``, when a parameter the
            fitted network was built from (``hidden_size``, ``cell``, ...) changed since:
            continuing would train a network that disagrees with the parameters.

        Notes
        -----
        A ``fit`` that fails -- the loss diverged, a callback raised, an interrupt outside
        skorch's training loop -- leaves the estimator as it was before the call: a fitted
        estimator keeps its previous network (a ``warm_start`` fit's is put back as it was).
        """
        return self._train(X, y, sample_weight, self.warm_start and hasattr(self, "net_"))

    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train the network one epoch on ``X`` and ``y``, continuing from where it was.

        The first call builds the network (as ``fit`` would for this data); every call then
        passes once over the data given, in batches, keeping the network's weights and the
        optimizer's state from the last call (or the last ``fit``), as
        :meth:`sklearn.neural_network.MLPRegressor.partial_fit` does. Feed a data set in
        chunks, or a stream of windows, without holding all of it at once.

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, in any form :meth:`fit` accepts, with the features of the first call.
        y : array-like or list of arrays
            Their targets, as for :meth:`fit`.
        sample_weight : array-like of shape (n_samples,), default=None
            The weight of every sample, as for :meth:`fit`.
        classes : None, default=None
            For the signature the classifier shares (skorch's ``partial_fit`` has it too):
            a regressor has no classes, and refuses any.

        Returns
        -------
        self : object
            The estimator, trained one more epoch.

        Notes
        -----
        ``partial_fit`` trains at the constant rate ``lr``: no ``lr_schedule`` (a schedule
        needs to know how many steps there will be), no hold-out and no early stopping
        (call :meth:`score` on data of your own). ``max_epochs`` and ``warm_start`` do not
        apply. The network parameters (``hidden_size``, ``cell``, ...) must not change
        between calls; a failed call leaves the estimator as it was.

        Examples
        --------
        >>> import numpy as np
        >>> from sklrnn import RNNRegressor
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(300, 8, 1))
        >>> y = X[:, :, 0].sum(axis=1)
        >>> reg = RNNRegressor(hidden_size=8, random_state=0)
        >>> for epoch in range(20):
        ...     for chunk in np.array_split(np.arange(300), 3):
        ...         reg = reg.partial_fit(X[chunk], y[chunk])
        >>> len(reg.history_)
        60
        >>> reg.score(X, y) > 0.9
        True
        """
        if classes is not None:
            raise ValueError(
                f"{type(self).__name__}.partial_fit takes no classes (got {classes!r}); "
                "they are for RNNClassifier. Leave classes=None."
            )
        return self._train(X, y, sample_weight, hasattr(self, "net_"), partial=True)

    def _train(self, X, y, sample_weight, continuing, partial=False, **target_args):
        """:meth:`fit` (``partial``: :meth:`partial_fit`), that loses nothing when it fails.

        ``continuing``: train the fitted network further. ``target_args`` go to
        :meth:`_prepare_target` (the classifier's ``classes``).
        """
        self._validate_params()
        self._check_compatible()
        self._check_optimizer()
        self._callback_entries()
        self._check_accelerator()
        devices = self._cuda_devices()
        if continuing:
            self._check_same_network("partial_fit" if partial else "warm_start=True")
        previous = dict(vars(self))
        # A warm start trains the fitted network in place: keep what it changes to put back
        # (the callbacks start afresh in every fit).
        saved = _training_state(self.net_) if continuing else None
        try:
            return self._fit(X, y, sample_weight, continuing, devices, partial, target_args)
        except BaseException:
            # A failed fit loses nothing: the previous fitted state (or none) comes back.
            vars(self).clear()
            vars(self).update(previous)
            if saved is not None:
                _restore_training_state(self.net_, saved)
                self.history_ = self.net_.history
            raise

    def _check_same_network(self, how):
        """Refuse to continue (``how``) a network whose parameters changed since it was built."""
        built = self._built_params
        changed = [name for name in self._network_params
                   if not _same_value(getattr(self, name), built[name])]
        if changed:
            now = ", ".join(f"{name}={getattr(self, name)!r}" for name in changed)
            then = ", ".join(f"{name}={built[name]!r}" for name in changed)
            fresh = ("call fit (warm_start=False)" if how == "partial_fit"
                     else "set warm_start=False")
            raise ValueError(
                f"{how} continues the fitted network, built with {then}; the parameters "
                f"now say {now}, a different network. To train one from scratch, {fresh}; "
                f"to continue the fitted one, set_params({then})."
            )

    def _fitted_param(self, name):
        """``name`` as the fitted network was built with it; the parameter when unfitted."""
        built = vars(self).get("_built_params")
        return getattr(self, name) if built is None else built[name]

    def _fit(self, X, y, sample_weight, continuing, devices, partial, target_args):
        """:meth:`_train` once the parameters are checked; on failure it restores state."""
        y, sample_weight = detach_tensors(y), detach_tensors(sample_weight)
        if not continuing:
            self._built_params = {name: getattr(self, name) for name in self._network_params}
            # sktime's global reduction passes a table of windows indexed by (series, time).
            self._table_frame = rows_are_samples(X, y)
        inputs = self._validate_input(X, reset=not continuing)
        X, lengths = inputs.X, inputs.lengths
        if not continuing:
            self.input_ndim_, self.input_size_ = inputs.ndim, X.shape[-1]
        y = self._prepare_target(y, X, inputs.real, reset=not continuing, **target_args)
        weight = self._training_weight(sample_weight, y)
        # getattr: files saved before these settings hold unframed networks.
        frame_size = getattr(self, "frame_size_", 1) if continuing else (
            self._resolve_frame_size(X))
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        if partial and continuing:  # each epoch of partial_fit draws other batches
            seed = (seed + len(self.net_.history)) % np.iinfo(np.int32).max
        if self._processes() > 1:
            # One seed for all processes: the same validation rows and batches everywhere.
            from accelerate.utils import broadcast_object_list
            seed = broadcast_object_list([seed], from_process=0)[0]
        # A warm start keeps the callbacks, early stopping's among them, of the first fit.
        early_stopping = (False if partial else
                          getattr(self, "do_early_stopping_", self.early_stopping is True)
                          if continuing else self._resolve_early_stopping(len(y)))
        train_split = self._make_train_split(y, seed, early_stopping)
        n_train = len(y) if train_split is None else len(y) - train_split.n_rows(len(y))
        max_epochs = 1 if partial else self._resolve_max_epochs(n_train)
        self.frame_size_, self.max_epochs_ = frame_size, max_epochs
        self.do_early_stopping_ = early_stopping
        epochs_before = len(self.net_.history) if continuing else 0
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            if not continuing:
                # Batch norm keeps statistics for every step of the longest sequence.
                self.max_steps_ = -(-X.shape[1] // frame_size) if X.ndim == 3 else None
                self.net_ = self._build_net(train_split, n_train=n_train)
            if partial:
                self._train_at_constant_rate()
            elif continuing:
                self.net_.set_params(train_split=train_split)
                if self.lr_schedule is not None:
                    self._restart_schedule(n_train)
            # The net is initialized: skorch's fit would initialize it again.
            self.net_.partial_fit(_net_input(X, lengths, weight), y, epochs=max_epochs)
            if self.normalization == "batch":
                self._estimate_batch_norm(X, lengths, y)
        self.history_ = self.net_.history
        if not partial:  # one epoch of many says nothing about convergence
            self._check_convergence(self.history_[epochs_before:], y, weight)
        return self

    def _train_at_constant_rate(self):
        """Drop what :meth:`partial_fit` does without: the schedule, hold-out, early stopping."""
        net = self.net_
        net.set_params(train_split=None)
        net.callbacks_ = [(name, callback) for name, callback in net.callbacks_
                          if name not in ("lr_scheduler", "early_stopping")]
        for group in net.optimizer_.param_groups:
            group["lr"] = self.lr

    def _training_weight(self, sample_weight, y):
        """The weights the loss averages with: of every sample (or step), or None for equal.

        ``y`` is the targets as the network trains on them. Subclasses fold in their own
        weights (``class_weight``).
        """
        if sample_weight is None:
            return None
        try:
            weight = _check_sample_weight(sample_weight, y, ensure_non_negative=True)
        except ValueError as exc:
            raise ValueError(
                f"{exc} sample_weight must hold one finite weight >= 0 per sample of X "
                f"({len(y)}), not all of them 0."
            ) from exc
        return weight

    def _restart_schedule(self, n_train):
        """Span the learning-rate schedule of a warm start over the epochs it trains."""
        scheduler = self._lr_scheduler(n_train, self.max_epochs_,
                                       self.do_early_stopping_).initialize()
        # Only this callback is swapped: set_params would initialize all of them again (and
        # LoadInitState would load its checkpoint a second time). After partial_fit it is
        # added again.
        callbacks = self.net_.callbacks_
        if all(name != "lr_scheduler" for name, _ in callbacks):
            callbacks = [*callbacks, ("lr_scheduler", None)]
        self.net_.callbacks_ = [(name, scheduler if name == "lr_scheduler" else callback)
                                for name, callback in callbacks]

    def _lr_scheduler(self, n_train, max_epochs, early_stopping):
        """The callback of ``lr_schedule``, spanning ``max_epochs`` over ``n_train`` sequences."""
        return lr_schedule_callback(
            self.lr_schedule, total_steps=max_epochs * n_batches(n_train, self.batch_size),
            monitor="valid_loss" if early_stopping else "train_loss")

    def _resolve_frame_size(self, X):
        """``frame_size`` as a number for sequences ``X`` padded to their longest."""
        if self.architecture in ("seq2seq", "vec2seq"):
            if self.frame_size not in ("auto", 1):
                raise ValueError(
                    f"frame_size={self.frame_size!r} needs a sequence summarized by the "
                    f"network, but architecture={self.architecture!r} "
                    + ("emits an output at every input step" if self.architecture == "seq2seq"
                       else "reads no sequence")
                    + ". Use frame_size=1 (or 'auto'), or architecture='seq2vec' or "
                    "'encoder_decoder'."
                )
            return 1
        if self.frame_size != "auto":
            return self.frame_size
        return max(1, -(-X.shape[1] // AUTO_FRAME_STEPS))

    def _resolve_early_stopping(self, n_samples):
        """Whether to hold out data for early stopping (``early_stopping``, resolved)."""
        if self.early_stopping != "auto":
            return self.early_stopping
        return n_samples * self.validation_fraction >= AUTO_MIN_VALIDATION

    def _resolve_max_epochs(self, n_train):
        """Epochs to train (``max_epochs``, resolved) on ``n_train`` training sequences."""
        if self.max_epochs != "auto":
            return self.max_epochs
        return auto_max_epochs(n_train, self.batch_size)

    def _check_convergence(self, history, y, weight):
        """Warn when the training loss was still falling at the end, or never fell.

        ``history`` holds the epochs of this call of ``fit``; ``y`` the targets as trained,
        ``weight`` their training weights (or None). The yardstick is the loss of the best
        constant prediction (:meth:`_constant_loss`), else the first epoch's loss.
        """
        # An epoch cut short (Ctrl-C) has no loss.
        losses = np.array([epoch["train_loss"] for epoch in history if "train_loss" in epoch],
                          dtype=float)
        if not len(losses) or not np.isfinite(losses).all():
            return
        constant = self._constant_loss(y, weight)
        name = type(self).__name__
        if constant is not None and constant > 0 and losses.min() > CONSTANT_LEVEL * constant:
            warnings.warn(
                f"{name}'s training loss never fell below that of a constant prediction "
                f"(best {losses.min():.4g}, constant {constant:.4g}): the network did not "
                f"learn in {len(losses)} epochs. Train longer (max_epochs) or faster (lr), "
                "scale X (sklrnn.preprocessing.SequenceScaler), or shorten long sequences "
                "(frame_size).",
                ConvergenceWarning, stacklevel=5,
            )
            return
        stopped_early = len(losses) < self.max_epochs_
        width = max(2, len(losses) // 10)
        if stopped_early or len(losses) < 2 * width:
            return
        scale = constant if constant else losses[0]
        drop = losses[-2 * width:-width].mean() - losses[-width:].mean()
        if scale > 0 and drop > CONVERGENCE_TOL * scale:
            warnings.warn(
                f"{name} stopped training while its training loss was still falling "
                f"({losses[-2 * width:-width].mean():.4g} -> {losses[-width:].mean():.4g} "
                f"over the last {2 * width} of {len(losses)} epochs): the network has not "
                f"converged. Increase max_epochs (it was {self.max_epochs_}) or lr.",
                ConvergenceWarning, stacklevel=5,
            )

    # -- hooks of the subclasses --------------------------------------------------------------

    def _prepare_target(self, y, X, real, reset):
        """Validate ``y`` for validated ``X`` and return what the net trains on.

        ``real`` is the ``(N, T)`` mask of real steps for ``"seq2seq"`` (else None). With
        ``reset`` (a first fit) it sets the target's fitted attributes; otherwise (a warm
        start) it checks ``y`` agrees with them.
        """
        raise NotImplementedError

    def _output_size(self):
        """Outputs of the network per sample (or step), from the fitted target attributes."""
        raise NotImplementedError

    def _validation_rows(self, y, n_valid, seed):
        """The ``n_valid`` rows early stopping holds out: a slice or sorted indices."""
        raise NotImplementedError

    def _predictions(self, out):
        """What ``predict`` returns for the network output ``out`` of :meth:`_forward`."""
        raise NotImplementedError

    def _constant_loss(self, y, weight):
        """The training loss of the best constant prediction of ``y`` weighted by ``weight``
        (of every sample or step, or None), or None."""
        return None

    def _estimate_batch_norm(self, X, lengths, y):
        """Store batch-norm statistics of the final weights over the training data.

        The running averages kept in training trail the weights; one pass over the data,
        in training batches, replaces them (:func:`sklrnn.nn.estimate_batch_norm`).
        """
        net = self.net_
        dataset = net.get_dataset(_net_input(X, lengths), y)
        # The training batches, but all of them in every process (no shard), so that the
        # processes' statistics agree.
        kwargs = net.get_params_for("iterator_train")
        kwargs.pop("shard", None)
        kwargs.setdefault("batch_size", net.batch_size)
        with torch.no_grad(), estimate_batch_norm(net.module_):
            for Xi, _ in net.iterator_train(dataset, **kwargs):
                net.infer(Xi)

    def _validate_input(self, X, reset):
        """Validate ``X`` for the architecture: the network's input as :class:`Sequences`.

        Its real steps (``real``, an ``(N, T)`` mask) are only for ``"seq2seq"``, whose
        targets are per step; None for the other architectures.
        """
        if getattr(self, "_table_frame", False) and hasattr(X, "to_numpy"):
            X = X.to_numpy()  # rows are windows, as in fit
        architecture = self._fitted_param("architecture")
        if architecture == "vec2seq":
            return Sequences(validate_network_vectors(self, X, reset=reset), None, 2, False)
        fitted = None if reset else InputShape(self.input_ndim_, self.input_size_)
        return validate_network_sequences(
            self, X, self._fitted_param("mask_value"), fitted=fitted,
            return_steps=architecture == "seq2seq")

    def _check_compatible(self):
        if self.cell != "rnn" and self.activation != "tanh":
            raise ValueError(
                f"activation={self.activation!r} applies to cell='rnn' only: the gates of "
                f"cell={self.cell!r} use sigmoid and tanh. Leave activation='tanh', or use "
                "cell='rnn'."
            )

    def _processes(self):
        """Number of processes training together: the accelerator's, else 1."""
        return 1 if self.accelerator is None else self.accelerator.num_processes

    def _check_accelerator(self):
        precision = getattr(self.accelerator, "mixed_precision", "no")
        if self.accelerator is not None and precision != "no":
            raise ValueError(
                f"The accelerator's mixed_precision={precision!r} is not supported: sklrnn's "
                "own cells (peephole LSTM, normalized cells) compute in float32. Create the "
                "Accelerator with mixed_precision='no'."
            )

    def _check_optimizer(self):
        optimizer = self.optimizer
        if isinstance(optimizer, type) and not issubclass(optimizer, torch.optim.Optimizer):
            raise TypeError(
                "optimizer must be one of "
                f"{sorted(OPTIMIZERS)} or a torch.optim.Optimizer subclass; "
                f"got {self.optimizer!r}."
            )

    def _callback_entries(self):
        """``callbacks`` as (name or None, callback) pairs; a TypeError for a bad entry."""
        entries = []
        for i, entry in enumerate(self.callbacks or []):
            named = isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str)
            name, callback = entry if named else (None, entry)
            if not ((named and callback is None) or isinstance(callback, Callback)
                    or (isinstance(callback, type) and issubclass(callback, Callback))):
                raise TypeError(
                    "callbacks must be a list of skorch callbacks (instances or subclasses of "
                    "skorch.callbacks.Callback) or (name, callback) tuples, with None as the "
                    f"callback to switch a named one off; entry {i} is {entry!r}."
                )
            entries.append((name, callback))
        return entries

    def _make_train_split(self, y, seed, early_stopping):
        """Return skorch's ``train_split``: None, or a fixed hold-out for early stopping."""
        if not early_stopping:
            return None
        n_valid = max(1, round(len(y) * self.validation_fraction))
        if len(y) - n_valid < 1:
            raise ValueError(
                f"early_stopping holds out validation_fraction={self.validation_fraction} of "
                f"the data, which leaves no training sequences out of {len(y)}. Pass more "
                "sequences or set early_stopping=False."
            )
        return HoldOut(self._validation_rows(y, n_valid, seed))

    def _cuda_devices(self):
        """Validate ``device`` and return the CUDA device indices whose RNG fit must seed."""
        if self.accelerator is not None:
            device = torch.device(self.accelerator.device)
            return [device.index] if device.type == "cuda" and device.index is not None else []
        try:
            device = torch.device(self.device)
        except RuntimeError as exc:
            raise ValueError(
                f"device={self.device!r} is not a torch device; use e.g. 'cpu' or 'cuda'."
            ) from exc
        if device.type != "cuda":
            return []
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={self.device!r} but torch.cuda.is_available() is False; use "
                "device='cpu' or install a CUDA build of torch."
            )
        return [device.index if device.index is not None else torch.cuda.current_device()]

    def _build_net(self, train_split, n_train=None):
        """The skorch net ``fit`` trains, initialized, from the resolved fitted settings.

        ``n_train`` (training sequences) sizes the learning-rate schedule; None when the net
        is only rebuilt to hold loaded weights.
        """
        # Files saved before these settings existed hold networks of the old defaults.
        max_epochs = getattr(self, "max_epochs_", self.max_epochs)
        early_stopping = getattr(self, "do_early_stopping_", self.early_stopping is True)
        # Copies, so that the callbacks passed in stay as they were; shallow ones, so that
        # what a callback refers to (an Optuna trial and its study, a logger) stays shared.
        callbacks = [copy.copy(callback) if name is None else (name, copy.copy(callback))
                     for name, callback in self._callback_entries()]
        # A guard against NaN/inf losses, unless the user brings one or names one (None: off).
        if not any(name == "divergence_guard" or isinstance(cb, DivergenceGuard)
                   or cb is DivergenceGuard for name, cb in self._callback_entries()):
            callbacks.append(("divergence_guard", DivergenceGuard()))
        if self.clip_grad_norm is not None:
            callbacks.append(("clip_grad_norm", GradientNormClipping(self.clip_grad_norm)))
        if self.clip_grad_value is not None:
            callbacks.append(("clip_grad_value", GradientValueClipping(self.clip_grad_value)))
        accelerated = {}
        if self.accelerator is not None:
            accelerated["accelerator"] = self.accelerator
            if self._processes() > 1:
                # Every process draws the same batches (from one seed: fit's) and trains on
                # its share of them.
                accelerated["iterator_train__generator"] = torch.Generator().manual_seed(
                    int(torch.randint(2**62, ())))
                accelerated["iterator_train__shard"] = (self.accelerator.process_index,
                                                        self._processes())
        callbacks.append(("lr_recorder", LRRecorder()))
        if self.lr_schedule is not None:
            callbacks.append(("lr_scheduler",
                              self._lr_scheduler(n_train or 1, max_epochs, early_stopping)))
        if self.verbose and (self.accelerator is None or self.accelerator.is_main_process):
            callbacks.append(("progress_bar", ProgressBar()))
        if early_stopping:
            callbacks += self._validation_callbacks()
            printer = print if self.accelerator is None else self.accelerator.print
            callbacks.append(("early_stopping", EarlyStopping(
                monitor="valid_loss", patience=self.patience, load_best=True,
                sink=printer if self.verbose else _silent,
            )))
        optimizer = OPTIMIZERS.get(self.optimizer, self.optimizer)
        criterion, criterion_args = self._criterion_spec(self.architecture == "seq2seq")
        net_class = self._net_class if self.accelerator is None else self._accelerated_net_class
        return net_class(
            module=NETWORKS[self.architecture],
            **{f"module__{name}": value for name, value in self._module_kwargs().items()},
            criterion=criterion,
            criterion__reduction="none",  # the net averages, with the samples' weights
            **{f"criterion__{name}": value for name, value in criterion_args.items()},
            optimizer=optimizer,
            lr=self.lr,
            max_epochs=max_epochs,
            batch_size=self.batch_size,
            dataset=BatchDataset,
            iterator_train=bucket_loader,
            iterator_valid=batch_loader,
            iterator_train__shuffle=True,
            train_split=train_split,
            callbacks=callbacks,
            device=self.device,
            verbose=self.verbose,
            **accelerated,
            **self._net_params(),
        ).initialize()

    def _module_kwargs(self):
        """The arguments of the network (``NETWORKS[architecture]``), from the fitted settings."""
        module = dict(input_size=self.input_size_, output_size=self._output_size(),
                      cell=self.cell, hidden_size=self.hidden_size,
                      num_layers=self.num_layers, bidirectional=self.bidirectional,
                      dropout=self.dropout, activation=self.activation,
                      weight_init=self.weight_init, normalization=self.normalization,
                      max_steps=self.max_steps_)
        if self.architecture in ("seq2vec", "encoder_decoder"):
            module["pooling"] = self.pooling
            # Files saved before frame_size existed hold unframed networks.
            module["frame_size"] = getattr(self, "frame_size_", 1)
        if self.architecture in ("vec2seq", "encoder_decoder"):
            module["horizon"] = self.horizon_
        return module

    def _net_params(self):
        """Further arguments of the skorch net, for subclasses."""
        return {}

    def _criterion_spec(self, per_step):
        """The loss the net trains: its class and its arguments (besides ``reduction``).

        ``per_step``: the targets are per time step (``"seq2seq"``), padded steps NaN.
        """
        return (self._step_criterion if per_step else self._criterion), {}

    def _validation_callbacks(self):
        """Callbacks that score the held-out data every epoch, for subclasses."""
        return []

    #: The history key of the held-out data's score (``validation_scores_``).
    _validation_score = None

    # -- MLPRegressor's views of the training history ---------------------------------------

    @property
    def loss_curve_(self):
        """The training loss of every epoch."""
        return [float(loss) for loss in self.history_[:, "train_loss"]]

    @property
    def validation_scores_(self):
        """The held-out data's score after every epoch, or None when none was held out."""
        key = self._validation_score
        scores = [epoch.get(key) for epoch in self.history_]
        if key is None or any(score is None for score in scores):
            return None
        return [float(score) for score in scores]

    @property
    def best_validation_score_(self):
        """The best of :attr:`validation_scores_`, or None."""
        scores = self.validation_scores_
        return None if scores is None else max(scores)

    @property
    def best_loss_(self):
        """The least training loss of all epochs; None with early stopping."""
        return None if self.do_early_stopping_ else min(self.loss_curve_)

    @property
    def n_iter_(self):
        """Epochs trained, all calls of ``fit`` and ``partial_fit`` together."""
        return len(self.history_)

    def _check_score_targets(self, y):
        """Refuse targets ``score`` cannot compare with predictions, for subclasses."""

    # -- predict -----------------------------------------------------------------------------

    def __sklrnn_export__(self):
        """The settings the fitted network was built with, for :mod:`sklrnn.export`.

        Returns
        -------
        dict
            ``architecture``, ``mask_value``, ``normalization`` and ``distribution`` (None
            for a classifier), as the network was fitted (a later ``set_params`` does not
            change them).
        """
        check_is_fitted(self)
        built = {name: self._fitted_param(name)
                 for name in ("architecture", "mask_value", "normalization")}
        built["distribution"] = (self._fitted_param("distribution")
                                 if "distribution" in self.get_params() else None)
        return built

    def stream(self, n_streams=1):
        """Predict on ``n_streams`` live sequences, one time step at a time.

        Parameters
        ----------
        n_streams : int, default=1
            Sequences read side by side.

        Returns
        -------
        sklrnn.streaming.Stream
            Its ``update(x_t)`` reads the next step ``(n_streams, n_features)`` of every
            sequence and returns what :meth:`predict` returns on the prefixes read so far,
            for the cost of one step of the recurrent cells; ``reset()``, ``state()`` and
            ``load_state(state)`` start over or move a stream, and a classifier's has
            ``predict_proba()``. See :class:`~sklrnn.streaming.Stream`.

        Raises
        ------
        ValueError
            For a bidirectional network or ``architecture="vec2seq"``, which cannot stream.
        """
        check_is_fitted(self)
        if self._fitted_param("architecture") == "vec2seq":
            raise ValueError(
                "architecture='vec2seq' reads one vector per sample, not a sequence, so "
                "there is nothing to stream; predict on the vectors instead."
            )
        return Stream(self, n_streams)

    def _forward(self, X, return_steps=False):
        """Validate ``X`` and return the network's output in float64.

        ``(N, n_outputs)`` for ``"seq2vec"``, ``(N, H, n_outputs)`` for a decoded horizon,
        ``(N, T, n_outputs)`` for ``"seq2seq"`` -- or, when ``X`` is ragged or ``mask_value``
        is set, a list with each sequence's ``(T_i, n_outputs)`` outputs at its real steps.
        With ``return_steps``, also the real steps of ``X`` as given (see
        :func:`~sklrnn._sequences.validate_network_sequences`), for ``"seq2seq"`` only, else None.
        """
        inputs, ragged = self._validate_predict_input(X)
        out = self._run_network(inputs.X, inputs.lengths, ragged)
        return (out, inputs.real) if return_steps else out

    def _validate_predict_input(self, X):
        """Check fitted, validate ``X``: :class:`Sequences`, and whether the output is ragged."""
        check_is_fitted(self)
        inputs = self._validate_input(X, reset=False)
        ragged = self._fitted_param("architecture") == "seq2seq" and (
            self._fitted_param("mask_value") is not None or inputs.ragged)
        return inputs, ragged

    def _run_network(self, X, lengths, ragged):
        """The network's output for validated ``X``, as :meth:`_forward` returns it."""
        if lengths is None:
            out = self._net_predict(X, None)
        else:
            # Sorted by length, each batch is cut to little more than its own longest sequence.
            order = np.argsort(lengths, kind="stable")
            # Packed sequences are reordered without copying a step.
            X_sorted = X.take(order) if isinstance(X, PackedSequences) else X[order]
            sorted_out = self._net_predict(X_sorted, lengths[order])
            out = np.empty_like(sorted_out)
            out[order] = sorted_out
        if ragged:
            steps = np.full(len(out), out.shape[1]) if lengths is None else lengths
            out = [sequence[:n_steps] for sequence, n_steps in zip(out, steps, strict=True)]
        return out

    def _net_predict(self, X, lengths):
        """``net_.predict_proba`` of ``X`` (and ``lengths``) in float64, in chunks of batches.

        skorch keeps every batch's output until the end of a call, and those small blocks,
        left between each batch's large short-lived ones, fragment the heap: predicting on
        200,000 windows of 168 steps in one call grew the resident memory by 200-500 MB here.
        Chunks of ``PREDICT_CHUNK_BATCHES`` batches, each copied into the result, keep it to
        a few batches' worth; the predictions do not depend on how they are batched.
        """
        chunk = self.net_.batch_size * PREDICT_CHUNK_BATCHES
        out = None
        for start in range(0, len(X), chunk):
            part = self.net_.predict_proba(_net_input(
                X[start:start + chunk], None if lengths is None else lengths[start:start + chunk]))
            if out is None:
                out = np.empty((len(X), *part.shape[1:]), dtype=np.float64)
            out[start:start + len(part)] = part
        return out

    def _pooled_steps(self, X, y, sample_weight, dtype):
        """Targets and predictions of every real (or decoded) step, pooled, for ``score``.

        Returns ``y_true`` and ``y_pred`` of shape ``(M,)`` or ``(M, n_outputs)`` over all M
        steps of all samples, and each step's weight: its sample's ``sample_weight``.
        """
        inputs, ragged = self._validate_predict_input(X)
        real = inputs.real
        if self._fitted_param("architecture") == "seq2seq":
            y_true = step_targets(self, y, real, dtype=dtype)
        else:
            y_true = check_array(y, ensure_2d=False, allow_nd=True, dtype=dtype, input_name="y")
        self._check_score_targets(y_true)
        y_pred = self._predictions(self._run_network(inputs.X, inputs.lengths, ragged))
        if self._fitted_param("architecture") == "seq2seq":
            y_pred = np.concatenate(y_pred) if isinstance(y_pred, list) else y_pred[real]
            counts = real.sum(axis=1)
        else:
            if y_true.shape != y_pred.shape:
                raise ValueError(
                    f"y has shape {y_true.shape}, but the predictions for X have shape "
                    f"{y_pred.shape}."
                )
            counts = np.full(len(y_true), y_true.shape[1])
            y_true, y_pred = (a.reshape(-1, *a.shape[2:]) for a in (y_true, y_pred))
        if sample_weight is not None:
            sample_weight = np.repeat(_check_sample_weight(sample_weight, counts), counts)
        return y_true, y_pred, sample_weight


def extended_signature(init, **defaults):
    """The signature of ``init`` with keyword-only ``defaults`` appended.

    For a subclass whose ``__init__(self, *, new=..., **params)`` passes ``params`` on:
    scikit-learn reads the parameters (``get_params``, ``clone``) from the signature.
    """
    signature = inspect.signature(init)
    return signature.replace(parameters=[
        *signature.parameters.values(),
        *(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
          for name, default in defaults.items())])


def _training_state(net):
    """Copies of what training changes in a skorch net: weights, optimizer state, history."""
    return (copy.deepcopy(net.module_.state_dict()), copy.deepcopy(net.optimizer_.state_dict()),
            copy.deepcopy(net.history.to_list()))


def _restore_training_state(net, state):
    """Put back the :func:`_training_state` ``state`` of ``net``."""
    module, optimizer, history = state
    net.module_.load_state_dict(module)
    net.optimizer_.load_state_dict(optimizer)
    net.history = History(history)


def _same_value(a, b):
    """Whether two parameter values are equal, NaN equal to NaN (``mask_value``)."""
    if isinstance(a, Real) and isinstance(b, Real) and np.isnan(a) and np.isnan(b):
        return True
    return bool(a == b)


def per_sequence(function, out):
    """Apply ``function`` to an output array, or to every array of a ragged list of them."""
    return [function(part) for part in out] if isinstance(out, list) else function(out)


def _net_input(X, lengths, sample_weight=None):
    """What the skorch net consumes: the array, or a dict of it, the lengths (module kwargs)
    and the samples' weights (:class:`~sklrnn._nets.WeightedLoss`)."""
    if lengths is None and sample_weight is None:
        return X
    extra = {"lengths": lengths, "sample_weight": sample_weight}
    return {"X": X, **{key: value for key, value in extra.items() if value is not None}}


def _silent(*args, **kwargs):
    pass

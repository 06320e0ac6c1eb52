"""The documentation the estimators share: their parameters and fitted attributes.

:data:`PARAMS_DOC` documents every parameter of :class:`~sklrnn.RNNRegressor` and
:class:`~sklrnn.RNNClassifier`; :func:`params_doc` picks entries of it, so that
:class:`~sklrnn.forecasting.RNNForecaster` documents the network parameters it passes on with
the same words. Docstrings insert them with f-strings, indented for a class docstring.
"""

import re

PARAMS_DOC = """cell : {"rnn", "lstm", "peephole_lstm", "gru"}, default="lstm"
        The recurrent cell. ``"lstm"``, ``"gru"`` and ``"rnn"`` with tanh or ReLU run on
        PyTorch's fused kernels; ``"peephole_lstm"`` (Gers & Schmidhuber 2000) and
        ``"rnn"`` with Leaky ReLU or ELU run on sklrnn's own cells.
    activation : {"tanh", "relu", "leaky_relu", "elu"}, default="tanh"
        Nonlinearity of ``cell="rnn"``; the gated cells take only ``"tanh"``, their own.
    hidden_size : int, default=32
        Size of the hidden state of each direction of each layer.
    num_layers : int, default=1
        Number of stacked recurrent layers.
    bidirectional : bool, default=False
        Also read every sequence backwards and concatenate both directions.
    dropout : float in [0, 1), default=0.0
        Dropout probability between stacked layers and on the sequence summary before
        the output layer.
    architecture : {"seq2vec", "seq2seq", "vec2seq", "encoder_decoder"}, default="seq2vec"
        What maps to what (:class:`RNNClassifier` offers the first two):

        - ``"seq2vec"``, sequence to vector: one output per sequence, ``y`` of shape
          ``(n_samples,)`` or ``(n_samples, n_outputs)``.
        - ``"seq2seq"``, sequence to sequence: an output at every time step, ``y`` of shape
          ``(n_samples, n_timesteps)`` or ``(n_samples, n_timesteps, n_outputs)`` aligned with
          ``X``, or, for sequences of different lengths, a list of one ``(n_timesteps_i,)``
          or ``(n_timesteps_i, n_outputs)`` array per sequence. Padded steps do not count in
          the loss; predictions for ragged or masked ``X`` are such a list.
        - ``"vec2seq"``, vector to sequence: ``X`` of shape ``(n_samples, n_features)``, one
          vector per sample, and ``y`` of shape ``(n_samples, horizon)`` or
          ``(n_samples, horizon, n_outputs)``; a decoder unrolls ``horizon`` steps from each
          vector.
        - ``"encoder_decoder"``: sequences in, ``y`` of shape ``(n_samples, horizon)`` or
          ``(n_samples, horizon, n_outputs)`` out, the horizon independent of the input
          length: an encoder summarizes each sequence (see ``pooling``) into a context vector
          from which a decoder unrolls the horizon.

        Decoders read their input vector or context at every step and never their own
        predictions or the targets: training and prediction compute the same thing (no
        teacher forcing) and the whole horizon runs in one call of a fused kernel.
    pooling : {"last", "mean", "max"}, default="last"
        How ``"seq2vec"`` (and the encoder of ``"encoder_decoder"``) summarizes a sequence:
        the final hidden state (``"last"``; for bidirectional networks both directions'
        final states), or the mean or element-wise maximum of the last layer's outputs over
        the real time steps (Keras' ``GlobalAveragePooling1D``/``GlobalMaxPooling1D`` after a
        recurrent layer).
    frame_size : int >= 1 or "auto", default="auto"
        Read every ``frame_size`` consecutive time steps as one step of
        ``frame_size * n_features`` features (frame stacking; :func:`sklrnn.nn.stack_frames`),
        so the recurrent cells run ``ceil(n_timesteps / frame_size)`` steps. Nothing is lost:
        the input weights see every value, as a strided convolution would. Recurrent networks
        learn poorly past a few dozen steps, as gradients through hundreds of steps vanish,
        and shorter sequences also train faster. ``"auto"`` chooses
        ``ceil(T / 25)`` for the longest training sequence's ``T`` (1 up to 25 steps, 6 for
        150, 18 for 427): of frames of at most 12, 25 and 50 steps and none, 25 steps had the
        best mean cross-validated accuracy over six of sktime's data sets (0.870, against
        0.845, 0.841 and, unframed, 0.68). Padding stays exact: a
        sequence's frames do not depend on the other sequences' lengths. ``"seq2seq"`` and
        ``"vec2seq"`` need an output per input step or read no sequence, so they take only 1
        (``"auto"`` is 1 there). The value used is ``frame_size_``.
    normalization : {None, "batch", "layer"}, default=None
        Normalization inside every recurrent cell, which keeps the recurrent path at a
        stable scale (see :mod:`sklrnn.nn`).

        - ``"batch"``: recurrent batch normalization (Cooijmans et al. 2016). The input
          projection ``W_ih x_t`` and the recurrent projection ``W_hh h_{t-1}`` are
          normalized separately over the batch (gains start at 0.1), and an LSTM's cell
          state before its output ``tanh``. Statistics are kept per time step, over the
          sequences that have that step (padding never enters them); prediction uses the
          running averages stored in training for every step up to the longest training
          sequence, that step's beyond it. A backward direction counts steps from each
          sequence's end. Use batches of more than a few sequences.
        - ``"layer"``: layer normalization (Ba et al. 2016): the recurrent projection is
          normalized per gate and per sample, and an LSTM's cell state; the input
          projection is left as is. Statistics are per sample and step, so predictions do
          not depend on the batch.

        Normalized cells run on sklrnn's own cells, not PyTorch's fused kernels, so they
        train slower.
    weight_init : {"default", "xavier_uniform", "xavier_normal", "orthogonal", \
"identity"}, default="default"
        Initialization of the recurrent layers. ``"default"`` keeps PyTorch's
        U(-1/sqrt(H), 1/sqrt(H)). The others set biases to zero (the LSTM forget-gate bias
        to 1) and initialize each gate block of the weight matrices separately: Glorot
        uniform or normal for all weights (``"xavier_*"``); Glorot uniform input weights and
        orthogonal recurrent weights (``"orthogonal"``); Glorot uniform input weights and
        identity recurrent weights (``"identity"``, the IRNN of Le et al. 2015, meant for
        ``cell="rnn", activation="relu"``).
    clip_grad_norm : float > 0 or None, default=1.0
        Rescale the whole gradient when its 2-norm exceeds this value
        (skorch's ``GradientNormClipping``). On by default: the learning rate of 1e-2 makes
        the occasional exploding step of a recurrent network likely, and clipping at 1.0
        raised the mean cross-validated accuracy over six data sets from 0.845 to 0.870
        (see :doc:`/user_guide/choosing_settings`). None: no clipping.
    clip_grad_value : float > 0 or None, default=None
        Clamp every gradient entry to ``[-clip_grad_value, clip_grad_value]``.
    mask_value : float or None, default=None
        Padding marker: time steps whose features all equal it (all NaN for ``nan``) are
        skipped, as by Keras' ``Masking`` layer, so arrays padded before or after each
        sequence (e.g. by :class:`~sklrnn.preprocessing.SequencePadder`) are handled as the
        sequences they hold. Ragged input needs no mask value. Finite or NaN: X may not
        contain infinity, so it cannot mark padding. Like the network's shape (``cell``,
        ``hidden_size``, ``architecture``, ...), the value ``fit`` read with is the one
        ``predict`` and ``score`` use until the next ``fit``.
    lr : float > 0, default=1e-2
        Learning rate (the peak of ``lr_schedule``). With the cosine schedule and 2,000
        steps, 1e-2 had a mean cross-validated accuracy over six data sets of 0.870, 3e-3 of
        0.823; Adam's usual 1e-3 (the default before) left GunPoint at chance level after
        100 epochs.
    lr_schedule : {None, "cosine", "plateau", "onecycle"} or skorch LRScheduler, \
default="cosine"
        How the learning rate changes in training, after every batch:

        - ``"cosine"``: from ``lr`` down to ``lr / 100`` along half a cosine over the whole
          ``max_epochs`` (Loshchilov & Hutter 2017): large steps first, fine ones at the end,
          so the last epoch's weights are settled.
        - ``"onecycle"``: up from ``lr / 25`` to ``lr`` in the first 30% of the steps, then
          down to ``lr / 10,000`` (Smith & Topin 2019).
        - ``"plateau"``: halve ``lr`` when the validation loss (the training loss without
          early stopping) has not improved for 5 epochs.
        - None: constant ``lr``.
        - a :class:`skorch.callbacks.LRScheduler` for anything else (a copy is used).

        ``"cosine"`` is the default: over six data sets, it raised the mean
        cross-validated accuracy from 0.845 (constant ``lr``) to 0.870. Every call of
        ``fit`` (a warm start, a resumed checkpoint) runs the schedule anew over the epochs
        it trains. The learning rate of every epoch is recorded in ``history_[:, "lr"]``.
    max_epochs : int or "auto", default="auto"
        Number of passes over the training data (fewer with early stopping). ``"auto"``
        trains for a budget of optimizer steps rather than epochs: as many epochs as make
        2,000 batches (at least 5, at most 2,000): 1,000 epochs of 50 sequences in batches of
        32, 8 epochs of 10,000. Learning depends on the number of steps, not of epochs:
        cross-validated on GunPoint's 50 training sequences (lr 3e-3), 500 steps scored 0.63
        where 2,000 scored 0.92. The value used is ``max_epochs_``.
    batch_size : int, default=32
        Sequences per gradient step. 32 is Keras' default and was not tuned here: with
        ``max_epochs="auto"`` the budget is in steps, so a different batch size changes the
        epochs trained, not the number of steps.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch.optim.Optimizer subclass, \
default="adam"
        The optimizer.
    early_stopping : bool or "auto", default="auto"
        Hold out ``validation_fraction`` of the training data, stop when the validation
        loss has not improved for ``patience`` epochs, and restore the weights of the best
        epoch. Without early stopping all data is used for training. ``"auto"`` turns it on
        when the hold-out would have at least 100 sequences (1,000 with the default
        ``validation_fraction``): a smaller one is too noisy to pick an epoch by, and small
        data sets need every sequence for training. Whether it ran is ``do_early_stopping_``.
    validation_fraction : float in (0, 1), default=0.1
        Share of the training data held out when ``early_stopping=True``.
    patience : int, default=10
        Epochs without improvement of the validation loss before training stops.
    callbacks : list of skorch callbacks or (name, callback) tuples, or None, default=None
        Extra skorch callbacks. Shallow copies are trained with: the objects passed in
        are not modified, and what they refer to (an Optuna trial, a logger) is shared.
    device : str or torch.device, default="cpu"
        Where to train and predict, e.g. ``"cuda"``. Ignored with an ``accelerator``.
    accelerator : accelerate.Accelerator or None, default=None
        Train through Hugging Face accelerate (skorch's
        :class:`~skorch.hf.AccelerateMixin`): on the accelerator's device, and, in a script
        started by ``accelerate launch`` or ``torchrun`` on several processes (GPUs,
        machines), data-parallel: every process trains on its share of each epoch's batches
        and gradients are averaged over the processes, so all of them hold the same
        network. Every process must call ``fit`` with the same data and parameters;
        validation, batch-norm statistics and ``predict`` run on all the data in every
        process. Mixed precision is not supported (``mixed_precision="no"``). The
        accelerator is not saved by :func:`sklrnn.save`.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization, shuffling, dropout and the validation split. With an
        int, ``fit`` is reproducible on the CPU. The global torch random state is left
        as it was.
    verbose : int, default=0
        0 is silent; 1 shows a progress bar of every epoch's batches with the running loss
        (skorch's :class:`~skorch.callbacks.ProgressBar`) and prints skorch's table of
        losses after every epoch. ``predict`` is silent either way.
    warm_start : bool, default=False
        When fitted already, continue training the current network (and its optimizer
        state) for ``max_epochs`` more epochs instead of starting afresh. The network,
        optimizer and callbacks keep the settings of the fit that built them; a parameter
        that would build another network (``cell``, ``hidden_size``, ``num_layers``,
        ``bidirectional``, ``activation``, ``normalization``, ``architecture``,
        ``pooling``, ``frame_size``, ``mask_value``) changed since is refused with a
        ValueError. A fit that fails (a diverged loss, a callback's exception) leaves the
        network as it was before the call."""

FITTED_DOC = """net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the PyTorch module.
    history_ : skorch.History
        Per-epoch (and per-batch) losses and timings recorded by skorch, and the learning
        rate of every epoch (``history_[:, "lr"]``).
    frame_size_ : int
        Time steps the network reads as one (``frame_size``, resolved).
    max_epochs_ : int
        Epochs the last call of ``fit`` trained for at most (``max_epochs``, resolved).
    do_early_stopping_ : bool
        Whether the last call of ``fit`` held out data for early stopping.
    n_features_in_ : int
        For 2-D X, its number of columns (time steps); for 3-D X, the features per time step.
    feature_names_in_ : ndarray of str
        Column names, when X was a DataFrame or pd-multiindex panel with string column names.
    input_size_ : int
        Features per time step the network reads (1 for 2-D X; for ``"vec2seq"``, the
        features per vector).
    input_ndim_ : int
        Dimensions of X in ``fit``: 2 for univariate sequences of one length (later X must
        have ``n_features_in_`` steps too; ``"vec2seq"``'s vectors also count as 2), 3 for
        sequences of features, ragged ones included (any length later).
    max_steps_ : int or None
        Steps of the longest training sequence after framing, for which batch normalization
        keeps statistics; None for ``"vec2seq"``.
    loss_curve_ : list of float
        The training loss of every epoch (``history_[:, "train_loss"]``), as
        :class:`~sklearn.neural_network.MLPRegressor` has it.
    validation_scores_ : list of float or None
        The score of the held-out data after every epoch (accuracy for the classifier, R²
        for the regressor), or None when no data was held out (``do_early_stopping_``).
    best_validation_score_ : float or None
        The best of ``validation_scores_`` (early stopping keeps its epoch's network), or
        None.
    best_loss_ : float or None
        The least training loss of all epochs; None with early stopping, as in
        :class:`~sklearn.neural_network.MLPRegressor`.
    n_iter_ : int
        Epochs trained, all calls of ``fit`` and ``partial_fit`` together."""


def _entries(doc):
    """``{name: its entry}`` of a Parameters or Attributes section, in order."""
    entries = {}
    for line in ("    " + doc).splitlines():
        if match := re.match(r"    (\w+) : ", line):
            entries[match[1]] = []
        entries[next(reversed(entries))].append(line)
    return {name: "\n".join(lines) for name, lines in entries.items()}


PARAMS = _entries(PARAMS_DOC)


def params_doc(names, notes=None):
    """The entries of ``names`` in :data:`PARAMS_DOC`, as an f-string of a docstring takes them.

    Parameters
    ----------
    names : iterable of str
        Parameter names, in the order to document them.
    notes : dict of str to str or None, default=None
        A paragraph to add to some entries, by name (one string, wrapped by the caller to
        the description's width).

    Returns
    -------
    str
        The entries, the first unindented (the f-string's placeholder is indented).
    """
    notes = notes or {}
    entries = []
    for name in names:
        entry = PARAMS[name]
        if name in notes:
            entry += "\n" + "\n".join("        " + line for line in notes[name].splitlines())
        entries.append(entry)
    return "\n".join(entries)[4:]

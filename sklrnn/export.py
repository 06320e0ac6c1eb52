"""ONNX export of fitted estimators, sklrnn's transformers and pipelines of them.

:func:`~sklrnn.to_onnx` turns a fitted estimator (:class:`~sklrnn.RNNRegressor`,
:class:`~sklrnn.RNNClassifier`), transformer (:class:`~sklrnn.preprocessing.SequenceScaler`,
:class:`~sklrnn.preprocessing.SequencePadder`, :class:`~sklrnn.preprocessing.TabularToSequence`)
or :class:`~sklearn.pipeline.Pipeline` of them, and of scikit-learn steps ``skl2onnx`` knows,
into one ONNX graph that ONNX Runtime (or any ONNX runtime) runs without Python, PyTorch or
sklrnn. It works through ``skl2onnx``: :func:`register_converters` registers a converter for
each sklrnn class, so ``skl2onnx.to_onnx`` converts pipelines that hold them too.

The recurrent layers become the ONNX ``LSTM``, ``GRU`` and ``RNN`` operators: PyTorch's gate
order is rearranged into ONNX's, the peephole LSTM fills the LSTM operator's peephole input,
the Leaky ReLU and ELU RNNs use its ``LeakyRelu`` and ``Elu`` activations, stacked layers are
one operator each and bidirectional layers use ``direction="bidirectional"``. Sequences of
different lengths go in padded, with their lengths (the operators' ``sequence_lens``), or
with ``mask_value`` padding, which the graph finds and removes as ``predict`` does. Needs the
``onnx`` extra: ``pip install "sklrnn[onnx]"``; importing sklrnn never imports it.
"""

import numpy as np

__all__ = ["register_converters", "to_onnx"]

#: The ONNX operator set the graphs use (ONNX Runtime 1.14 and later run it).
TARGET_OPSET = 17

_ALIASES = {
    "RNNRegressor": "SklrnnRNNRegressor",
    "RNNClassifier": "SklrnnRNNClassifier",
    "SequenceScaler": "SklrnnSequenceScaler",
    "SequencePadder": "SklrnnSequencePadder",
    "TabularToSequence": "SklrnnTabularToSequence",
}
_registered = False


def _import_onnx():
    """Import onnx and skl2onnx, or say which extra to install."""
    try:
        import onnx
        import skl2onnx
    except ImportError as error:
        raise ImportError(
            f"ONNX export needs onnx and skl2onnx ({error}); install them with "
            "pip install 'sklrnn[onnx]' (onnxruntime runs the exported graphs)."
        ) from error
    return onnx, skl2onnx


def register_converters():
    """Register sklrnn's converters with ``skl2onnx``, so ``skl2onnx.to_onnx`` knows sklrnn.

    :func:`~sklrnn.to_onnx` calls it; call it yourself before converting a pipeline with
    ``skl2onnx.to_onnx`` directly. Registering twice is harmless.

    Examples
    --------
    >>> from sklrnn.export import register_converters
    >>> register_converters()
    """
    global _registered
    if _registered:
        return
    _, skl2onnx = _import_onnx()
    from .classifier import RNNClassifier
    from .preprocessing import SequencePadder, SequenceScaler, TabularToSequence
    from .regressor import RNNRegressor

    for model, shape, convert in (
        (RNNRegressor, _estimator_shapes, _convert_estimator),
        (RNNClassifier, _estimator_shapes, _convert_estimator),
        (SequenceScaler, _same_shape, _convert_scaler),
        (SequencePadder, _padder_shapes, _convert_padder),
        (TabularToSequence, _tabular_shapes, _convert_tabular),
    ):
        skl2onnx.update_registered_converter(model, _ALIASES[model.__name__], shape, convert)
    _registered = True


def to_onnx(estimator, path=None, *, lengths=False):
    """Export a fitted sklrnn estimator, transformer or pipeline to an ONNX model.

    Parameters
    ----------
    estimator : RNNRegressor, RNNClassifier, sklrnn transformer or Pipeline
        Fitted. A pipeline's steps may also be scikit-learn's that ``skl2onnx`` converts
        (e.g. a :class:`~sklearn.preprocessing.StandardScaler` on 2-D input).
    path : str or path-like, default=None
        Also write the model to this file.
    lengths : bool, default=False
        Give the graph a second input, ``lengths`` (int64, ``(N,)``): the real length of
        every sequence of a post-padded ``X``, as the ONNX recurrent operators'
        ``sequence_lens``. Padding then never changes a prediction, as with ragged input
        to ``predict``. For a single estimator without ``mask_value`` (which the graph reads
        from ``X`` itself, in pipelines too).

    Returns
    -------
    onnx.ModelProto
        Input ``X``, float32: ``(N, T, D)``, or ``(N, T)`` for an estimator fitted on 2-D
        input (and the lag matrix of a :class:`~sklrnn.preprocessing.TabularToSequence`),
        ``(N, D)`` for ``architecture="vec2seq"``; ``N`` and ``T`` free. Outputs: a
        regressor's ``variable`` (what ``predict`` returns, in float32), a classifier's
        ``label`` (as ``predict``) and ``probabilities`` (as ``predict_proba``), a lone
        transformer's ``variable``. For ``architecture="seq2seq"`` they are per step,
        ``(N, T, ...)``, and carry no information at padded steps.

    Raises
    ------
    ValueError
        For settings the graph cannot compute exactly, before anything is written:
        ``normalization``, ``distribution="quantile"``, class labels that are neither
        integers nor strings, ``lengths=True`` with a pipeline or ``mask_value``.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime
    >>> from sklrnn import RNNRegressor, to_onnx
    >>> X = np.random.default_rng(0).normal(size=(32, 10, 2)).astype(np.float32)
    >>> y = X[:, :, 0].sum(axis=1)
    >>> reg = RNNRegressor(hidden_size=8, max_epochs=2, random_state=0)
    >>> reg = reg.fit(X, y)
    >>> session = onnxruntime.InferenceSession(to_onnx(reg).SerializeToString())
    >>> (out,) = session.run(None, {"X": X})
    >>> bool(np.allclose(out, reg.predict(X), atol=1e-5))
    True
    """
    onnx, skl2onnx = _import_onnx()
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    register_converters()
    steps = [step for _, step in estimator.steps] if hasattr(estimator, "steps") else [
        estimator]
    final = steps[-1]
    spec = final.__sklrnn_export__() if hasattr(final, "__sklrnn_export__") else None
    if spec is not None:
        _check_exportable(final, spec)
    inputs = [("X", FloatTensorType(_input_shape(steps[0], final, spec)))]
    if lengths:
        if len(steps) > 1:
            raise ValueError(
                "lengths=True exports a single estimator; a pipeline's steps pass on one "
                "array. Pad the sequences with mask_value (SequenceScaler(mask_value=...) "
                "and the estimator's mask_value) to export a pipeline of ragged input."
            )
        if spec is None or spec["architecture"] == "vec2seq":
            raise ValueError(
                "lengths=True needs an estimator that reads sequences; "
                f"{type(final).__name__} does not."
            )
        if spec["mask_value"] is not None:
            raise ValueError(
                "lengths=True cannot go with mask_value: the graph finds the padding of "
                "X from mask_value itself. Export with lengths=False."
            )
        inputs.append(("lengths", Int64TensorType([None])))
    model = skl2onnx.to_onnx(estimator, initial_types=inputs, target_opset=TARGET_OPSET)
    if path is not None:
        onnx.save_model(model, str(path))
    return model


def _input_shape(first, final, spec):
    """The shape of the graph's input ``X``, from a pipeline's first and final steps."""
    from .preprocessing import SequencePadder, SequenceScaler

    if spec is not None and spec["architecture"] == "vec2seq" and first is final:
        return [None, final.input_size_]
    if not isinstance(first, SequencePadder | SequenceScaler) and first is not final:
        return [None, first.n_features_in_]  # a lag matrix, or scikit-learn's 2-D input
    if type(first).__name__ == "TabularToSequence":
        return [None, first.n_features_in_]
    if spec is not None and final.input_ndim_ == 2:
        return [None, first.n_features_in_]
    return [None, None, final.input_size_ if spec is not None else first.n_features_in_]


def _check_exportable(est, spec):
    """Refuse what the graph cannot compute exactly, naming what to change."""
    if spec["distribution"] == "quantile":
        raise ValueError(
            "distribution='quantile' cannot be exported to ONNX yet; fit with "
            "distribution=None, 'normal' or 'student_t' to export."
        )
    classes = getattr(est, "classes_", None)
    if classes is not None and not (np.issubdtype(classes.dtype, np.integer)
                                    or classes.dtype.kind in "OUS"):
        raise ValueError(
            f"Class labels of dtype {classes.dtype} cannot be ONNX labels: fit on integer "
            "or string labels to export."
        )


# -- skl2onnx shape calculators -------------------------------------------------------------

def _estimator_shapes(operator):
    from skl2onnx.common.data_types import (
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )

    est = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    architecture = est.__sklrnn_export__()["architecture"]
    steps = [None] if architecture == "seq2seq" else []
    horizon = [est.horizon_] if getattr(est, "horizon_", None) else []
    if hasattr(est, "classes_"):
        kind = (Int64TensorType if np.issubdtype(est.classes_.dtype, np.integer)
                else StringTensorType)
        operator.outputs[0].type = kind([n, *steps])
        operator.outputs[1].type = FloatTensorType([n, *steps, len(est.classes_)])
    else:
        outputs = [est.n_outputs_] if est.has_output_axis_ else []
        operator.outputs[0].type = FloatTensorType([n, *steps, *horizon, *outputs])


def _same_shape(operator):
    operator.outputs[0].type = operator.inputs[0].type.__class__(operator.inputs[0].type.shape)


def _padder_shapes(operator):
    from skl2onnx.common.data_types import FloatTensorType

    padder = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = FloatTensorType([n, padder.maxlen_, padder.n_features_in_])


def _tabular_shapes(operator):
    from skl2onnx.common.data_types import FloatTensorType

    step = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = FloatTensorType([n, step.n_timesteps_, step.n_variables])


# -- converters -----------------------------------------------------------------------------

class _Builder:
    """Adds nodes and constants to a skl2onnx container, with unique names."""

    def __init__(self, scope, container):
        self.scope = scope
        self.container = container

    def const(self, value, dtype=np.float32, name="const"):
        """A constant tensor; float32 unless ``dtype`` says otherwise."""
        from onnx.helper import np_dtype_to_tensor_dtype

        array = np.asarray(value, dtype=dtype)
        unique = self.scope.get_unique_variable_name(name)
        if array.dtype == object:
            onnx_type, content = 8, [str(v).encode() for v in array.flat]  # STRING
        else:
            onnx_type, content = np_dtype_to_tensor_dtype(array.dtype), array.flatten().tolist()
        self.container.add_initializer(unique, onnx_type, list(array.shape), content)
        return unique

    def ints(self, value, name="ints"):
        return self.const(value, np.int64, name)

    def op(self, op_type, *inputs, outputs=1, output_names=None, **attrs):
        """Add one node; return its output name (or names)."""
        names = output_names or [self.scope.get_unique_variable_name(op_type.lower())
                                 for _ in range(outputs)]
        self.container.add_node(op_type, list(inputs), names,
                                name=self.scope.get_unique_operator_name(op_type), **attrs)
        return names[0] if len(names) == 1 else names


def _convert_estimator(scope, operator, container):
    import torch

    from .nn import EncoderDecoder, SequenceToSequence, SequenceToVector

    est = operator.raw_operator
    spec = est.__sklrnn_export__()
    g = _Builder(scope, container)
    module = est.net_.module_
    x = operator.inputs[0].full_name
    with torch.no_grad():
        if spec["architecture"] == "vec2seq":
            out = _decoder(g, module, x)
        else:
            lengths = operator.inputs[1].full_name if len(operator.inputs) > 1 else None
            if len(operator.inputs[0].type.shape) == 2:  # univariate sequences
                x = g.op("Unsqueeze", x, g.ints([2]))
            if spec["mask_value"] is not None:
                x, lengths = _unmask(g, x, spec["mask_value"])
            if isinstance(module, EncoderDecoder):
                context = _sequence_to_vector(g, module.encoder, x, lengths)
                out = _decoder(g, module.decoder, context)
            elif isinstance(module, SequenceToVector):
                out = _sequence_to_vector(g, module, x, lengths)
            else:
                assert isinstance(module, SequenceToSequence)
                output, _ = _recurrent(g, module.rnn, _time_major(g, x), lengths)
                out = _linear(g, module.head, g.op("Transpose", output, perm=[1, 0, 2]))
    names = [o.full_name for o in operator.outputs]
    if hasattr(est, "classes_"):
        probabilities = g.op("Softmax", out, axis=-1, output_names=[names[1]])
        index = g.op("ArgMax", probabilities, axis=-1, keepdims=0)
        classes = est.classes_
        labels = (g.ints(classes) if np.issubdtype(classes.dtype, np.integer)
                  else g.const(classes.astype(str).astype(object), dtype=object))
        g.op("Gather", labels, index, axis=0, output_names=[names[0]])
        return
    distribution = spec["distribution"]
    if distribution is not None:  # the prediction is the location: every P-th output
        from .nn.losses import DISTRIBUTIONS

        params = DISTRIBUTIONS[distribution]
        out = g.op("Gather", out, g.ints(np.arange(est.n_outputs_) * params), axis=-1)
    if not est.has_output_axis_:
        out = g.op("Squeeze", out, g.ints([-1]))
    g.op("Identity", out, output_names=[names[0]])


def _time_major(g, x):
    return g.op("Transpose", x, perm=[1, 0, 2])


def _step_mask(g, lengths, x_time_major):
    """Boolean ``(T, N)``: True at the real steps of time-major ``x``."""
    n_steps = g.op("Gather", g.op("Shape", x_time_major), g.ints(0), axis=0)
    steps = g.op("Range", g.ints(0), n_steps, g.ints(1))
    return g.op("Less", g.op("Unsqueeze", steps, g.ints([1])),
                g.op("Unsqueeze", lengths, g.ints([0])))


def _unmask(g, x, mask_value):
    """Move every sequence's real steps to its start, as ``predict`` drops mask_value steps.

    Returns the compacted ``x`` (its padding zero) and the real steps per sequence.
    """
    if np.isnan(mask_value):
        padded = g.op("IsNaN", x)
    else:
        padded = g.op("Equal", x, g.const(mask_value))
    real_features = g.op("Cast", g.op("Not", padded), to=1)
    real = g.op("Greater", g.op("ReduceMax", real_features, axes=[2], keepdims=0), g.const(0.0))
    lengths = g.op("ReduceSum", g.op("Cast", real, to=7), g.ints([1]), keepdims=0)
    shape = g.op("Shape", x)
    n_steps = g.op("Gather", shape, g.ints([1]), axis=0)
    steps = g.op("Range", g.ints(0), g.op("Squeeze", n_steps, g.ints([0])), g.ints(1))
    # Real steps first, each group in order: sort the keys t (real) and T + t (padding).
    keys = g.op("Where", real, steps, g.op("Add", steps, n_steps))
    _, order = g.op("TopK", keys, n_steps, axis=1, largest=0, sorted=1, outputs=2)
    order = g.op("Expand", g.op("Unsqueeze", order, g.ints([2])), shape)
    x = g.op("GatherElements", x, order, axis=1)
    mask = _step_mask(g, lengths, _time_major(g, x))  # (T, N)
    mask = g.op("Unsqueeze", g.op("Transpose", mask, perm=[1, 0]), g.ints([2]))
    return g.op("Where", mask, x, g.const(0.0)), lengths


def _sequence_to_vector(g, net, x, lengths):
    """A :class:`~sklrnn.nn.SequenceToVector`'s output ``(N, K)`` for ``x`` ``(N, T, D)``."""
    frame_size = net.frame_size
    if frame_size > 1:
        x, lengths = _stack_frames(g, x, lengths, frame_size, _input_size(net.rnn))
    output, finals = _recurrent(g, net.rnn, _time_major(g, x), lengths)
    if net.pooling == "last":
        summary = finals
    elif lengths is None:
        reduce = "ReduceMean" if net.pooling == "mean" else "ReduceMax"
        summary = g.op(reduce, output, axes=[0], keepdims=0)
    else:
        mask = g.op("Unsqueeze", _step_mask(g, lengths, output), g.ints([2]))
        if net.pooling == "mean":
            total = g.op("ReduceSum", g.op("Where", mask, output, g.const(0.0)), g.ints([0]),
                         keepdims=0)
            count = g.op("Cast", g.op("Unsqueeze", lengths, g.ints([1])), to=1)
            summary = g.op("Div", total, count)
        else:
            summary = g.op("ReduceMax", g.op("Where", mask, output, g.const(-np.inf)),
                           axes=[0], keepdims=0)
    return _linear(g, net.head, summary)


def _stack_frames(g, x, lengths, frame_size, width):
    """:func:`sklrnn.nn.stack_frames` in the graph: ``width`` is ``frame_size * D``."""
    if lengths is not None:
        mask = _step_mask(g, lengths, _time_major(g, x))
        mask = g.op("Unsqueeze", g.op("Transpose", mask, perm=[1, 0]), g.ints([2]))
        x = g.op("Where", mask, x, g.const(0.0))
        lengths = g.op("Div", g.op("Add", lengths, g.ints(frame_size - 1)),
                       g.ints(frame_size))
    n_steps = g.op("Gather", g.op("Shape", x), g.ints([1]), axis=0)
    size = g.ints([frame_size])
    extra = g.op("Mod", g.op("Sub", size, g.op("Mod", n_steps, size)), size)
    zero = g.ints([0])
    x = g.op("Pad", x, g.op("Concat", zero, zero, zero, zero, extra, zero, axis=0))
    return g.op("Reshape", x, g.ints([0, -1, width])), lengths


def _input_size(rnn):
    return rnn.input_size if hasattr(rnn, "input_size") else rnn.layers[0][0].cell.input_size


def _decoder(g, net, vectors):
    """A :class:`~sklrnn.nn.VectorToSequence`'s output ``(N, H, K)`` for ``(N, D)`` vectors."""
    horizon = g.ints([net.horizon, 1, 1])
    repeated = g.op("Tile", g.op("Unsqueeze", vectors, g.ints([0])), horizon)
    output, _ = _recurrent(g, net.rnn, repeated, None)
    return _linear(g, net.head, g.op("Transpose", output, perm=[1, 0, 2]))


def _linear(g, layer, x):
    weight = layer.weight.detach().cpu().numpy().T
    return g.op("Add", g.op("MatMul", x, g.const(weight)),
                g.const(layer.bias.detach().cpu().numpy()))


#: PyTorch's gate blocks in ONNX's order: LSTM i f g o -> i o f c; GRU r z n -> z r h.
_GATE_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN": [0]}
#: The activation of an RNN cell as the ONNX RNN operator names it, with its alpha.
_ACTIVATIONS = {"tanh": ("Tanh", None), "relu": ("Relu", None),
                "leaky_relu": ("LeakyRelu", 0.01), "elu": ("Elu", 1.0)}


def _layer_weights(rnn, layer, direction):
    """``(kind, weight_ih, weight_hh, bias_ih, bias_hh, peephole, activation)`` of one layer."""
    from torch import nn

    from .nn.cells import ElmanCell, GRUCell

    def numpy(tensor):
        return tensor.detach().cpu().numpy()

    if isinstance(rnn, nn.RNNBase):
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        weights = [numpy(getattr(rnn, f"{name}{suffix}"))
                   for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        kind = {"LSTM": "LSTM", "GRU": "GRU"}.get(rnn.mode, "RNN")
        activation = "relu" if rnn.mode == "RNN_RELU" else "tanh"
        return (kind, *weights, None, activation)
    cell = rnn.layers[layer][direction].cell
    weights = [numpy(getattr(cell, name))
               for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    if isinstance(cell, ElmanCell):
        return ("RNN", *weights, None, cell.activation)
    if isinstance(cell, GRUCell):
        return ("GRU", *weights, None, "tanh")
    peephole = numpy(cell.weight_peephole) if cell.peephole else None
    return ("LSTM", *weights, peephole, "tanh")


def _float_tensor(value):
    """A one-element float32 TensorProto, as ConstantOfShape's ``value`` takes it."""
    from onnx import numpy_helper

    return numpy_helper.from_array(np.array([value], dtype=np.float32))


def _reorder(matrix, kind):
    """Rows of stacked gate blocks in ONNX's gate order."""
    blocks = np.split(matrix, len(_GATE_ORDER[kind]))
    return np.concatenate([blocks[i] for i in _GATE_ORDER[kind]])


def _recurrent(g, rnn, x, lengths):
    """Run recurrent layers over time-major ``x`` ``(T, N, D)`` with the ONNX operators.

    Returns the last layer's output ``(T, N, directions * H)`` (zero beyond the lengths) and
    its final states ``(N, directions * H)``, forward then backward (the summary of
    ``pooling="last"``).
    """
    from torch import nn

    if isinstance(rnn, nn.RNNBase):
        num_layers, directions = rnn.num_layers, 2 if rnn.bidirectional else 1
    else:
        num_layers, directions = len(rnn.layers), len(rnn.layers[0])
        if rnn.layers[0][0].cell.normalization is not None:
            return _normalized_layers(g, rnn, x, lengths)
    sequence_lens = None if lengths is None else g.op("Cast", lengths, to=6)
    for layer in range(num_layers):
        per_direction = [_layer_weights(rnn, layer, d) for d in range(directions)]
        kind, hidden = per_direction[0][0], per_direction[0][2].shape[1]
        W = g.const(np.stack([_reorder(w[1], kind) for w in per_direction]))
        R = g.const(np.stack([_reorder(w[2], kind) for w in per_direction]))
        B = g.const(np.stack([np.concatenate([_reorder(w[3], kind), _reorder(w[4], kind)])
                              for w in per_direction]))
        attrs = dict(hidden_size=hidden,
                     direction="bidirectional" if directions == 2 else "forward")
        inputs = [x, W, R, B] + ([sequence_lens] if sequence_lens else [])
        if kind == "LSTM":
            peepholes = [w[5] for w in per_direction]
            if peepholes[0] is not None:  # rows i, f, o -> ONNX's i, o, f
                P = g.const(np.stack([p[[0, 2, 1]].reshape(-1) for p in peepholes]))
                # skl2onnx cannot order nodes with empty optional inputs: give them all.
                n_steps, n = (g.op("Gather", g.op("Shape", x), g.ints([i]), axis=0)
                              for i in (0, 1))
                if not sequence_lens:
                    sequence_lens = g.op("Cast", g.op("Expand", n_steps, n), to=6)
                zeros = g.op("ConstantOfShape", g.op(
                    "Concat", g.ints([directions]), n, g.ints([hidden]), axis=0),
                    value=_float_tensor(0.0))
                inputs = [x, W, R, B, sequence_lens, zeros, zeros, P]
        elif kind == "GRU":
            attrs["linear_before_reset"] = 1
        else:
            name, alpha = _ACTIVATIONS[per_direction[0][6]]
            attrs["activations"] = [name] * directions
            if alpha is not None:
                attrs["activation_alpha"] = [alpha] * directions
        y, y_h = g.op(kind, *inputs, outputs=2, **attrs)
        # Y (T, directions, N, H) -> (T, N, directions * H)
        x = g.op("Reshape", g.op("Transpose", y, perm=[0, 2, 1, 3]), g.ints([0, 0, -1]))
    finals = g.op("Reshape", g.op("Transpose", y_h, perm=[1, 0, 2]), g.ints([0, -1]))
    return x, finals


def _normalized_layers(g, rnn, x, lengths):
    """:func:`_recurrent` for normalized cells: one ``Scan`` per layer and direction.

    The ONNX recurrent operators cannot normalize inside the cell, so the step is written
    out in plain operators (``LayerNormalization``, or batch norm's affine map with the
    stored statistics of each step) as the body of a ``Scan`` over time. The backward
    direction reads every sequence reversed within its length (``ReverseSequence``), so its
    step ``t`` is the ``t``-th from the sequence's end, as in
    :class:`~sklrnn.nn.Recurrence`.
    """
    n_steps = g.op("Gather", g.op("Shape", x), g.ints([0]), axis=0)
    n = g.op("Gather", g.op("Shape", x), g.ints([1]), axis=0)
    steps = g.op("Range", g.ints(0), g.op("Squeeze", n_steps, g.ints([0])), g.ints(1))
    if lengths is None:
        reverse_lengths = g.op("Expand", n_steps, n)
        active = None
    else:
        reverse_lengths = lengths
        active = g.op("Unsqueeze", _step_mask(g, lengths, x), g.ints([2]))  # (T, N, 1)
    for layer in rnn.layers:
        outputs, finals = [], []
        for direction in layer:
            inputs = x
            if direction.reverse:
                inputs = g.op("ReverseSequence", x, reverse_lengths, batch_axis=1, time_axis=0)
            output, final = _scan_cell(g, direction.cell, inputs, steps, active, n)
            if direction.reverse:
                output = g.op("ReverseSequence", output, reverse_lengths, batch_axis=1,
                              time_axis=0)
            outputs.append(output)
            finals.append(final)
        x = g.op("Concat", *outputs, axis=2) if len(outputs) > 1 else outputs[0]
    return x, (g.op("Concat", *finals, axis=1) if len(finals) > 1 else finals[0])


def _scan_cell(g, cell, x, steps, active, n):
    """One normalized cell over time-major ``x``: its outputs ``(T, N, H)`` and final ``h``."""
    from onnx import TensorProto, helper, numpy_helper

    from .nn.cells import ElmanCell, GRUCell

    def numpy(tensor):
        return tensor.detach().cpu().numpy().astype(np.float32)

    hidden, gates = cell.hidden_size, cell.n_gates * cell.hidden_size
    batch = cell.normalization == "batch"

    def step_statistics(norm):
        """Mean and scale (gain / std) of every step ``(T, F)``, the last kept one beyond."""
        slots = g.op("Min", steps, g.ints(norm.max_steps - 1))
        scale = numpy(norm.weight) / np.sqrt(numpy(norm.running_var) + norm.eps)
        return (g.op("Gather", g.const(numpy(norm.running_mean)), slots, axis=0),
                g.op("Gather", g.const(scale), slots, axis=0))

    # the input projection of every step at once, as Recurrence does
    projected = g.op("MatMul", x, g.const(numpy(cell.weight_ih).T))
    if batch:
        mean, scale = step_statistics(cell.bn_ih)
        projected = g.op("Mul", g.op("Sub", projected, g.op("Unsqueeze", mean, g.ints([1]))),
                         g.op("Unsqueeze", scale, g.ints([1])))
    projected = g.op("Add", projected, g.const(numpy(cell.bias_ih)))

    prefix = g.scope.get_unique_variable_name("step")
    nodes, count = [], [0]

    def op(op_type, *inputs, **attrs):
        count[0] += 1
        name = f"{prefix}_{op_type.lower()}{count[0]}"
        nodes.append(helper.make_node(op_type, list(inputs), [name], **attrs))
        return name

    def const(value, dtype=np.float32):
        count[0] += 1
        name = f"{prefix}_const{count[0]}"
        nodes.append(helper.make_node("Constant", [], [name], value=numpy_helper.from_array(
            np.asarray(value, dtype=dtype), name + "_value")))
        return name

    def ints(value):
        return const(value, np.int64)

    def block(z, index, size=hidden):
        return op("Slice", z, ints([index * size]), ints([(index + 1) * size]), ints([1]))

    lstm = cell.n_states == 2
    h, c = f"{prefix}_h", f"{prefix}_c"
    gx = f"{prefix}_gx"
    state_inputs = [h] + ([c] if lstm else [])
    scan_inputs = [gx]
    if active is not None:
        scan_inputs.append(f"{prefix}_active")
    outer_scan = [projected] + ([active] if active is not None else [])
    if batch:
        stats = [*step_statistics(cell.bn_hh)] + ([*step_statistics(cell.bn_c)] if lstm else [])
        names = ["mean_hh", "scale_hh"] + (["mean_c", "scale_c"] if lstm else [])
        scan_inputs += [f"{prefix}_{name}" for name in names]
        outer_scan += stats

    recurrent = op("MatMul", h, const(numpy(cell.weight_hh).T))
    if cell.normalization == "layer":
        blocks = op("Reshape", recurrent, ints([0, cell.n_gates, hidden]))
        normalized = op("LayerNormalization", blocks, const(np.ones(hidden)), axis=-1,
                        epsilon=1e-5)
        recurrent = op("Mul", op("Reshape", normalized, ints([0, gates])),
                       const(numpy(cell.norm_hh).reshape(-1)))
    elif batch:
        recurrent = op("Mul", op("Sub", recurrent, f"{prefix}_mean_hh"), f"{prefix}_scale_hh")
    recurrent = op("Add", recurrent, const(numpy(cell.bias_hh)))

    if isinstance(cell, ElmanCell):
        name, alpha = _ACTIVATIONS[cell.activation]
        attrs = {} if alpha is None else {"alpha": alpha}
        new_h = op(name, op("Add", gx, recurrent), **attrs)
        new_state = [new_h]
    elif isinstance(cell, GRUCell):
        rz = op("Sigmoid", op("Add", block(gx, 0, 2 * hidden), block(recurrent, 0, 2 * hidden)))
        r, z = block(rz, 0), block(rz, 1)
        candidate = op("Tanh", op("Add", block(gx, 2), op("Mul", r, block(recurrent, 2))))
        new_h = op("Add", candidate, op("Mul", z, op("Sub", h, candidate)))  # lerp(n, h, z)
        new_state = [new_h]
    else:
        z = op("Add", gx, recurrent)
        i_pre, f_pre, g_pre, o_pre = (block(z, k) for k in range(4))
        if cell.peephole:
            peephole = numpy(cell.weight_peephole)
            i_pre = op("Add", i_pre, op("Mul", c, const(peephole[0])))
            f_pre = op("Add", f_pre, op("Mul", c, const(peephole[1])))
        new_c = op("Add", op("Mul", op("Sigmoid", f_pre), c),
                   op("Mul", op("Sigmoid", i_pre), op("Tanh", g_pre)))
        if cell.peephole:
            o_pre = op("Add", o_pre, op("Mul", new_c, const(peephole[2])))
        if cell.normalization == "layer":
            c_normalized = op("LayerNormalization", new_c, const(numpy(cell.norm_c_gain)),
                              const(numpy(cell.norm_c_shift)), axis=-1, epsilon=1e-5)
        else:
            c_normalized = op("Add", op("Mul", op("Sub", new_c, f"{prefix}_mean_c"),
                                        f"{prefix}_scale_c"), const(numpy(cell.bn_c.bias)))
        new_h = op("Mul", op("Sigmoid", o_pre), op("Tanh", c_normalized))
        new_state = [new_h, new_c]
    if active is not None:  # a finished sequence keeps its state; its outputs are zero
        real = f"{prefix}_active"
        new_state = [op("Where", real, new, old)
                     for new, old in zip(new_state, state_inputs, strict=True)]
        output = op("Where", real, new_h, const(0.0))
    else:
        output = new_h
    state_outputs = [op("Identity", s) for s in new_state]
    output = op("Identity", output)

    def value(name, shape, dtype=TensorProto.FLOAT):
        return helper.make_tensor_value_info(name, dtype, shape)

    body_inputs = [value(name, None) for name in state_inputs]
    body_inputs += [value(gx, None)]
    if active is not None:
        body_inputs.append(value(f"{prefix}_active", None, TensorProto.BOOL))
    body_inputs += [value(name, None) for name in scan_inputs[1 + (active is not None):]]
    body = helper.make_graph(nodes, prefix, body_inputs,
                             [value(name, None) for name in (*state_outputs, output)])
    zeros = g.op("ConstantOfShape", g.op("Concat", n, g.ints([hidden]), axis=0),
                 value=_float_tensor(0.0))
    initial = [zeros] * cell.n_states
    results = g.op("Scan", *initial, *outer_scan, outputs=cell.n_states + 1, body=body,
                   num_scan_inputs=len(outer_scan))
    return results[-1], results[0]


def _convert_scaler(scope, operator, container):
    """:class:`~sklrnn.preprocessing.SequenceScaler`: steps all at ``mask_value`` stay."""
    g = _Builder(scope, container)
    scaler = operator.raw_operator
    x = scaled = operator.inputs[0].full_name
    if scaler.mean_ is not None:
        scaled = g.op("Sub", scaled, g.const(scaler.mean_))
    if scaler.scale_ is not None:
        scaled = g.op("Div", scaled, g.const(scaler.scale_))
    if scaler.mask_value is not None and len(operator.inputs[0].type.shape) == 3:
        padded = (g.op("IsNaN", x) if np.isnan(scaler.mask_value)
                  else g.op("Equal", x, g.const(scaler.mask_value)))
        # a step is padding when all its features are: the minimum of 0/1 over them is 1
        padded = g.op("Cast", g.op("ReduceMin", g.op("Cast", padded, to=1), axes=[2]), to=9)
        scaled = g.op("Where", padded, x, scaled)
    g.op("Identity", scaled, output_names=[operator.outputs[0].full_name])


def _convert_padder(scope, operator, container):
    """:class:`~sklrnn.preprocessing.SequencePadder` of ``(N, T, D)`` (all steps real)."""
    g = _Builder(scope, container)
    padder = operator.raw_operator
    x = operator.inputs[0].full_name
    if len(operator.inputs[0].type.shape) == 2:
        x = g.op("Unsqueeze", x, g.ints([2]))
    maxlen = padder.maxlen_
    if padder.truncating == "pre":  # the last maxlen steps
        x = g.op("Slice", x, g.ints([-maxlen]), g.ints([np.iinfo(np.int64).max]), g.ints([1]))
    else:
        x = g.op("Slice", x, g.ints([0]), g.ints([maxlen]), g.ints([1]))
    n_steps = g.op("Gather", g.op("Shape", x), g.ints([1]), axis=0)
    extra = g.op("Sub", g.ints([maxlen]), n_steps)
    zero = g.ints([0])
    before, after = (extra, zero) if padder.padding == "pre" else (zero, extra)
    pads = g.op("Concat", zero, before, zero, zero, after, zero, axis=0)
    g.op("Pad", x, pads, g.const(padder.value), output_names=[operator.outputs[0].full_name])


def _convert_tabular(scope, operator, container):
    """:class:`~sklrnn.preprocessing.TabularToSequence`: rows into ``(N, T, V)``."""
    g = _Builder(scope, container)
    step = operator.raw_operator
    x = g.op("Reshape", operator.inputs[0].full_name,
             g.ints([0, step.n_variables, step.n_timesteps_]))
    g.op("Transpose", x, perm=[0, 2, 1], output_names=[operator.outputs[0].full_name])

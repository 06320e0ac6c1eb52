"""Save fitted estimators without pickle: weights as safetensors, everything else as JSON.

A file written by :func:`save` is one `safetensors <https://huggingface.co/docs/safetensors>`_
file: the networks' weights and buffers as tensors (none for a transformer), and in its
header a JSON document with the class, its hyperparameters, its fitted attributes (every
attribute ``fit`` set), the training history and the library versions. A
:class:`~sklearn.pipeline.Pipeline` of sklrnn steps and an
:class:`~sklrnn.forecasting.RNNForecaster` nest their estimators' documents in it, with the
tensors of each under its own prefix. Neither format can carry code, so :func:`load` can read
a file from anywhere: it treats the file as untrusted input and accepts only what
:func:`save` writes, checking every value before anything is built from it, in time and
memory bounded by the file's size. It refuses anything else (a pickle, a newer format
version, a value of another type or size, tensors that do not fit the networks its
hyperparameters build) with a ValueError or TypeError naming the key. Pickle and joblib keep
working for those who want them, with their usual warning: loading a pickle runs whatever
code it holds.
"""

import inspect
import json
import math
import numbers
import os
import re
import reprlib
import stat
import sys

import numpy as np
import sklearn
import skorch
import torch
from safetensors import SafetensorError
from safetensors.torch import safe_open
from safetensors.torch import save as to_bytes
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import (
    InvalidParameterError,
    validate_parameter_constraints,
    validate_params,
)
from sklearn.utils.validation import check_is_fitted

from ._base import BaseRNN
from ._version import __version__
from .classifier import RNNClassifier
from .preprocessing import SequencePadder, SequenceScaler, TabularToSequence
from .regressor import RNNRegressor

#: The estimators and transformers save and load know, by the name written in the file
#: (with sktime installed, also ``RNNForecaster``).
ESTIMATORS = {cls.__name__: cls for cls in (
    RNNRegressor, RNNClassifier, SequencePadder, SequenceScaler, TabularToSequence, Pipeline)}

#: Version of the file layout; load refuses newer ones. 2: public fitted attributes
#: (``input_size_``, ...) where version 1 had private ones; load reads both.
FORMAT_VERSION = 2

#: Hyperparameters saved as None, and loaded only as None: the ``accelerator`` a model was
#: trained with, and a pipeline's ``memory`` (a cache folder: load refuses one, as the next
#: fit would unpickle whatever it holds).
RUNTIME = ("accelerator", "memory")

#: How deep load lets the header's JSON nest. save writes 11 levels for a pipeline of a
#: scaler and a network, 8 for a forecaster; each pipeline nested in another adds 6.
MAX_DEPTH = 32

#: Bytes the arrays of a header may take when load decodes them: this many, plus 16 per
#: character of the header (a number written in JSON takes 2 characters or more, and 8
#: bytes decoded; a string of n characters 4 n bytes).
ARRAY_BYTES = 2**20

_KEY = "sklrnn"


class _Unwritable(TypeError):
    """A value JSON cannot hold without pickle."""


@validate_params({"estimator": "no_validation", "path": [str, bytes, os.PathLike]},
                 prefer_skip_nested_validation=True)
def save(estimator, path):
    """Write a fitted estimator to ``path``: safetensors weights plus a JSON header.

    Parameters
    ----------
    estimator : RNNRegressor, RNNClassifier, RNNForecaster, SequencePadder, SequenceScaler, \
TabularToSequence or Pipeline of them
        A fitted estimator, transformer, forecaster or :class:`~sklearn.pipeline.Pipeline`
        whose steps are all of these, with hyperparameters that are plain values (numbers,
        strings, None): ``callbacks`` objects or a ``RandomState`` cannot be written without
        pickle. An ``accelerator`` and a pipeline's ``memory`` are written as None: the
        loaded estimator predicts, and trains with ``warm_start``, without them. In a
        data-parallel script every process holds the same network; save it from one
        (``accelerator.is_main_process``).
    path : str, bytes or path-like
        The file to write (``.safetensors`` by convention); an existing one is replaced.

    Raises
    ------
    TypeError
        For another kind of estimator, hyperparameters JSON cannot hold, or a training
        history holding other values than numbers, booleans and None.
    sklearn.exceptions.NotFittedError
        When the estimator is not fitted.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> import sklrnn
    >>> X = np.random.default_rng(0).normal(size=(20, 5, 1))
    >>> reg = sklrnn.RNNRegressor(hidden_size=4, max_epochs=1, random_state=0)
    >>> reg = reg.fit(X, X[:, -1, 0])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> sklrnn.save(reg, path)
    >>> bool((sklrnn.load(path).predict(X) == reg.predict(X)).all())
    True
    """
    tensors = {}
    header = {
        "format_version": FORMAT_VERSION,
        **_encode(estimator, "", tensors),
        "versions": {"sklrnn": __version__, "torch": torch.__version__,
                     "skorch": skorch.__version__, "scikit-learn": sklearn.__version__},
    }
    try:
        metadata = {_KEY: json.dumps(header, allow_nan=True)}
    except TypeError as exc:
        raise TypeError(
            f"sklrnn.save cannot write {type(estimator).__name__}'s state as JSON: {exc}"
        ) from exc
    data = to_bytes(tensors, metadata=metadata)
    with open(path, "wb") as file:  # a missing folder or a directory: Python's OSError
        file.write(data)


@validate_params({"path": [str, bytes, os.PathLike], "device": [None, str, torch.device]},
                 prefer_skip_nested_validation=True)
def load(path, device=None):
    """Rebuild an estimator written by :func:`save`; it predicts as the saved one did.

    The file is read as untrusted input: it holds tensors and JSON only, nothing in it is
    executed, and it is accepted only as :func:`save` writes it. Every value is checked
    before anything is built from it, in time and memory bounded by the file's size: see
    the user guide's *Threat model*.

    Parameters
    ----------
    path : str, bytes or path-like
        A file written by :func:`save`: a regular file (not a pipe, device or directory).
    device : str, torch.device or None, default=None
        The torch device to load the networks onto (e.g. ``"cpu"`` for a model saved on a
        GPU); None keeps each saved estimator's ``device``.

    Returns
    -------
    RNNRegressor, RNNClassifier, RNNForecaster, SequencePadder, SequenceScaler, \
TabularToSequence or Pipeline
        The fitted estimator, transformer, forecaster or pipeline.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        When ``path`` is not a regular file or not a file written by :func:`save` (a
        pickle, for example), was written by a newer format version, or holds anything
        :func:`save` does not write: an unknown estimator, key or parameter, a value of
        another type, JSON nested deeper than ``MAX_DEPTH``, arrays larger than the header
        can describe, a pipeline ``memory``, callbacks, non-finite weights, or tensors with
        other names or shapes than the networks its hyperparameters build. The message
        names the key.

    Examples
    --------
    See :func:`save`.
    """
    path = os.fsdecode(path)
    _check_regular_file(path)  # a pipe would block, a device or folder fail obscurely
    try:
        with safe_open(path, framework="pt") as file:
            metadata = file.metadata() or {}
            tensors = {key: file.get_tensor(key) for key in file.keys()}
    except (SafetensorError, OSError) as exc:
        if isinstance(exc, FileNotFoundError | PermissionError):
            raise
        raise ValueError(
            f"{path} is not a file written by sklrnn.save ({exc}). sklrnn.load reads only "
            "safetensors files with sklrnn's header; for a pickle, use pickle or joblib, and "
            "only on files you trust."
        ) from exc
    if _KEY not in metadata:
        raise ValueError(f"{path} is a safetensors file, but not one written by sklrnn.save.")
    text = metadata[_KEY]
    header = _parse_header(path, text)
    version = header.get("format_version")
    if type(version) is int and version > FORMAT_VERSION:
        raise ValueError(
            f"{path} has format version {version}; this sklrnn reads versions up to "
            f"{FORMAT_VERSION}. Upgrade sklrnn to load it."
        )
    if type(version) is not int or version < 1:  # bool is an int, and save never writes one
        raise ValueError(
            f"{path} has a malformed sklrnn header: format_version must be an integer from 1 "
            f"to {FORMAT_VERSION}; got {_shown(version)}. It was altered, or not written by "
            "sklrnn.save."
        )
    _check_tensors(path, tensors)
    loader = _Loader(path, tensors, device, version, ARRAY_BYTES + 16 * len(text))
    try:
        estimator = loader.document(header)
    except (LookupError, AttributeError, ArithmeticError, RuntimeError) as exc:
        # A check above missed something: still a refusal, never another kind of error.
        raise ValueError(f"{path} has a malformed sklrnn header ({_shown(exc)}); it was "
                         "altered, or not written by sklrnn.save.") from exc
    if loader.unused:
        raise ValueError(
            f"The tensors in {path} do not fit the networks its hyperparameters build: "
            f"{_listing(sorted(loader.unused))} belong to none of them."
        )
    return estimator
# -- writing ---------------------------------------------------------------------------------


def _encode(estimator, prefix, tensors):
    """The JSON document of ``estimator``; its networks' tensors go into ``tensors``."""
    name = type(estimator).__name__
    classes = _classes()
    if classes.get(name) is not type(estimator):
        raise TypeError(
            f"sklrnn.save writes {sorted(classes)}, and pipelines of them; got {name}. Use "
            "pickle or joblib for other objects."
        )
    if name == "RNNForecaster":
        estimator.check_is_fitted()  # sktime's
    else:
        check_is_fitted(estimator)
    params, unwritable = {}, []
    for key, value in estimator.get_params(deep=False).items():
        if key in RUNTIME:
            params[key] = None  # where it ran, not what it learned: loads without it
            continue
        try:
            params[key] = _encode_value(value, f"{prefix}{key}.", tensors)
        except _Unwritable:
            unwritable.append(key)
    if unwritable:
        raise TypeError(
            f"sklrnn.save cannot write the hyperparameters {unwritable} of {name} without "
            "pickle (only numbers, strings, booleans and None, optimizers from torch.optim, "
            "and sklrnn's estimators). Set them to plain values with set_params before saving "
            "(callbacks are needed for training only), or use pickle or joblib."
        )
    if isinstance(estimator, Pipeline):
        return {"estimator": name, "params": params, "fitted": {}}
    # sklrnn's estimators say what they save; a transformer saves everything fit set.
    state = (estimator.__sklrnn_state__() if hasattr(estimator, "__sklrnn_state__")
             else {"fitted": vars(estimator)})
    # The parameters the network was built with, where set_params changed them since fit.
    params.update({key: _encode_value(value, f"{prefix}{key}.", tensors)
                   for key, value in state.get("params", {}).items()})
    fitted = {}
    for key, value in state["fitted"].items():
        if key in params:
            continue
        try:
            fitted[key] = _encode_value(value, f"{prefix}{key}.", tensors)
        except _Unwritable as exc:
            raise TypeError(f"sklrnn.save cannot write {name}.{key}: {exc}") from exc
    node = {"estimator": name, "params": params, "fitted": fitted}
    if "sktime" in state:
        fh = state["sktime"]["fh"]
        if fh is not None:
            values = fh["values"]
            fh = {"relative": fh["relative"],
                  "values": (_encode_value(values, "", {}) if fh["relative"]
                             else _encode_index(values))}
        node["sktime"] = {**state["sktime"], "fh": fh}
    if "tensors" in state:
        for epoch, record in enumerate(state["history"], 1):
            bad = next((key for key, value in record.items()
                        if not _is_history_value(key, value)), None)
            if bad is not None:
                raise TypeError(
                    f"sklrnn.save writes numbers, booleans and None (and lists and objects of "
                    f"them) in a training history; epoch {epoch} of {name}'s history_ holds "
                    f"{_shown(record[bad])} as {bad!r}. Delete that record before saving.")
        node["history"] = state["history"]
        node["tensors"] = prefix
        for key, value in state["tensors"].items():
            tensors[prefix + key] = value.detach().cpu().contiguous().clone()
    return node


def _encode_value(value, prefix, tensors):
    """``value`` as JSON: estimators as documents, arrays and frames with their dtypes."""
    if _classes().get(type(value).__name__) is type(value):
        return {"sklrnn": _encode(value, prefix, tensors)}
    if isinstance(value, type) and issubclass(value, torch.optim.Optimizer):
        if getattr(torch.optim, value.__name__, None) is not value:
            raise _Unwritable(f"{value} is not an optimizer of torch.optim")
        return f"torch.optim.{value.__name__}"
    if isinstance(value, tuple | list):
        items = [_encode_value(item, f"{prefix}{i}.", tensors) for i, item in enumerate(value)]
        return {"tuple": items} if isinstance(value, tuple) else items
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufUO" or (value.dtype.kind == "O" and not all(
                _is_plain(item) for item in value.flat)):
            raise _Unwritable(f"an array of dtype {value.dtype} and its items")
        return {"array": value.tolist(), "dtype": value.dtype.str}
    pd = sys.modules.get("pandas")  # not a dependency: no frames without it
    if pd is not None and isinstance(value, pd.DataFrame):
        return {"frame": _encode_value(value.to_numpy(), prefix, tensors),
                "index": _encode_index(value.index), "columns": _encode_index(value.columns)}
    if isinstance(value, np.generic):
        return value.item()
    if _is_plain(value):
        return value
    raise _Unwritable(f"{type(value).__name__} values need pickle")


def _encode_index(index):
    """A pandas index as JSON: values and whatever rebuilds its type (periods, dates)."""
    import pandas as pd

    if isinstance(index, pd.MultiIndex):
        return {"levels": [_encode_index(level) for level in index.levels],
                "codes": [codes.tolist() for codes in index.codes]}
    document = {"name": _encode_value(index.name, "", {})}
    if isinstance(index, pd.PeriodIndex):
        return {**document, "periods": index.astype(str).tolist(), "freq": index.freqstr}
    if isinstance(index, pd.DatetimeIndex):
        return {**document, "dates": [time.isoformat() for time in index],
                "tz": None if index.tz is None else str(index.tz), "freq": index.freqstr}
    return {**document, "values": _encode_value(index.to_numpy(), "", {})}


# -- reading ---------------------------------------------------------------------------------
#
# load reads the file as untrusted input. Before anything is built, the file must be a regular
# file, its header JSON no deeper than MAX_DEPTH with integers of 64 bits, and its floating
# tensors finite. _Loader then accepts every document only as save writes it: known keys of
# the right types, parameters that pass the class's _parameter_constraints (none that makes
# scikit-learn, joblib or skorch read files or import names), fitted attributes of the types
# fit sets, arrays within the bytes the header's length allows. Every refusal is a
# ValueError naming the key; nothing read from the file is shown at more than a few dozen
# characters.


def _check_regular_file(path):
    """Refuse at once what is not a regular file: a pipe would block, a device never end."""
    info = os.stat(path)  # FileNotFoundError as it is
    mode = info.st_mode
    if stat.S_ISREG(mode):
        if info.st_size < 8:  # and /proc's files, which say they are empty
            raise ValueError(f"{path} holds {info.st_size} bytes, too few for a file written "
                             "by sklrnn.save.")
        return
    kind = ("a directory" if stat.S_ISDIR(mode) else "a pipe (FIFO)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    raise ValueError(
        f"{path} is {kind}; sklrnn.load reads only regular files written by sklrnn.save.")


def _parse_header(path, text):
    """The header's JSON, once it is an object nested at most MAX_DEPTH deep."""
    try:
        header = json.loads(text)
    except RecursionError:  # json recurses in C: nesting in the thousands
        header = None
    except ValueError as exc:  # JSONDecodeError, and integers of more than 4,300 digits
        raise ValueError(f"{path} has a malformed sklrnn header: {_clip(exc)}.") from exc
    if not isinstance(header, dict) or _depth(header) > MAX_DEPTH:
        raise ValueError(
            f"{path} has a malformed sklrnn header: it must be a JSON object nested at most "
            f"{MAX_DEPTH} levels deep, as sklrnn.save writes it. It was altered, or not "
            "written by sklrnn.save.")
    integer = _first_wide_integer(header)
    if integer is not None:
        raise ValueError(
            f"{path} has a malformed sklrnn header: it holds the integer {_shown(integer)}; "
            "sklrnn.save writes integers of 64 bits. It was altered.")
    return header


def _depth(document):
    """How deep ``document`` nests (a scalar 0, ``[]`` 1), without recursion."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        value, depth = stack.pop()
        items = (value.values() if isinstance(value, dict)
                 else value if isinstance(value, list) else None)
        if items is None:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        stack.extend((item, depth + 1) for item in items)
    return deepest


def _leaves(document):
    """The values of ``document`` that are neither lists nor objects, without recursion."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        else:
            yield value


def _first_wide_integer(document):
    """An integer of ``document`` outside int64 and uint64, or None."""
    return next((value for value in _leaves(document)
                 if type(value) is int and not -2**63 <= value < 2**64), None)


def _check_tensors(path, tensors):
    """Refuse tensors no trained network holds: NaN or infinite weights, complex numbers."""
    for key, tensor in tensors.items():
        if tensor.is_complex() or (tensor.is_floating_point()
                                   and not bool(torch.isfinite(tensor).all())):
            kind = "complex" if tensor.is_complex() else "NaN or infinite"
            raise ValueError(
                f"{path} holds the tensor {_shown(key)} with {kind} values; sklrnn.save "
                "writes the finite weights of trained networks. It was altered.")


class _Loader:
    """Builds the estimators of a file's documents, taking their tensors from ``tensors``.

    Every value is checked against what :func:`save` writes before anything is built from
    it; ``array_bytes`` is what the header's arrays may still take.
    """

    def __init__(self, path, tensors, device, version, array_bytes):
        self.path, self.tensors, self.device, self.version = path, tensors, device, version
        self.array_bytes = array_bytes
        self.unused = set(tensors)

    def refuse(self, where, expected, value):
        """The ValueError of a value at ``where`` that is not ``expected``."""
        return ValueError(
            f"{self.path} has a malformed sklrnn header: {_place(where)} must be {expected}; got "
            f"{_shown(value)}. It was altered, or not written by sklrnn.save.")

    def document(self, header):
        """The estimator of a file's header: its document, and the versions that wrote it."""
        versions = header.get("versions")
        if not isinstance(versions, dict) or not all(
                isinstance(value, str) for value in versions.values()):
            raise self.refuse("versions", "an object of version strings", versions)
        node = {key: value for key, value in header.items()
                if key not in ("format_version", "versions")}
        estimator = self.estimator(node, "")
        if type(estimator).__name__ not in _classes(top=True):
            raise self.refuse("estimator", f"one of {sorted(_classes(top=True))}",
                              type(estimator).__name__)
        return estimator

    def estimator(self, node, prefix):
        where = prefix.rstrip(".") or "the header"
        if not isinstance(node, dict):
            raise self.refuse(where, "an estimator's document (a JSON object)", node)
        classes = _classes()
        cls = classes.get(node.get("estimator")) if isinstance(node.get("estimator"), str) \
            else None
        if cls is None:
            raise ValueError(
                f"{self.path} holds an unknown estimator {_shown(node.get('estimator'))}"
                f"{' as ' + _place(where) if prefix else ''}; sklrnn.load builds "
                f"{sorted(_classes(top=True))}.")
        keys = _node_keys(cls, self.version)
        unknown = sorted(set(node) - keys)
        missing = sorted(({"params", "fitted"} | (keys & {"history", "tensors", "sktime"}))
                         - set(node))
        if unknown or missing:
            raise ValueError(
                f"{self.path} has a malformed sklrnn header: the document of {cls.__name__}"
                f"{' as ' + _place(where) if prefix else ''} "
                + (f"names keys a document of {cls.__name__} does not have: "
                   f"{_listing(unknown)}" if unknown
                   else f"lacks {_listing(missing)}")
                + ". It was altered, or not written by sklrnn.save.")
        for key in ("params", "fitted"):
            if not isinstance(node[key], dict):
                raise self.refuse(f"{prefix}{key}", "a JSON object", node[key])
        if hasattr(cls, "__sklrnn_upgrade__"):
            node = cls.__sklrnn_upgrade__(node)  # files of older versions
        params, fitted = node["params"], node["fitted"]
        self.check_names(cls, params, fitted, prefix)
        self.check_runtime(params, prefix)
        if cls is Pipeline:  # refused before any step is built
            self.check_raw_steps(params.get("steps"), f"{prefix}steps")
        slots = _ESTIMATOR_SLOTS.get(cls.__name__, ())
        params = {key: self.value(value, f"{prefix}{key}.", key in slots)
                  for key, value in params.items()}
        self.check_params(cls, params, prefix)
        if self.device is not None and "device" in params:
            params["device"] = self.device
        estimator = cls(**params)
        fitted = {key: self.value(value, f"{prefix}{key}.", key in slots)
                  for key, value in fitted.items()}
        self.check_fitted(cls, fitted, prefix)
        for check in (_CONSISTENT.get(c.__name__) for c in cls.__mro__):
            found = check and check(params, fitted)
            if found:
                key, expected, value = found
                raise self.refuse(f"{prefix}{key}", expected, value)
        if not hasattr(estimator, "__sklrnn_restore__"):
            estimator.__dict__.update(fitted)
            return estimator
        state = {"fitted": fitted}
        if "history" in node:
            if node["tensors"] != prefix:
                raise self.refuse(f"{prefix}tensors", f"the prefix {prefix!r}", node["tensors"])
            state["history"] = self.history(node["history"], f"{prefix}history")
            state["tensors"] = {key[len(prefix):]: self.tensors[key] for key in self.unused
                                if key.startswith(prefix)}
        if "sktime" in node:
            state["sktime"] = self.sktime(node["sktime"], f"{prefix}sktime")
        try:
            used = estimator.__sklrnn_restore__(state)
        except ValueError as exc:
            raise ValueError(f"{self.path} holds {_clip(exc)}") from exc
        self.unused -= {prefix + key for key in used}
        return estimator

    def check_names(self, cls, params, fitted, prefix):
        """Refuse parameters ``cls`` lacks (or lacking ones), and fitted names fit never sets."""
        signature = set(inspect.signature(cls).parameters)
        saved = getattr(cls, "__sklrnn_fitted__", None)  # a class may name what it saves
        unknown = sorted(set(params) - signature) + sorted(
            key for key in fitted
            if key in params or not (key in saved if saved is not None
                                     else _is_fitted_name(cls, key)))
        at = f" (in {_place(prefix.rstrip('.'))})" if prefix else ""
        if unknown:
            raise ValueError(
                f"{self.path} names parameters or fitted attributes {cls.__name__} does not "
                f"have{at}: {_listing(unknown)}. It was not written by sklrnn.save, or was "
                "altered.")
        # save writes every parameter; those added since older files are filled in by
        # __sklrnn_upgrade__. A pipeline's own parameters other than steps are scikit-learn's.
        lacking = sorted((signature - set(params)) if cls is not Pipeline
                         else {"steps"} - set(params))
        lacking += sorted(_required_fitted(cls, fitted) - set(fitted))
        if lacking:
            raise ValueError(
                f"{self.path} lacks parameters or fitted attributes of {cls.__name__}{at}: "
                f"{_listing(lacking)}. It was altered, or not written by sklrnn.save.")

    def check_runtime(self, params, prefix):
        """Refuse, before anything is decoded, parameters that would read files or run code.

        A pipeline's ``memory`` (fit would unpickle the files of its folder) and an
        ``accelerator`` must be None, as save writes them; ``callbacks`` None or empty.
        """
        for key in RUNTIME:
            if params.get(key) is not None:
                raise self.refuse(f"{prefix}{key}", "None, as sklrnn.save writes it (a "
                                  "pipeline's memory would make fit unpickle its files)",
                                  params[key])
        callbacks = params.get("callbacks")
        if callbacks is not None and callbacks != []:
            raise self.refuse(f"{prefix}callbacks",
                              "None or [] (sklrnn.save writes no callback objects)", callbacks)

    def check_params(self, cls, params, prefix):
        """Refuse decoded parameters save never writes, or ``cls`` refuses; resolve optimizers.

        An ``optimizer`` must be one of torch.optim's (``"torch.optim.<Name>"``) or a name
        the estimators know; a ``device`` one torch knows.
        """
        optimizer = params.get("optimizer")
        if isinstance(optimizer, str) and optimizer.startswith("torch.optim."):
            found = getattr(torch.optim, optimizer[len("torch.optim."):], None)
            if not (isinstance(found, type) and issubclass(found, torch.optim.Optimizer)
                    and found is not torch.optim.Optimizer):
                raise self.refuse(f"{prefix}optimizer", "'torch.optim.<Name>' of an optimizer "
                                  "class of torch.optim, or a name the estimators know",
                                  optimizer)
            params["optimizer"] = found
        device = params.get("device")
        if isinstance(device, str):
            try:
                parsed = torch.device(device)
            except (RuntimeError, ValueError) as exc:
                raise self.refuse(f"{prefix}device", "a device torch knows ('cpu', 'cuda', "
                                  "...)", device) from exc
            if parsed.type == "meta":
                raise self.refuse(f"{prefix}device", "a device that holds tensors", device)
        for key in ("levels", "quantiles", "quantile_levels"):  # they size the networks
            value = params.get(key)
            if isinstance(value, tuple | list) and not all(
                    type(level) is float and 0 < level < 1 for level in value):
                raise self.refuse(f"{prefix}{key}", "a list of levels in (0, 1)", value)
        if cls is Pipeline:
            self.check_steps(params.get("steps"), f"{prefix}steps")
            transform_input = params.get("transform_input")
            if transform_input is not None and not (
                    type(transform_input) is list
                    and all(isinstance(name, str) for name in transform_input)):
                raise self.refuse(f"{prefix}transform_input", "None or a list of names",
                                  transform_input)
        constraints = getattr(cls, "_parameter_constraints", None) or {}
        for key, value in params.items():
            # A boolean is an int, and Interval(Real) takes it: only where booleans are meant.
            if type(value) is bool and not {"boolean", "verbose"} & {
                    c for c in constraints.get(key, ()) if isinstance(c, str)}:
                raise self.refuse(f"{prefix}{key}", "a value of its type, not a boolean", value)
        if constraints:
            try:
                validate_parameter_constraints(constraints, params, caller_name=cls.__name__)
            except InvalidParameterError as exc:
                at = f" (in {_place(prefix.rstrip('.'))})" if prefix else ""
                raise ValueError(f"{self.path} has a malformed sklrnn header{at}: "
                                 f"{_clip(exc)} It was altered.") from exc

    def check_raw_steps(self, steps, where):
        """A pipeline's steps as written: (name, document, None or "passthrough") pairs."""
        if type(steps) is not list or not steps:
            raise self.refuse(where, "a list of (name, estimator) pairs", steps)
        for i, step in enumerate(steps):
            pair = step.get("tuple") if isinstance(step, dict) and set(step) == {"tuple"} \
                else None
            if not (type(pair) is list and len(pair) == 2 and isinstance(pair[0], str)):
                raise self.refuse(f"{where}.{i}", "a (name, estimator) pair", step)
            if not (pair[1] is None or pair[1] == "passthrough" or (
                    isinstance(pair[1], dict) and set(pair[1]) == {"sklrnn"})):
                raise self.refuse(f"{where}.{pair[0]}", "an sklrnn estimator (a transformer "
                                  "before the last step), 'passthrough' or None", pair[1])

    def check_steps(self, steps, where):
        """A pipeline's steps as save writes them: (name, estimator or "passthrough") pairs."""
        if not (type(steps) is list and steps and all(
                type(step) is tuple and len(step) == 2 and isinstance(step[0], str)
                for step in steps)):
            raise self.refuse(where, "a list of (name, estimator) pairs", steps)
        names = [name for name, _ in steps]
        bad = [name for i, name in enumerate(names) if "__" in name or name in names[:i]]
        if bad:
            raise self.refuse(where, "pairs of unique names without '__'", bad[0])
        for i, (name, step) in enumerate(steps):
            if step is None or step == "passthrough":
                continue
            if type(step) not in _classes().values() or (
                    i < len(steps) - 1 and not hasattr(step, "transform")):
                raise self.refuse(f"{where}.{name}", "an sklrnn estimator (a transformer "
                                  "before the last step), 'passthrough' or None", step)

    def check_fitted(self, cls, fitted, prefix):
        """Refuse fitted attributes of other types than ``fit`` sets."""
        for key, value in fitted.items():
            expected, accepts = _FITTED_KINDS.get(key, (None, None))
            if accepts is not None and not accepts(value):
                raise self.refuse(f"{prefix}{key}", expected, value)
            if accepts is None and _holds_estimator(value):
                raise self.refuse(f"{prefix}{key}", "a value, not an estimator", value)

    def history(self, history, where):
        """A network's training history: epochs of numbers, booleans and None."""
        if type(history) is not list:
            raise self.refuse(where, "a list of epochs", history)
        for i, record in enumerate(history):
            if not isinstance(record, dict):
                raise self.refuse(f"{where}[{i}]", "an epoch's record (a JSON object)", record)
            for key, value in record.items():
                if not _is_history_value(key, value):
                    expected = ("a list of objects of numbers" if key == "batches" else
                                "numbers, booleans or None, or lists and objects of them")
                    raise self.refuse(f"{where}[{i}].{key}", expected, value)
        return history

    def value(self, value, prefix, estimators=False):
        """A parameter or fitted attribute, decoded; estimators only where save writes them."""
        where = prefix.rstrip(".")
        if isinstance(value, list):
            return [self.value(item, f"{prefix}{i}.", estimators)
                    for i, item in enumerate(value)]
        if not isinstance(value, dict):
            return value
        if set(value) == {"sklrnn"}:
            if not estimators:
                raise self.refuse(where, "a value (sklrnn.save writes estimators as a "
                                  "pipeline's steps and a forecaster's regressor_ only)", value)
            return self.estimator(value["sklrnn"], prefix)
        if set(value) == {"tuple"} and isinstance(value["tuple"], list):
            return tuple(self.value(value["tuple"], prefix, estimators))
        if set(value) == {"array", "dtype"}:
            return self.array(value, where)
        if set(value) == {"frame", "index", "columns"}:
            return self.frame(value, where)
        raise ValueError(f"{self.path} holds a value sklrnn.save does not write as "
                         f"{_place(where)}: {_shown(value)}.")

    def array(self, value, where, ndim=None):
        """An array of a header, once its dtype, shape, items and bytes are as save writes."""
        if not isinstance(value, dict) or set(value) != {"array", "dtype"}:
            raise self.refuse(where, "an array ({'array': ..., 'dtype': ...})", value)
        code = value["dtype"]
        if not isinstance(code, str) or not _DTYPE.fullmatch(code):
            raise ValueError(f"{self.path}: sklrnn.load refuses the array dtype "
                             f"{_shown(code)} of {_place(where)}; sklrnn.save writes numbers, "
                             "booleans and strings ('<f8', '<U5', '|O', ...).")
        try:
            dtype = np.dtype(code)
        except TypeError as exc:
            raise ValueError(f"{self.path}: sklrnn.load refuses the array dtype "
                             f"{_shown(code)} of {_place(where)}.") from exc
        shape, items = _shape(value["array"])
        if shape is None or (ndim is not None and len(shape) != ndim):
            raise self.refuse(f"{where}.array", f"a rectangular {ndim or ''}{'-D ' if ndim else ''}"
                              "nest of lists of plain values", value["array"])
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes > self.array_bytes:
            raise ValueError(
                f"{self.path} has a malformed sklrnn header: the array {_place(where)} of shape "
                f"{shape} and dtype {dtype.str} would take {nbytes:,} bytes, more than a "
                "header of its size can describe (sklrnn.save writes dtypes its items fill). "
                "It was altered.")
        self.array_bytes -= nbytes
        accepts = _ITEMS[dtype.kind]
        bad = next((item for item in items if not accepts(item, dtype)), _NONE)
        if bad is not _NONE:
            raise self.refuse(f"{where}.array", f"items of dtype {dtype.str}", bad)
        try:
            return np.array(value["array"], dtype=dtype)
        except (TypeError, ValueError, OverflowError) as exc:
            raise self.refuse(f"{where}.array", f"items of dtype {dtype.str}", str(exc)) \
                from exc

    def frame(self, value, where):
        """A pandas DataFrame of a header (a forecaster's series)."""
        import pandas as pd

        if not isinstance(value, dict) or set(value) != {"frame", "index", "columns"}:
            raise self.refuse(where, "a data frame ({'frame': ..., 'index': ..., "
                              "'columns': ...})", value)
        data = self.array(value["frame"], f"{where}.frame", ndim=2)
        index = self.index(value["index"], f"{where}.index")
        columns = self.index(value["columns"], f"{where}.columns")
        try:
            return pd.DataFrame(data, index=index, columns=columns)
        except (TypeError, ValueError) as exc:
            raise self.refuse(where, "a data frame whose index and columns fit its values",
                              str(exc)) from exc

    def index(self, value, where):
        """A pandas index of a header: values, periods, dates, or levels of a MultiIndex."""
        import pandas as pd

        layout = next((keys for keys in _INDEX_KEYS if isinstance(value, dict)
                       and set(value) == keys), None)
        if layout is None:
            raise self.refuse(where, "a pandas index as sklrnn.save writes it", value)
        if "levels" in value:
            levels, codes = value["levels"], value["codes"]
            if not (type(levels) is list and type(codes) is list and levels
                    and len(levels) == len(codes) and all(
                        type(level) is list and all(type(c) is int for c in level)
                        for level in codes)):
                raise self.refuse(where, "levels and codes (lists of integers) of a "
                                  "MultiIndex", value)
            levels = [self.index(level, f"{where}.levels.{i}") for i, level in
                      enumerate(levels)]
            if any(isinstance(level, pd.MultiIndex) for level in levels):
                raise self.refuse(f"{where}.levels", "indexes of one level", value["levels"])
            build = lambda: pd.MultiIndex(  # noqa: E731
                levels=levels, codes=codes, names=[level.name for level in levels])
        else:
            name = value["name"]
            if not _is_plain(name):
                raise self.refuse(f"{where}.name", "a plain name", name)
            if "values" in value:
                values = self.array(value["values"], f"{where}.values", ndim=1)
                build = lambda: pd.Index(values, name=name)  # noqa: E731
            else:
                key = "periods" if "periods" in value else "dates"
                strings, freq = value[key], value["freq"]
                if type(strings) is not list or not all(isinstance(s, str) for s in strings):
                    raise self.refuse(f"{where}.{key}", "a list of strings", strings)
                if not (isinstance(freq, str) or (freq is None and key == "dates")):
                    raise self.refuse(f"{where}.freq", "a frequency string", freq)
                if key == "periods":
                    build = lambda: pd.PeriodIndex(strings, freq=freq, name=name)  # noqa: E731
                else:
                    tz = value["tz"]
                    if not (tz is None or isinstance(tz, str)):
                        raise self.refuse(f"{where}.tz", "None or a time zone name", tz)
                    self.take(len(strings) * 8, where)

                    def build():
                        index = pd.DatetimeIndex(pd.to_datetime(strings, utc=tz is not None))
                        if tz is not None:
                            index = index.tz_convert(tz)
                        return pd.DatetimeIndex(index, freq=freq, name=name)
        try:
            return build()
        except (TypeError, ValueError, OverflowError, LookupError, AttributeError) as exc:
            raise self.refuse(where, "a pandas index as sklrnn.save writes it", str(exc)) \
                from exc

    def take(self, nbytes, where):
        """Count ``nbytes`` against what the header's arrays may take."""
        if nbytes > self.array_bytes:
            raise ValueError(f"{self.path} has a malformed sklrnn header: {_place(where)} "
                             f"would take {nbytes:,} bytes, more than a header of its size "
                             "can describe.")
        self.array_bytes -= nbytes

    def sktime(self, state, where):
        """The forecaster's sktime state with its horizon's values decoded."""
        if not isinstance(state, dict) or set(state) != {"y_mtype", "fh"}:
            raise self.refuse(where, "an object of y_mtype and fh", state)
        if not isinstance(state["y_mtype"], str) or state["y_mtype"] not in _MTYPES:
            raise self.refuse(f"{where}.y_mtype", f"one of {sorted(_MTYPES)}",
                              state["y_mtype"])
        fh = state["fh"]
        if fh is not None:
            if not isinstance(fh, dict) or set(fh) != {"relative", "values"} or type(
                    fh["relative"]) is not bool:
                raise self.refuse(f"{where}.fh", "None or an object of relative (a boolean) "
                                  "and values", fh)
            values = fh["values"]
            if fh["relative"]:
                values = self.array(values, f"{where}.fh.values", ndim=1)
                if values.dtype.kind not in "iu":
                    raise self.refuse(f"{where}.fh.values", "integers", values)
            else:
                values = self.index(values, f"{where}.fh.values")
            fh = {"relative": fh["relative"], "values": values}
        return {**state, "fh": fh}


def _classes(top=False):
    """The classes load builds, by name: sktime's forecaster too, where sktime is installed.

    ``top``: those a file may hold as its estimator (not the forecaster's own regressor).
    """
    try:
        from .forecasting._forecaster import RNNForecaster, _QuantileRegressor
    except ImportError:  # no sktime
        return ESTIMATORS
    if top:
        return {**ESTIMATORS, "RNNForecaster": RNNForecaster}
    return {**ESTIMATORS, "RNNForecaster": RNNForecaster,
            "_QuantileRegressor": _QuantileRegressor}


def _node_keys(cls, version):
    """The keys save writes in the document of a ``cls``."""
    keys = {"estimator", "params", "fitted"}
    if issubclass(cls, BaseRNN):
        keys |= {"history", "tensors"} | ({"max_steps"} if version == 1 else set())
    if cls.__name__ == "RNNForecaster":
        keys.add("sktime")
    return keys


#: The parameters (Pipeline) and fitted attributes (RNNForecaster) whose values are
#: estimators' documents; everywhere else, save writes none.
_ESTIMATOR_SLOTS = {"Pipeline": ("steps",), "RNNForecaster": ("regressor_",)}

#: The y types of sktime whose data frames a forecaster keeps (pandas and numpy ones).
_MTYPES = frozenset({"pd.Series", "pd.DataFrame", "np.ndarray", "pd-multiindex",
                     "pd_multiindex_hier", "numpy3D", "numpyflat", "df-list", "nested_univ",
                     "pd-wide", "pd-long"})

#: The layouts of a pandas index in a header.
_INDEX_KEYS = ({"name", "values"}, {"name", "periods", "freq"},
               {"name", "dates", "tz", "freq"}, {"levels", "codes"})

#: The dtypes of a header's arrays: booleans, numbers, strings and objects of plain values.
_DTYPE = re.compile(r"[<>|=]?(b1|[iu][1248]|f(2|4|8|16)|U\d{1,9}|O)")

_NONE = object()


def _is_plain(value):
    return value is None or isinstance(value, str | bool | numbers.Integral | numbers.Real)


#: Whether an item of a header's array fits its dtype's kind (np.array would convert others:
#: 1.5 to 1, None to NaN, a long string cut to the dtype's length).
_ITEMS = {
    "b": lambda item, dtype: type(item) is bool,
    "i": lambda item, dtype: type(item) is int,
    "u": lambda item, dtype: type(item) is int,
    "f": lambda item, dtype: type(item) is float,
    "U": lambda item, dtype: type(item) is str and 4 * len(item) <= dtype.itemsize,
    "O": lambda item, dtype: item is None or type(item) in (str, bool, int, float),
}


def _shape(items):
    """The shape of a nest of lists and its items, or (None, None) when it is ragged.

    Read level by level, without recursion: a scalar is an array of shape ().
    """
    shape, level = [], [items]
    while level and type(level[0]) is list:
        n = len(level[0])
        if any(type(nest) is not list or len(nest) != n for nest in level):
            return None, None
        shape.append(n)
        if len(shape) > MAX_DEPTH:
            return None, None
        level = [item for nest in level for item in nest]
    if any(isinstance(item, list | dict) for item in level):
        return None, None
    return tuple(shape), level


def _holds_estimator(value):
    """Whether a decoded value is, or holds, an estimator."""
    if isinstance(value, list | tuple):
        return any(_holds_estimator(item) for item in value)
    return type(value) in _classes().values()


def _is_history_value(key, value):
    """Whether ``value`` is what a history record holds: numbers, booleans and None.

    ``"batches"`` is a list of records of numbers; every other value a number, boolean or
    None, or a list or object of them (``grad_norms``, ``step_grad_norms``).
    """
    if key == "batches":
        return type(value) is list and all(
            isinstance(batch, dict) and all(_is_number(v) for v in batch.values())
            for batch in value)
    return all(_is_number(leaf) for leaf in _leaves(value))


def _is_number(value):
    return value is None or isinstance(value, bool | int | float)  # np.float64 too


def _is_count(value, low=1):
    return type(value) is int and low <= value < 2**63


def _is_float_array(ndim):
    return lambda value: isinstance(value, np.ndarray) and value.dtype.kind == "f" \
        and value.ndim == ndim


def _is_frame(value):
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(value, pd.DataFrame)


#: The fitted attributes of sklrnn's classes that save writes, by name, with the type fit
#: sets (what load requires) and whether a value has it. A name means the same in every
#: class. Attributes not listed are public ``name_`` ones a newer fit sets; load takes them
#: as they are.
_FITTED_KINDS = {
    **dict.fromkeys(("n_features_in_", "input_size_", "_input_size", "n_outputs_",
                     "frame_size_", "max_epochs_", "maxlen_", "n_timesteps_",
                     "_n_features_out", "n_windows_", "sp_", "_horizon"),
                    ("an integer >= 1", _is_count)),
    **dict.fromkeys(("input_ndim_", "_input_ndim"),
                    ("2 or 3", lambda v: type(v) is int and v in (2, 3))),
    **dict.fromkeys(("horizon_", "max_steps_"),
                    ("None or an integer >= 1", lambda v: v is None or _is_count(v))),
    **dict.fromkeys(("has_output_axis_", "do_early_stopping_", "_table_frame"),
                    ("a boolean", lambda v: type(v) is bool)),
    "n_samples_seen_": ("an integer >= 0", lambda v: _is_count(v, low=0)),
    "classes_": ("a 1-D array", lambda v: isinstance(v, np.ndarray) and v.ndim == 1),
    "feature_names_in_": ("a 1-D array of strings", lambda v: isinstance(v, np.ndarray)
                          and v.ndim == 1 and all(isinstance(n, str) for n in v)),
    **dict.fromkeys(("mean_", "var_", "scale_"),
                    ("None or a 1-D array of floats",
                     lambda v: v is None or _is_float_array(1)(v))),
    "regressor_": ("an RNNRegressor", lambda v: isinstance(v, RNNRegressor)),
    "deseasonalize_": ("None, 'additive' or 'multiplicative'",
                       lambda v: v in (None, "additive", "multiplicative")),
    "level_": ("'last' or 'mean'", lambda v: v in ("last", "mean")),
    **dict.fromkeys(("seasonal_", "_seasonal"), ("a 3-D array of floats", _is_float_array(3))),
    **dict.fromkeys(("_drift", "_center", "_scale"),
                    ("a 2-D array of floats", _is_float_array(2))),
    "_conformal": ("None or a 3-D array of floats",
                   lambda v: v is None or _is_float_array(3)(v)),
    "_levels": ("None or a list of levels in (0, 1)", lambda v: v is None or (
        type(v) is tuple and all(type(level) is float and 0 < level < 1 for level in v))),
    "_keys": ("a list of series keys", lambda v: type(v) is list and all(
        _is_plain(key) or (type(key) is tuple and all(map(_is_plain, key))) for key in v)),
    **dict.fromkeys(("_columns", "_past_columns", "_future_columns", "_static_columns"),
                    ("a list of column names",
                     lambda v: type(v) is list and all(map(_is_plain, v)))),
    "_static": ("a 2-D array of floats", _is_float_array(2)),
    "_y_seen": ("a data frame", _is_frame),
    "_X_seen": ("None or a data frame", lambda v: v is None or _is_frame(v)),
}

#: The fitted attributes every file of a class holds, by the class (or a parent) name. A
#: network's ``frame_size_``, ``max_epochs_``, ``do_early_stopping_`` and ``_table_frame``,
#: and a forecaster's seasons and levels, are missing from files older than them.
_REQUIRED_FITTED = {
    "BaseRNN": {"n_features_in_", "input_ndim_", "input_size_", "max_steps_"},
    "RNNRegressor": {"has_output_axis_", "n_outputs_", "horizon_"},
    "RNNClassifier": {"classes_"},
    "SequencePadder": {"n_features_in_", "_input_ndim", "_input_size", "maxlen_"},
    "SequenceScaler": {"n_features_in_", "_input_ndim", "_input_size", "n_samples_seen_",
                       "mean_", "var_", "scale_"},
    "TabularToSequence": {"n_features_in_", "n_timesteps_", "_n_features_out"},
    "RNNForecaster": {"regressor_", "n_windows_", "_levels", "_horizon", "_keys", "_columns",
                      "_center", "_scale", "_y_seen", "_X_seen"},
}
_SEASONS = {"sp_", "deseasonalize_", "seasonal_", "level_", "_seasonal", "_drift"}
_COVARIATES = {"_past_columns", "_future_columns", "_static_columns", "_static"}


def _required_fitted(cls, fitted):
    """The fitted attributes a file's ``cls`` must hold, given those it holds."""
    required = set().union(*(_REQUIRED_FITTED.get(c.__name__, ()) for c in cls.__mro__))
    if cls.__name__ == "RNNForecaster":
        for group in (_SEASONS, _COVARIATES):
            if group & set(fitted):
                required |= group  # all of them, or none (older files)
    return required


def _input_features(fitted, ndim="input_ndim_", size="input_size_", vectors=False):
    """A mismatch of ``n_features_in_`` and the features per step: 3-D input (and vectors)
    has as many as its columns, 2-D input (univariate sequences) one."""
    if fitted[ndim] == 3 or vectors:
        if fitted["n_features_in_"] != fitted[size]:
            return "n_features_in_", f"{size} ({fitted[size]})", fitted["n_features_in_"]
    elif fitted[size] != 1:
        return size, "1 for 2-D input (univariate sequences)", fitted[size]
    return None


def _network_consistent(params, fitted):
    return _input_features(fitted, vectors=params["architecture"] == "vec2seq")


def _regressor_consistent(params, fitted):
    decodes = params["architecture"] in ("vec2seq", "encoder_decoder")
    if (fitted["horizon_"] is not None) != decodes:
        return ("horizon_", "an integer for vec2seq and encoder_decoder, None otherwise",
                fitted["horizon_"])
    if not fitted["has_output_axis_"] and fitted["n_outputs_"] != 1:
        return "n_outputs_", "1 without an output axis", fitted["n_outputs_"]
    return None


def _scaler_consistent(params, fitted):
    size = fitted["_input_size"]
    for key, kept in (("mean_", params["with_mean"]), ("var_", params["with_std"]),
                      ("scale_", params["with_std"])):
        if (fitted[key] is None) == kept or (kept and len(fitted[key]) != size):
            return key, (f"{size} values (_input_size)" if kept else "None"), fitted[key]
    return _input_features(fitted, "_input_ndim", "_input_size")


def _padder_consistent(params, fitted):
    if params["maxlen"] is not None and fitted["maxlen_"] != params["maxlen"]:
        return "maxlen_", f"maxlen ({params['maxlen']})", fitted["maxlen_"]
    return _input_features(fitted, "_input_ndim", "_input_size")


def _tabular_consistent(params, fitted):
    n_variables = params["n_variables"]
    if fitted["_n_features_out"] != n_variables:
        return "_n_features_out", f"n_variables ({n_variables})", fitted["_n_features_out"]
    if fitted["n_features_in_"] != fitted["n_timesteps_"] * n_variables:
        return ("n_features_in_", "n_timesteps_ * n_variables "
                f"({fitted['n_timesteps_'] * n_variables})", fitted["n_features_in_"])
    return None


def _forecaster_consistent(params, fitted):
    """The forecaster's arrays fit its series, exogenous columns, season and network."""
    import pandas as pd

    y, keys, columns = fitted["_y_seen"], fitted["_keys"], fitted["_columns"]
    if columns != list(y.columns):
        return "_columns", f"the columns of _y_seen {list(y.columns)}", columns
    index = y.index
    n_series = (len(index.droplevel(-1).unique()) if isinstance(index, pd.MultiIndex)
                else None)
    if (n_series is None and keys != [None]) or (n_series is not None and len(keys) != n_series):
        return "_keys", "one key per series of _y_seen ([None] for one series)", keys
    n_targets = len(columns)
    exog = [] if fitted["_X_seen"] is None else list(fitted["_X_seen"].columns)
    past, future = fitted.get("_past_columns", []), fitted.get("_future_columns", exog)
    static = fitted.get("_static_columns", [])
    if sorted(map(repr, past + future + static)) != sorted(map(repr, exog)):
        return ("_future_columns", f"the columns of _X_seen {exog[:10]} not past or static",
                future)
    named = {"past_columns": past, "static_columns": static}
    for name, columns_of in named.items():
        value = params[name]
        value = [] if value is None else [value] if isinstance(value, str) else list(value)
        value = [v.item() if isinstance(v, np.generic) else v for v in value]
        if set(map(repr, value)) != set(map(repr, columns_of)):
            return f"_{name}", f"the columns {name} names ({value!r})", columns_of
    width = n_targets + len(past) + len(future)
    n_static = len(static) + (len(keys) if params["series_embedding"] else 0)
    shapes = {"_center": (len(keys), width), "_scale": (len(keys), width)}
    if "_static" in fitted:
        shapes["_static"] = (len(keys), n_static)
    if "sp_" in fitted:
        shapes.update(_drift=(len(keys), n_targets),
                      seasonal_=(len(keys), fitted["sp_"], n_targets),
                      _seasonal=(len(keys), fitted["sp_"], n_targets))
    for key, shape in shapes.items():
        if fitted[key].shape != shape:
            return key, f"an array of shape {shape}", fitted[key]
    regressor, direct = fitted["regressor_"], params["strategy"] == "direct"
    if fitted["_horizon"] != 1 and not direct:
        return "_horizon", "1 for strategy='recursive'", fitted["_horizon"]
    conformal = fitted.get("_conformal")
    if (conformal is None) != (params["calibration"] is None) or (
            conformal is not None and conformal.shape[2] != len(columns)):
        return ("_conformal", "errors of every calibrated step and target when calibration "
                "is set, else None", conformal)
    trains_levels = params["quantiles"] is not None or params["distribution"] == "quantile"
    if (fitted["_levels"] is None) == trains_levels:
        return ("_levels", "None exactly when quantiles is None and distribution is not "
                "'quantile'", fitted["_levels"])
    n_outputs = n_targets + (0 if direct else len(past))
    expected = {"input_size_": width + n_static, "n_outputs_": n_outputs,
                "horizon_": fitted["_horizon"] if direct else None}
    for key, value in expected.items():
        if getattr(regressor, key) != value:
            return f"regressor_.{key}", f"{value} (the forecaster's)", getattr(regressor, key)
    return None


#: Whether the fitted attributes of a class (or a parent, by name) agree with each other and
#: with the parameters, as fit sets them: None, or the key, what it must be, and its value.
_CONSISTENT = {
    "BaseRNN": _network_consistent,
    "RNNRegressor": _regressor_consistent,
    "SequenceScaler": _scaler_consistent,
    "SequencePadder": _padder_consistent,
    "TabularToSequence": _tabular_consistent,
    "RNNForecaster": _forecaster_consistent,
}


def _is_fitted_name(cls, key):
    """Whether ``key`` can name an attribute ``fit`` sets on a ``cls``.

    A public ``name_``, or a private name sklrnn's classes set (``_FITTED_KINDS``); never a
    name of the class (a method, a property, or data such as ``_parameter_constraints``,
    which an instance attribute would replace), nor one fit sets otherwise (``net_``,
    ``history_``: load builds them).
    """
    if not isinstance(key, str) or not key.isidentifier() or key.startswith("__"):
        return False
    if hasattr(cls, key) or key in ("net_", "history_", "_built_params"):
        return False
    return key in _FITTED_KINDS or (key.endswith("_") and not key.startswith("_"))


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 60
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 4
_REPR.maxlevel = 2


def _shown(value):
    """``value`` for a message: at most 100 characters, whatever its size or depth."""
    return _clip(_REPR.repr(value), 100)


def _clip(message, limit=400):
    """A message (or exception) of at most ``limit`` characters."""
    message = str(message)
    return message if len(message) <= limit else f"{message[:limit]}..."


def _place(where):
    """A key's place in the header for a message: its names come from the file, any length."""
    return _clip(where, 80)


def _listing(names, shown=5):
    """The first ``shown`` of ``names`` and how many more: a message of bounded length."""
    listed = "[" + ", ".join(_shown(name) for name in names[:shown]) + "]"
    more = len(names) - shown
    return f"{listed} and {more:,} more" if more > 0 else listed

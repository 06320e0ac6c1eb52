"""Save fitted estimators without pickle: weights as safetensors, everything else as JSON.

A file written by :func:`save` is one `safetensors <https://huggingface.co/docs/safetensors>`_
file: the networks' weights and buffers as tensors (none for a transformer), and in its
header a JSON document with the class, its hyperparameters, its fitted attributes (every
attribute ``fit`` set), the training history and the library versions. A
:class:`~sklearn.pipeline.Pipeline` of sklrnn steps and an
:class:`~sklrnn.forecasting.RNNForecaster` nest their estimators' documents in it, with the
tensors of each under its own prefix. Neither format can carry code, so :func:`load` can read
a file from anywhere: it refuses anything that is not such a file (a pickle, say), whose
format version is newer than it knows, or whose tensors do not fit the networks its
hyperparameters build. Pickle and joblib keep working for those who want them, with their
usual warning: loading a pickle runs whatever code it holds.
"""

import inspect
import json
import numbers
import os
import sys

import numpy as np
import sklearn
import skorch
import torch
from safetensors import SafetensorError
from safetensors.torch import safe_open
from safetensors.torch import save as to_bytes
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import validate_params
from sklearn.utils.validation import check_is_fitted

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

#: Hyperparameters saved as None: the ``accelerator`` a model was trained with.
RUNTIME = ("accelerator",)

_KEY = "sklrnn"


class _Unwritable(TypeError):
    """A value JSON cannot hold without pickle."""


@validate_params({"estimator": "no_validation", "path": [str, os.PathLike]},
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
        pickle. An ``accelerator`` is written as None: the loaded estimator predicts, and
        trains with ``warm_start``, without one. In a data-parallel script every process
        holds the same network; save it from one (``accelerator.is_main_process``).
    path : str or path-like
        The file to write (``.safetensors`` by convention); an existing one is replaced.

    Raises
    ------
    TypeError
        For another kind of estimator, or hyperparameters JSON cannot hold.
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


@validate_params({"path": [str, os.PathLike], "device": [None, str, torch.device]},
                 prefer_skip_nested_validation=True)
def load(path, device=None):
    """Rebuild an estimator written by :func:`save`; it predicts as the saved one did.

    Nothing in the file is executed: it holds tensors and JSON only.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.
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
    ValueError
        When ``path`` is not a file written by :func:`save` (a pickle, for example), was
        written by a newer format version, names an unknown estimator, or holds tensors
        with other names or shapes than the networks its hyperparameters build.

    Examples
    --------
    See :func:`save`.
    """
    try:
        with safe_open(path, framework="pt") as file:
            metadata = file.metadata() or {}
            tensors = {key: file.get_tensor(key) for key in file.keys()}
    except (SafetensorError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(
            f"{path} is not a file written by sklrnn.save ({exc}). sklrnn.load reads only "
            "safetensors files with sklrnn's header; for a pickle, use pickle or joblib, and "
            "only on files you trust."
        ) from exc
    if _KEY not in metadata:
        raise ValueError(f"{path} is a safetensors file, but not one written by sklrnn.save.")
    try:
        header = json.loads(metadata[_KEY])
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} has a malformed sklrnn header: {exc}.") from exc
    version = header.get("format_version") if isinstance(header, dict) else None
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{path} has format version {version!r}; this sklrnn reads versions up to "
            f"{FORMAT_VERSION}. Upgrade sklrnn to load it."
        )
    loader = _Loader(path, tensors, device)
    try:
        estimator = loader.estimator(header, "")
    except (KeyError, IndexError, AttributeError) as exc:
        raise ValueError(f"{path} has a malformed sklrnn header ({exc!r}); it was altered.") \
            from exc
    if loader.unused:
        raise ValueError(
            f"The tensors in {path} do not fit the networks its hyperparameters build: "
            f"{sorted(loader.unused)} belong to none of them."
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


class _Loader:
    """Builds the estimators of a file's documents, taking their tensors from ``tensors``."""

    def __init__(self, path, tensors, device):
        self.path, self.tensors, self.device = path, tensors, device
        self.unused = set(tensors)

    def estimator(self, node, prefix):
        if not isinstance(node, dict) or not all(
                isinstance(node.get(key), dict) for key in ("params", "fitted")):
            raise ValueError(f"{self.path} has a malformed sklrnn header; it was altered.")
        classes = _classes()
        cls = classes.get(node.get("estimator"))
        if cls is None:
            raise ValueError(
                f"{self.path} holds an unknown estimator {node.get('estimator')!r}; "
                f"sklrnn.load builds {sorted(classes)}."
            )
        if hasattr(cls, "__sklrnn_upgrade__"):
            node = cls.__sklrnn_upgrade__(node)  # files of older versions
        params, fitted = node["params"], node["fitted"]
        saved = getattr(cls, "__sklrnn_fitted__", None)  # a class may name what it saves
        unknown = sorted(set(params) - set(inspect.signature(cls).parameters)) + sorted(
            key for key in fitted
            if key in params or not (key in saved if saved is not None
                                     else _is_fitted_name(cls, key)))
        if unknown:
            raise ValueError(
                f"{self.path} names parameters or fitted attributes {cls.__name__} does not "
                f"have: {unknown}. It was not written by sklrnn.save, or was altered."
            )
        params = {key: self.value(value, f"{prefix}{key}.") for key, value in params.items()}
        if isinstance(params.get("optimizer"), str) and params["optimizer"].startswith(
                "torch.optim."):
            params["optimizer"] = getattr(torch.optim, params["optimizer"].rpartition(".")[2])
        if self.device is not None and "device" in params:
            params["device"] = self.device
        estimator = cls(**params)
        fitted = {key: self.value(value, f"{prefix}{key}.") for key, value in fitted.items()}
        if not hasattr(estimator, "__sklrnn_restore__"):
            estimator.__dict__.update(fitted)
            return estimator
        state = {"fitted": fitted}
        if "history" in node:
            if node.get("tensors", "") != prefix:
                raise ValueError(f"{self.path} has a malformed sklrnn header; it was altered.")
            state["history"] = node["history"]
            state["tensors"] = {key[len(prefix):]: self.tensors[key] for key in self.unused
                                if key.startswith(prefix)}
        if "sktime" in node:
            state["sktime"] = self.sktime(node["sktime"])
        try:
            used = estimator.__sklrnn_restore__(state)
        except ValueError as exc:
            raise ValueError(f"{self.path} holds {exc}") from exc
        self.unused -= {prefix + key for key in used}
        return estimator

    def value(self, value, prefix):
        if isinstance(value, list):
            return [self.value(item, f"{prefix}{i}.") for i, item in enumerate(value)]
        if not isinstance(value, dict):
            return value
        if set(value) == {"sklrnn"}:
            return self.estimator(value["sklrnn"], prefix)
        if set(value) == {"tuple"} and isinstance(value["tuple"], list):
            return tuple(self.value(value["tuple"], prefix))
        if set(value) == {"array", "dtype"}:
            return _decode_array(value)
        if set(value) == {"frame", "index", "columns"}:
            import pandas as pd

            try:
                return pd.DataFrame(_decode_array(value["frame"]),
                                    index=_decode_index(value["index"]),
                                    columns=_decode_index(value["columns"]))
            except (TypeError, ValueError, KeyError) as exc:
                raise ValueError(f"{self.path} holds a malformed data frame: {exc}") from exc
        raise ValueError(f"{self.path} holds a value sklrnn.save does not write: {value!r:.80}.")

    def sktime(self, state):
        """The forecaster's sktime state with its horizon's values decoded."""
        if not isinstance(state, dict) or not isinstance(state.get("y_mtype"), str):
            raise ValueError(f"{self.path} has a malformed sklrnn header; it was altered.")
        fh = state.get("fh")
        if fh is not None:
            values = fh["values"]
            fh = {"relative": fh["relative"],
                  "values": _decode_array(values) if fh["relative"] else _decode_index(values)}
        return {**state, "fh": fh}


def _classes():
    """The classes load builds, by name: sktime's forecaster too, where sktime is installed."""
    try:
        from .forecasting._forecaster import RNNForecaster, _QuantileRegressor
    except ImportError:  # no sktime
        return ESTIMATORS
    return {**ESTIMATORS, "RNNForecaster": RNNForecaster,
            "_QuantileRegressor": _QuantileRegressor}


def _is_fitted_name(cls, key):
    """Whether ``key`` can name an attribute ``fit`` sets on a ``cls``.

    ``name_`` or ``_name``, or a plain class attribute the instance overrides (no dunders,
    methods or properties).
    """
    if not isinstance(key, str) or not key.isidentifier() or key.startswith("__"):
        return False
    default = getattr(cls, key, None)
    if callable(default) or isinstance(default, property):
        return False
    return key.endswith("_") or key.startswith("_") or hasattr(cls, key)


def _is_plain(value):
    return value is None or isinstance(value, str | bool | numbers.Integral | numbers.Real)


def _decode_array(value):
    if not isinstance(value, dict) or set(value) != {"array", "dtype"}:
        raise ValueError("sklrnn.load expected an array here; the file was altered.")
    try:
        dtype = np.dtype(value["dtype"])
    except TypeError as exc:
        raise ValueError(f"sklrnn.load refuses the array dtype {value['dtype']!r}.") from exc
    if dtype.kind not in "biufUO":
        raise ValueError(f"sklrnn.load refuses arrays of dtype {dtype}.")
    return np.array(value["array"], dtype=dtype)


def _decode_index(value):
    import pandas as pd

    if "levels" in value:
        levels = [_decode_index(level) for level in value["levels"]]
        return pd.MultiIndex(levels=levels, codes=value["codes"],
                             names=[level.name for level in levels])
    if "periods" in value:
        return pd.PeriodIndex(value["periods"], freq=value["freq"], name=value["name"])
    if "dates" in value:
        index = pd.DatetimeIndex(pd.to_datetime(value["dates"], utc=value["tz"] is not None))
        if value["tz"] is not None:
            index = index.tz_convert(value["tz"])
        return pd.DatetimeIndex(index, freq=value["freq"], name=value["name"])
    return pd.Index(_decode_array(value["values"]), name=value["name"])

"""Save fitted estimators without pickle: weights as safetensors, everything else as JSON.

A file written by :func:`save` is one `safetensors <https://huggingface.co/docs/safetensors>`_
file: the network's weights and buffers as tensors (none for a transformer), and in its
header a JSON document with the class, its hyperparameters, its fitted attributes (every
attribute ``fit`` set), the training history and the library versions. Neither format can
carry code, so :func:`load` can read a file from anywhere: it refuses anything that is not
such a file (a pickle, say), whose format version is newer than it knows, or whose tensors
do not fit the network its hyperparameters build. Pickle and joblib keep working for those
who want them, with their usual warning: loading a pickle runs whatever code it holds.
"""

import json
import numbers

import numpy as np
import sklearn
import skorch
import torch
from safetensors import SafetensorError
from safetensors.torch import safe_open, save_file
from sklearn.utils.validation import check_is_fitted
from skorch.history import History

from . import __version__
from .classifier import RNNClassifier
from .preprocessing import SequencePadder, SequenceScaler, TabularToSequence
from .regressor import RNNRegressor

#: The estimators and transformers save and load know, by the name written in the file.
ESTIMATORS = {cls.__name__: cls for cls in (
    RNNRegressor, RNNClassifier, SequencePadder, SequenceScaler, TabularToSequence)}

#: Version of the file layout; load refuses newer ones.
FORMAT_VERSION = 1

#: What the networks' files hold apart from the fitted attributes.
NETWORK = ("net_", "history_")

_KEY = "sklrnn"


def save(estimator, path):
    """Write a fitted estimator to ``path``: safetensors weights plus a JSON header.

    Parameters
    ----------
    estimator : RNNRegressor, RNNClassifier, SequencePadder, SequenceScaler or TabularToSequence
        A fitted estimator or transformer whose hyperparameters are plain values (numbers,
        strings, None): ``callbacks`` objects or a ``RandomState`` cannot be written without
        pickle.
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
    name = type(estimator).__name__
    if ESTIMATORS.get(name) is not type(estimator):
        raise TypeError(
            f"sklrnn.save writes {sorted(ESTIMATORS)}; got {name}. Use pickle or joblib for "
            "other objects."
        )
    check_is_fitted(estimator)
    params = {key: _to_json(value) for key, value in estimator.get_params(deep=False).items()}
    optimizer = params.get("optimizer")
    if isinstance(optimizer, type) and getattr(torch.optim, optimizer.__name__, None) is optimizer:
        params["optimizer"] = f"torch.optim.{optimizer.__name__}"
    unwritable = [key for key, value in params.items() if not _is_plain(value)]
    if unwritable:
        raise TypeError(
            f"sklrnn.save cannot write the hyperparameters {unwritable} of {name} without "
            "pickle (only numbers, strings, booleans and None, and optimizers from "
            "torch.optim). Set them to plain values with set_params before saving (callbacks "
            "are needed for training only), or use pickle or joblib."
        )
    # Everything fit set: the attributes that are not hyperparameters.
    fitted = {key: _to_json(value) for key, value in vars(estimator).items()
              if key not in params and key not in NETWORK}
    net = getattr(estimator, "net_", None)
    header = {
        "format_version": FORMAT_VERSION,
        "estimator": name,
        "params": params,
        "fitted": fitted,
        "versions": {"sklrnn": __version__, "torch": torch.__version__,
                     "skorch": skorch.__version__, "scikit-learn": sklearn.__version__},
    }
    tensors = {}
    if net is not None:
        header["max_steps"] = net.get_params().get("module__max_steps")
        header["history"] = estimator.history_.to_list()
        tensors = {key: value.detach().cpu().contiguous().clone()
                   for key, value in net.module_.state_dict().items()}
    try:
        metadata = {_KEY: json.dumps(header, allow_nan=True)}
    except TypeError as exc:
        raise TypeError(f"sklrnn.save cannot write {name}'s state as JSON: {exc}") from exc
    save_file(tensors, path, metadata=metadata)


def load(path, device=None):
    """Rebuild an estimator written by :func:`save`; it predicts as the saved one did.

    Nothing in the file is executed: it holds tensors and JSON only.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.
    device : str or None, default=None
        The torch device to load the network onto (e.g. ``"cpu"`` for a model saved on a
        GPU); None keeps the saved estimator's ``device``.

    Returns
    -------
    RNNRegressor, RNNClassifier, SequencePadder, SequenceScaler or TabularToSequence
        The fitted estimator or transformer.

    Raises
    ------
    ValueError
        When ``path`` is not a file written by :func:`save` (a pickle, for example), was
        written by a newer format version, names an unknown estimator, or holds tensors
        with other names or shapes than the network its hyperparameters build.

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
    header = json.loads(metadata[_KEY])
    if not isinstance(header, dict) or not isinstance(header.get("fitted", {}), dict):
        raise ValueError(f"{path} has a malformed sklrnn header; it was altered.")
    version = header.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{path} has format version {version!r}; this sklrnn reads versions up to "
            f"{FORMAT_VERSION}. Upgrade sklrnn to load it."
        )
    cls = ESTIMATORS.get(header.get("estimator"))
    if cls is None:
        raise ValueError(
            f"{path} holds an unknown estimator {header.get('estimator')!r}; sklrnn.load "
            f"builds {sorted(ESTIMATORS)}."
        )
    params, fitted = dict(header["params"]), header["fitted"]
    unknown = sorted(set(params) - set(cls().get_params(deep=False))) + sorted(
        key for key in fitted if not _is_fitted_name(key) or key in params)
    if unknown:
        raise ValueError(
            f"{path} names parameters or fitted attributes {cls.__name__} does not have: "
            f"{unknown}. It was not written by sklrnn.save, or was altered."
        )
    if isinstance(params.get("optimizer"), str) and params["optimizer"].startswith("torch.optim."):
        params["optimizer"] = getattr(torch.optim, params["optimizer"].rpartition(".")[2])
    if device is not None:
        params["device"] = device
    estimator = cls(**params)
    for key, value in fitted.items():
        setattr(estimator, key, _from_json(value))
    if "history" not in header:  # a transformer: no network
        if tensors:
            raise ValueError(f"{path} holds tensors that {cls.__name__} does not have.")
        return estimator
    net = estimator._build_net(estimator._input_size, None, header.get("max_steps"))
    try:
        net.module_.load_state_dict(tensors)
    except RuntimeError as exc:
        raise ValueError(
            f"The tensors in {path} do not fit the network its hyperparameters build: {exc}"
        ) from exc
    net.history = History(header["history"])
    estimator.net_ = net
    estimator.history_ = net.history
    return estimator


def _is_fitted_name(key):
    """Whether ``key`` can name an attribute ``fit`` sets: ``name_`` or ``_name``, no dunder."""
    return (isinstance(key, str) and key.isidentifier() and not key.startswith("__")
            and (key.endswith("_") or key.startswith("_")))


def _is_plain(value):
    return value is None or isinstance(value, str | bool | numbers.Integral | numbers.Real)


def _to_json(value):
    """A fitted attribute as JSON: arrays as their items and dtype."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufUO":
            raise TypeError(f"sklrnn.save cannot write an array of dtype {value.dtype}.")
        return {"array": value.tolist(), "dtype": value.dtype.str}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _from_json(value):
    if isinstance(value, dict) and set(value) == {"array", "dtype"}:
        try:
            dtype = np.dtype(value["dtype"])
        except TypeError as exc:
            raise ValueError(f"sklrnn.load refuses the array dtype {value['dtype']!r}.") from exc
        if dtype.kind not in "biufUO":
            raise ValueError(f"sklrnn.load refuses arrays of dtype {dtype}.")
        return np.array(value["array"], dtype=dtype)
    return value


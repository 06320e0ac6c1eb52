"""sklrnn.load reads a file as untrusted input (issue 20).

A hostile file may hold anything: every refusal must be a ValueError or TypeError naming the
key, raised in time and memory bounded by the file's size, and nothing in the file may make
scikit-learn, joblib or skorch read files, unpickle or import names, then or later. The
schema test saves one of each class and puts a value of a wrong type at every key of its
header; the fuzz test (hypothesis) mutates real headers and asks that load either refuse
or give an estimator that predicts as the saved one.
"""

import copy
import inspect
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import safe_open, save_file
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline, make_pipeline

import sklrnn
from sklrnn import RNNClassifier, RNNRegressor
from sklrnn.persistence import MAX_DEPTH
from sklrnn.preprocessing import SequencePadder, SequenceScaler, TabularToSequence

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = dict(hidden_size=4, max_epochs=1, random_state=0)
RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 5, 2)).astype(np.float32)
Y = X[:, -1, 0]
RAGGED = [RNG.normal(size=(n, 2)) for n in (3, 5, 2, 4)]
LABELS = np.where(Y > 0, "up", "down")
FH = [1, 2, 3]


def _series():
    import pandas as pd

    index = pd.date_range("2020-01-01", periods=40, freq="D")
    return pd.Series(np.sin(np.arange(40) / 3), index=index)


def _fit_models():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        models = {
            "regressor": RNNRegressor(**TINY).fit(X, Y),
            "classifier": RNNClassifier(**TINY).fit(X, LABELS),
            "padder": SequencePadder().fit(RAGGED),
            "scaler": SequenceScaler().fit(RAGGED),
            "tabular": TabularToSequence(n_variables=2).fit(X.reshape(len(X), -1)),
            "pipeline": make_pipeline(SequenceScaler(), RNNRegressor(**TINY)).fit(X, Y),
        }
        try:
            from sklrnn.forecasting import RNNForecaster
        except ImportError:  # no sktime
            return models
        models["forecaster"] = RNNForecaster(window_length=4, **TINY).fit(_series())
    return models


def _output(model):
    """What a model computes, to compare a loaded one with: predictions, or a transform."""
    if isinstance(model, RNNRegressor | RNNClassifier | Pipeline):
        return model.predict(X)
    if isinstance(model, SequencePadder):
        return model.transform(RAGGED)
    if isinstance(model, SequenceScaler):
        return np.concatenate(model.transform(RAGGED))
    if isinstance(model, TabularToSequence):
        return model.transform(X.reshape(len(X), -1))
    return model.predict(FH).to_numpy()  # a forecaster


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """{name: (header, tensors, model's output)} of one fitted model of each class."""
    folder = tmp_path_factory.mktemp("saved")
    result = {}
    for name, model in _fit_models().items():
        path = folder / f"{name}.safetensors"
        sklrnn.save(model, path)
        header, tensors = _read(path)
        result[name] = (header, tensors, _output(model))
    return result


def _read(path):
    with safe_open(path, framework="pt") as file:
        return (json.loads(file.metadata()["sklrnn"]),
                {key: file.get_tensor(key) for key in file.keys()})


def _write(path, header, tensors, text=None):
    text = json.dumps(header, allow_nan=True) if text is None else text
    save_file(tensors, path, metadata={"sklrnn": text})
    return path


def _tampered(saved, name, tmp_path, edit=None, edit_tensors=None):
    header, tensors, _ = saved[name]
    header, tensors = copy.deepcopy(header), dict(tensors)
    if edit is not None:
        edit(header)
    if edit_tensors is not None:
        edit_tensors(tensors)
    return _write(tmp_path / "tampered.safetensors", header, tensors)


def _peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# -- 1. nothing in the file reads files, unpickles or imports names -------------------------


def test_save_writes_a_pipeline_memory_as_none_and_load_refuses_one(saved, tmp_path):
    # A memory folder from the file: the next fit would unpickle whatever it holds.
    path = _tampered(saved, "pipeline", tmp_path,
                     lambda h: h["params"].update(memory=str(tmp_path)))
    with pytest.raises(ValueError, match=r"memory must be None.*unpickle.*got '/"):
        sklrnn.load(path)
    pipeline = make_pipeline(SequenceScaler(), SequencePadder(), memory=str(tmp_path))
    pipeline.fit(RAGGED)
    sklrnn.save(pipeline, tmp_path / "cached.safetensors")
    assert _read(tmp_path / "cached.safetensors")[0]["params"]["memory"] is None
    assert sklrnn.load(tmp_path / "cached.safetensors").memory is None


@pytest.mark.parametrize("key, value, match", [
    ("callbacks", [{"tuple": ["print", 1]}], r"callbacks must be None or \[\]"),
    ("callbacks", "disable", r"callbacks must be None or \[\]"),
    ("optimizer", "torch.optim.Optimizer", "optimizer must be 'torch.optim.<Name>'"),
    ("optimizer", "torch.optim.lr_scheduler", "optimizer must be 'torch.optim.<Name>'"),
    ("optimizer", "torch.optim.__class__", "optimizer must be 'torch.optim.<Name>'"),
    ("optimizer", "os.system", "'optimizer' parameter of RNNRegressor must be"),
    ("device", "garbage", "device must be a device torch knows"),
    ("device", "cuda:-1", "device must be a device torch knows"),
    ("device", "meta", "device must be a device that holds tensors"),
    ("accelerator", "accelerate.Accelerator", "accelerator must be None"),
], ids=["callbacks-object", "callbacks-string", "optimizer-base-class", "optimizer-module",
        "optimizer-dunder", "optimizer-dotted-name", "device-garbage", "device-negative",
        "device-meta", "accelerator"])
def test_parameters_that_would_read_files_or_import_names_are_refused(
        key, value, match, saved, tmp_path):
    path = _tampered(saved, "regressor", tmp_path, lambda h: h["params"].update({key: value}))
    with pytest.raises(ValueError, match=match):
        sklrnn.load(path)


def test_optimizers_of_torch_optim_still_load(tmp_path):
    estimator = RNNRegressor(optimizer=torch.optim.RMSprop, **TINY).fit(X, Y)
    sklrnn.save(estimator, tmp_path / "m.safetensors")
    assert sklrnn.load(tmp_path / "m.safetensors").optimizer is torch.optim.RMSprop


def test_save_writes_the_parameters_the_network_was_built_with(tmp_path):
    # set_params changes a fitted model at the next fit only: the file must hold the network's
    # hidden_size, or load refuses its own file as tampered.
    estimator = RNNRegressor(**TINY).fit(X, Y).set_params(hidden_size=8)
    sklrnn.save(estimator, tmp_path / "m.safetensors")
    loaded = sklrnn.load(tmp_path / "m.safetensors")
    assert loaded.hidden_size == 4
    np.testing.assert_array_equal(loaded.predict(X), estimator.predict(X))


# -- 2. parameters pass the class's constraints before anything is built ---------------------


def _step_params(header):
    return header["params"]["steps"][1]["tuple"][1]["sklrnn"]["params"]


@pytest.mark.parametrize("name, params, key, value, match", [
    ("regressor", lambda h: h["params"], "hidden_size", "4", "'hidden_size' parameter"),
    ("regressor", lambda h: h["params"], "num_layers", 0, "'num_layers' parameter"),
    ("regressor", lambda h: h["params"], "cell", "os.system", "'cell' parameter"),
    ("scaler", lambda h: h["params"], "with_mean", "yes", "'with_mean' parameter"),
    ("pipeline", _step_params, "dropout", 7.0, r"\(in steps.1.1\).*'dropout' parameter"),
], ids=["regressor-type", "regressor-range", "regressor-option", "scaler", "pipeline-step"])
def test_parameters_are_checked_with_the_class_constraints_before_construction(
        name, params, key, value, match, saved, tmp_path, monkeypatch):
    built = []
    for cls in (RNNRegressor, SequenceScaler):
        init = cls.__init__

        def spy(self, *args, __init=init, **kwargs):
            built.append(kwargs)
            __init(self, *args, **kwargs)

        spy.__signature__ = inspect.signature(init)  # scikit-learn reads the parameters
        monkeypatch.setattr(cls, "__init__", spy)
    path = _tampered(saved, name, tmp_path, lambda h: params(h).update({key: value}))
    with pytest.raises(ValueError, match=match):
        sklrnn.load(path)
    assert not any(kwargs.get(key) == value for kwargs in built)


def test_a_network_larger_than_the_file_costs_nothing_before_it_is_refused(saved, tmp_path):
    # 15 s and 2.2 GB when the network was built before the tensors were compared.
    path = _tampered(saved, "regressor", tmp_path,
                     lambda h: h["params"].update(hidden_size=12000))
    assert os.path.getsize(path) < 8000
    rss, start = _peak_rss_mb(), time.perf_counter()
    with pytest.raises(ValueError, match="do not fit the network"):
        sklrnn.load(path)
    assert time.perf_counter() - start < 2
    assert _peak_rss_mb() - rss < 100


def test_integers_beyond_64_bits_are_refused(saved, tmp_path):
    path = _tampered(saved, "regressor", tmp_path,
                     lambda h: h["params"].update(hidden_size=10**30))
    with pytest.raises(ValueError, match="integers of 64 bits"):
        sklrnn.load(path)
    header, tensors, _ = saved["regressor"]
    text = json.dumps(header).replace('"random_state": 0', '"random_state": ' + "9" * 5000)
    with pytest.raises(ValueError, match="malformed sklrnn header: Exceeds the limit"):
        sklrnn.load(_write(tmp_path / "digits.safetensors", None, tensors, text))


# -- 3. header arrays take no more memory than the header describes --------------------------


@pytest.mark.parametrize("array", [
    {"array": ["x"] * 100, "dtype": "<U2000000"},  # 1.6 GB from a 3.6 KB header, before
    {"array": [["x"] * 1000] * 1000, "dtype": "<U100"},
], ids=["wide-strings", "many-strings"])
def test_header_arrays_are_bounded_by_the_header_size(array, saved, tmp_path):
    path = _tampered(saved, "scaler", tmp_path, lambda h: h["fitted"].update(mean_=array))
    rss, start = _peak_rss_mb(), time.perf_counter()
    with pytest.raises(ValueError, match=r"mean_ of shape .* would take [\d,]+ bytes"):
        sklrnn.load(path)
    assert time.perf_counter() - start < 2
    assert _peak_rss_mb() - rss < 100


@pytest.mark.parametrize("array, match", [
    ({"array": [1.5, "x"], "dtype": "<f8"}, "items of dtype <f8; got 'x'"),
    ({"array": [1.5, None], "dtype": "<f8"}, "items of dtype <f8; got None"),
    ({"array": ["abcdef"], "dtype": "<U2"}, "items of dtype <U2; got 'abcdef'"),
    ({"array": [300], "dtype": "|u1"}, "items of dtype |u1"),
    ({"array": [[1.5], [1.5, 2.5]], "dtype": "<f8"}, "rectangular"),
    ({"array": [{"sklrnn": {}}], "dtype": "|O"}, "rectangular"),
    ({"array": [1.5], "dtype": "(1000000000,)f8"}, "refuses the array dtype"),
    ({"array": [1.5], "dtype": ["<f8"]}, "refuses the array dtype"),
], ids=["string-in-floats", "none-in-floats", "cut-string", "overflow", "ragged", "object",
        "subarray-dtype", "dtype-list"])
def test_header_arrays_hold_only_items_of_their_dtype(array, match, saved, tmp_path):
    path = _tampered(saved, "scaler", tmp_path, lambda h: h["fitted"].update(mean_=array))
    with pytest.raises(ValueError, match=match):
        sklrnn.load(path)


# -- 4. deep or huge JSON ----------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 900, 50_000])
def test_deeply_nested_headers_are_refused_at_once(depth, saved, tmp_path):
    header, tensors, _ = saved["regressor"]
    text = json.dumps(header).replace('"random_state": 0',
                                      '"random_state": ' + "[" * depth + "]" * depth)
    path = _write(tmp_path / "deep.safetensors", None, tensors, text)
    start = time.perf_counter()
    with pytest.raises(ValueError, match=f"nested at most {MAX_DEPTH} levels"):
        sklrnn.load(path)
    assert time.perf_counter() - start < 1


def test_messages_name_a_few_offenders_and_count_the_rest(saved, tmp_path):
    path = _tampered(saved, "regressor", tmp_path, lambda h: h["params"].update(
        {f"p{i}": i for i in range(100_000)}))
    with pytest.raises(ValueError, match=r"\['p0', 'p1', 'p10', 'p100', 'p1000'\] and "
                                         r"99,995 more") as caught:
        sklrnn.load(path)
    assert len(str(caught.value)) < 300
    long_name = "x" * 1_000_000
    path = _tampered(saved, "regressor", tmp_path,
                     lambda h: h["fitted"].update({long_name: long_name}))
    with pytest.raises(ValueError, match="does not have") as caught:
        sklrnn.load(path)
    assert len(str(caught.value)) < 300


# -- 5. values save never writes ---------------------------------------------------------------


def _network_first(header):
    """The pipeline's steps swapped: the network first, its tensors named so."""
    steps = header["params"]["steps"]
    steps.reverse()
    steps[0]["tuple"][1]["sklrnn"]["tensors"] = "steps.0.1."


@pytest.mark.parametrize("name, edit, match", [
    ("regressor", lambda h: h.update(format_version=-7), "format_version must be an integer"),
    ("regressor", lambda h: h.update(format_version=True), "format_version must be an integer"),
    ("regressor", lambda h: h.update(format_version="2"), "format_version must be an integer"),
    ("regressor", lambda h: h.update(history="abc"), "history must be a list of epochs"),
    ("regressor", lambda h: h["history"][0].update(dur="1 s"), r"history\[0\].dur must be"),
    ("pipeline", lambda h: h["params"].update(steps="os.system"), "steps must be a list"),
    ("pipeline", lambda h: h["params"]["steps"][0]["tuple"].__setitem__(1, "os.system"),
     "steps.sequencescaler must be an sklrnn estimator"),
    ("pipeline", _network_first,
     "steps.rnnregressor must be an sklrnn estimator .a transformer before the last"),
    ("pipeline", lambda h: h["params"]["steps"][0]["tuple"].__setitem__(0, "a__b"),
     "unique names without '__'"),
    ("regressor", lambda h: h["fitted"].update(_parameter_constraints={}), "does not have"),
    ("regressor", lambda h: h["fitted"].update(_network_params=[]), "does not have"),
    ("regressor", lambda h: h["fitted"].update(net_=None), "does not have"),
    ("regressor", lambda h: h["fitted"].update(_sklearn_output_config={}), "does not have"),
    ("regressor", lambda h: h["fitted"].update(n_features_in_="2"),
     "n_features_in_ must be an integer >= 1"),
    ("regressor", lambda h: h["fitted"].pop("n_outputs_"), r"lacks .*\['n_outputs_'\]"),
    ("regressor", lambda h: h["params"].pop("architecture"), r"lacks .*\['architecture'\]"),
    ("regressor", lambda h: h["fitted"].update(foo_={"sklrnn": {}}), "foo_ must be a value"),
    ("classifier", lambda h: h["fitted"].update(classes_=["up"]), "classes_ must be a 1-D"),
    ("regressor", lambda h: h.update(extra=1), r"keys a document of RNNRegressor does not "
                                               r"have: \['extra'\]"),
    ("regressor", lambda h: h.update(tensors="x."), "tensors must be the prefix ''"),
    ("regressor", lambda h: h.update(versions=None), "versions must be an object"),
    ("regressor", lambda h: h.update(estimator="_QuantileRegressor", params={
        **h["params"], "levels": {"tuple": [0.5]}}), "estimator must be one of"),
    ("scaler", lambda h: h.update(history=[]), "keys a document of SequenceScaler does not"),
], ids=["version-negative", "version-bool", "version-string", "history-string",
        "history-value-string", "steps-string", "step-os-system", "step-order",
        "step-name", "fitted-constraints", "fitted-class-data", "fitted-net",
        "fitted-sklearn-hook", "fitted-wrong-type", "fitted-missing", "param-missing",
        "fitted-estimator", "classes-list", "unknown-key", "tensors-prefix", "versions",
        "private-class", "transformer-history"])
def test_values_save_never_writes_are_refused(name, edit, match, saved, tmp_path):
    if name not in saved:
        pytest.skip("needs sktime")
    renamed = (lambda t: t.update({k.replace("steps.1.", "steps.0."): t.pop(k) for k in list(t)})
               ) if edit is _network_first else None
    with pytest.raises(ValueError, match=match):
        sklrnn.load(_tampered(saved, name, tmp_path, edit, renamed))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_weights_are_refused(value, saved, tmp_path):
    def poison(tensors):
        key = sorted(tensors)[0]
        tensors[key] = tensors[key].clone()
        tensors[key].view(-1)[0] = value

    path = _tampered(saved, "regressor", tmp_path, edit_tensors=poison)
    with pytest.raises(ValueError, match="'head.bias' with NaN or infinite values"):
        sklrnn.load(path)


def test_save_refuses_a_history_load_would_refuse(tmp_path):
    estimator = RNNRegressor(**TINY).fit(X, Y)
    estimator.history_.record("note", "a string")
    with pytest.raises(TypeError, match="epoch 1 of RNNRegressor's history_ holds 'a string' "
                                        "as 'note'"):
        sklrnn.save(estimator, tmp_path / "m.safetensors")


def test_forecaster_documents_are_checked_as_well(saved, tmp_path):
    if "forecaster" not in saved:
        pytest.skip("needs sktime")
    edits = [
        (lambda h: h["sktime"].update(y_mtype="dask_series"), "y_mtype must be one of"),
        (lambda h: h["fitted"].update(level_="median"), "level_ must be 'last' or 'mean'"),
        (lambda h: h["fitted"]["_y_seen"]["index"].update(freq=7), "freq must be a frequency"),
        (lambda h: h["fitted"]["_y_seen"]["index"]["dates"].__setitem__(0, "99999-01-01"),
         "a pandas index"),
        (lambda h: h["fitted"].pop("sp_"), r"lacks .*\['sp_'\]"),
        (lambda h: h["params"].update(quantiles=["0.5"]), "quantiles must be a list of levels"),
        (lambda h: h["fitted"]["regressor_"]["sklrnn"].update(estimator="RNNClassifier"),
         "regressor_ must be an RNNRegressor|does not have|lacks"),
    ]
    for edit, match in edits:
        with pytest.raises(ValueError, match=match):
            sklrnn.load(_tampered(saved, "forecaster", tmp_path, edit))


# -- the schema: a wrong type at every key of every class's header ------------------------------

#: Values of another type than a key's, by the type of the value save wrote there.
WRONG = {
    str: (-7, ["wrong"]),
    bool: ("yes", 3),
    int: ("seven", 1.5),
    float: ("seven", [0.5]),
    type(None): ("none", [None]),
    list: ("list", {"junk": 1}),
    dict: ("dict", []),
}


def _paths(value, path=()):
    """Every key of a header (and the first two items of every list), depth first."""
    if path:
        yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value[:2]):
            yield from _paths(item, (*path, i))


def _get(document, path):
    for key in path:
        document = document[key]
    return document


def _put(document, path, value):
    _get(document, path[:-1])[path[-1]] = value


def _is_numeric(value):
    if isinstance(value, list):
        return all(map(_is_numeric, value))
    if isinstance(value, dict):
        return all(map(_is_numeric, value.values()))
    return value is None or isinstance(value, bool | int | float)


def _takes(path, value):
    """Whether ``value`` is of a type the key at ``path`` takes, as save may write it.

    A history record holds numbers, booleans and None (and lists and objects of them in any
    record but a batch's); a forecaster's series keys and column names, an index's name and
    an object array's items are any plain value.
    """
    if "history" in path:
        inner = path[path.index("history") + 1:]
        if len(inner) == 2 and inner[1] != "batches":
            return _is_numeric(value)
        if len(inner) == 4 and inner[1] == "batches":
            return value is None or isinstance(value, bool | int | float)
        return False
    plain = value is None or isinstance(value, str | bool | int | float)
    if path[-1] == "name" or (len(path) > 1 and path[-2] in ("_keys", "_columns")):
        return plain
    if len(path) > 3 and path[-2] == "tuple" and path[-4] == "_keys":
        return plain
    return False


@pytest.mark.parametrize("name", ["regressor", "classifier", "padder", "scaler", "tabular",
                                  "pipeline", "forecaster"])
def test_every_key_of_the_header_refuses_a_value_of_another_type(name, saved, tmp_path):
    if name not in saved:
        pytest.skip("needs sktime")
    header, tensors, expected = saved[name]
    path = tmp_path / "mutated.safetensors"
    tried = 0
    for key_path in _paths(header):
        # A forecaster's network is an RNNRegressor's document, walked in its own case.
        if key_path[:2] == ("fitted", "regressor_") and len(key_path) > 4:
            continue
        original = _get(header, key_path)
        for wrong in WRONG[type(original)]:
            if _takes(key_path, wrong):
                continue
            mutated = copy.deepcopy(header)
            _put(mutated, key_path, wrong)
            _write(path, mutated, tensors)
            tried += 1
            try:
                sklrnn.load(path)
            except (ValueError, TypeError):
                continue
            pytest.fail(f"load took {wrong!r} at {'.'.join(map(str, key_path))}")
    assert tried > 20


# -- 6. only regular files -------------------------------------------------------------------


def test_only_regular_files_are_read(tmp_path):
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    # In another process: opening a FIFO blocked load forever, holding the GIL.
    code = (f"import sklrnn\ntry:\n    sklrnn.load({str(fifo)!r})\n"
            "except ValueError as e:\n    print(e)")
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=60)
    except subprocess.TimeoutExpired:  # the process is killed
        pytest.fail("sklrnn.load blocked on a FIFO")
    assert "is a pipe (FIFO)" in done.stdout, done.stdout + done.stderr
    with pytest.raises(ValueError, match="is a directory"):
        sklrnn.load(tmp_path)
    with pytest.raises(ValueError, match="is a device"):
        sklrnn.load(os.devnull)
    if os.path.exists("/proc/self/status"):
        with pytest.raises(ValueError, match="holds 0 bytes"):
            sklrnn.load("/proc/self/status")
    (tmp_path / "empty.safetensors").touch()
    with pytest.raises(ValueError, match="holds 0 bytes"):
        sklrnn.load(tmp_path / "empty.safetensors")
    with pytest.raises(FileNotFoundError):
        sklrnn.load(tmp_path / "missing.safetensors")


@pytest.mark.parametrize("kind", [str, os.fsencode, Path])
def test_save_and_load_take_str_bytes_and_path_like(kind, saved, tmp_path):
    estimator = SequenceScaler().fit(X)
    path = kind(str(tmp_path / "scaler.safetensors"))
    sklrnn.save(estimator, path)
    np.testing.assert_array_equal(sklrnn.load(path).mean_, estimator.mean_)


# -- 7. fuzzing real headers ---------------------------------------------------------------------
#
# The mutations change types, sizes, nesting and keys, never a value for another of its own
# type: pooling="mean" for "last" is a valid file of another model, which load rightly takes.

#: Strings an attacker would try: names of code, files and dtypes that allocate.
HOSTILE = ["", "os.system", "torch.optim.Optimizer", "torch.optim.SGD", "/tmp", "cuda:x",
           "meta", "<U2000000", "|V8", "<M8[s]", "|O", "(9999,)f8", "__class__",
           "_parameter_constraints", "net_", "memory", "sklrnn", "array", "tuple",
           "passthrough", "RNNRegressor", "Pipeline", "_QuantileRegressor", "x" * 100_000]
#: A sentinel replaced in the written text by JSON nested this deep.
DEEP = "\x00deep{}\x00"
DEPTHS = (MAX_DEPTH, 200, 50_000)

def _kind(value):
    """The JSON type of a value: null, boolean, number, string, array or object."""
    return (type(None) if value is None else bool if isinstance(value, bool)
            else float if isinstance(value, int | float) else type(value))


def _grown(value):
    """``value`` a thousand times larger, or (an integer) beyond 64 bits."""
    if isinstance(value, str):  # to a megabyte at most
        return (value or "x") * min(1000, max(1, 1_000_000 // max(len(value), 1)))
    if isinstance(value, list):  # to 100,000 items at most
        return value * min(1000, max(1, 100_000 // max(len(value), 1)))
    if type(value) is int:
        return value + 2**64
    return [value] * (100 if isinstance(value, dict) else 100_000)


def _dumps_at_most(document, limit):
    """The JSON text of ``document``, or None when it is longer than ``limit``: a list of
    100,000 references to one long string is never written out."""
    chunks, size = [], 0
    for chunk in json.JSONEncoder(allow_nan=True).iterencode(document):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return "".join(chunks)


def _mutated_headers(names):
    """A hypothesis strategy of (name, header text): a saved header with one to three
    mutations. hypothesis is imported here: without it, only the fuzz test is skipped."""
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    scalars = st.one_of(
        st.none(), st.booleans(),
        st.integers(-2**70, 2**70), st.sampled_from([0, -1, 1, 12000, 10**6, 2**63, 2**64]),
        st.floats(allow_nan=False), st.text(max_size=8), st.sampled_from(HOSTILE))
    values = st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["sklrnn", "array", "dtype", "tuple", "frame", "index",
                                         "columns", "params", "fitted", "estimator", "x"]),
                        inner, max_size=3)), max_leaves=8)

    @st.composite
    def mutated_headers(draw, names):
        """(name, header text): a saved header with one to three mutations."""
        name = draw(st.sampled_from(names))
        header = copy.deepcopy(_BASES[name][0])
        for _ in range(draw(st.integers(1, 3))):
            paths = list(_paths(header))
            if not paths:
                break
            path = draw(st.sampled_from(paths))
            parent, key = _get(header, path[:-1]), path[-1]
            action = draw(st.sampled_from(["replace", "replace", "delete", "add", "wrap",
                                           "grow", "deep"]))
            if action == "replace":
                # A pipeline step of None or "passthrough" is a valid pipeline without it.
                step = len(path) > 3 and path[-4] == "steps" and path[-2:] == ("tuple", 1)
                kind = _kind(parent[key])
                parent[key] = draw(values.filter(lambda v, kind=kind, step=step: _kind(v) != kind
                                                 and not (step and v in (None, "passthrough"))))
            elif action == "delete":
                del parent[key]
            elif action == "add" and isinstance(parent, dict):
                new = draw(st.sampled_from(HOSTILE[:-1] + ["foo_", "p"]))
                count = draw(st.sampled_from([1, 1, 10_000]))
                parent.update({f"{new}{i}": 0 for i in range(count)} if count > 1
                              else {new: draw(values)})
            elif action == "wrap":
                parent[key] = draw(st.sampled_from([[parent[key]], {"tuple": [parent[key]]},
                                                    {"array": parent[key], "dtype": "|O"},
                                                    {"sklrnn": parent[key]}]))
            elif action == "grow":
                parent[key] = _grown(parent[key])
            elif action == "deep":
                parent[key] = DEEP.format(draw(st.sampled_from(DEPTHS)))
        text = _dumps_at_most(header, 5_000_000)
        hypothesis.assume(text is not None)  # safetensors writes headers of 100 MB at most
        for depth in DEPTHS:
            text = text.replace(json.dumps(DEEP.format(depth)), "[" * depth + "]" * depth)
        return name, text

    return mutated_headers(names)


_BASES = {}
FUZZ_STATS = Counter()


def test_load_of_mutated_headers_refuses_or_predicts_as_saved(saved, tmp_path_factory):
    """Each mutated header is refused with a short ValueError or TypeError naming the file, or
    loads a model whose output equals the saved one's; within 5 s each, the process peak
    growing < 500 MB in all (1,500 cases, about 20 s on 2 cores)."""
    hypothesis = pytest.importorskip("hypothesis")
    _BASES.update(saved)
    names = sorted(name for name in saved if name != "forecaster") + (
        ["forecaster"] if "forecaster" in saved else [])
    folder = tmp_path_factory.mktemp("fuzz")
    rss = _peak_rss_mb()

    @hypothesis.settings(max_examples=1500, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(_mutated_headers(names))
    def check(case):
        name, text = case
        _, tensors, expected = saved[name]
        path = _write(folder / "fuzz.safetensors", None, tensors, text)
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                loaded = sklrnn.load(path)
        except (ValueError, TypeError) as exc:
            # Clearly: the message names the file and stays short, whatever the file holds.
            assert str(path) in str(exc) and len(str(exc)) < 600, str(exc)[:1000]
            FUZZ_STATS["refused"] += 1
        else:
            np.testing.assert_array_equal(_output(loaded), expected)
            FUZZ_STATS["accepted"] += 1
        FUZZ_STATS["tried"] += 1
        elapsed = time.perf_counter() - start
        FUZZ_STATS["slowest ms"] = max(FUZZ_STATS["slowest ms"], round(1000 * elapsed))
        assert elapsed < 5, name
        assert _peak_rss_mb() - rss < 500

    start = time.perf_counter()
    check()
    print(f"\nfuzz: {dict(FUZZ_STATS)} in {time.perf_counter() - start:.1f} s, peak RSS "
          f"+{_peak_rss_mb() - rss:.0f} MB")
    assert FUZZ_STATS["refused"] > 0 and FUZZ_STATS["accepted"] > 0

"""numpydoc validation of the docstrings of sklrnn's public API, as scikit-learn's test does.

Every public class, every public method a public class defines itself (in its own ``vars()``;
inherited ones are checked where they are defined, or belong to PyTorch, skorch, scikit-learn
or sktime) and every public function of the public modules is validated with
:func:`numpydoc.validate.validate`, one test case per object, named by its import path. The
public names of a module are its ``__all__`` (or, for a module without one, those listed in
``docs/api/*.rst``), and every other object ``docs/api/*.rst`` documents (e.g.
``sklrnn.nn.losses.MaskedMSELoss``). Constants (``sklrnn.nn.CELLS``) are not callable and are
skipped.

Run alone: ``python -m pytest tests/test_docstrings.py``.
"""

import importlib
import importlib.util
import inspect
import re
from pathlib import Path

import pytest

numpydoc_validation = pytest.importorskip("numpydoc.validate")

API_DIR = Path(__file__).resolve().parents[1] / "docs" / "api"

#: The public modules whose public names are checked.
PUBLIC_MODULES = (
    "sklrnn",
    "sklrnn.preprocessing",
    "sklrnn.forecasting",
    "sklrnn.callbacks",
    "sklrnn.streaming",
    "sklrnn.export",
    "sklrnn.nn",
)

#: Public objects that no module lists in ``__all__``: imported lazily on first use.
EXTRA_NAMES = {"sklrnn.forecasting": ("RNNForecaster",)}

#: Objects that need an optional dependency: their tests are skipped when it is missing.
OPTIONAL = {"sklrnn.forecasting.RNNForecaster": "sktime"}

#: numpydoc error codes not enforced anywhere, and why.
IGNORED_CODES = {
    # "See Also" sections are welcome where an object has close relatives (GradientMonitor
    # has one), but many objects have none worth naming.
    "SA01",
    # Examples are welcome, but small objects (torch ``forward`` methods, callback hooks,
    # losses' ``forward``) are shown by the examples of the classes that hold them.
    "EX01",
    # An extended summary is not needed where the one-line summary says it all.
    "ES01",
    # The summary starts on the line of the opening quotes, as PEP 257 allows and the whole
    # project writes it. numpydoc < 1.8 (numpy/numpydoc#574) wants it on the next line and
    # would flag every docstring; scikit-learn ignores GL01 for the same reason.
    "GL01",
    # A single return value may be named (``self : object``, ``X_scaled : ndarray``), as
    # scikit-learn's ``fit`` and ``transform`` write it.
    "RT02",
}


def _api_rst_paths():
    """Import paths of the objects that ``docs/api/*.rst`` document (autosummary entries)."""
    lines = [line for page in sorted(API_DIR.glob("*.rst"))  # none in an installed package
             for line in page.read_text().splitlines()]
    paths, module, in_autosummary = [], "sklrnn", False
    for line in lines:
        if match := re.match(r"\.\. currentmodule:: ([\w.]+)", line):
            module = match[1]
        elif line.startswith(".. "):
            in_autosummary = line.startswith(".. autosummary::")
        elif in_autosummary and (match := re.fullmatch(r"\s+([A-Za-z_][\w.]*)", line)):
            paths.append(f"{module}.{match[1]}")
    return paths


def _public_names(module_name):
    """The public names of a module: its ``__all__``, else those ``docs/api/*.rst`` lists."""
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:
        prefix = f"{module_name}."
        names = [path[len(prefix):] for path in _api_rst_paths()
                 if path.startswith(prefix) and "." not in path[len(prefix):]]
    return [*names, *EXTRA_NAMES.get(module_name, ())]


def _resolve(path):
    """The object at ``path``: a module, then attributes (as numpydoc imports it)."""
    parts = path.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for part in parts[split:]:
            obj = getattr(obj, part)
        return obj
    raise ImportError(path)


def _is_method(member):
    return (inspect.isfunction(member) or isinstance(member, staticmethod | classmethod
                                                     | property))


def _object_paths():
    """Import paths of every public callable and of the public methods classes define."""
    paths = []
    for module_name in PUBLIC_MODULES:
        paths.extend(f"{module_name}.{name}" for name in _public_names(module_name))
    paths.extend(_api_rst_paths())
    params = []
    for path in dict.fromkeys(paths):  # keeps the order, drops repeats
        dependency = OPTIONAL.get(path)
        if dependency is not None and importlib.util.find_spec(dependency) is None:
            params.append(pytest.param(path, id=path, marks=pytest.mark.skip(
                reason=f"{path} needs {dependency}")))
            continue
        obj = _resolve(path)
        if not callable(obj):  # constants: CELLS
            continue
        params.append(pytest.param(path, id=path))
        if inspect.isclass(obj):
            params.extend(pytest.param(f"{path}.{name}", id=f"{path}.{name}")
                          for name, member in vars(obj).items()
                          if not name.startswith("_") and _is_method(member))
    return params


OBJECT_PATHS = _object_paths()


def _errors(import_path):
    """numpydoc's ``(code, message)`` pairs for ``import_path``, less the ignored codes."""
    result = numpydoc_validation.validate(import_path)
    return [(code, message) for code, message in result["errors"]
            if code not in IGNORED_CODES]


def _report(import_path, errors):
    lines = "\n".join(f"- {code}: {message}" for code, message in errors)
    return f"numpydoc validation of {import_path} failed:\n{lines}"


@pytest.mark.parametrize("import_path", OBJECT_PATHS)
def test_docstring(import_path):
    dependency = OPTIONAL.get(import_path.rsplit(".", 1)[0]) or OPTIONAL.get(import_path)
    if dependency is not None:
        pytest.importorskip(dependency)
    errors = _errors(import_path)
    assert not errors, _report(import_path, errors)


def test_objects_collected():
    """Every public module contributes objects, classes their methods, constants none."""
    paths = {param.values[0] for param in OBJECT_PATHS}
    for path in ("sklrnn.RNNRegressor", "sklrnn.save", "sklrnn.preprocessing.make_windows",
                 "sklrnn.forecasting.recursive_forecast", "sklrnn.forecasting.RNNForecaster",
                 "sklrnn.callbacks.GradientMonitor", "sklrnn.callbacks.lr_schedule_callback",
                 "sklrnn.nn.SequenceToVector", "sklrnn.nn.SequenceToVector.forward",
                 "sklrnn.nn.losses.PinballLoss"):
        assert path in paths
    assert "sklrnn.nn.CELLS" not in paths
    assert "sklrnn.nn.SequenceToVector.pad_batch" not in paths  # inherited: RecurrentNet's


def _undocumented(x, y=1):
    return x + y


def _half_documented(x, y=1):
    """Add ``x`` and ``y``."""
    return x + y


def test_validation_can_fail():
    """The checker reports faulty docstrings: test_docstring cannot pass vacuously."""
    codes = {code for code, _ in _errors(f"{__name__}._undocumented")}
    assert "GL08" in codes  # no docstring at all
    codes = {code for code, _ in _errors(f"{__name__}._half_documented")}
    assert {"PR01", "RT01"} <= codes  # parameters and return value not documented
    report = _report("f", [("GL08", "The object does not have a docstring")])
    assert "GL08: The object does not have a docstring" in report

"""The import graph of sklrnn, read from the source with ``ast``: no circle, no upward import.

Run alone: ``python -m pytest tests/test_imports.py``.
"""

import ast
from pathlib import Path

import sklrnn

PACKAGE = Path(sklrnn.__file__).parent


def _module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path, name):
    """The sklrnn modules that the module ``name`` at ``path`` imports, at any depth."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[:len(package.split(".")) - node.level + 1]
            if node.module:
                found.add(".".join(base + [node.module]))
            else:  # from . import x: x may be a module or a name of the package
                found.update(".".join(base + [alias.name]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sklrnn"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("sklrnn"))
    return found


def import_graph():
    """{module: the sklrnn modules it imports}, names not a module resolved to their package."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        targets = set()
        for target in _imports(path, name):
            while target not in paths:  # a name imported from a package or module
                target = target.rpartition(".")[0]
            if target != name:
                targets.add(target)
        graph[name] = targets
    return graph


def _cycle(graph):
    """One circle of imports as a list of modules, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_import_graph_has_no_circle():
    graph = import_graph()
    assert {"sklrnn", "sklrnn._base", "sklrnn.nn.cells", "sklrnn.persistence"} <= set(graph)
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_the_cycle_finder_finds_a_circle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_nothing_in_nn_imports_an_estimator_module():
    graph = import_graph()
    for name, targets in graph.items():
        if name.startswith("sklrnn.nn"):
            assert all(t.startswith("sklrnn.nn") for t in targets), (name, targets)


#: The layers of the package, lowest first: a module imports its own layer and lower ones.
LAYERS = [
    ("sklrnn._version", "sklrnn._docstrings", "sklrnn.nn"),
    ("sklrnn._checks", "sklrnn._panels"),
    ("sklrnn._sequences", "sklrnn._targets", "sklrnn._batching", "sklrnn._nets",
     "sklrnn.callbacks", "sklrnn._accelerate", "sklrnn.streaming"),
    ("sklrnn.preprocessing",),
    ("sklrnn._base",),
    ("sklrnn.regressor", "sklrnn.classifier"),
    ("sklrnn.forecasting",),
    ("sklrnn.persistence", "sklrnn.export"),
    ("sklrnn",),
]


def _layer(module):
    """The index in LAYERS of the longest prefix of ``module`` it names."""
    found = [(len(prefix), i) for i, layer in enumerate(LAYERS) for prefix in layer
             if module == prefix or module.startswith(prefix + ".")]
    assert found, f"{module} is in no layer of LAYERS; add it"
    return max(found)[1]


def test_no_module_imports_a_higher_layer():
    graph = import_graph()
    for name, targets in graph.items():
        for target in targets:
            assert _layer(target) <= _layer(name), f"{name} imports the higher {target}"


def test_the_layer_check_sees_an_upward_import():
    assert _layer("sklrnn.nn.cells") < _layer("sklrnn.forecasting._recursive")
    assert _layer("sklrnn.persistence") > _layer("sklrnn.regressor")

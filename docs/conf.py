"""Sphinx configuration for sklrnn's documentation.

Build (warnings are errors)::

    sphinx-build -W --keep-going -b html docs docs/_build/html

Links to the Python, scikit-learn, skorch and PyTorch docs (intersphinx) need their inventories
from the internet, so they are opt-in: set ``SKLRNN_DOCS_INTERSPHINX=1`` to turn them on.
"""

import os

from docutils import nodes

# sphinx-gallery looks up the names the examples use in sklearn.model_selection, where
# HalvingRandomSearchCV exists only once enabled.
from sklearn.experimental import enable_halving_search_cv  # noqa: F401

import sklrnn

project = "sklrnn"
author = "the sklrnn developers"
copyright = "2026, the sklrnn developers"
release = sklrnn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "matplotlib.sphinxext.plot_directive",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
templates_path = ["_templates"]
autosummary_generate = True
numpydoc_show_class_members = False
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
html_theme = "pydata_sphinx_theme"

# ``.. plot::`` figures of the user guide (diagrams.py, and a few short trainings): the
# figure only, file names relative to this directory.
plot_basedir = os.path.dirname(os.path.abspath(__file__))
plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]

_INTERSPHINX = {
    "python": ("https://docs.python.org/3", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
    "skorch": ("https://skorch.readthedocs.io/en/stable", None),
    "torch": ("https://pytorch.org/docs/stable", None),
}
USE_INTERSPHINX = os.environ.get("SKLRNN_DOCS_INTERSPHINX", "") == "1"
intersphinx_mapping = _INTERSPHINX if USE_INTERSPHINX else {}

# Every reference to a name of sklrnn's must resolve; those to other libraries become links
# through intersphinx when it is on, and plain text otherwise.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(torch|sklearn|skorch|sktime|numpy|pandas|distributed)(\..*)?"),
]

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # Per-example times still show on each example's page; no sg_execution_times.rst is written
    # into the source tree.
    "write_computation_times": False,
}

# Docstrings inherited from scikit-learn (``score``) cite labels of scikit-learn's user guide,
# e.g. :ref:`accuracy <accuracy_score>`. Intersphinx resolves them when on (its handler runs
# first); otherwise they link to the page directly instead of failing as undefined labels.
_SKLEARN_LABELS = {
    "accuracy_score": "modules/model_evaluation.html#accuracy-score",
    "r2_score": "modules/model_evaluation.html#r2-score",
    "df_output_transform": "modules/compose.html#set-output-api",
    "sphx_glr_auto_examples_miscellaneous_plot_set_output.py":
        "auto_examples/miscellaneous/plot_set_output.html",
}


def _sklearn_label(app, env, node, contnode):
    if node.get("refdomain") != "std" or node.get("reftype") != "ref":
        return None
    page = _SKLEARN_LABELS.get(node.get("reftarget"))
    if page is None:
        return None
    ref = nodes.reference("", "", internal=False, refuri=f"{_INTERSPHINX['sklearn'][0]}/{page}")
    ref += contnode
    return ref


def setup(app):
    app.connect("missing-reference", _sklearn_label)

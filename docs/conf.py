"""Sphinx configuration for sklrnn's documentation.

Build (warnings are errors)::

    sphinx-build -W --keep-going -b html docs docs/_build/html

Links to the Python, scikit-learn, skorch and PyTorch docs (intersphinx) need their inventories
from the internet, so they are opt-in: set ``SKLRNN_DOCS_INTERSPHINX=1`` to turn them on.
"""

import os
import sys

from docutils import nodes

# sphinx-gallery looks up the names the examples use in sklearn.model_selection, where
# HalvingRandomSearchCV exists only once enabled.
from sklearn.experimental import enable_halving_search_cv  # noqa: F401

import sklrnn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "_ext"))

project = "sklrnn"
author = "the sklrnn developers"
copyright = "2026, the sklrnn developers"
release = sklrnn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    # MathJax shipped inside the built site, so equations render offline.
    "sphinx-mathjax-offline",
    "matplotlib.sphinxext.plot_directive",
    "myst_parser",  # the changelog is Markdown
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    # Fails the build on code wider than the column, raw LaTeX or online-only math.
    "sklrnn_docs",
]
templates_path = ["_templates"]
autosummary_generate = True
numpydoc_show_class_members = False
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
html_theme = "pydata_sphinx_theme"
# Pages without sub-pages get no empty "Section Navigation" sidebar.
html_sidebars = {"benchmarks": [], "changelog": []}

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
    "within_subsection_order": "sklrnn_docs.QuickstartFirst",
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


# RNNForecaster's fit/predict/update are sktime's, whose docstrings cite terms of sktime's
# glossary; they link there.
_SKTIME_TERMS = {"mtype", "scitype"}
_SKTIME_GLOSSARY = "https://www.sktime.net/en/stable/glossary.html"


def _external_label(app, env, node, contnode):
    if node.get("refdomain") != "std":
        return None
    target = node.get("reftarget")
    if node.get("reftype") == "ref" and target in _SKLEARN_LABELS:
        uri = f"{_INTERSPHINX['sklearn'][0]}/{_SKLEARN_LABELS[target]}"
    elif node.get("reftype") == "term" and target.lower() in _SKTIME_TERMS:
        uri = _SKTIME_GLOSSARY
    else:
        return None
    ref = nodes.reference("", "", internal=False, refuri=uri)
    ref += contnode
    return ref


def setup(app):
    app.connect("missing-reference", _external_label)

"""The check of the built documentation (docs/_ext/sklrnn_docs.py) finds what it promises."""

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).parents[1] / "docs" / "_ext" / "sklrnn_docs.py"
_SPEC = importlib.util.spec_from_file_location("sklrnn_docs", _PATH)
sklrnn_docs = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(sklrnn_docs)

LONG = "x = " + "1 + " * 20 + "1"  # 84 characters
SHORT = "x = 1 + 1"


def _page(body, head=""):
    return f"<html><head>{head}</head><body>{body}</body></html>"


def _code(text, lang="python"):
    pre = f'<div class="highlight"><pre>{text}</pre></div>'
    return f'<div class="highlight-{lang} notranslate">{pre}</div>'


def _check(html, tmp_path):
    return sklrnn_docs.check_page(html, tmp_path, Path("page.html"))


@pytest.mark.parametrize("lang", ["python", "pycon", "default", "bash"])
def test_a_code_line_over_the_width_is_found(tmp_path, lang):
    found = _check(_page(_code(f"{SHORT}\n{LONG}\n", lang)), tmp_path)
    assert len(found) == 1
    assert f"code line of {len(LONG)} > 76" in found[0]


def test_code_within_the_width_and_records_pass(tmp_path):
    output = f'<div class="sphx-glr-script-out">{_code(LONG, "none")}</div>'
    log = _code(LONG, "text")  # a benchmark log
    assert _check(_page(_code(SHORT) + output + log), tmp_path) == []


def test_highlighted_code_is_measured_as_shown(tmp_path):
    spans = '<span class="n">x</span> <span class="o">=</span> ' + "1" * 70
    assert _check(_page(_code(spans)), tmp_path) == []  # 74 characters shown
    assert len(_check(_page(_code(spans + "123")), tmp_path)) == 1


@pytest.mark.parametrize(
    "prose", [r"the gate \sigma(x)", r"where \(x\) is", "$$x$$", "score R^2 of", "$a_t$ here"]
)
def test_raw_latex_in_prose_is_found(tmp_path, prose):
    found = _check(_page(f"<p>{prose}</p>"), tmp_path)
    assert found and all("raw LaTeX" in f for f in found)


def test_latex_inside_math_markup_or_code_passes(tmp_path):
    script = '<script src="_static/mathjax/tex-chtml.js"></script>'
    (tmp_path / "_static" / "mathjax").mkdir(parents=True)
    (tmp_path / "_static" / "mathjax" / "tex-chtml.js").write_text("")
    body = (
        r'<p>with <span class="math notranslate nohighlight">\(\sigma(x)^2\)</span>'
        r' and <code>R^2</code>, costing $5 or $6</p>'
        r'<div class="math notranslate nohighlight">\[\frac{a}{b}\]</div>'
    )
    assert _check(_page(body, script), tmp_path) == []


def test_math_needs_mathjax_shipped_in_the_site(tmp_path):
    body = r'<p><span class="math notranslate nohighlight">\(x\)</span></p>'
    cdn = '<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>'
    found = _check(_page(body, cdn), tmp_path)
    assert len(found) == 1 and "loads MathJax from" in found[0]
    local = '<script src="_static/mathjax/tex-chtml.js"></script>'
    found = _check(_page(body, local), tmp_path)
    assert len(found) == 1 and "missing from the built site" in found[0]


def test_the_quickstart_comes_first_in_the_gallery():
    key = sklrnn_docs.QuickstartFirst("examples")
    names = ["plot_vec2seq.py", "plot_quickstart.py", "plot_airline_forecasting.py"]
    assert sorted(names, key=key) == [
        "plot_quickstart.py",
        "plot_airline_forecasting.py",
        "plot_vec2seq.py",
    ]

"""Sphinx helpers of sklrnn's documentation: the gallery's order and a check of the built site.

The check runs when the HTML build has finished and fails it (an ``ExtensionError`` naming
every offence) when a page

* shows a line of code longer than :data:`CODE_WIDTH` characters: the theme's column hides
  the rest behind a scroll bar, arguments included;
* leaves LaTeX outside the math markup (``\\frac``, ``$...$``, ``R^2``), which a reader sees
  raw;
* has math but loads MathJax from anywhere other than the built site itself, so that the
  site (and a downloaded copy of it) renders its equations offline.

Output printed by the gallery's examples and the benchmark logs (``text`` blocks) are
records, not code to copy, and are not held to the width.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

CODE_WIDTH = 76

# Blocks of code: Sphinx wraps each highlighted block in <div class="highlight-LANG">.
_NOT_CODE = {"highlight-text", "highlight-none"}
_RECORD = "sphx-glr-script-out"  # an example's printed output
_MATH = {"math"}  # span.math and div.math: MathJax typesets their contents
# LaTeX a reader would see raw: a command, a display or inline delimiter, a power.
_RAW_LATEX = re.compile(r"\\(?:[a-zA-Z]{2,}|[()\[\]])|\$\$|(?<![\w$])\$\S[^$]*\S\$|\w\^[{\d]")


class QuickstartFirst:
    """The gallery's order: the quickstart first, then the examples by file name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        return (filename != "plot_quickstart.py", filename)

    def __repr__(self):  # sphinx-gallery compares the configuration by its repr
        return "QuickstartFirst"


class _Page(HTMLParser):
    """Code lines and prose of one built page, and the scripts it loads."""

    def __init__(self):
        super().__init__()
        self.stack = []  # (tag, classes) of the open elements
        self.code = []  # the text of each code block
        self.prose = []
        self.scripts = []
        self.math = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        if tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
        if classes & _MATH:
            self.math = True
        if tag == "pre" and self._in_code():
            self.code.append("")
        if tag not in {"br", "img", "meta", "link", "input", "hr", "wbr", "source"}:
            self.stack.append((tag, classes))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        tags = {t for t, _ in self.stack}
        classes = self._classes()
        if "pre" in tags:
            if self._in_code() and self.code:
                self.code[-1] += data
        elif not tags & {"script", "style", "code", "textarea"} and not classes & _MATH:
            self.prose.append(data)

    def _classes(self):
        """The classes of every open element."""
        return set().union(*(c for _, c in self.stack))

    def _in_code(self):
        classes = self._classes()
        highlight = {c for c in classes if c.startswith("highlight-")}
        return bool(highlight) and not highlight & _NOT_CODE and _RECORD not in classes


def check_page(html, outdir, page):
    """The offences of one built page, as lines of text."""
    parsed = _Page()
    parsed.feed(html)
    found = []
    for block in parsed.code:
        for line in block.splitlines():
            if len(line) > CODE_WIDTH:
                found.append(f"{page}: code line of {len(line)} > {CODE_WIDTH}: {line.strip()}")
    prose = " ".join(parsed.prose)
    for match in _RAW_LATEX.finditer(prose):
        context = prose[max(match.start() - 30, 0) : match.end() + 30].replace("\n", " ")
        found.append(f"{page}: raw LaTeX {match.group()!r} in '...{context}...'")
    if parsed.math:
        mathjax = [s for s in parsed.scripts if "mathjax" in s.lower()]
        local = [s for s in mathjax if "://" not in s and not s.startswith("//")]
        if not local:
            found.append(f"{page}: has math but loads MathJax from {mathjax or 'nowhere'}")
        for src in local:
            if not (outdir / page).parent.joinpath(src.split("?")[0]).resolve().is_file():
                found.append(f"{page}: MathJax script {src} missing from the built site")
    return found


def check_site(app, exception):
    """Fail the HTML build on code wider than the column, raw LaTeX or online-only math."""
    from sphinx.errors import ExtensionError  # the check itself runs without Sphinx (tests)

    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    found = []
    for docname in sorted(app.env.found_docs):  # the pages of this build, not stale ones
        page = Path(app.builder.get_target_uri(docname))
        found += check_page((outdir / page).read_text(encoding="utf-8"), outdir, page)
    if found:
        raise ExtensionError(
            f"{len(found)} problem(s) in the built pages:\n" + "\n".join(found)
        )


def setup(app):
    # After sphinx-mathjax-offline has copied MathJax into the site (listeners run by
    # priority, default 500).
    app.connect("build-finished", check_site, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

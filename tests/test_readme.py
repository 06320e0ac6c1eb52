"""The README's code blocks run as written and print what a newcomer should see."""

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"),
                    flags=re.MULTILINE | re.DOTALL)


def run(block, namespace=None):
    """Execute one README block in a fresh namespace (or ``namespace``); return its print."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, str(README), "exec"), {"__name__": "__readme__"} | (namespace or {}))
    return out.getvalue()


def test_readme_has_a_classifier_and_a_forecast():
    assert len(BLOCKS) == 2
    assert "RNNClassifier" in BLOCKS[0] and "RNNForecaster" in BLOCKS[1]


def test_quickstart_classifier_learns():
    seen = {}
    block = BLOCKS[0] + "\nseen['epochs'] = clf.max_epochs_\n"
    accuracy = float(run(block, {"seen": seen}))
    assert accuracy == pytest.approx(0.89, abs=0.04)  # the comment's figure, on held-out data
    assert seen["epochs"] == 286  # the text's figure: ceil(2,000 steps / 7 batches of 200)


def test_quickstart_forecast_prints_twelve_plausible_months():
    pytest.importorskip("sktime")
    printed = run(BLOCKS[1]).splitlines()
    # pandas prints a Series as "index value" rows and a "Name: ..., dtype" footer.
    rows = [line.split() for line in printed if re.match(r"^\d{4}-\d{2}\s", line)]
    assert [row[0] for row in rows] == [str(p) for p in pd.period_range("1960-01", "1960-12",
                                                                        freq="M")]
    values = np.array([float(row[1]) for row in rows])
    # The airline passengers of 1960 run from 390 to 622 thousand: the forecast must be of
    # that order, not a constant or a scale mix-up.
    assert np.all((values > 250) & (values < 800)) and values.std() > 5
    # The season is learned: within 10% of the months that followed (measured: 5.5%).
    from sktime.datasets import load_airline

    actual = load_airline()[-12:].to_numpy()
    assert np.abs(values - actual).mean() / actual.mean() < 0.1

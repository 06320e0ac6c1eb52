"""Temporal cross-validation of ``RNNForecaster`` settings on training parts only.

What it measures
----------------
How the forecaster's defaults were chosen (the user guide's *Choosing settings*): every
candidate setting is fitted at eight forecast origins inside the *training* parts of six
data sets, over seeds, and scored by the MASE (sktime's ``mean_absolute_scaled_error``,
``sp=1``) of the steps after the origin. The last part of every series is never read, so
the test split of ``bench_quality.py`` (Airline's last 36 months) plays no part.

* Airline: the first 108 months (the last 36 held back); origins 72 and 84, forecast to 108.
* Lynx: the first 100 years (the last 14 held back); origins 70 (20 ahead) and 85 (15).
* US real GDP and unemployment (``load_macroeconomic``, quarterly; the last 24 held back):
  origin 140, 20 ahead.
* US consumption growth (``load_uschange``; the last 20 held back): origin 120, 20 ahead.
* 50 series of ``bench_forecaster.make_panel`` (seed 1), 120 steps: origin 96, 24 ahead.

Against the naive (last value) forecast and Theta (sktime's ``ThetaForecaster``, the season
of the data set, multiplicative where positive). Printed: each candidate's MASE per data set
(mean over its origins and the seeds), the geometric mean over the eight origins of its
ratio to Theta's, and the mean seed-to-seed spread (max - min over mean).

Run
---
::

    python benchmarks/cv_forecaster.py                      # the candidates below, 3 seeds
    python benchmarks/cv_forecaster.py --candidates defaults "cap 50"

About 15 seconds per candidate and seed on one core.
"""

import argparse
import warnings

import numpy as np
import pandas as pd
import torch
from bench_forecaster import make_panel
from bench_quality import mase
from sktime.datasets import load_airline, load_lynx, load_macroeconomic, load_uschange
from sktime.forecasting.naive import NaiveForecaster
from sktime.forecasting.theta import ThetaForecaster

from sklrnn.forecasting import RNNForecaster

#: Candidate settings, each RNNForecaster parameters on top of the defaults. No parameter
#: value gives RNNRegressor's rule without the cap (2,000 batches, up to 2,000 epochs): the
#: user guide's "none (2,000)" row was measured before the cap existed.
CANDIDATES = {
    "defaults": {},
    "cap 50": {"max_epochs": 50},
    "cap 200": {"max_epochs": 200},
    "cap 300": {"max_epochs": 300},
    "hidden 16": {"hidden_size": 16},
    "lr 3e-3": {"lr": 3e-3},
}


def folds():
    """(data set, origin name, training part, the steps after it, seasonal period)."""
    airline = load_airline().iloc[:-36]
    yield "Airline", "72", airline.iloc[:72], airline.iloc[72:], 12
    yield "Airline", "84", airline.iloc[:84], airline.iloc[84:], 12
    lynx = load_lynx().iloc[:-14].astype(float)
    yield "Lynx", "70", lynx.iloc[:70], lynx.iloc[70:90], 1
    yield "Lynx", "85", lynx.iloc[:85], lynx.iloc[85:], 1
    macro = load_macroeconomic().iloc[:-24]
    for name, column in [("GDP", "realgdp"), ("Unemployment", "unemp")]:
        y = macro[column].astype(float)
        yield name, "140", y.iloc[:140], y.iloc[140:160], 4
    y = load_uschange()[0].iloc[:-20].astype(float)
    y.index = pd.period_range("1970Q1", periods=len(y), freq="Q")
    yield "Consumption", "120", y.iloc[:120], y.iloc[120:140], 4
    panel, _ = make_panel(50, 120, seed=1)
    yield ("Panel", "96", panel.groupby(level=0).head(96),
           panel.groupby(level=0).tail(24), 12)


def fit_mase(train, test, forecaster):
    """Fit on ``train``, forecast ``test``'s steps; MASE, averaged over a panel's series."""
    keys = train.index.get_level_values(0).unique() if train.index.nlevels > 1 else None
    horizon = len(test) // (1 if keys is None else len(keys))
    forecast = forecaster.fit(train, fh=np.arange(1, horizon + 1)).predict()
    return mase(train, test, forecast, keys)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. seeds-1")
    parser.add_argument("--candidates", nargs="+", default=list(CANDIDATES),
                        choices=list(CANDIDATES))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")  # statsmodels' and sktime's, on every fit
    data = list(folds())
    theta, scores = [], {"naive": [], **{name: [] for name in args.candidates}}
    for _, _, train, test, sp in data:
        mode = "multiplicative" if (train.to_numpy() > 0).all() else "additive"
        theta.append(fit_mase(train, test, ThetaForecaster(sp=sp, deseasonalize_model=mode)))
        scores["naive"].append([fit_mase(train, test, NaiveForecaster())])
        for name in args.candidates:
            scores[name].append([
                fit_mase(train, test, RNNForecaster(random_state=seed, **CANDIDATES[name]))
                for seed in range(args.seeds)])
    scores = {"Theta": [[t] for t in theta], **scores}
    sets = list(dict.fromkeys(d[0] for d in data))
    print(f"{'candidate':<14}" + "".join(f"{s[:12]:>13}" for s in sets)
          + f"{'/ Theta':>9}{'spread':>8}")
    for name, runs in scores.items():
        means = [np.mean(r) for r in runs]
        per_set = [np.mean([m for m, d in zip(means, data, strict=True) if d[0] == s])
                   for s in sets]
        ratio = np.exp(np.mean(np.log(np.array(means) / theta)))
        spread = np.mean([(max(r) - min(r)) / np.mean(r) for r in runs])
        print(f"{name:<14}" + "".join(f"{m:>13.3f}" for m in per_set)
              + f"{ratio:>9.3f}{spread:>8.2f}")
    print(f"MASE: mean over origins and {args.seeds} seed(s); / Theta: geometric mean over "
          f"the {len(data)} origins of the ratio to Theta's; spread: mean (max - min) / mean "
          "over seeds.")


if __name__ == "__main__":
    main()

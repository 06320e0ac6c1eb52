"""Conformal intervals of single series: ``calibration_refits`` 1 against more, on shipped data.

What it measures
----------------
``RNNForecaster(calibration="conformal")`` takes its errors from forecasts of held-out
origins at the end of the history. A panel has many series to pool; a single series has
only its own recent past, which may be calmer (or rougher) than what follows.
``calibration_refits`` spreads the origins further back, over several copies trained at
cutoffs across the history. This script forecasts five series shipped with sktime, each
from its last three non-overlapping horizons (the three cutoffs before them), with each
``--refits`` value, and reports how often the 80% and 95% intervals held, as the mean over
``--seeds`` seeds (with the range over the seeds):

* Airline, in the probabilistic example's pipeline (12 months of log growth over a year,
  window 24), forecast for 1955-1957 and, separately, for 1958-1960;
* Lynx (log, yearly, 10 years ahead, window 20), PBS (monthly, 12 ahead, window 24),
  US consumption change (``load_uschange``, quarterly, 8 ahead, window 16) and US
  unemployment (``load_macroeconomic``'s ``unemp``, quarterly, 8 ahead, window 16).

Every forecaster is an LSTM of 8 units trained 30 epochs from ``lr=0.01``, as in the example.

Run
---
::

    python benchmarks/bench_conformal_series.py           # refits 1 and 4, 3 seeds
    python benchmarks/bench_conformal_series.py --quick   # smoke test
"""

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import torch
from _common import load_average, print_load
from sktime.datasets import (
    load_airline,
    load_lynx,
    load_macroeconomic,
    load_PBS_dataset,
    load_uschange,
)
from sktime.forecasting.compose import TransformedTargetForecaster
from sktime.transformations.series.boxcox import LogTransformer
from sktime.transformations.series.difference import Differencer

from sklrnn.forecasting import RNNForecaster

NETWORK = dict(cell="lstm", hidden_size=8, lr=0.01)


def tasks():
    """name -> (y, horizon, window, steps of the pipeline before the forecaster, cutoffs)."""
    airline = load_airline()
    growth = [("log", LogTransformer()), ("growth", Differencer(lags=12))]
    year_ends = {year: int(np.sum(airline.index.year < year)) for year in range(1955, 1961)}
    lynx, pbs, consumption = load_lynx(), load_PBS_dataset(), load_uschange()[0]
    unemp = load_macroeconomic()["unemp"]
    unemp.index = pd.RangeIndex(len(unemp))

    def last_three(y, horizon):
        return [len(y) - horizon * j for j in (3, 2, 1)]

    return {
        "Airline 1955-57": (airline, 12, 24, growth, [year_ends[y] for y in (1955, 1956, 1957)]),
        "Airline 1958-60": (airline, 12, 24, growth, [year_ends[y] for y in (1958, 1959, 1960)]),
        "Lynx": (lynx, 10, 20, [("log", LogTransformer())], last_three(lynx, 10)),
        "PBS": (pbs, 12, 24, [], last_three(pbs, 12)),
        "US consumption": (consumption, 8, 16, [], last_three(consumption, 8)),
        "US unemployment": (unemp, 8, 16, [], last_three(unemp, 8)),
    }


def coverage(y, horizon, window, steps, cutoffs, refits, seed, epochs):
    """Shares of the steps after each cutoff inside the 80% and 95% intervals."""
    held = {0.8: [], 0.95: []}
    fh = np.arange(1, horizon + 1)
    for cutoff in cutoffs:
        with warnings.catch_warnings():  # sktime's notices of its coming defaults
            warnings.simplefilter("ignore")
            forecaster = RNNForecaster(window, calibration="conformal",
                                       calibration_refits=refits, max_epochs=epochs,
                                       random_state=seed, **NETWORK)
            if steps:
                forecaster = TransformedTargetForecaster([*steps, ("forecast", forecaster)])
            interval = forecaster.fit(y.iloc[:cutoff], fh=fh).predict_interval(
                coverage=[0.8, 0.95])
        truth = y.iloc[cutoff:cutoff + horizon].to_numpy()
        for level in held:
            low = interval.xs((level, "lower"), axis=1, level=[1, 2]).to_numpy().ravel()
            high = interval.xs((level, "upper"), axis=1, level=[1, 2]).to_numpy().ravel()
            held[level] += list((low <= truth) & (truth <= high))
    return {level: np.mean(values) for level, values in held.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refits", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="one seed, 2 epochs, two series")
    args = parser.parse_args()
    chosen = tasks()
    if args.quick:
        args.seeds, args.epochs = 1, 2
        chosen = {name: chosen[name] for name in ("Airline 1958-60", "Lynx")}
    load_before = load_average()
    torch.set_num_threads(1)
    print(__doc__.splitlines()[0])
    print(f"torch {torch.__version__}, one thread; LSTM 8 units, {args.epochs} epochs; seeds "
          f"0..{args.seeds - 1}; mean (min-max over seeds) of the steps held")
    start = time.perf_counter()
    rows = {}
    for name, task in chosen.items():
        for refits in args.refits:
            runs = [coverage(*task, refits, seed, args.epochs) for seed in range(args.seeds)]
            row = {}
            for level in (0.8, 0.95):
                values = np.array([run[level] for run in runs])
                row[f"{level:.0%} held"] = (f"{values.mean():.1%} "
                                            f"({values.min():.0%}-{values.max():.0%})")
            rows[(name, refits)] = row
    table = pd.DataFrame(rows).T
    table.index.names = ["series", "refits"]
    print()
    print(table.to_string())
    print(f"\n{time.perf_counter() - start:.0f} s in all")
    print_load(load_before)


if __name__ == "__main__":
    main()

"""``RNNForecaster`` against sktime's ``make_reduction(RNNRegressor)``: many series, long horizon.

What it measures
----------------
A panel of ``--n-series`` monthly series (seasonal sines of random phase, level and scale,
plus noise; ``--length`` steps each) is forecast ``--horizon`` steps ahead with the same
network (a GRU, hidden size 16, windows of 12 steps, Adam, the same epochs and batch size)
three ways:

* ``RNNForecaster``: one network trained on the windows of all series; the forecast is one
  batched pass over all series per step (:func:`sklrnn.forecasting.recursive_forecast`).
* ``make_reduction(..., pooling="global")``: sktime's recursive reduction with one network
  on the lag table of all series (sktime's ``WindowSummarizer``); sktime makes the forecast.
* ``make_reduction(..., pooling="local")``: sktime's default, one network of the same kind
  per series, and a forecast that calls ``predict`` once per series and step.

Reported per way: median fit and predict times over repeats and their ratios to
``RNNForecaster``'s, and the mean absolute error of the forecasts over all series and steps,
in units of each series' standard deviation (the data are scaled the same way for all three).
Fit times include sktime's own conversions. The ways are timed round-robin so machine drift
hits all of them alike.

Run
---
::

    python benchmarks/bench_forecaster.py               # 100 series x 120 steps, horizon 36
    python benchmarks/bench_forecaster.py --threads 1   # pin torch's intra-op threads
    python benchmarks/bench_forecaster.py --quick       # smoke test
"""

import argparse
import platform
import random
import statistics
import time
import warnings

import numpy as np
import pandas as pd
import torch
from _common import iqr_percent, load_average, monthly_panel_index, print_load
from sktime.forecasting.compose import make_reduction

from sklrnn import RNNRegressor
from sklrnn.forecasting import RNNForecaster

NETWORK = dict(cell="gru", hidden_size=16, lr=0.01, batch_size=64, random_state=0)
WINDOW = 12


def make_panel(n_series, length, seed=0, noise=0.1):
    """A pd-multiindex panel of seasonal series with ``noise`` times the sine's amplitude
    of noise; returns (y, its values)."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    phase = rng.uniform(0, 2 * np.pi, (n_series, 1))
    values = np.sin(2 * np.pi * t / 12 + phase) + noise * rng.normal(size=(n_series, length))
    values = values * rng.uniform(1, 100, (n_series, 1)) + rng.uniform(-50, 50, (n_series, 1))
    index = monthly_panel_index(n_series, length)
    return pd.DataFrame({"y": values.ravel()}, index=index), values


def run(args):
    load_before = load_average()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    n_series, length, horizon, repeats, epochs = (args.n_series, args.length, args.horizon,
                                                  args.repeats, args.epochs)
    if args.quick:
        n_series, repeats, epochs = 10, 1, 1
    y, values = make_panel(n_series, length + horizon)
    # make_reduction does not scale; give every way the same standardized series.
    center = values[:, :length].mean(1, keepdims=True)
    scale = values[:, :length].std(1, keepdims=True)
    y_std = pd.DataFrame({"y": ((values - center) / scale).ravel()}, index=y.index)
    train_std = y_std.groupby(level=0).head(length)
    truth = ((values - center) / scale)[:, length:]
    fh = np.arange(1, horizon + 1)

    print(__doc__.splitlines()[0])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"python {platform.python_version()}, {platform.machine()}")
    print(f"{n_series} series x {length} steps, horizon {horizon}; GRU hidden 16, window "
          f"{WINDOW}, {epochs} epochs; {repeats} repeats, round-robin")

    ways = {
        "RNNForecaster": lambda: RNNForecaster(WINDOW, max_epochs=epochs, **NETWORK),
        "make_reduction global": lambda: make_reduction(
            RNNRegressor(max_epochs=epochs, **NETWORK), window_length=WINDOW,
            strategy="recursive", pooling="global"),
        "make_reduction local": lambda: make_reduction(
            RNNRegressor(max_epochs=epochs, **NETWORK), window_length=WINDOW,
            strategy="recursive", pooling="local"),
    }
    fit_s = {w: [] for w in ways}
    predict_s = {w: [] for w in ways}
    errors = {w: [] for w in ways}
    order = random.Random(0)
    for _ in range(repeats):
        for way in order.sample(list(ways), len(ways)):
            forecaster = ways[way]()
            start = time.perf_counter()
            forecaster.fit(train_std, fh=fh)
            fit_s[way].append(time.perf_counter() - start)
            start = time.perf_counter()
            forecast = forecaster.predict()
            predict_s[way].append(time.perf_counter() - start)
            forecast = forecast["y"].to_numpy().reshape(n_series, horizon)
            errors[way].append(np.abs(forecast - truth).mean())

    fit_med = {w: statistics.median(v) for w, v in fit_s.items()}
    predict_med = {w: statistics.median(v) for w, v in predict_s.items()}
    base = "RNNForecaster"
    print()
    print(f"{'way':<24}{'fit s':>8}{'IQR %':>7}{'/ ours':>8}{'predict s':>11}{'IQR %':>7}"
          f"{'/ ours':>8}{'total / ours':>14}{'MAE (sd)':>10}")
    print("-" * 97)
    for way in ways:
        total = (fit_med[way] + predict_med[way]) / (fit_med[base] + predict_med[base])
        print(f"{way:<24}{fit_med[way]:>8.2f}{iqr_percent(fit_s[way]):>7.1f}"
              f"{fit_med[way] / fit_med[base]:>8.2f}{predict_med[way]:>11.3f}"
              f"{iqr_percent(predict_s[way]):>7.1f}{predict_med[way] / predict_med[base]:>8.1f}"
              f"{total:>14.1f}{statistics.median(errors[way]):>10.3f}")
    print("IQR %: interquartile range of the repeats as a percentage of their median.")
    print_load(load_before)
    return fit_med, predict_med


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke test: 10 series, 1 epoch")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch.set_num_threads (default: torch's default)")
    parser.add_argument("--repeats", type=int, default=3, help="round-robin repeats")
    parser.add_argument("--n-series", type=int, default=100)
    parser.add_argument("--length", type=int, default=120, help="training steps per series")
    parser.add_argument("--horizon", type=int, default=36)
    parser.add_argument("--epochs", type=int, default=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # sktime's remember_data notice
        run(parser.parse_args(argv))


if __name__ == "__main__":
    main()

"""How well ``RNNForecaster``'s intervals are calibrated, by head, on a panel of noisy series.

What it measures
----------------
A panel of ``--n-series`` monthly series (sines of random phase, level and scale, plus
noise of a quarter of their amplitude; ``--length`` steps each) is forecast ``--horizon``
steps ahead by ``RNNForecaster`` (an LSTM, hidden size 16, windows of 12 steps,
``level="mean"``) with each way of making intervals:

* ``quantiles``: the direct quantile head of the pinball loss (levels 0.025 ... 0.975);
* ``normal`` / ``student_t``: recursive sample paths (``distribution``, 300 paths);
* ``conformal``: the point forecaster with ``calibration="conformal"``;
* ``normal + conformal``: the normal paths, calibrated.

Reported per way, as the mean over ``--seeds`` seeds of the held-out last ``--horizon``
steps of every series: how often the 80% and 95% intervals held the truth, the pinball loss
over 7 levels (0.05 ... 0.95) and the mean absolute error of ``predict``, both in units of
each series' standard deviation, and the fit + predict time as a ratio to the point
forecaster's (``conformal`` trains twice).

Run
---
::

    python benchmarks/bench_calibration.py            # 200 series x 96 steps, horizon 12
    python benchmarks/bench_calibration.py --quick    # smoke test
"""

import platform
import warnings

import numpy as np
import torch
from _common import load_average, panel_arguments, print_load, timed_table
from bench_forecaster import make_panel

from sklrnn.forecasting import RNNForecaster

NETWORK = dict(hidden_size=16, sp=None, level="mean")
LEVELS = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95]
WAYS = {
    "point (no intervals)": dict(),
    "quantiles": dict(strategy="direct",
                      quantiles=(0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975)),
    "normal": dict(distribution="normal", n_paths=300),
    "student_t": dict(distribution="student_t", n_paths=300),
    "conformal": dict(calibration="conformal"),
    "normal + conformal": dict(distribution="normal", n_paths=300, calibration="conformal"),
}


def score(forecaster, fh, truth, scale):
    """Coverage of 80% and 95% intervals, pinball loss and MAE (in standard deviations)."""
    n_series, horizon = truth.shape
    row = {}
    if forecaster.get_tag("capability:pred_int"):
        interval = forecaster.predict_interval(fh=fh, coverage=[0.8, 0.95])
        for coverage in (0.8, 0.95):
            low = interval[("y", coverage, "lower")].to_numpy().reshape(n_series, horizon)
            high = interval[("y", coverage, "upper")].to_numpy().reshape(n_series, horizon)
            row[f"{coverage:.0%} held"] = np.mean((low <= truth) & (truth <= high))
        quantiles = forecaster.predict_quantiles(fh=fh, alpha=LEVELS)
        losses = []
        for level in LEVELS:
            q = quantiles[("y", level)].to_numpy().reshape(n_series, horizon)
            error = (truth - q) / scale
            losses.append(np.maximum(level * error, (level - 1) * error).mean())
        row["pinball"] = np.mean(losses)
    point = forecaster.predict(fh=fh)["y"].to_numpy().reshape(n_series, horizon)
    row["MAE"] = np.abs((truth - point) / scale).mean()
    return row


def run(args):
    load_before = load_average()
    n_series, length, horizon = args.n_series, args.length, args.horizon
    y, values = make_panel(n_series, length + horizon, noise=0.25)
    train = y.groupby(level=0).head(length)
    truth = values[:, length:]
    scale = values[:, :length].std(axis=1, keepdims=True)
    fh = list(range(1, horizon + 1))
    print(__doc__.splitlines()[0])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"python {platform.python_version()}, {platform.machine()}")
    print(f"{n_series} series x {length} steps, horizon {horizon}; LSTM hidden 16, window "
          f"12, {args.epochs} epochs; seeds 0..{args.seeds - 1}")
    with warnings.catch_warnings():  # one-time costs (imports, caches) are not timed
        warnings.simplefilter("ignore")
        RNNForecaster(12, max_epochs=1, **NETWORK).fit(train, fh=fh).predict()

    def run_way(way, seed):
        forecaster = RNNForecaster(12, max_epochs=args.epochs, random_state=seed, **NETWORK,
                                   **WAYS[way])
        return score(forecaster.fit(train, fh=fh), fh, truth, scale)

    table = timed_table(WAYS, args.seeds, run_way, "point (no intervals)")
    table = table.rename(columns={"time / point (no intervals)": "time / point"})
    print()
    print(table.to_string(float_format="{:.3f}".format))
    print_load(load_before)


if __name__ == "__main__":
    run(panel_arguments(__doc__.splitlines()[0], epochs=20))

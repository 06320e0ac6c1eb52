"""Airline passengers: forecast accuracy of ``RNNForecaster`` in sktime's pipeline, over seeds.

What it measures
----------------
The Airline data (sktime's ``load_airline``, shipped with it: monthly international
passengers, 1949-1960, 144 months). The last 36 months are held out and forecast 36 months
ahead; the score is the mean absolute percentage error (MAPE) over them. The forecaster is
the one of ``examples/plot_airline_forecasting.py``: sktime's pipeline removes the
multiplicative seasonality (``Deseasonalizer(sp=12, model="multiplicative")``) and a linear
trend (``Detrender()``), :class:`sklrnn.forecasting.RNNForecaster` (``window_length=18``,
``cell="lstm"``, ``hidden_size=32``, ``lr=0.01``, ``max_epochs=60``) forecasts the residual
recursively, reading the sine and cosine of the month as exogenous ``X``, and the pipeline
puts trend and seasonality back. It is fitted once per seed (``random_state`` 0 .. seeds-1).

The baselines, deterministic and computed once: the seasonal naive forecast (the same month
last year: ``NaiveForecaster(strategy="last", sp=12)``), the naive last value
(``NaiveForecaster(strategy="last")``), and the same pipeline forecasting the *mean* of the
residual (``make_reduction(DummyRegressor())``), which shows what the network adds to the
pipeline.

How
---
Every seed's MAPE and fit time (the whole pipeline's ``fit``: transformations and training)
is printed as it comes; then, per forecaster, the median MAPE over seeds with its minimum and
maximum, the ratio of the median to the seasonal naive MAPE (below 1: better than it) and
the median fit time. The MAPE is what to compare across versions; it moves a little between
machines and thread counts (floating-point sums in another order), the fit time a lot.

Run
---
::

    python benchmarks/bench_airline.py               # 3 seeds, 60 epochs
    python benchmarks/bench_airline.py --seeds 5 --threads 1
    python benchmarks/bench_airline.py --quick       # smoke test: 1 seed, 5 epochs
"""

import argparse
import statistics
import time
import warnings

import numpy as np
import pandas as pd
import torch
from _common import load_average, machine_line, print_load
from sklearn.dummy import DummyRegressor
from sktime.datasets import load_airline
from sktime.forecasting.compose import TransformedTargetForecaster, make_reduction
from sktime.forecasting.naive import NaiveForecaster
from sktime.performance_metrics.forecasting import mean_absolute_percentage_error
from sktime.split import temporal_train_test_split
from sktime.transformations.series.detrend import Deseasonalizer, Detrender

from sklrnn.forecasting import RNNForecaster

#: RNNForecaster settings of examples/plot_airline_forecasting.py
SETTINGS = dict(window_length=18, cell="lstm", hidden_size=32, lr=0.01, max_epochs=60)
TEST_MONTHS = 36


def pipeline(forecaster):
    """Deseasonalize and detrend, forecast the residual with ``forecaster``, then put both back."""
    return TransformedTargetForecaster([
        ("deseasonalize", Deseasonalizer(sp=12, model="multiplicative")),
        ("detrend", Detrender()),
        ("forecast", forecaster),
    ])


def month_features(index):
    """The sine and cosine of the month of every period of ``index``."""
    month = index.month.to_numpy()
    return pd.DataFrame({"month_sin": np.sin(2 * np.pi * month / 12),
                         "month_cos": np.cos(2 * np.pi * month / 12)}, index=index)


def run(args):
    load_before = load_average()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    seeds, epochs = (1, 5) if args.quick else (args.seeds, args.epochs)
    y = load_airline()
    y_train, y_test = temporal_train_test_split(y, test_size=TEST_MONTHS)
    X = month_features(y.index)
    X_train, X_future = X.iloc[:-TEST_MONTHS], X.iloc[-TEST_MONTHS:]
    fh = np.arange(1, TEST_MONTHS + 1)
    settings = {**SETTINGS, "max_epochs": epochs}

    print(__doc__.splitlines()[0])
    print(machine_line())
    print(f"{len(y_train)} training months, {TEST_MONTHS} held out; RNNForecaster "
          f"{settings} with month sin/cos; {seeds} seed(s)")

    def mape(forecast):
        return mean_absolute_percentage_error(y_test, forecast)

    baselines = {
        "seasonal naive": NaiveForecaster(strategy="last", sp=12),
        "naive last": NaiveForecaster(strategy="last"),
        "pipeline, mean residual": pipeline(make_reduction(DummyRegressor(), window_length=12)),
    }
    scores, fit_s = {}, {}
    for name, forecaster in baselines.items():
        start = time.perf_counter()
        forecaster.fit(y_train, fh=fh)
        fit_s[name] = [time.perf_counter() - start]
        scores[name] = [mape(forecaster.predict())]

    rnn = "pipeline, RNNForecaster"
    scores[rnn], fit_s[rnn] = [], []
    print()
    print(f"{'seed':>4}{'MAPE':>9}{'fit s':>8}")
    for seed in range(seeds):
        forecaster = pipeline(RNNForecaster(random_state=seed, **settings))
        start = time.perf_counter()
        forecaster.fit(y_train, X=X_train, fh=fh)
        fit_s[rnn].append(time.perf_counter() - start)
        scores[rnn].append(mape(forecaster.predict(X=X_future)))
        print(f"{seed:>4}{scores[rnn][-1]:>9.4f}{fit_s[rnn][-1]:>8.1f}", flush=True)

    base = statistics.median(scores["seasonal naive"])
    print()
    print(f"{'forecaster':<26}{'MAPE':>8}{'min':>8}{'max':>8}{'/ seasonal naive':>18}"
          f"{'fit s':>8}")
    print("-" * 76)
    for name, values in scores.items():
        median = statistics.median(values)
        print(f"{name:<26}{median:>8.4f}{min(values):>8.4f}{max(values):>8.4f}"
              f"{median / base:>18.2f}{statistics.median(fit_s[name]):>8.2f}")
    print(f"MAPE: median over {seeds} seed(s) for the RNN, one deterministic fit for the "
          "baselines; fit s: median fit time.")
    print_load(load_before)
    return {name: statistics.median(values) for name, values in scores.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke test: 1 seed, 5 epochs")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. seeds-1")
    parser.add_argument("--epochs", type=int, default=SETTINGS["max_epochs"],
                        help="max_epochs of the network")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch.set_num_threads (default: torch's default)")
    # sktime 1.2 turns FutureWarning back on inside ``fit``, so no filter hides its notices
    # about ``remember_data``: record the warnings instead, and show all but those.
    with warnings.catch_warnings(record=True) as caught:
        run(parser.parse_args(argv))
    for w in caught:
        if not issubclass(w.category, FutureWarning):
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)


if __name__ == "__main__":
    main()

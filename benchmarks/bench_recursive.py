"""``recursive_forecast`` of many series against looping ``RNNRegressor.predict``.

What it measures
----------------
``N`` synthetic series (``--series``, 100 by default): sines of periods drawn uniformly from
[10, 30] steps, random phases and amplitudes in [0.5, 1.5], plus Gaussian noise (``--noise``).
An ``RNNRegressor`` (LSTM, hidden size 32 by default) is fitted on 2-D windows of
``--window`` (24) steps of all series and the value after each window, then forecasts
``--horizon`` (36) steps of every series from its last window, three ways:

* ``recursive_forecast``: :func:`sklrnn.forecasting.recursive_forecast` on the ``(N, T)``
  history: one batched forward pass of the network per forecast step (in chunks of the
  net's batch size, as ``predict`` does), no input validation inside the loop. The baseline
  of the ratios.
* ``predict per series``: the loop of the issue, run on each series alone: for every series,
  ``horizon`` calls of ``estimator.predict`` on one window, appending each prediction and
  dropping the oldest step (``N * horizon`` calls: 3600 by default). What a user without
  the function writes first.
* ``predict per step``: the same loop with all series in one array: ``horizon`` calls of
  ``estimator.predict`` on ``(N, window)``. It separates the two savings: batching the
  series, and skipping ``predict``'s per-call validation and skorch's data loading.

The three must give the same forecast; the largest absolute difference from
``recursive_forecast`` is printed (0 on the CPU, by design; the tolerance is 1e-6). The
forecast's RMSE on the true continuation of the noise-free sines is printed next to
repeating the last observed value, to show the model learned something.

How
---
The model is fitted once (not timed). Every candidate is warmed up by one call first
(``predict per series`` on 5 series). Then the candidates are timed round-robin (one call of
each per repeat, in a freshly shuffled order each time, so no candidate always runs right
after the same neighbour), so machine drift and noisy neighbours hit all of them alike.
Reported: the median over repeats in seconds, its interquartile range as a percentage of the
median, the median time per forecast step of one series, and ratios of medians against
``recursive_forecast``. Ratios are what to compare across machines and runs; absolute times
are not. On a shared machine whose cores other processes also use, pass ``--threads 1``
(OpenMP with several threads can then be many times slower), and compare only runs with the
same thread count. The machine's 1-minute load average is printed from before and after the
run: when it exceeds the number of CPUs, something else competed for them, and large IQR
values show how much that disturbed the run.

Run
---
::

    python benchmarks/bench_recursive.py --threads 1   # 100 series x horizon 36, 5 repeats
    python benchmarks/bench_recursive.py --cell peephole_lstm --series 500
    python benchmarks/bench_recursive.py --quick       # smoke test, a few seconds
"""

import argparse
import platform
import random
import statistics
import time

import numpy as np
import torch
from _common import CELLS, iqr_percent, load_average, print_load

from sklrnn import RNNRegressor
from sklrnn.forecasting import recursive_forecast
from sklrnn.preprocessing import make_windows

CANDIDATES = ("recursive_forecast", "predict per series", "predict per step")


def make_series(n_series, n_steps, noise, seed=0):
    """Noisy sines ``(n_series, n_steps)`` and their noise-free values ``(n_series, n_steps)``."""
    rng = np.random.default_rng(seed)
    period = rng.uniform(10, 30, size=(n_series, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(n_series, 1))
    amplitude = rng.uniform(0.5, 1.5, size=(n_series, 1))
    clean = amplitude * np.sin(2 * np.pi * np.arange(n_steps) / period + phase)
    return clean + noise * rng.standard_normal(clean.shape), clean


def predict_per_series(estimator, windows, horizon):
    """The issue's loop for each series alone: ``len(windows) * horizon`` predict calls."""
    forecast = np.empty((len(windows), horizon))
    for j, window in enumerate(windows):
        x = window[None]
        for i in range(horizon):
            x_next = estimator.predict(x)
            forecast[j, i] = x_next[0]
            x = np.concatenate([x[:, 1:], x_next[:, None]], axis=1)
    return forecast


def predict_per_step(estimator, windows, horizon):
    """The issue's loop on all series at once: ``horizon`` predict calls."""
    forecast = np.empty((len(windows), horizon))
    x = windows
    for i in range(horizon):
        x_next = estimator.predict(x)
        forecast[:, i] = x_next
        x = np.concatenate([x[:, 1:], x_next[:, None]], axis=1)
    return forecast


def run(args):
    load_before = load_average()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    n_series, repeats, epochs = args.series, args.repeats, args.epochs
    if args.quick:
        n_series, repeats, epochs = 10, 1, 1
    window, horizon = args.window, args.horizon
    noisy, clean = make_series(n_series, args.train_steps + horizon, args.noise)
    history, future = noisy[:, :args.train_steps], clean[:, args.train_steps:]
    windows = history[:, -window:]

    print(__doc__.splitlines()[0])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"python {platform.python_version()}, {platform.machine()}")
    pairs = [make_windows(series, window) for series in history]
    X = np.concatenate([x[:, :, 0] for x, _ in pairs])
    y = np.concatenate([target for _, target in pairs])
    reg = RNNRegressor(hidden_size=args.hidden_size, batch_size=args.batch_size, lr=args.lr,
                       max_epochs=epochs, random_state=0, **CELLS[args.cell])
    start = time.perf_counter()
    reg.fit(X, y)
    fit_s = time.perf_counter() - start
    print(f"{n_series} series x horizon {horizon}, window {window}; {args.cell} hidden "
          f"{args.hidden_size}, batch {args.batch_size}, fitted on {len(X)} windows for "
          f"{epochs} epochs in {fit_s:.1f} s (not timed below); {repeats} repeats, round-robin")

    calls = {
        "recursive_forecast": lambda: recursive_forecast(reg, history, horizon),
        "predict per series": lambda: predict_per_series(reg, windows, horizon),
        "predict per step": lambda: predict_per_step(reg, windows, horizon),
    }
    calls["recursive_forecast"]()
    predict_per_series(reg, windows[:5], horizon)
    calls["predict per step"]()

    seconds = {c: [] for c in CANDIDATES}
    forecasts = {}
    order = random.Random(0)
    for _ in range(repeats):
        for name in order.sample(CANDIDATES, len(CANDIDATES)):
            start = time.perf_counter()
            forecasts[name] = calls[name]()
            seconds[name].append(time.perf_counter() - start)

    median = {c: statistics.median(v) for c, v in seconds.items()}
    base = forecasts["recursive_forecast"]
    n_calls = {"recursive_forecast": 1, "predict per series": n_series * horizon,
               "predict per step": horizon}
    print()
    print(f"{'candidate':<21}{'s':>9}{'IQR %':>7}{'us/step':>9}{'calls':>7}"
          f"{'/ recursive':>13}{'max |diff|':>12}")
    print("-" * 78)
    for name in CANDIDATES:
        diff = np.abs(forecasts[name] - base).max()
        print(f"{name:<21}{median[name]:>9.3f}{iqr_percent(seconds[name]):>7.1f}"
              f"{median[name] / (n_series * horizon) * 1e6:>9.1f}{n_calls[name]:>7}"
              f"{median[name] / median['recursive_forecast']:>13.1f}{diff:>12.1e}")
    print("IQR %: interquartile range of the repeats as a percentage of their median; "
          "us/step: per series and forecast step.")
    rmse = np.sqrt(np.mean((base - future) ** 2))
    naive = np.sqrt(np.mean((history[:, -1:] - future) ** 2))
    print(f"forecast RMSE on the noise-free continuation: {rmse:.3f} (repeating the last "
          f"value: {naive:.3f})")
    print_load(load_before)
    print()
    ratio = median["predict per series"] / median["recursive_forecast"]
    agree = all(np.abs(f - base).max() <= 1e-6 for f in forecasts.values())
    print(f"predict once per series per step / recursive_forecast: {ratio:.1f}x "
          f"({'forecasts agree' if agree else 'FORECASTS DIFFER'} within 1e-6)")
    return median


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 10 series, 1 epoch, 1 repeat")
    parser.add_argument("--threads", type=int, default=2,
                        help="torch.set_num_threads (default: 2)")
    parser.add_argument("--repeats", type=int, default=5, help="round-robin repeats")
    parser.add_argument("--cell", choices=list(CELLS), default="lstm")
    parser.add_argument("--series", type=int, default=100, help="number of series N")
    parser.add_argument("--horizon", type=int, default=36, help="steps to forecast")
    parser.add_argument("--window", type=int, default=24, help="input window length")
    parser.add_argument("--train-steps", type=int, default=96,
                        help="observed steps of every series (windows and history)")
    parser.add_argument("--noise", type=float, default=0.1, help="noise std")
    parser.add_argument("--hidden-size", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=32,
                        help="training batch size, and the chunk size of every forward pass")
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--epochs", type=int, default=5)
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()

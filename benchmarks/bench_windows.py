"""Peak memory and time of ``make_windows`` on a long series, against copying the windows.

What it measures
----------------
:func:`sklrnn.preprocessing.make_windows` returns its windows ``X`` (``(n_windows,
window_length, n_features)``) and targets ``y`` as read-only views of the series, so cutting
a series of ``n`` values into windows of ``w`` steps should cost memory of the order of the
series, not ``w`` copies of it. Three things are reported:

* ``make_windows``: on a float64 series of ``--length`` points (10 million by default, 80 MB),
  the peak of the memory allocated *during* the call (measured with :mod:`tracemalloc`, which
  sees numpy's array allocations; the series itself is allocated before tracing starts), and
  the memory still held once the call has returned (after an untraced warm-up call, so that
  one-time costs such as lazy imports are not counted), both in bytes and as a ratio to
  ``series.nbytes``. A view costs a few hundred bytes: the ratio should be ~0.00.
* copies: the same windows materialised on a shorter series (``--copy-length``, 100 000 points
  by default, where a copy fits in memory), by ``np.array(X)`` (copying the views) and by a
  naive loop that stacks ``series[i:i + w]`` for every window (what one writes without
  ``make_windows``). Their peak is reported as a ratio to that series' ``nbytes``: about ``w``
  (each value is copied into ``w`` windows). The last line gives the size such a copy would
  need for the long series: ``n_windows * w * n_features * itemsize``.
* time: the median wall time of ``make_windows`` on the long series, and of the two copies on
  the short one, over ``--repeats`` calls (timed with tracing off).

How to read it: the ratios to ``series.nbytes`` are what to compare across machines and
versions; ``make_windows`` should stay near 0 whatever the length and window, the copies near
``w``. Absolute times depend on the machine.

Run
---
::

    python benchmarks/bench_windows.py                    # 10M points, window 168
    python benchmarks/bench_windows.py --window 24 --n-features 3
    python benchmarks/bench_windows.py --quick            # smoke test, 1M points
"""

import argparse
import platform
import statistics
import time
import tracemalloc

import numpy as np

from sklrnn.preprocessing import make_windows


def make_series(length, n_features, seed=0):
    """A float64 random walk of ``length`` steps: 1-D, or 2-D with ``n_features`` columns."""
    rng = np.random.default_rng(seed)
    shape = (length,) if n_features == 1 else (length, n_features)
    return np.cumsum(rng.standard_normal(shape), axis=0)


def naive_windows(series, window_length, horizon=1):
    """The windows and targets stacked from one slice per window, as copies."""
    n_windows = len(series) - window_length - horizon + 1
    matrix = series.reshape(len(series), -1)
    X = np.stack([matrix[i:i + window_length] for i in range(n_windows)])
    y = series[window_length:window_length + n_windows].copy()
    return X, y


def traced(function, *args):
    """Call ``function(*args)``; return its result, peak and retained traced bytes."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    result = function(*args)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, peak - before, current - before


def median_seconds(function, repeats):
    """Median wall time of ``repeats`` calls of ``function()`` (tracing is off)."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def mb(n_bytes):
    return f"{n_bytes / 1e6:,.3f} MB"


def run(args):
    length, copy_length, repeats = args.length, args.copy_length, args.repeats
    if args.quick:
        length, copy_length, repeats = 1_000_000, 20_000, 3
    w, horizon = args.window, args.horizon
    series = make_series(length, args.n_features)
    small = make_series(copy_length, args.n_features, seed=1)

    print(__doc__.splitlines()[0])
    print(f"numpy {np.__version__}, python {platform.python_version()}, {platform.machine()}")
    print(f"window_length={w} horizon={horizon}; series float64 of shape {series.shape} "
          f"({mb(series.nbytes)}); copies on shape {small.shape} ({mb(small.nbytes)}); "
          f"{repeats} timing repeats")

    make_windows(small, w, horizon)  # one-time costs (lazy imports, caches) are not traced
    (X, y), peak, held = traced(make_windows, series, w, horizon)
    views = np.shares_memory(X, series) and np.shares_memory(y, series)
    n_windows = X.shape[0]
    copy_bytes = X.size * X.itemsize
    rows = [("make_windows", len(series), series.nbytes, peak, held,
             median_seconds(lambda: make_windows(series, w, horizon), repeats))]
    del X, y

    X_small, _ = make_windows(small, w, horizon)
    for label, function in (("np.array(X) copy", lambda: np.array(X_small)),
                            ("naive stacked loop", lambda: naive_windows(small, w, horizon))):
        result, copy_peak, copy_held = traced(function)
        del result
        rows.append((label, len(small), small.nbytes, copy_peak, copy_held,
                     median_seconds(function, repeats)))

    print()
    print(f"{'how':<20}{'series':>12}{'peak MB':>12}{'/ nbytes':>10}{'held MB':>12}"
          f"{'/ nbytes':>10}{'median ms':>11}")
    print("-" * 87)
    for label, n, nbytes, peak, held, seconds in rows:
        print(f"{label:<20}{n:>12,}{peak / 1e6:>12.3f}{peak / nbytes:>10.4f}"
              f"{held / 1e6:>12.3f}{held / nbytes:>10.4f}{seconds * 1e3:>11.3f}")
    print("peak: most memory traced during the call; held: traced memory still allocated after")
    print("it, with its result alive; / nbytes: as a ratio to that row's series.nbytes.")
    print()
    print(f"make_windows returned views of the series: {views}; it traced a peak of "
          f"{rows[0][3]:,} bytes and holds {rows[0][4]:,} bytes")
    print(f"a copy of the {n_windows:,} windows of the {len(series):,}-point series would need "
          f"{mb(copy_bytes)} = {copy_bytes / series.nbytes:.1f} x series.nbytes")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 1M points, copies on 20k, 3 repeats")
    parser.add_argument("--length", type=int, default=10_000_000,
                        help="points in the long series (make_windows only)")
    parser.add_argument("--copy-length", type=int, default=100_000,
                        help="points in the short series that the copies run on")
    parser.add_argument("--window", type=int, default=168, help="window_length")
    parser.add_argument("--horizon", type=int, default=1, help="horizon")
    parser.add_argument("--n-features", type=int, default=1,
                        help="columns of the series (1: a 1-D series)")
    parser.add_argument("--repeats", type=int, default=7, help="timing repeats")
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()

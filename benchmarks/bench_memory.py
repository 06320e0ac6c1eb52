"""Peak memory of training and predicting on the windows of a long series, against the series.

What it measures
----------------
:func:`sklrnn.preprocessing.make_windows` cuts a series of ``n`` values into windows of ``w``
steps that are read-only views of it; copied, the windows of a 10-million-point series with
``w=168`` would take ``n * w * 4`` bytes = 6.7 GB. :class:`sklrnn.RNNRegressor` must train on
them (and predict on them) copying one mini-batch at a time, a float64 series cast to float32
batch by batch. Each row is one measurement in a fresh Python process, so its peak is the
call's:

* ``fit``: ``RNNRegressor.fit(X, y)`` on all windows of a ``--length``-point series (10
  million by default; ``--dtype`` float32 or float64), a GRU with 16 hidden units, stopped
  after ``--batches`` batches of ``--batch-size`` (a callback raises ``KeyboardInterrupt``,
  which skorch's ``fit`` takes as the end of training: a full epoch over 10 million windows
  takes too long for a benchmark, and validation, shuffling and setup have run by then).
* ``fit, short series``: the same on the first ``--short-length`` points only: the same
  network and batches, so what it adds is what the batches cost (the network's activations
  for backpropagation, about proportional to batch size x window x hidden size, and the
  allocator's pools), not the series.
* ``fit, early stopping`` (with ``--early-stopping``): ``fit`` with ``early_stopping=True``
  (the last 10% of the windows held out, in order).
* ``predict``: ``predict`` on the first ``--predict-windows`` windows (views again), by a
  network fitted on a few windows.

Every process makes the series (a random walk, in place), imports and warms up (a tiny fit
and prediction, so that lazy imports are not counted), then reads its resident set size
(``before``), resets the kernel's record of its peak (``/proc/self/clear_refs``; where that is
refused, the peak is ``ru_maxrss`` since the process started) and runs the call; ``peak`` is
the peak resident set size during it. ``(peak - before) / series.nbytes`` is what the call
cost in multiples of the series: the target for ``fit`` is below 3 (the permutation of a
shuffled epoch, 4 bytes a window; the targets' float32 copy for a float64 series; the
batches). The last lines give what scales with the series (``fit`` less ``fit, short
series``) and the size a copy of the windows would need.

Ragged sequences (``--no-ragged`` skips this part): ``--short`` two-step sequences and one of
``--long`` steps (2,000 and 50,000 by default), one feature, the default ``RNNRegressor`` for
one epoch (``fit``) and then ``predict`` on them, each against the same call on the short
sequences alone. The bound: ragged input is kept as its steps one after another and every
batch is padded to its own longest sequence, so what the long sequence adds is its batch
(``batch_size x its length``) and the network's activations on that batch, never all
sequences padded to it (``n_samples x max_length``, the last column). Sequences whose padding
is given by ``mask_value``, and ``architecture="seq2seq"``, whose outputs are per step, are
still padded to the longest whole.

How to read it: the ratio columns are what to compare across machines and versions. The
batches' cost depends on the allocator as well as the network: batches of 1024 windows of
168 steps cost about 120 MB here, 3 x a 10M-point float32 series by themselves. Absolute
times depend on the machine.

Run
---
::

    python benchmarks/bench_memory.py                    # float32 series of 10M points, w=168
    python benchmarks/bench_memory.py --dtype float64 --early-stopping
    python benchmarks/bench_memory.py --quick            # smoke test, 1M points
"""

import argparse
import gc
import json
import resource
import subprocess
import sys
import time

import numpy as np

NET = dict(cell="gru", hidden_size=16, max_epochs=1, lr=1e-3, random_state=0)
#: row -> extra RNNRegressor parameters (None: predict)
ROWS = {"fit": {}, "fit, short series": {}, "fit, early stopping": dict(early_stopping=True),
        "predict": None}


def status_bytes(field):
    """A ``kB`` field of ``/proc/self/status`` (``VmRSS``, ``VmHWM``) in bytes, or None."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def reset_peak():
    """Reset the kernel's record of this process's peak RSS; whether that was possible."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return status_bytes("VmHWM") is not None


def peak_rss(was_reset):
    """The peak RSS since :func:`reset_peak`, or since the process started, in bytes."""
    if was_reset:
        return status_bytes("VmHWM")
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is in kB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def measure(row, length, short_length, window, dtype, batch_size, n_batches, predict_windows):
    """One measurement, in this process: the dict that the parent prints as a row."""
    from _common import machine_line
    from skorch.callbacks import Callback

    from sklrnn import RNNRegressor
    from sklrnn.preprocessing import make_windows

    class StopAfter(Callback):
        """End training after ``n`` batches (skorch's fit stops on KeyboardInterrupt)."""

        def __init__(self, n):
            self.n = n

        def on_train_begin(self, net, **kwargs):
            self.seen = 0

        def on_batch_end(self, net, training=True, **kwargs):
            self.seen += training
            if self.seen >= self.n:
                raise KeyboardInterrupt

    if row == "fit, short series":
        length = short_length
    series = np.random.default_rng(0).standard_normal(length, dtype=dtype)
    np.cumsum(series, out=series)  # a random walk, made in place
    X, y = make_windows(series, window)
    params = dict(NET, batch_size=batch_size, callbacks=[StopAfter(n_batches)],
                  **(ROWS[row] or {}))
    few = 2 * batch_size
    warm = RNNRegressor(**params).fit(X[:few], y[:few])
    warm.predict(X[:few])
    gc.collect()
    before = status_bytes("VmRSS")
    was_reset = reset_peak()
    start = time.perf_counter()
    if ROWS[row] is None:
        n_windows = min(predict_windows, len(X))
        warm.predict(X[:n_windows])
        batches = -(-n_windows // batch_size)
    else:
        n_windows = len(X)
        reg = RNNRegressor(**params).fit(X, y)
        batches = len(reg.history_[-1, "batches"])
    seconds = time.perf_counter() - start
    return dict(row=row, before=before, peak=peak_rss(was_reset), reset=was_reset,
                length=length, n_windows=n_windows, batches=batches, seconds=seconds,
                series_nbytes=series.nbytes, window_nbytes=window * 4, machine=machine_line())


def measure_ragged(row, n_short, long_length):
    """One ragged measurement, in this process: fit or predict, with or without the long one."""
    from _common import machine_line

    from sklrnn import RNNRegressor

    rng = np.random.default_rng(0)
    X = [rng.standard_normal((2, 1)).astype(np.float32) for _ in range(n_short)]
    if "without" not in row:
        X.append(rng.standard_normal((long_length, 1)).astype(np.float32))
    y = rng.standard_normal(len(X)).astype(np.float32)
    params = dict(max_epochs=1, random_state=0)
    warm = RNNRegressor(**params).fit(X[:64], y[:64])
    warm.predict(X[:64])
    model = RNNRegressor(**params).fit(X, y) if row.startswith("predict") else None
    gc.collect()
    before = status_bytes("VmRSS")
    was_reset = reset_peak()
    start = time.perf_counter()
    if model is None:
        RNNRegressor(**params).fit(X, y)
    else:
        model.predict(X)
    seconds = time.perf_counter() - start
    return dict(row=row, before=before, peak=peak_rss(was_reset), seconds=seconds,
                padded=len(X) * max(len(x) for x in X) * 4, machine=machine_line())


RAGGED_ROWS = ("fit", "fit, without the long one", "predict", "predict, without the long one")


def run_ragged(n_short, long_length):
    results = {}
    for row in RAGGED_ROWS:
        child = json.dumps(dict(row=row, n_short=n_short, long_length=long_length))
        out = subprocess.run([sys.executable, __file__, "--ragged-child", child], check=True,
                             capture_output=True, text=True).stdout
        results[row] = json.loads(out.strip().splitlines()[-1])
    print()
    print(f"Ragged: {n_short:,} sequences of 2 steps and one of {long_length:,}, the default "
          "RNNRegressor, one epoch")
    print(f"{'call':<32}{'added MB':>10}{'seconds':>9}{'padded MB':>11}")
    print("-" * 62)
    for row, result in results.items():
        added = result["peak"] - result["before"]
        print(f"{row:<32}{added / 1e6:>10,.1f}{result['seconds']:>9.1f}"
              f"{result['padded'] / 1e6:>11,.1f}")
    for call in ("fit", "predict"):
        with_long, without = results[call], results[f"{call}, without the long one"]
        extra = (with_long["peak"] - with_long["before"]) - (without["peak"] - without["before"])
        print(f"the long sequence added {extra / 1e6:,.1f} MB to {call}: "
              f"{extra / with_long['padded']:.2f} x all sequences padded to it")
    return results


def run(args):
    length, short_length = args.length, args.short_length
    n_batches, predict_windows = args.batches, args.predict_windows
    if args.quick:
        length, short_length, n_batches, predict_windows = 1_000_000, 50_000, 10, 5_000
    rows = [row for row in ROWS if args.early_stopping or row != "fit, early stopping"]

    results = {}
    for row in rows:
        child = json.dumps(dict(
            row=row, length=length, short_length=short_length, window=args.window,
            dtype=args.dtype, batch_size=args.batch_size, n_batches=n_batches,
            predict_windows=predict_windows))
        out = subprocess.run([sys.executable, __file__, "--child", child], check=True,
                             capture_output=True, text=True).stdout
        results[row] = json.loads(out.strip().splitlines()[-1])
    fit = results["fit"]
    print(__doc__.splitlines()[0])
    print(fit["machine"], "(in each measuring process)")
    print(f"series {args.dtype}, window_length={args.window}, batch_size={args.batch_size}, "
          f"{', '.join(f'{k}={v}' for k, v in NET.items())}")
    print()
    print(f"{'call':<21}{'series':>12}{'series MB':>11}{'windows':>12}{'batches':>9}"
          f"{'before MB':>11}{'peak MB':>10}{'added MB':>10}{'/ series':>10}{'seconds':>9}")
    print("-" * 115)
    for row, result in results.items():
        added = result["peak"] - result["before"]
        print(f"{row:<21}{result['length']:>12,}{result['series_nbytes'] / 1e6:>11,.1f}"
              f"{result['n_windows']:>12,}{result['batches']:>9,}"
              f"{result['before'] / 1e6:>11,.1f}{result['peak'] / 1e6:>10,.1f}"
              f"{added / 1e6:>10,.1f}{added / result['series_nbytes']:>10.2f}"
              f"{result['seconds']:>9.1f}")
    print("before: resident set size after setup and warm-up; peak: peak RSS during the call"
          + ("" if all(r["reset"] for r in results.values())
             else " (ru_maxrss since the process started, where the peak could not be reset)")
          + ";\nadded = peak - before; / series: added / that row's series.nbytes "
          "(target for fit: < 3).")
    print()
    short = results["fit, short series"]
    scaling = (fit["peak"] - fit["before"]) - (short["peak"] - short["before"])
    print(f"fit on {length:,} points added {scaling / 1e6:,.1f} MB more than on "
          f"{short_length:,} points (same batches): {scaling / fit['series_nbytes']:.2f} x "
          "series.nbytes scales with the series")
    copy = fit["n_windows"] * fit["window_nbytes"]
    print(f"a float32 copy of the {fit['n_windows']:,} windows would need {copy / 1e6:,.1f} MB "
          f"= {copy / fit['series_nbytes']:.1f} x series.nbytes")
    if not args.no_ragged:
        long_length = 10_000 if args.quick else args.long
        results["ragged"] = run_ragged(args.short, long_length)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 1M points (short: 50k), 10 batches, predict on 5k "
                             "windows")
    parser.add_argument("--length", type=int, default=10_000_000, help="points in the series")
    parser.add_argument("--short-length", type=int, default=100_000,
                        help="points in the short series of the baseline fit")
    parser.add_argument("--window", type=int, default=168, help="window_length")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32",
                        help="dtype of the series (and so of the windows)")
    parser.add_argument("--batch-size", type=int, default=256, help="windows per batch")
    parser.add_argument("--batches", type=int, default=200,
                        help="training batches before fit is stopped")
    parser.add_argument("--predict-windows", type=int, default=200_000,
                        help="windows that predict runs on")
    parser.add_argument("--early-stopping", action="store_true",
                        help="also measure fit with early_stopping=True")
    parser.add_argument("--short", type=int, default=2000,
                        help="two-step sequences of the ragged part")
    parser.add_argument("--long", type=int, default=50_000,
                        help="steps of the ragged part's long sequence (--quick: 10,000)")
    parser.add_argument("--no-ragged", action="store_true", help="skip the ragged part")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--ragged-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(**json.loads(args.child))))
    elif args.ragged_child:
        print(json.dumps(measure_ragged(**json.loads(args.ragged_child))))
    else:
        run(args)


if __name__ == "__main__":
    main()

"""What the benchmark scripts share: the cells they time and how they report noise.

Benchmarks run as scripts (``python benchmarks/bench_ragged.py``), so this directory is on
``sys.path`` and they import it as ``_common``.
"""

import os
import platform
import statistics

import torch

#: label -> RNNRegressor cell arguments
CELLS = {
    "lstm": dict(cell="lstm"),
    "gru": dict(cell="gru"),
    "peephole_lstm": dict(cell="peephole_lstm"),
    "rnn-tanh": dict(cell="rnn", activation="tanh"),
    "rnn-elu": dict(cell="rnn", activation="elu"),
}


def iqr_percent(values):
    """Interquartile range of ``values`` as a percentage of their median."""
    if len(values) < 2:
        return 0.0
    q1, _, q3 = statistics.quantiles(values, n=4)
    return 100 * (q3 - q1) / statistics.median(values)


def load_average():
    """The 1-minute load average of the machine, or None where the OS does not report it."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def print_load(load_before):
    """Print the load average from before the run and now, and whether it was too busy."""
    if load_before is None:
        return
    load_after = load_average()
    busy = max(load_before, load_after) > (os.cpu_count() or 1)
    print(f"1-minute load average: {load_before:.2f} at the start, {load_after:.2f} at the "
          f"end, on {os.cpu_count()} CPUs"
          + ("; above the CPU count, so other processes competed for the cores and the "
             "times are suspect" if busy else ""))


def synchronize(device):
    """Wait for the work queued on ``device``: CUDA kernels run asynchronously."""
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def cpu_model():
    """The CPU's model name, from ``/proc/cpuinfo`` on Linux, else what ``platform`` says."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def machine_line():
    """One line on where a benchmark runs: torch, its threads, python, the CPU and its cores."""
    return (f"torch {torch.__version__}, {torch.get_num_threads()} threads, python "
            f"{platform.python_version()}, {cpu_model()} ({os.cpu_count()} CPUs)")


def panel_arguments(description, n_series=200, length=96, horizon=12, seeds=3, epochs=20):
    """The options of the forecasting benchmarks on panels, parsed; ``--quick`` applied."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--n-series", type=int, default=n_series)
    parser.add_argument("--length", type=int, default=length)
    parser.add_argument("--horizon", type=int, default=horizon)
    parser.add_argument("--seeds", type=int, default=seeds)
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="a smoke test: 10 series, 1 epoch")
    args = parser.parse_args()
    if args.quick:
        args.n_series, args.seeds, args.epochs = 10, 1, 1
    torch.set_num_threads(args.threads)
    return args


def timed_table(ways, seeds, run_way, baseline):
    """Mean scores and median times of ``run_way(way, seed) -> dict`` over the seeds.

    Returns a DataFrame, a row per way, with a last column of times as a ratio to
    ``baseline``'s.
    """
    import time
    import warnings

    import numpy as np
    import pandas as pd

    rows, times = {}, {}
    for way in ways:
        results, seconds = [], []
        for seed in range(seeds):
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results.append(run_way(way, seed))
            seconds.append(time.perf_counter() - start)
        rows[way] = pd.DataFrame(results).mean()
        times[way] = np.median(seconds)
    table = pd.DataFrame(rows).T
    table[f"time / {baseline}"] = [times[way] / times[baseline] for way in table.index]
    return table


def monthly_panel_index(n_series, length):
    """The pd-multiindex of ``n_series`` monthly series ``s0, s1, ...`` of ``length`` steps."""
    import pandas as pd

    return pd.MultiIndex.from_product(
        [[f"s{i}" for i in range(n_series)], pd.period_range("2000-01", periods=length,
                                                              freq="M")],
        names=["series", "time"])

"""``RNNRegressor.predict`` against calling the bare PyTorch module: throughput and latency.

What it measures
----------------
A fitted ``RNNRegressor`` (LSTM, hidden 32, 2 epochs: the weights do not matter) predicts
``--n-samples`` sequences ``(N, T=24, D=4)`` of float32 in one ``predict`` call, and one
sequence at a time (latency, the median of ``--single`` calls). The baselines call the
same ``torch.nn.Module`` (``est.net_.module_``) directly in eval mode under
``torch.no_grad()``: on the whole array in batches of the estimator's ``batch_size``
(what ``predict`` does) and, for reference, in one call. Reported: median times over
repeats and the ratio ``predict / bare module`` for the batch case (target <= 1.2) and the
single-sequence latency in milliseconds.

Run
---
::

    python benchmarks/bench_predict.py                 # N=100,000
    python benchmarks/bench_predict.py --threads 1
    python benchmarks/bench_predict.py --quick         # smoke test
"""

import argparse
import platform
import statistics
import time

import numpy as np
import torch
from _common import iqr_percent, load_average, print_load

from sklrnn import RNNRegressor


def bare(module, X, batch_size):
    """The module's outputs for X, in batches of ``batch_size`` (all of X for None)."""
    with torch.no_grad():
        x = torch.from_numpy(X)
        if batch_size is None:
            return module(x).numpy()
        return torch.cat([module(x[i:i + batch_size])
                          for i in range(0, len(x), batch_size)]).numpy()


def run(args):
    load_before = load_average()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    n, repeats, single = (2000, 1, 20) if args.quick else (args.n_samples, args.repeats,
                                                           args.single)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 24, 4)).astype(np.float32)
    y = X[:, -4:, 0].mean(axis=1)
    est = RNNRegressor(cell="lstm", hidden_size=32, max_epochs=2, batch_size=args.batch_size,
                       random_state=0).fit(X[:2000], y[:2000])
    module = est.net_.module_.eval()
    print(__doc__.splitlines()[0])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"python {platform.python_version()}, {platform.machine()}")
    print(f"N={n} T=24 D=4, LSTM hidden 32, batch_size {args.batch_size}; {repeats} repeats")

    ways = {
        "predict": lambda: est.predict(X),
        "bare module, batches": lambda: bare(module, X, args.batch_size),
        "bare module, one call": lambda: bare(module, X, None),
    }
    np.testing.assert_allclose(ways["predict"](), ways["bare module, batches"]()[:, 0],
                               rtol=1e-4, atol=1e-5)
    seconds = {way: [] for way in ways}
    for _ in range(repeats):
        for way, call in ways.items():
            start = time.perf_counter()
            call()
            seconds[way].append(time.perf_counter() - start)
    one = X[:1]
    latency = {"predict": [], "bare module": []}
    for _ in range(single):
        start = time.perf_counter()
        est.predict(one)
        latency["predict"].append(time.perf_counter() - start)
        start = time.perf_counter()
        bare(module, one, None)
        latency["bare module"].append(time.perf_counter() - start)

    medians = {way: statistics.median(v) for way, v in seconds.items()}
    print()
    print(f"{'way':<24}{'median s':>10}{'IQR %':>8}{'/ bare batches':>16}")
    for way in ways:
        print(f"{way:<24}{medians[way]:>10.3f}{iqr_percent(seconds[way]):>8.1f}"
              f"{medians[way] / medians['bare module, batches']:>16.2f}")
    print("\none sequence (latency), median ms:")
    for way, values in latency.items():
        print(f"  {way:<14}{1e3 * statistics.median(values):>8.2f}")
    print_load(load_before)
    return medians


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke test: N=2000")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch.set_num_threads (default: torch's default)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--n-samples", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--single", type=int, default=200, help="single-sequence calls")
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()

"""``GridSearchCV`` over ``RNNRegressor`` with ``n_jobs=2`` against ``n_jobs=1``, same machine.

What it measures
----------------
One grid search (4 candidates x 3 folds = 12 fits of a small LSTM, N=600 sequences of T=24
steps, D=4) is timed with ``n_jobs=1`` (everything in this process, torch with its default
threads) and with ``n_jobs=2`` (joblib's loky workers). On a machine with 2 cores, two
workers that each start as many torch threads as there are cores would oversubscribe them;
joblib limits the threads of its workers' native libraries to ``cores // n_jobs``, which
torch reads at import. Reported: median wall time over repeats for each setting and the
ratio ``n_jobs=2 / n_jobs=1`` (below 1: the parallel search is faster). The first
``n_jobs=2`` run, which starts the workers, is a warm-up and is not timed.

Run
---
::

    python benchmarks/bench_parallel.py            # 3 repeats
    python benchmarks/bench_parallel.py --quick    # smoke test
"""

import argparse
import os
import platform
import statistics
import time

import numpy as np
import torch
from _common import iqr_percent, load_average, print_load
from sklearn.model_selection import GridSearchCV

from sklrnn import RNNRegressor


def make_task(n, timesteps, n_features, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, timesteps, n_features)).astype(np.float32)
    y = X[:, -4:, 0].mean(axis=1) + 0.05 * rng.standard_normal(n).astype(np.float32)
    return X, y


def search(X, y, n_jobs, epochs):
    grid = {"hidden_size": [16, 32], "lr": [0.005, 0.01]}
    estimator = RNNRegressor(cell="lstm", max_epochs=epochs, batch_size=64, random_state=0)
    return GridSearchCV(estimator, grid, cv=3, n_jobs=n_jobs).fit(X, y)


def run(args):
    load_before = load_average()
    n, epochs, repeats = (200, 1, 1) if args.quick else (args.n_samples, args.epochs,
                                                         args.repeats)
    X, y = make_task(n, 24, 4)
    print(__doc__.splitlines()[0])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads in this process, "
          f"{os.cpu_count()} CPUs, python {platform.python_version()}, {platform.machine()}")
    print(f"N={n} T=24 D=4, LSTM, {epochs} epochs, 4 candidates x 3 folds; {repeats} repeats")
    search(X, y, 2, 1)  # start the workers
    seconds = {1: [], 2: []}
    scores = {}
    for _ in range(repeats):
        for n_jobs in (1, 2):
            start = time.perf_counter()
            result = search(X, y, n_jobs, epochs)
            seconds[n_jobs].append(time.perf_counter() - start)
            scores[n_jobs] = result.best_score_
    medians = {k: statistics.median(v) for k, v in seconds.items()}
    print()
    print(f"{'n_jobs':<8}{'median s':>10}{'IQR %':>8}{'best R^2':>10}")
    for n_jobs in (1, 2):
        print(f"{n_jobs:<8}{medians[n_jobs]:>10.2f}{iqr_percent(seconds[n_jobs]):>8.1f}"
              f"{scores[n_jobs]:>10.3f}")
    print(f"\nn_jobs=2 / n_jobs=1: {medians[2] / medians[1]:.2f}")
    print_load(load_before)
    return medians


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke test")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-samples", type=int, default=600)
    parser.add_argument("--epochs", type=int, default=10)
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()

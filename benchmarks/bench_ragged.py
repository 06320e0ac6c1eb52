"""``RNNRegressor`` fit and predict time on ragged sequences, against equal-length ones.

What it measures
----------------
Three data sets with the same number of sequences ``N``, the same number of real time steps
``N * T`` in all and the same ``D`` standard normal float32 features per step (the very same
values, cut differently); the target of each sequence is the mean of its first feature over
its real steps plus Gaussian noise:

* ``equal``: ``N`` sequences of length ``T``, one 3-D array ``(N, T, D)``: the baseline.
* ``ragged``: ``N`` sequences of lengths drawn uniformly from ``[T (1 - s), T (1 + s)]``
  (``s`` is ``--spread``, 0.75 by default: ``[T/4, 7T/4]``), adjusted so that they sum to
  exactly ``N * T``, passed as a list of ``(T_i, D)`` arrays. sklrnn pads them, passes their
  lengths to the network, draws training batches of similar lengths
  (:mod:`sklrnn._batching`) and runs fused cells over the padded batch (one call; with
  ``--bidirectional``, on the CPU, one call per layer and direction, the backward one reading
  each sequence reversed within its length) and its own cells with masked state updates
  (:func:`sklrnn.nn.layers.run_recurrent`).
* ``pad-to-max``: the ragged sequences zero-padded after their end to the longest length, as
  one 3-D array, *without* ``mask_value``: what a user does when the library has no support
  for sequences of different lengths. Every batch then runs the longest length, and the
  padding changes the result (its R^2 is shown to make that visible, not to rank it).

Each set is fitted by ``RNNRegressor`` with the same hyperparameters (cell, hidden size, batch
size, Adam, learning rate, a fixed number of epochs, ``random_state=0``); the time of the
whole ``fit(X, y)`` call is reported (input validation and padding included), then the time
of ``predict(X)`` on the same ``N`` sequences and the R^2 of those predictions (training R^2,
a sanity check that every model learned something). Ratios are against the ``equal`` row of
the same cell. ``ragged / equal`` is the cost of sklrnn's ragged support: the work is the same,
so a ratio near 1 means the padding and bookkeeping cost little (the target is <= 1.2);
``pad-to-max / equal`` is the cost of not having it.

The header also prints the padding the batches carry: the sequential steps per epoch (the
sum over batches of the batch's longest length, which is what the time loop runs) and the
cell evaluations per epoch (batch size times that: what a masked custom cell and a fused
cell over the padded batch compute), both relative to the equal-length
data. Training batches come from the length-bucketing sampler of one epoch.

How
---
Every candidate is warmed up by a one-epoch fit first. Then the candidates are timed
round-robin (one fit and one predict of each per repeat, in a freshly shuffled order each
time, so no candidate always runs right after the same neighbour), so machine drift and noisy
neighbours hit all of them alike. Reported: the median over repeats in seconds, its
interquartile range as a percentage of the median, and ratios of medians. Ratios are what to
compare across machines and runs; absolute times are not. On a shared machine whose cores
other processes also use, pass ``--threads 1`` (OpenMP with several threads can then be many
times slower), and compare only runs with the same thread count. The machine's 1-minute load
average is printed from before and after the run: when it exceeds the number of CPUs,
something else competed for them, and large IQR values show how much that disturbed the run.

Run
---
::

    python benchmarks/bench_ragged.py               # N=2000, T=40, D=4, hidden 32, 5 epochs
    python benchmarks/bench_ragged.py --cells lstm gru peephole_lstm rnn-elu
    python benchmarks/bench_ragged.py --spread 0.25 # lengths in [0.75 T, 1.25 T]
    python benchmarks/bench_ragged.py --quick       # smoke test, a few seconds
    python benchmarks/bench_ragged.py --device cuda # on a GPU
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

DATASETS = ("equal", "ragged", "pad-to-max")


def ragged_lengths(n, t_mean, spread, rng):
    """``n`` lengths uniform on ``[t_mean (1 - spread), t_mean (1 + spread)]``, summing to
    exactly ``n * t_mean``."""
    low = max(1, round(t_mean * (1 - spread)))
    high = max(low, round(t_mean * (1 + spread)))
    lengths = rng.integers(low, high + 1, n)
    missing = n * t_mean - int(lengths.sum())
    while missing:
        sign = 1 if missing > 0 else -1
        room = np.flatnonzero((lengths + sign >= low) & (lengths + sign <= high))
        if not len(room):
            raise ValueError(f"No lengths in [{low}, {high}] sum to {n} * {t_mean}.")
        lengths[rng.choice(room, min(abs(missing), len(room)), replace=False)] += sign
        missing = n * t_mean - int(lengths.sum())
    return lengths


def make_datasets(n, t_mean, n_features, spread, noise, seed=0):
    """Return ``{name: X}``, the targets ``y`` and the ragged lengths.

    All three ``X`` hold the same ``n * t_mean`` time steps, and share ``y``.
    """
    rng = np.random.default_rng(seed)
    flat = rng.standard_normal((n * t_mean, n_features)).astype(np.float32)
    lengths = ragged_lengths(n, t_mean, spread, rng)
    sequences = np.split(flat, np.cumsum(lengths)[:-1])
    padded = np.zeros((n, lengths.max(), n_features), dtype=np.float32)
    for i, sequence in enumerate(sequences):
        padded[i, :len(sequence)] = sequence
    # One target per sequence, by the same rule on both cuts of the data: their targets
    # differ in value but not in distribution. The padded set shares the ragged targets.
    equal = flat.reshape(n, t_mean, n_features)
    y_equal = equal[:, :, 0].mean(axis=1) + noise * rng.standard_normal(n)
    y_ragged = np.array([s[:, 0].mean() for s in sequences]) + noise * rng.standard_normal(n)
    y = {"equal": y_equal.astype(np.float32), "ragged": y_ragged.astype(np.float32)}
    y["pad-to-max"] = y["ragged"]
    return {"equal": equal, "ragged": sequences, "pad-to-max": padded}, y, lengths


def epoch_padding(lengths, batch_size, seed=0):
    """Sequential steps and cell evaluations of one training epoch, as for equal lengths = 1.

    Uses sklrnn's own length-bucketing sampler; returns None when it is not importable.
    """
    try:
        from sklrnn._batching import BucketBatchSampler
    except ImportError:
        return None
    torch.manual_seed(seed)
    batches = list(BucketBatchSampler(lengths, batch_size, shuffle=True))
    steps = sum(int(lengths[b].max()) for b in batches)
    cells = sum(len(b) * int(lengths[b].max()) for b in batches)
    t_mean = lengths.sum() / len(lengths)
    n_equal_batches = -(-len(lengths) // batch_size)
    return steps / (n_equal_batches * t_mean), cells / lengths.sum(), len(batches)


def r2(y, prediction):
    """Coefficient of determination of ``prediction`` for ``y``."""
    return 1 - ((y - prediction) ** 2).sum() / ((y - y.mean()) ** 2).sum()


def run(args):
    load_before = load_average()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    n, t, repeats, epochs = args.n_samples, args.timesteps, args.repeats, args.epochs
    if args.quick:
        n, repeats, epochs = 300, 1, 1
    data, y, lengths = make_datasets(n, t, args.n_features, args.spread, args.noise)

    print(__doc__.splitlines()[0])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"python {platform.python_version()}, {platform.machine()}")
    print(f"N={n} T={t} D={args.n_features}; ragged lengths {lengths.min()}..{lengths.max()} "
          f"(mean {lengths.mean():.1f}, {lengths.sum()} real steps in every set); "
          f"pad-to-max T={lengths.max()}")
    print(f"device {args.device}; bidirectional={args.bidirectional} hidden={args.hidden_size} "
          f"batch={args.batch_size} Adam lr={args.lr} "
          f"epochs={epochs}; {repeats} repeats, round-robin")
    padding = epoch_padding(lengths, args.batch_size)
    if padding is not None:
        steps, cells, n_batches = padding
        print(f"one bucketed epoch ({n_batches} batches): sequential steps x{steps:.2f}, "
              f"cell evaluations x{cells:.2f} of equal-length data; pad-to-max: "
              f"x{lengths.max() / t:.2f} both")

    def fit(label, name, max_epochs):
        reg = RNNRegressor(hidden_size=args.hidden_size, batch_size=args.batch_size,
                           bidirectional=args.bidirectional, lr=args.lr,
                           max_epochs=max_epochs, optimizer="adam",
                           device=args.device, random_state=0, **CELLS[label])
        return reg.fit(data[name], y[name])

    candidates = [(label, name) for label in args.cells for name in DATASETS]
    for label, name in candidates:
        fit(label, name, 1).predict(data[name])

    fit_s = {c: [] for c in candidates}
    predict_s = {c: [] for c in candidates}
    scores = {c: [] for c in candidates}
    order = random.Random(0)
    for _ in range(repeats):
        for label, name in order.sample(candidates, len(candidates)):
            start = time.perf_counter()
            reg = fit(label, name, epochs)
            fit_s[label, name].append(time.perf_counter() - start)
            start = time.perf_counter()
            prediction = reg.predict(data[name])
            predict_s[label, name].append(time.perf_counter() - start)
            scores[label, name].append(r2(y[name], prediction))

    fit_med = {c: statistics.median(v) for c, v in fit_s.items()}
    predict_med = {c: statistics.median(v) for c, v in predict_s.items()}
    print()
    print(f"{'cell':<15}{'data':<12}{'fit s':>8}{'IQR %':>7}{'/ equal':>9}"
          f"{'predict ms':>12}{'IQR %':>7}{'/ equal':>9}{'R^2 train':>11}")
    print("-" * 90)
    for label, name in candidates:
        base = (label, "equal")
        print(f"{label:<15}{name:<12}{fit_med[label, name]:>8.3f}"
              f"{iqr_percent(fit_s[label, name]):>7.1f}"
              f"{fit_med[label, name] / fit_med[base]:>9.2f}"
              f"{predict_med[label, name] * 1e3:>12.1f}"
              f"{iqr_percent(predict_s[label, name]):>7.1f}"
              f"{predict_med[label, name] / predict_med[base]:>9.2f}"
              f"{statistics.median(scores[label, name]):>11.3f}")
    print("IQR %: interquartile range of the repeats as a percentage of their median.")
    print_load(load_before)
    print()
    print("fit ratio ragged / equal (target <= 1.2), and pad-to-max / equal:")
    for label in args.cells:
        ragged = fit_med[label, "ragged"] / fit_med[label, "equal"]
        naive = fit_med[label, "pad-to-max"] / fit_med[label, "equal"]
        verdict = "within target" if round(ragged, 2) <= 1.2 else "ABOVE target"
        print(f"  {label:<15}ragged {ragged:.2f} ({verdict}), pad-to-max {naive:.2f}")
    return fit_med, predict_med


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: N=300, 1 epoch, 1 repeat")
    parser.add_argument("--threads", type=int, default=2,
                        help="torch.set_num_threads (default: 2)")
    parser.add_argument("--repeats", type=int, default=5, help="round-robin repeats")
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    parser.add_argument("--cells", nargs="+", choices=list(CELLS),
                        default=["lstm", "gru", "peephole_lstm"], help="cells to fit")
    parser.add_argument("--n-samples", type=int, default=2000, help="sequences N")
    parser.add_argument("--timesteps", type=int, default=40,
                        help="mean sequence length T (the equal-length set's length)")
    parser.add_argument("--spread", type=float, default=0.75,
                        help="ragged lengths are uniform on [T (1 - spread), T (1 + spread)]")
    parser.add_argument("--n-features", type=int, default=4, help="features per step D")
    parser.add_argument("--noise", type=float, default=0.05, help="target noise std")
    parser.add_argument("--hidden-size", type=int, default=32)
    parser.add_argument("--bidirectional", action="store_true",
                        help="bidirectional networks (on the CPU, fused cells then run one "
                             "call per layer and direction)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--epochs", type=int, default=5)
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()

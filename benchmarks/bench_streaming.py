"""Streaming inference: ``stream.update`` against ``predict`` on the growing prefix, per step.

What it measures
----------------
A fitted ``RNNClassifier`` (sequence-to-vector, hidden 32, D=4, trained 2 epochs on
sequences of 50 steps: the weights do not matter; ``frame_size="auto"`` reads them in frames
of 2 steps) follows ``--streams`` live sequences. After a history of 10, 100 and 1,000
steps, the cost of one more step is timed two ways: ``stream.update(x_t)`` (one step of the
cells from the kept state) and ``predict`` on the whole prefix (what a batch API must do).
Both give the same probabilities (checked). Reported: the median time per step over
``--repeats`` steps, and the ratio ``predict / update``, which should grow with the history
(an update costs the same whatever came before). Cells: the fused LSTM and GRU, and the
custom peephole LSTM.

Run
---
::

    python benchmarks/bench_streaming.py
    python benchmarks/bench_streaming.py --streams 64 --threads 1
    python benchmarks/bench_streaming.py --quick         # smoke test
"""

import argparse
import statistics
import time

import numpy as np
import torch
from _common import machine_line, synchronize

from sklrnn import RNNClassifier

HISTORIES = (10, 100, 1000)


def timed(function, inputs, device):
    """Median seconds of ``function(x)`` over the ``inputs``."""
    seconds = []
    for x in inputs:
        start = time.perf_counter()
        function(x)
        synchronize(device)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def run(args):
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    cells = ("lstm",) if args.quick else args.cells
    histories = (10, 100) if args.quick else HISTORIES
    repeats = 3 if args.quick else args.repeats
    rng = np.random.default_rng(0)
    X_train = rng.standard_normal((256, 50, 4)).astype(np.float32)
    y_train = (X_train[:, :, 0].mean(axis=1) > 0).astype(int)
    live = rng.standard_normal((args.streams, max(histories) + repeats + 1, 4)).astype(
        np.float32)
    print(__doc__.splitlines()[0])
    print(machine_line())
    print(f"{args.streams} stream(s), D=4, hidden 32, seq2vec; median of {repeats} steps; "
          f"device {args.device}")
    print(f"{'cell':<15}{'history':>9}{'update ms':>12}{'predict ms':>12}{'ratio':>9}")
    for cell in cells:
        est = RNNClassifier(cell=cell, hidden_size=32, max_epochs=2, random_state=0,
                            device=args.device).fit(X_train, y_train)
        for history in histories:
            stream = est.stream(args.streams)
            for t in range(history):
                stream.update(live[:, t])
            steps = [live[:, t] for t in range(history, history + repeats)]
            update = timed(stream.update, steps, args.device)
            np.testing.assert_allclose(stream.predict_proba(),
                                       est.predict_proba(live[:, :stream.steps]), atol=1e-5)
            prefix = live[:, :history + 1]
            predict = timed(est.predict_proba, [prefix] * repeats, args.device)
            print(f"{cell:<15}{history:>9}{update * 1e3:>12.3f}{predict * 1e3:>12.3f}"
                  f"{predict / update:>9.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=1)
    parser.add_argument("--cells", nargs="+", default=["lstm", "gru", "peephole_lstm"])
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="smoke test")
    run(parser.parse_args())


if __name__ == "__main__":
    main()

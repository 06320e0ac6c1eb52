"""End-to-end ``RNNRegressor.fit`` time of every cell, against a hand-written PyTorch loop.

What it measures
----------------
One shared synthetic task: ``N`` float32 sequences ``(N, T, D)`` of standard normal noise;
the target of each sequence is the running mean of its first feature at the last step (the
mean over time) plus Gaussian noise. Every cell (``rnn`` with tanh, ReLU, Leaky ReLU and
ELU; ``lstm``; ``peephole_lstm``; ``gru``) is fitted with the same hyperparameters (hidden
size, batch size, Adam, learning rate, epochs, ``random_state=0``). The time of the whole
``RNNRegressor(...).fit(X, y)`` call is reported, with its ratio to the ``lstm`` cell's
time, and the R^2 each fitted model reaches on held-out sequences of the same task.

The baseline is a minimal hand-written training loop over the same module class
(:class:`sklrnn.nn.SequenceToVector`, ``cell="lstm"``), the same data, batch size, Adam,
learning rate and epochs, with a ``DataLoader`` over a ``TensorDataset`` that shuffles.
The ratio "sklrnn fit / hand-written loop" for the lstm cell is the cost of everything
sklrnn and skorch add around the training loop (validation, callbacks, history): every
sklrnn fit trains as the loop does, at a constant rate, without clipping or a hold-out
(``early_stopping=False, lr_schedule=None, clip_grad_norm=None``). The row
``lstm+clip+cosine`` adds the defaults' ``clip_grad_norm=1.0`` and ``lr_schedule="cosine"``:
its ratio to ``lstm`` is what they cost.

How
---
Every candidate is warmed up by a one-epoch fit first. Then the candidates are timed
round-robin (one fit of each per repeat, in a freshly shuffled order each time, so no
candidate always runs right after the same neighbour), so machine drift and noisy
neighbours hit all of them alike. Reported: the median over repeats in seconds, and ratios
of medians. Ratios are what to compare across machines and runs; absolute times are not.
On a shared machine whose cores other processes also use, pass ``--threads 1`` (OpenMP
with several threads can be many times slower there), and compare only runs with the same
thread count.

Run
---
::

    python benchmarks/bench_fit.py               # N=1000, T=24, D=4, hidden 32, 10 epochs
    python benchmarks/bench_fit.py --threads 1   # pin torch's intra-op threads
    python benchmarks/bench_fit.py --quick       # smoke test, a few seconds
    python benchmarks/bench_fit.py --n-samples 100000 --timesteps 50 --epochs 1 --repeats 3 \
        --cells lstm                             # the large problem: overhead only
    python benchmarks/bench_fit.py --device cuda # on a GPU
"""

import argparse
import platform
import random
import statistics
import time

import numpy as np
import torch
from _common import synchronize
from sklearn.metrics import r2_score

from sklrnn import RNNRegressor
from sklrnn.nn import SequenceToVector

#: (label, RNNRegressor cell arguments)
CELLS = [
    ("rnn-tanh", dict(cell="rnn", activation="tanh")),
    ("rnn-relu", dict(cell="rnn", activation="relu")),
    ("rnn-leaky_relu", dict(cell="rnn", activation="leaky_relu")),
    ("rnn-elu", dict(cell="rnn", activation="elu")),
    ("lstm", dict(cell="lstm")),
    ("peephole_lstm", dict(cell="peephole_lstm")),
    ("gru", dict(cell="gru")),
    # The defaults' gradient clipping and cosine schedule, on the lstm: what they cost.
    ("lstm+clip+cosine", dict(cell="lstm", clip_grad_norm=1.0, lr_schedule="cosine")),
]
HAND = "hand-written loop (lstm)"
#: The hand-written loop's training: constant rate, no clipping, no hold-out (the defaults
#: would hold out 10% for early stopping from N=1,000, clip and schedule the rate).
SAME_TRAINING = dict(early_stopping=False, lr_schedule=None, clip_grad_norm=None)


def make_task(n_train, n_test, timesteps, n_features, noise, seed=0):
    """Return ``X_train, y_train, X_test, y_test``: y is the mean of feature 0 plus noise."""
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    X = rng.standard_normal((n, timesteps, n_features)).astype(np.float32)
    y = (X[:, :, 0].mean(axis=1) + noise * rng.standard_normal(n)).astype(np.float32)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def fit_sklrnn(cell_kwargs, X, y, settings, max_epochs):
    """Fit an RNNRegressor; return it."""
    reg = RNNRegressor(hidden_size=settings["hidden_size"], batch_size=settings["batch_size"],
                       lr=settings["lr"], max_epochs=max_epochs, optimizer="adam",
                       device=settings["device"], random_state=0,
                       **{**SAME_TRAINING, **cell_kwargs})
    return reg.fit(X, y)


def fit_hand(X, y, settings, max_epochs):
    """Train SequenceToVector(cell="lstm") with a plain PyTorch loop; return the module."""
    device = settings["device"]
    torch.manual_seed(0)
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(X),
                                             torch.from_numpy(y).reshape(-1, 1))
    loader = torch.utils.data.DataLoader(dataset, batch_size=settings["batch_size"],
                                         shuffle=True)
    module = SequenceToVector(input_size=X.shape[2], output_size=1, cell="lstm",
                              hidden_size=settings["hidden_size"]).to(device)
    optimizer = torch.optim.Adam(module.parameters(), lr=settings["lr"])
    criterion = torch.nn.MSELoss()
    module.train()
    for _ in range(max_epochs):
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = criterion(module(xb), yb)
            loss.backward()
            optimizer.step()
    return module


def score(model, X, y):
    """R^2 of a fitted RNNRegressor or hand-trained module on ``X, y``."""
    if isinstance(model, RNNRegressor):
        return model.score(X, y)
    model.eval()
    with torch.no_grad():
        device = next(model.parameters()).device
        prediction = model(torch.from_numpy(X).to(device))[:, 0].cpu().numpy()
    return r2_score(y, prediction)


def run(args):
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    settings = dict(hidden_size=args.hidden_size, batch_size=args.batch_size, lr=args.lr,
                    device=args.device)
    n_train, repeats, epochs = args.n_samples, args.repeats, args.epochs
    if args.quick:
        n_train, repeats, epochs = 200, 1, 2
    X, y, X_test, y_test = make_task(n_train, args.n_test, args.timesteps, args.n_features,
                                     args.noise)

    print(__doc__.splitlines()[0])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"python {platform.python_version()}, {platform.machine()}")
    print(f"device {args.device}; N={n_train} (+{args.n_test} held out) T={args.timesteps} "
          f"D={args.n_features} noise={args.noise}; hidden={args.hidden_size} "
          f"batch={args.batch_size} Adam lr={args.lr} epochs={epochs}; {repeats} repeats, "
          "round-robin")
    print(f"R^2 ceiling (noise only): {1 - args.noise**2 / y_test.var():.3f}")

    cells = [(label, kw) for label, kw in CELLS if label in args.cells or label == "lstm"]
    candidates = {label: (lambda e, kw=kw: fit_sklrnn(kw, X, y, settings, e))
                  for label, kw in cells}
    candidates[HAND] = lambda e: fit_hand(X, y, settings, e)

    for fit in candidates.values():
        fit(1)

    labels = list(candidates)
    seconds = {label: [] for label in labels}
    r2 = {label: [] for label in labels}
    order = random.Random(0)
    for _ in range(repeats):
        for label in order.sample(labels, len(labels)):
            start = time.perf_counter()
            model = candidates[label](epochs)
            synchronize(args.device)
            seconds[label].append(time.perf_counter() - start)
            r2[label].append(score(model, X_test, y_test))

    medians = {label: statistics.median(values) for label, values in seconds.items()}
    print()
    print(f"{'fit':<26}{'median s':>10}{'min s':>8}{'max s':>8}{'/ lstm':>8}{'R^2 test':>10}")
    print("-" * 70)
    for label in labels:
        print(f"{label:<26}{medians[label]:>10.3f}{min(seconds[label]):>8.3f}"
              f"{max(seconds[label]):>8.3f}{medians[label] / medians['lstm']:>8.2f}"
              f"{statistics.median(r2[label]):>10.3f}")
    print()
    print(f"sklrnn fit / hand-written loop (lstm): {medians['lstm'] / medians[HAND]:.2f}")
    return medians


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: N=200, 2 epochs, 1 repeat")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch.set_num_threads (default: torch's default)")
    parser.add_argument("--repeats", type=int, default=7, help="round-robin repeats")
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    parser.add_argument("--cells", nargs="+", default=[label for label, _ in CELLS],
                        choices=[label for label, _ in CELLS],
                        help="cells to fit (lstm, the reference, always is)")
    parser.add_argument("--n-samples", type=int, default=1000, help="training sequences")
    parser.add_argument("--n-test", type=int, default=500, help="held-out sequences")
    parser.add_argument("--timesteps", type=int, default=24, help="sequence length T")
    parser.add_argument("--n-features", type=int, default=4, help="features per step D")
    parser.add_argument("--noise", type=float, default=0.05, help="target noise std")
    parser.add_argument("--hidden-size", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--epochs", type=int, default=10)
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()

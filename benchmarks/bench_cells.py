"""Forward+backward time of every recurrent configuration against fused ``torch.nn.LSTM``.

What it measures
----------------
For each configuration :func:`sklrnn.nn.make_recurrent` builds (fused ``lstm``, ``gru``,
``rnn-tanh``, ``rnn-relu``; sklrnn's own ``peephole_lstm``, ``rnn-leaky_relu``, ``rnn-elu``,
a bidirectional 2-layer ``peephole_lstm``, and ``lstm`` and ``gru`` with layer and with
batch normalization), one training step's worth of recurrent work:
a forward pass over a float32 batch ``(N, T, D)``, a scalar loss on the whole output and the
backward pass to the parameters. The baseline is ``torch.nn.LSTM`` of the same size, built
and timed in the same process. The bidirectional 2-layer configurations are compared with a
bidirectional 2-layer ``torch.nn.LSTM``, the single-layer ones with a single-layer one.

How
---
Every candidate is warmed up first. Then the candidates are timed round-robin (one sample
of each per repeat, in a freshly shuffled order each time, so no candidate always runs
right after the same neighbour), so machine drift and noisy neighbours hit all of them
alike. A sample is the mean wall time of ``--number`` consecutive steps, after one untimed
step that brings the candidate's weights back into the caches. Reported per
configuration: the median over repeats in milliseconds, and the ratio of that median to
the baseline's median. Ratios are what to compare across machines and runs; absolute times
are not. The ``lstm`` row times a module identical to the baseline, so its distance from
1.00 shows the noise of the run.

On a shared machine whose cores other processes also use, OpenMP with several threads can
be many times slower than one thread on these small matrix products: pass ``--threads 1``
there, and compare only runs with the same thread count.

Run
---
::

    python benchmarks/bench_cells.py                # N=128, T=50, D=8, hidden 64
    python benchmarks/bench_cells.py --large        # hidden 256, T=200
    python benchmarks/bench_cells.py --threads 1    # pin torch's intra-op threads
    python benchmarks/bench_cells.py --quick        # smoke test, a few seconds
    python benchmarks/bench_cells.py --device cuda  # on a GPU
"""

import argparse
import platform
import random
import statistics
import time

import torch
from _common import iqr_percent, synchronize

from sklrnn.nn import is_fused, make_recurrent

#: (label, make_recurrent arguments, baseline label)
CONFIGS = [
    ("lstm", dict(cell="lstm"), "nn.LSTM"),
    ("gru", dict(cell="gru"), "nn.LSTM"),
    ("rnn-tanh", dict(cell="rnn", activation="tanh"), "nn.LSTM"),
    ("rnn-relu", dict(cell="rnn", activation="relu"), "nn.LSTM"),
    ("peephole_lstm", dict(cell="peephole_lstm"), "nn.LSTM"),
    ("rnn-leaky_relu", dict(cell="rnn", activation="leaky_relu"), "nn.LSTM"),
    ("rnn-elu", dict(cell="rnn", activation="elu"), "nn.LSTM"),
    ("peephole_lstm bi x2", dict(cell="peephole_lstm", num_layers=2, bidirectional=True),
     "nn.LSTM bi x2"),
    ("lstm layer norm", dict(cell="lstm", normalization="layer"), "nn.LSTM"),
    ("lstm batch norm", dict(cell="lstm", normalization="batch"), "nn.LSTM"),
    ("gru layer norm", dict(cell="gru", normalization="layer"), "nn.LSTM"),
    ("gru batch norm", dict(cell="gru", normalization="batch"), "nn.LSTM"),
]


def build_candidates(input_size, hidden_size, device="cpu"):
    """Return ``{label: (module, baseline label, kind)}``, baselines first, on ``device``."""
    torch.manual_seed(0)
    candidates = {
        "nn.LSTM": (torch.nn.LSTM(input_size, hidden_size, batch_first=True),
                    "nn.LSTM", "baseline"),
        "nn.LSTM bi x2": (torch.nn.LSTM(input_size, hidden_size, num_layers=2,
                                        bidirectional=True, batch_first=True),
                          "nn.LSTM bi x2", "baseline"),
    }
    for label, kwargs, baseline in CONFIGS:
        module = make_recurrent(input_size=input_size, hidden_size=hidden_size, **kwargs)
        fused = is_fused(kwargs["cell"], kwargs.get("activation", "tanh"),
                         kwargs.get("normalization"))
        kind = "fused" if fused else "custom"
        candidates[label] = (module, baseline, kind)
    return {label: (module.to(device), baseline, kind)
            for label, (module, baseline, kind) in candidates.items()}


def step(module, x):
    """One forward and backward pass; gradients are cleared first."""
    module.zero_grad(set_to_none=True)
    output, _ = module(x)
    output.square().mean().backward()


def sample_ms(module, x, number):
    """Mean wall time in milliseconds of ``number`` steps after one untimed step.

    The untimed step puts the module's weights and workspace back into the caches after
    the previous candidate ran, as in a training loop that runs one module repeatedly.
    """
    step(module, x)
    synchronize(x.device)
    start = time.perf_counter()
    for _ in range(number):
        step(module, x)
    synchronize(x.device)
    return (time.perf_counter() - start) * 1e3 / number


def run(args):
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    n, d = args.n_samples, args.n_features
    t, h = (200, 256) if args.large else (50, 64)
    t = args.timesteps or t
    h = args.hidden_size or h
    repeats = args.repeats or (5 if args.large else 31)
    warmup, number = args.warmup, args.number or (1 if args.large else 3)
    if args.quick:
        repeats, warmup, number = 3, 1, 1

    print(__doc__.splitlines()[0])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"python {platform.python_version()}, {platform.machine()}")
    print(f"device {args.device}; N={n} T={t} D={d} hidden={h}; {repeats} repeats x "
          f"{number} step(s), {warmup} warm-up step(s), round-robin")

    candidates = build_candidates(d, h, args.device)
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(n, t, d, generator=generator).to(args.device)

    for module, _, _ in candidates.values():
        for _ in range(warmup):
            step(module, x)

    labels = list(candidates)
    samples = {label: [] for label in labels}
    order = random.Random(0)
    for _ in range(repeats):
        for label in order.sample(labels, len(labels)):
            samples[label].append(sample_ms(candidates[label][0], x, number))

    medians = {label: statistics.median(values) for label, values in samples.items()}
    print()
    print(f"{'configuration':<22}{'kind':<10}{'median ms':>11}{'IQR %':>8}{'ratio':>8}  vs")
    print("-" * 74)
    for label, (_, baseline, kind) in candidates.items():
        ratio = medians[label] / medians[baseline]
        print(f"{label:<22}{kind:<10}{medians[label]:>11.2f}{iqr_percent(samples[label]):>8.1f}"
              f"{ratio:>8.2f}  {baseline}")
    print("IQR %: interquartile range of the samples as a percentage of their median.")
    return medians


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="hidden 256, T=200")
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cuda")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 3 repeats, 1 warm-up step")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch.set_num_threads (default: torch's default)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="round-robin repeats (default: 31, or 5 with --large)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up steps per candidate")
    parser.add_argument("--number", type=int, default=None,
                        help="steps per timed sample (default: 3, or 1 with --large)")
    parser.add_argument("--n-samples", type=int, default=128, help="batch size N")
    parser.add_argument("--n-features", type=int, default=8, help="features per step D")
    parser.add_argument("--timesteps", type=int, default=None, help="override T")
    parser.add_argument("--hidden-size", type=int, default=None, help="override hidden size")
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()

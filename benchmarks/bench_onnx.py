"""ONNX Runtime on the graph ``sklrnn.to_onnx`` writes, against ``predict``: latency, throughput.

What it measures
----------------
A fitted ``RNNRegressor`` (seq2vec, hidden 32, T=24, D=4, 2 epochs: the weights do not
matter) is exported with :func:`sklrnn.to_onnx` and run by an ONNX Runtime session on the
CPU with the same number of threads as torch. Timed: one sequence at a time (latency, the
median of ``--single`` calls) and ``--n-samples`` sequences in one call (throughput, the
median of ``--repeats`` calls), by ``predict`` and by the session; the outputs are checked
equal to 1e-5 first. Reported: milliseconds and the ratio ``predict / ONNX Runtime`` (above
1: the graph is faster). Cells: the fused LSTM (the ONNX ``LSTM`` operator), the peephole
LSTM (the same operator with peepholes) and the layer-normalized GRU (a ``Scan`` of plain
operators).

Run
---
::

    python benchmarks/bench_onnx.py                 # N=100,000
    python benchmarks/bench_onnx.py --threads 1
    python benchmarks/bench_onnx.py --quick         # smoke test
"""

import argparse
import statistics
import time

import numpy as np
import onnxruntime
import torch
from _common import machine_line

from sklrnn import RNNRegressor, to_onnx

CELLS = {"lstm": {}, "peephole_lstm": {}, "gru+layer": {"normalization": "layer"}}


def timed(function, argument, repeats):
    """Median seconds of ``repeats`` calls of ``function(argument)``."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(argument)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def run(args):
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    n, repeats, single = (2000, 2, 20) if args.quick else (args.n_samples, args.repeats,
                                                           args.single)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 24, 4)).astype(np.float32)
    y = X[:, -4:, 0].mean(axis=1)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    print(__doc__.splitlines()[0])
    print(machine_line(), f"onnxruntime {onnxruntime.__version__}")
    print(f"N={n} T=24 D=4, seq2vec, hidden 32; latency: median of {single} calls, "
          f"throughput: median of {repeats}")
    print(f"{'cell':<15}{'1 seq: predict ms':>19}{'ONNX ms':>10}{'ratio':>8}"
          f"{'N seqs: predict s':>20}{'ONNX s':>9}{'ratio':>8}")
    for cell in (["lstm"] if args.quick else args.cells):
        name = cell.split("+")[0]
        est = RNNRegressor(cell=name, hidden_size=32, max_epochs=2, random_state=0,
                           **CELLS[cell]).fit(X[:2000], y[:2000])
        session = onnxruntime.InferenceSession(
            to_onnx(est).SerializeToString(), options, providers=["CPUExecutionProvider"])

        def onnx_predict(batch, session=session):
            return session.run(None, {"X": batch})[0]

        np.testing.assert_allclose(onnx_predict(X[:2000]), est.predict(X[:2000]), atol=1e-5)
        latency = [timed(est.predict, X[:1], single), timed(onnx_predict, X[:1], single)]
        throughput = [timed(est.predict, X, repeats), timed(onnx_predict, X, repeats)]
        print(f"{cell:<15}{latency[0] * 1e3:>19.3f}{latency[1] * 1e3:>10.3f}"
              f"{latency[0] / latency[1]:>8.1f}{throughput[0]:>20.2f}{throughput[1]:>9.2f}"
              f"{throughput[0] / throughput[1]:>8.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--single", type=int, default=200)
    parser.add_argument("--cells", nargs="+", default=list(CELLS), choices=list(CELLS))
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="smoke test")
    run(parser.parse_args())


if __name__ == "__main__":
    main()

"""
Data-parallel training on several GPUs or machines with accelerate
==================================================================

An estimator given an ``accelerator`` (Hugging Face accelerate, through skorch's
``AccelerateMixin``) trains data-parallel when the script is started on several processes.
This script is not run when the documentation is built: it needs a launcher and, to be
useful, GPUs.

Every process runs this whole script: it loads (here: makes) the same data, fits the same
estimator, and trains on its share of each epoch's batches; gradients are averaged over the
processes after every batch, so every process ends with the same network. Validation,
batch-norm statistics and ``predict`` run on all the data in every process.

Start it with one process per GPU::

    # one machine, 4 GPUs
    accelerate launch --multi_gpu --num_processes 4 train_multi_gpu.py
    # the same, without accelerate launch:
    torchrun --nproc_per_node 4 train_multi_gpu.py

    # two machines with 4 GPUs each; --num_processes counts the processes
    # of all machines. On the first machine (reachable by the others at
    # 10.0.0.1):
    accelerate launch --multi_gpu --num_machines 2 --machine_rank 0 \\
        --main_process_ip 10.0.0.1 --main_process_port 29500 \\
        --num_processes 8 train_multi_gpu.py
    # on the second, the same with --machine_rank 1. Or with torchrun, on
    # each machine (--node_rank 1 on the second):
    torchrun --nnodes 2 --node_rank 0 --master_addr 10.0.0.1 \\
        --master_port 29500 --nproc_per_node 4 train_multi_gpu.py

    # one GPU, or trying it out on a laptop: two CPU processes (gloo)
    python train_multi_gpu.py
    torchrun --standalone --nproc_per_node 2 train_multi_gpu.py --cpu
    accelerate launch --multi_gpu --num_processes 2 train_multi_gpu.py --cpu

(``accelerate launch --cpu --num_processes 2`` starts only one process: accelerate runs
several CPU processes through MPI, configured with ``accelerate config``. The ``--multi_gpu``
launcher above, which is torchrun, does start two, and ``--cpu`` below keeps them on the CPU.)

Each process uses ``OMP_NUM_THREADS`` threads (torchrun sets 1); on CPUs, give each process
its share of the cores, e.g. ``OMP_NUM_THREADS=8 torchrun --nproc_per_node 4 ...`` on 32.
"""

import argparse
import time

import numpy as np
from accelerate import Accelerator

import sklrnn
from sklrnn import RNNRegressor


def make_data(n, n_steps, seed=0):
    """Noisy sums of lagged inputs, of varying length.

    The data are the same in every process (seeded).
    """
    rng = np.random.default_rng(seed)
    lengths = rng.integers(n_steps // 2, n_steps + 1, size=n)
    X = [rng.normal(size=(length, 3)).astype("float32")
         for length in lengths]
    y = np.array([x[-5:, 0].sum() - x[:, 1].mean() for x in X],
                 dtype="float32")
    return X, y + rng.normal(scale=0.1, size=n).astype("float32")


def main():
    parser = argparse.ArgumentParser(
        description="Data-parallel RNNRegressor training")
    parser.add_argument("--cpu", action="store_true",
                        help="train on the CPU (gloo)")
    parser.add_argument("--n-train", type=int, default=20_000,
                        help="training sequences")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64,
                        help="sequences per batch and process (the global "
                             "batch is this times the number of processes: "
                             "scale lr to match, if needed)")
    parser.add_argument("--save", default="rnn.safetensors")
    args = parser.parse_args()

    # Mixed precision is not supported by sklrnn's estimators: leave
    # mixed_precision "no".
    accelerator = Accelerator(cpu=args.cpu)
    accelerator.print(f"{accelerator.num_processes} process(es), "
                      f"{accelerator.distributed_type}, "
                      f"device {accelerator.device}")

    X, y = make_data(args.n_train + 2_000, n_steps=50)
    n = args.n_train
    X_train, y_train, X_test, y_test = X[:n], y[:n], X[n:], y[n:]

    regressor = RNNRegressor(
        cell="lstm", hidden_size=64, num_layers=2, lr=3e-3,
        batch_size=args.batch_size, max_epochs=args.epochs,
        early_stopping=True, patience=5, random_state=0,
        verbose=1,  # the table is printed by the main process only
        accelerator=accelerator,
    )
    start = time.perf_counter()
    regressor.fit(X_train, y_train)
    accelerator.print(f"fit: {time.perf_counter() - start:.1f} s, "
                      f"{len(regressor.history_)} epochs")

    # Every process holds the same network and can predict; here each
    # scores the test set.
    accelerator.print(f"test R²: {regressor.score(X_test, y_test):.3f}")

    # Save once. The accelerator is not saved: the file loads anywhere,
    # without one (sklrnn.load(path, device="cpu") on a machine without a
    # GPU).
    if accelerator.is_main_process:
        sklrnn.save(regressor, args.save)
        print(f"saved to {args.save}")
    accelerator.wait_for_everyone()
    # leave the process group before the processes exit
    accelerator.end_training()


if __name__ == "__main__":
    main()

"""
Distributed hyperparameter search on a Dask cluster
===================================================

A hyperparameter search fits many networks that do not depend on each other, so it spreads
over many machines as easily as over the cores of one. scikit-learn's searches run their fits
through joblib, and joblib hands them to a `Dask <https://distributed.dask.org>`_ cluster
inside ``with joblib.parallel_config(backend="dask"):``. Nothing about the estimator changes:
sklrnn's estimators and their fitted networks travel to the workers and back by pickle.

Here the "cluster" is two worker processes on this machine
(:class:`distributed.LocalCluster`), one thread each. We run the same
:class:`~sklearn.model_selection.RandomizedSearchCV` of an :class:`~sklrnn.RNNClassifier`
twice -- here, one fit after another, and on the cluster -- check that both give the same
results, and look at which worker fitted what, and when.

**ItalyPowerDemand** (shipped with sktime): 24 hourly readings of Italy's electricity
demand per day; the task is to tell winter days (October to March) from summer days. 67
days to train on, 1029 to test on.

**Why every code cell below starts with** ``if __name__ == "__main__":`` A ``LocalCluster``
starts its workers as fresh Python processes (multiprocessing's *spawn*), and those import
the script that started them before anything else. The guard keeps them from running it
again -- from starting clusters of their own. Run in a notebook or in this gallery, the guard
is always true and changes nothing.
"""

import importlib
import logging
import os
import time

import joblib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from distributed import Client, LocalCluster, get_task_stream
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.model_selection import RandomizedSearchCV, StratifiedKFold
from sktime.datasets import load_italy_power_demand

from sklrnn import RNNClassifier

# sktime stores panels channels-first, (N, D, T); sklrnn takes (N, T, D).
X_train, y_train = load_italy_power_demand(split="train",
                                           return_type="numpy3D")
X_test, y_test = load_italy_power_demand(split="test",
                                         return_type="numpy3D")
X_train, X_test = X_train.transpose(0, 2, 1), X_test.transpose(0, 2, 1)

# Ten random candidates, each fitted on 2 folds: 20 fits, and a refit of
# the best. On 33 or 34 days per validation fold, accuracy moves in steps
# of 3% and ties easily; the best is chosen by the log loss, which also
# rewards being confident where it is right.
search = RandomizedSearchCV(
    RNNClassifier(batch_size=16, max_epochs=30, random_state=0),
    {"cell": ["rnn", "gru", "lstm"], "hidden_size": [4, 8, 16, 32],
     "lr": loguniform(1e-3, 3e-2)},
    n_iter=10, cv=StratifiedKFold(2, shuffle=True, random_state=0),
    scoring=["accuracy", "neg_log_loss"], refit="neg_log_loss",
    random_state=0)

# %%
# A cluster of two workers
# ------------------------
# Two worker processes with one thread each, one fit at a time each. PyTorch in a worker
# uses as many threads as ``OMP_NUM_THREADS`` says; ``env=`` sets it to 1, so two workers
# keep two cores busy without fighting over them. (Dask sets it to 1 itself, unless this
# process has it set otherwise, which it may.) ``dashboard_address=None``: no web
# dashboard, which this page does not need; ``silence_logs=logging.ERROR`` keeps the
# cluster's routine warnings off it (such as that a worker took more than 4 seconds to exit
# at the end and was stopped). The workers import sklrnn (and with it PyTorch) once up
# front, so that the timings below compare fitting, not importing.
if __name__ == "__main__":
    start = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1,
                           processes=True, dashboard_address=None,
                           env={"OMP_NUM_THREADS": "1"},
                           silence_logs=logging.ERROR)
    client = Client(cluster)
    client.run(importlib.import_module, "sklrnn")
    print(f"{client}: started in {time.perf_counter() - start:.1f} s")
    print("worker process ids:", client.run(os.getpid))

# %%
# The same search, here and on the cluster
# ----------------------------------------
# Here, the search runs with ``n_jobs=1`` on one PyTorch thread, as in a worker: a network
# computes the same numbers for the same seed on the same number of threads, and may
# differ in the last bits across thread counts. (Both searches refit their best candidate
# here, after the search, so this process stays on one thread until both are done.) On
# the cluster, ``n_jobs=-1`` means one fit per worker thread at a time.
# ``get_task_stream`` records every task the workers ran: which worker, when it started,
# when it stopped.
if __name__ == "__main__":
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    start = time.perf_counter()
    local = clone(search).fit(X_train, y_train)
    local_seconds = time.perf_counter() - start

    on_dask = clone(search).set_params(n_jobs=-1)
    start = time.perf_counter()
    with (get_task_stream(client) as task_stream,
          joblib.parallel_config(backend="dask")):
        on_dask.fit(X_train, y_train)
    dask_seconds = time.perf_counter() - start
    torch.set_num_threads(threads)
    print(f"20 fits and a refit: here {local_seconds:.1f} s, on 2 Dask "
          f"workers {dask_seconds:.1f} s "
          f"({local_seconds / dask_seconds:.2f} times as fast)")

    results = pd.DataFrame(on_dask.cv_results_["params"])
    for name, fitted in [("here", local), ("cluster", on_dask)]:
        results[f"log loss, {name}"] = (
            -fitted.cv_results_["mean_test_neg_log_loss"])
        results[f"accuracy, {name}"] = (
            fitted.cv_results_["mean_test_accuracy"])
    print(results.sort_values("log loss, cluster").to_string(
        index=False, float_format="{:.4f}".format))
    same = all(np.allclose(local.cv_results_[key], on_dask.cv_results_[key],
                           rtol=1e-6, atol=0)
               for key in local.cv_results_ if key.startswith("split"))
    print(f"same scores in every fold: {same}; same best candidate: "
          f"{local.best_params_ == on_dask.best_params_}")
    best = on_dask.best_params_
    print(f"best: {best['cell']}, {best['hidden_size']} units, "
          f"lr {best['lr']:.4f}; test accuracy of its refit "
          f"{on_dask.best_estimator_.score(X_test, y_test):.4f}")

# %%
# Some of the 20 fits of each search end with scikit-learn's ``ConvergenceWarning``. The two
# 4-unit networks with the lowest learning rates (the table's last two rows) never got their
# training loss below that of a constant prediction; in some other fits the loss was still
# falling when the 30 epochs ran out. A search's training budget is a hyperparameter like the
# others.
#
# The refit of the best candidate ran in this process in both cases (scikit-learn refits
# after the search, outside joblib), so ``on_dask.best_estimator_`` is an ordinary fitted
# estimator here, like ``local.best_estimator_``.
#
# Who ran what, and when
# ----------------------
# Every task of the task stream, as a bar from its start to its end on the worker that ran
# it. joblib sends the fits to Dask in *batches*, one task each, and would make a batch
# larger if fits were quicker still (under a fifth of a second).
if __name__ == "__main__":
    tasks = []
    for task in task_stream.data:
        for period in task["startstops"]:
            if period["action"] == "compute":
                tasks.append(
                    (task["worker"], period["start"], period["stop"]))
    tasks = pd.DataFrame(tasks, columns=["worker", "start", "stop"])
    t0 = tasks["start"].min()
    workers = sorted(tasks["worker"].unique())

    fig, ax = plt.subplots(figsize=(8, 2.8))
    for row, worker in enumerate(workers):
        mine = tasks[tasks["worker"] == worker]
        ax.broken_barh(list(zip(mine["start"] - t0,
                                mine["stop"] - mine["start"], strict=True)),
                       (row - 0.35, 0.7), facecolors=f"C{row}",
                       edgecolors="white")
    ax.set_yticks(range(len(workers)),
                  [f"worker {i + 1}\n"
                   f"{len(tasks[tasks['worker'] == w])} tasks"
                   for i, w in enumerate(workers)])
    ax.set_xlabel("seconds since the first task started")
    ax.set_title("RandomizedSearchCV on two Dask workers: the task stream")
    fig.tight_layout()
    busy = (tasks["stop"] - tasks["start"]).sum()
    span = tasks["stop"].max() - t0
    print(f"20 fits in {len(tasks)} tasks; the workers were busy "
          f"{busy / (len(workers) * span):.0%} of the time between the "
          f"first start and the last stop")

# %%
# The first task on each worker is the longest: the first fit in a fresh process pays for
# PyTorch setting itself up, once per process. After that, the fits are much shorter, and
# not all of the same length. Both workers stay busy to the end anyway, because the next
# task goes to whichever worker is free first: a long fit on one worker does not hold up
# the other.
#
# Whether the cluster is faster here depends on what else this machine is doing. On two
# idle cores, the two workers fit two networks at a time. When other programs keep the
# cores busy, the workers share what is left, and the cluster's own work -- passing tasks
# and results between processes, Dask's bookkeeping -- can make it slower than one
# process; short fits like these show that most. On a real cluster, every worker brings
# cores of its own.
#
# On a real cluster
# -----------------
# Start a scheduler on one machine and workers on the others (``dask scheduler``, and
# ``dask worker tcp://scheduler:8786 --nworkers N --nthreads 1`` on each, N its number of
# cores; or with dask-jobqueue on an HPC batch system, dask-kubernetes on Kubernetes), then
# connect
# instead of starting a ``LocalCluster``::
#
#     client = Client("tcp://scheduler:8786")
#     with joblib.parallel_config(backend="dask"):
#         search.set_params(n_jobs=-1).fit(X_train, y_train)
#
# * Every worker needs the same versions of Python, sklrnn, PyTorch, skorch and
#   scikit-learn as the client: estimators and networks go back and forth by pickle.
# * One fit per core: small recurrent networks use one core well and several poorly. Dask
#   starts its worker processes with ``OMP_NUM_THREADS=1``, so that each fit's PyTorch
#   uses one thread, unless the environment they start in sets it otherwise: don't.
#   Otherwise every fit starts one PyTorch thread per core, and a busy worker runs many
#   times as many threads as it has cores.
# * joblib sends the training data to the cluster once per search (it *scatters* every
#   array argument over 1 kB), not with every fit; the client must hold them in memory,
#   though.
#
# ``client.shutdown()`` stops the scheduler and the workers, and closes the client; on a
# cluster that others use too, call ``client.close()`` instead, which only disconnects.
if __name__ == "__main__":
    client.shutdown()
    plt.show()

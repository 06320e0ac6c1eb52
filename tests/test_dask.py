"""Hyperparameter search on a Dask cluster: joblib's dask backend over worker processes."""

import os
import sys

import joblib
import numpy as np
import pytest
import torch
from scipy.stats import loguniform
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    RandomizedSearchCV,
    StratifiedKFold,
    cross_validate,
)

from sklrnn import RNNClassifier, RNNRegressor

distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(48, 6, 2)).astype(np.float32)
y = X[:, :, 0].mean(axis=1) + 0.5 * X[:, -1, 1]
labels = np.where(y > 0, "up", "down")


def process_id(estimator, X, y):
    """A "score" that says where a split was fitted and scored: the id of the process."""
    return float(os.getpid())


def torch_threads(estimator, X, y):
    """A "score" that says how many threads torch used there."""
    return float(torch.get_num_threads())


SCORING = {"pid": process_id, "threads": torch_threads}
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


@pytest.fixture(scope="module")
def client(one_torch_thread):
    """Two worker processes, one task and one torch thread each; a client joblib finds.

    The test process trains on one torch thread too (``one_torch_thread``): results are the
    same for the same seed and thread count, and may differ in the last bits across counts.
    """
    module = sys.modules[__name__]
    # Workers need not be able to import this test module: send its scorer by value.
    cloudpickle.register_pickle_by_value(module)
    try:
        # dask starts workers with OMP/MKL_NUM_THREADS=1 unless the environment sets them;
        # env= wins over both. (torch follows MKL_NUM_THREADS where it is built with MKL.
        # torch.set_num_threads through client.run would reach only the worker's event-loop
        # thread, not the threads that run tasks.)
        # No dashboard; the scheduler's HTTP server on a free port, not a busy 8787 (a warning).
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None, env=ONE_THREAD,
                                      scheduler_kwargs={"dashboard_address": ":0"}) as cluster, \
                distributed.Client(cluster) as client:
            yield client
    finally:
        cloudpickle.unregister_pickle_by_value(module)


def _search_locally_and_on_dask(search, X, y):
    """Fit a copy of ``search`` with n_jobs=1 here, and ``search`` on the cluster."""
    local = type(search)(**search.get_params(deep=False)).set_params(n_jobs=1).fit(X, y)
    with joblib.parallel_config(backend="dask"):
        search.set_params(n_jobs=-1).fit(X, y)
    return local, search


def _split_values(search, name):
    """The set of the values of the "score" ``name`` over every split of every candidate."""
    return {int(value) for key, values in search.cv_results_.items()
            if key.startswith("split") and key.endswith(f"_test_{name}") for value in values}


def _check_ran_on_the_workers(local, remote, client):
    """Every split was fitted and scored in a worker process on one thread, none here."""
    workers = set(client.run(os.getpid).values())
    assert len(workers) == 2 and os.getpid() not in workers
    assert _split_values(local, "pid") == {os.getpid()}
    processes = _split_values(remote, "pid")
    assert processes and processes <= workers
    assert _split_values(local, "threads") == _split_values(remote, "threads") == {1}


def test_grid_search_on_dask_workers_equals_the_local_search(client):
    search = GridSearchCV(RNNRegressor(hidden_size=4, max_epochs=3, random_state=0),
                          {"cell": ["lstm", "gru"], "lr": [1e-3, 1e-2]}, cv=KFold(2),
                          scoring={"r2": "r2", **SCORING}, refit="r2")
    local, remote = _search_locally_and_on_dask(search, X, y)
    _check_ran_on_the_workers(local, remote, client)
    for key in ["mean_test_r2", *(f"split{i}_test_r2" for i in range(2))]:
        np.testing.assert_allclose(remote.cv_results_[key], local.cv_results_[key],
                                   rtol=1e-6, atol=0)
    assert remote.cv_results_["params"] == local.cv_results_["params"]
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(remote.predict(X), local.predict(X), rtol=1e-6, atol=0)


def test_randomized_search_of_a_classifier_on_dask_equals_the_local_search(client):
    search = RandomizedSearchCV(
        RNNClassifier(max_epochs=3, random_state=0),
        {"hidden_size": [3, 4, 6], "lr": loguniform(1e-3, 1e-1), "cell": ["gru", "rnn"]},
        n_iter=3, cv=StratifiedKFold(2), random_state=0,
        scoring={"accuracy": "accuracy", "neg_log_loss": "neg_log_loss", **SCORING},
        refit="neg_log_loss")
    local, remote = _search_locally_and_on_dask(search, X, labels)
    _check_ran_on_the_workers(local, remote, client)
    assert remote.cv_results_["params"] == local.cv_results_["params"]
    for key in ["mean_test_accuracy", "mean_test_neg_log_loss"]:
        np.testing.assert_allclose(remote.cv_results_[key], local.cv_results_[key],
                                   rtol=1e-6, atol=0)
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(remote.predict(X), local.predict(X))
    np.testing.assert_allclose(remote.predict_proba(X), local.predict_proba(X),
                               rtol=1e-6, atol=0)


def test_networks_fitted_on_workers_come_back_and_predict_as_local_ones(client):
    estimator = RNNRegressor(cell="gru", hidden_size=4, max_epochs=3, random_state=0)
    local = cross_validate(estimator, X, y, cv=KFold(2), return_estimator=True)
    with joblib.parallel_config(backend="dask"):
        remote = cross_validate(estimator, X, y, cv=KFold(2), return_estimator=True,
                                n_jobs=-1)
    np.testing.assert_allclose(remote["test_score"], local["test_score"], rtol=1e-6, atol=0)
    for here, there in zip(local["estimator"], remote["estimator"], strict=True):
        assert len(there.history_) == 3
        np.testing.assert_allclose(there.predict(X), here.predict(X), rtol=1e-6, atol=0)

"""Training through Hugging Face accelerate: one process, and two data-parallel CPU processes.

The two-process test starts ``torchrun`` (``python -m torch.distributed.run``) on a script
that trains on two CPU processes (gloo), as ``accelerate launch --multi_gpu`` or ``torchrun``
start a multi-GPU script; each process writes what it ended with, and the test compares them.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from sklearn.base import clone

import sklrnn
from sklrnn import RNNClassifier, RNNRegressor
from sklrnn._batching import BucketBatchSampler, ShardedBatches

accelerate = pytest.importorskip("accelerate")


@pytest.fixture(scope="module")
def accelerator():
    return accelerate.Accelerator(cpu=True)


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    pass


def _data(n=96, t=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, t, 2)).astype("float32")
    return X, X[:, :, 0].mean(axis=1)


CASES = {
    "seq2vec": (RNNRegressor, dict(cell="gru"), "fixed"),
    "ragged_early_stopping": (RNNRegressor, dict(early_stopping=True, patience=2), "ragged"),
    "batch_norm_dropout": (RNNRegressor, dict(normalization="batch", num_layers=2, dropout=0.2),
                           "ragged"),
    "classifier_seq2seq": (RNNClassifier, dict(architecture="seq2seq"), "fixed"),
}


@pytest.mark.parametrize("case", CASES)
def test_one_process_trains_as_without_accelerator(case, accelerator):
    """On one process, an accelerator changes nothing: the same network, bit for bit."""
    cls, params, kind = CASES[case]
    X, y = _data()
    if kind == "ragged":
        X = [x[: 3 + i % 6] for i, x in enumerate(X)]
    if cls is RNNClassifier:
        y = (np.asarray(X)[..., 0] > 0).astype(int)
    params = dict(hidden_size=8, lr=0.01, max_epochs=3, batch_size=16, random_state=0, **params)
    plain = cls(**params).fit(X, y)
    accelerated = cls(accelerator=accelerator, **params).fit(X, y)
    assert np.array_equal(np.asarray(accelerated.predict(X)), np.asarray(plain.predict(X)))
    assert accelerated.history_[:, "train_loss"] == plain.history_[:, "train_loss"]
    assert type(accelerated.net_.module_) is type(plain.net_.module_)  # unwrapped after fit


def test_warm_start_clone_save_and_registries(accelerator, tmp_path):
    X, y = _data()
    params = dict(hidden_size=8, max_epochs=2, random_state=0, warm_start=True)
    est = RNNRegressor(accelerator=accelerator, **params).fit(X, y).fit(X, y)
    plain = RNNRegressor(**params).fit(X, y).fit(X, y)
    assert np.array_equal(est.predict(X), plain.predict(X))
    # clone keeps the accelerator (Accelerator.__deepcopy__ returns itself)
    assert clone(est).get_params()["accelerator"] is accelerator
    # the accelerator forgets the networks it prepared once training ends
    for _ in range(3):
        RNNRegressor(accelerator=accelerator, hidden_size=4, max_epochs=1).fit(X, y)
    assert accelerator._models == [] and accelerator._optimizers == []
    # saved without the accelerator; loads as a plain estimator
    sklrnn.save(est, tmp_path / "model.safetensors")
    loaded = sklrnn.load(tmp_path / "model.safetensors")
    assert loaded.accelerator is None
    assert np.array_equal(loaded.predict(X), est.predict(X))


def test_mixed_precision_is_refused():
    class Stub:
        mixed_precision = "bf16"
        num_processes = 1

        def prepare(self, *args):
            return args

        def reduce(self, tensor, reduction="sum"):
            return tensor

        def wait_for_everyone(self):
            pass

    X, y = _data()
    with pytest.raises(ValueError, match="mixed_precision='bf16' is not supported"):
        RNNRegressor(accelerator=Stub(), max_epochs=1).fit(X, y)


def test_sharded_batches_deal_every_batch_once_and_equally():
    lengths = np.arange(1, 102) % 13 + 1
    generator = torch.Generator().manual_seed(0)
    batches = BucketBatchSampler(lengths, 8, shuffle=True, generator=generator)
    state = generator.get_state()
    shards = []
    for index in range(3):
        generator.set_state(state)  # every process's generator in the same state
        shards.append([b.tolist() for b in ShardedBatches(batches, index, 3)])
    generator.set_state(state)
    everything = [b.tolist() for b in batches]
    assert {len(shard) for shard in shards} == {len(ShardedBatches(batches, 0, 3))} == {5}
    dealt = [b for k in range(5) for shard in shards for b in shard[k:k + 1]]
    assert dealt[:len(everything)] == everything  # round robin, in order
    assert dealt[len(everything):] == everything[:len(dealt) - len(everything)]  # padding


WORKER = textwrap.dedent('''
    import hashlib, json, sys, warnings
    import numpy as np, torch
    torch.set_num_threads(1)
    from accelerate import Accelerator
    from skorch.callbacks import Callback
    from sklearn.model_selection import GridSearchCV
    from sklrnn import RNNClassifier, RNNRegressor
    from sklrnn.callbacks import DivergenceGuard, DivergenceWarning

    accelerator = Accelerator(cpu=True)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(192, 10, 2)).astype("float32")
    y = X[:, :, 0].mean(axis=1)
    ragged = [x[: 3 + i % 8] for i, x in enumerate(X)]
    labels = np.where(X[:, :, 1].sum(axis=1) > 0, "up", "down")

    class Targets(Callback):
        """The targets of every training batch, by epoch: which rows this process trained on."""
        def initialize(self):
            self.epochs = []
            return self
        def on_epoch_begin(self, net, **kwargs):
            self.epochs.append([])
        def on_batch_begin(self, net, batch=None, training=False, **kwargs):
            if training:
                self.epochs[-1] += batch[1].ravel().tolist()

    def digest(est):
        h = hashlib.sha256()
        for key, value in sorted(est.net_.module_.state_dict().items()):
            h.update(key.encode())
            h.update(value.detach().cpu().numpy().tobytes())
        return h.hexdigest()

    def summary(est, X, y):
        prediction = est.predict(X)
        return {"weights": digest(est), "rows": len(prediction),
                "prediction": hashlib.sha256(np.asarray(prediction).tobytes()).hexdigest(),
                "score": float(est.score(X, y)), "epochs": len(est.history_),
                "train_loss": list(est.history_[:, "train_loss"])}

    out = {"rank": accelerator.process_index, "processes": accelerator.num_processes}
    common = dict(accelerator=accelerator, hidden_size=16, lr=0.01, batch_size=16)

    # ragged (bucketed) batches, dropout, early stopping restoring the best epoch
    targets = Targets()
    est = RNNRegressor(random_state=0, early_stopping=True, patience=3, dropout=0.3,
                       num_layers=2, max_epochs=12, callbacks=[("targets", targets)], **common)
    est.fit(ragged, y)
    valid_loss = est.history_[:, "valid_loss"]
    out["ragged"] = {**summary(est, ragged, y),
                     "targets": dict(est.net_.callbacks_)["targets"].epochs,
                     "best_epoch": int(np.argmin(valid_loss)) + 1}

    # no random_state: the seed, validation rows and batches are rank 0's everywhere
    clf = RNNClassifier(early_stopping=True, max_epochs=4, **common).fit(X, labels)
    out["classifier"] = {**summary(clf, X, labels),
                         "valid_rows": np.asarray(clf.net_.train_split.rows).tolist()}

    # batch norm statistics estimated after fit; warm start
    bn = RNNRegressor(random_state=0, normalization="batch", max_epochs=3, warm_start=True,
                      **common)
    out["batch_norm"] = summary(bn.fit(ragged, y).fit(ragged, y), ragged, y)

    # divergence: every process stops at the same batch and restores the same weights
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        div = RNNRegressor(cell="rnn", activation="relu", weight_init="identity",
                           optimizer="sgd", lr=0.05, hidden_size=8, batch_size=16,
                           max_epochs=5, random_state=0, accelerator=accelerator,
                           clip_grad_norm=None, lr_schedule=None,
                           callbacks=[("divergence_guard", DivergenceGuard(restore=True))])
        div.fit(X[:64], 10 * X[:64, -3:, 0].sum(axis=1))
    out["divergence"] = {"weights": digest(div), "epochs": len(div.history_),
                         "warned": any(w.category is DivergenceWarning for w in caught)}

    # a grid search, n_jobs=1: every process runs the same fits
    search = GridSearchCV(RNNRegressor(random_state=0, max_epochs=2, **common),
                          {"hidden_size": [4, 8]}, cv=2).fit(X, y)
    out["search"] = {"best": search.best_params_, "score": float(search.best_score_)}

    with open(sys.argv[1] + f"/rank{accelerator.process_index}.json", "w") as f:
        json.dump(out, f)
    # Leaving with the process group up can abort a process at exit (gloo's threads).
    accelerator.end_training()
''')


def test_two_processes_train_data_parallel(tmp_path):
    """torchrun, 2 CPU processes (gloo): equal networks, a share of the batches each."""
    pytest.importorskip("torch.distributed")
    if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
        pytest.skip("torch.distributed with gloo is not available")
    script = tmp_path / "train.py"
    script.write_text(WORKER)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         str(script), str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{rank}.json").read_text()) for rank in (0, 1)]
    assert [r["rank"] for r in ranks] == [0, 1] and ranks[0]["processes"] == 2

    first, second = ranks
    for name in ("ragged", "classifier", "batch_norm", "divergence"):
        # the same network everywhere: gradients were averaged, buffers agree
        assert first[name]["weights"] == second[name]["weights"], name
        assert first[name]["epochs"] == second[name]["epochs"], name
    for name in ("ragged", "classifier", "batch_norm"):
        assert first[name]["rows"] == 192, name  # predict: every row, on every process
        assert first[name]["prediction"] == second[name]["prediction"], name
        assert first[name]["train_loss"] == second[name]["train_loss"], name
    assert first["classifier"]["valid_rows"] == second["classifier"]["valid_rows"]
    assert first["search"] == second["search"]
    assert first["divergence"]["warned"] and second["divergence"]["warned"]

    # each epoch, each process trained on its own half of the 173 training sequences (192,
    # less 19 held out): 11 batches, dealt 6 and 6, the 12th the first again
    ragged = [r["ragged"] for r in ranks]
    for epoch, (mine, theirs) in enumerate(zip(ragged[0]["targets"], ragged[1]["targets"],
                                               strict=True)):
        assert len(mine) == len(set(mine)) and len(theirs) == len(set(theirs))
        assert len(set(mine) | set(theirs)) == 173, epoch
        assert len(set(mine) & set(theirs)) <= 16, epoch  # the repeated batch
    # it learned something
    assert first["ragged"]["score"] > 0.3 and first["classifier"]["score"] > 0.8
    assert first["ragged"]["best_epoch"] <= first["ragged"]["epochs"]


def test_the_multi_gpu_example_runs(tmp_path):
    """examples/train_multi_gpu.py, on one CPU process and a small problem, trains and saves."""
    script = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "train_multi_gpu.py")
    saved = tmp_path / "rnn.safetensors"
    done = subprocess.run(
        [sys.executable, script, "--cpu", "--n-train", "300", "--epochs", "2",
         "--save", str(saved)],
        env={**os.environ, "OMP_NUM_THREADS": "1"}, capture_output=True, text=True,
        timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "1 process(es)" in done.stdout and "test R²" in done.stdout
    assert sklrnn.load(saved).accelerator is None

"""Checkpoints to a directory (skorch's Checkpoint) and resuming from them (LoadInitState)."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback, Checkpoint, EarlyStopping, LoadInitState
from skorch.exceptions import SkorchException

from sklrnn import RNNClassifier, RNNRegressor

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 6, 2)).astype(np.float32)
y = X[:, :, 0].mean(axis=1)
# One batch per epoch: shuffling only reorders rows within it (see the straight-through test).
# A constant lr: a resumed fit then continues exactly as one uninterrupted fit (a schedule
# starts again at every fit).
TINY = dict(hidden_size=4, batch_size=64, random_state=0, lr_schedule=None)


class WeightsAtStart(Callback):
    """Keep a copy of the network's weights as training begins (after LoadInitState)."""

    def on_train_begin(self, net, **kwargs):
        self.weights_ = {k: v.clone() for k, v in net.module_.state_dict().items()}
        self.epochs_ = len(net.history)


def _callback(estimator, kind):
    return next(cb for _, cb in estimator.net_.callbacks_ if isinstance(cb, kind))


def _assert_same_weights(state, other):
    assert state.keys() == other.keys()
    for key in state:
        torch.testing.assert_close(state[key], other[key], rtol=0, atol=0)


def _adam_steps(estimator):
    return int(estimator.net_.optimizer_.state_dict()["state"][0]["step"])


def test_checkpoint_writes_weights_optimizer_and_history_after_every_epoch(tmp_path):
    # monitor=None: every epoch; format specifiers keep one file per epoch.
    checkpoint = Checkpoint(dirname=tmp_path, monitor=None,
                            f_params="params_{last_epoch[epoch]}.pt",
                            f_optimizer="optimizer_{last_epoch[epoch]}.pt")
    model = RNNRegressor(max_epochs=3, callbacks=[checkpoint], **TINY).fit(X, y)
    assert sorted(os.listdir(tmp_path)) == [
        "criterion.pt", "history.json", *(f"optimizer_{i}.pt" for i in (1, 2, 3)),
        *(f"params_{i}.pt" for i in (1, 2, 3))]
    assert model.history_[:, "event_cp"] == [True, True, True]
    saved = [torch.load(tmp_path / f"params_{i}.pt") for i in (1, 2, 3)]
    _assert_same_weights(saved[-1], model.net_.module_.state_dict())
    assert not all(torch.equal(saved[0][k], saved[-1][k]) for k in saved[0])
    optimizer = torch.load(tmp_path / "optimizer_3.pt")
    assert int(optimizer["state"][0]["step"]) == _adam_steps(model) == 3
    history = json.loads((tmp_path / "history.json").read_text())
    assert [epoch["train_loss"] for epoch in history] == model.history_[:, "train_loss"]


def test_checkpoint_on_the_validation_loss_needs_early_stopping(tmp_path):
    # Checkpoint's default monitor is "valid_loss_best"; without early_stopping there is none.
    model = RNNRegressor(max_epochs=2, callbacks=[Checkpoint(dirname=tmp_path)], **TINY)
    with pytest.raises(SkorchException, match="validation data"):
        model.fit(X, y)
    with pytest.raises(NotFittedError):
        model.predict(X)
    # The training loss needs no held-out data.
    checkpoint = Checkpoint(dirname=tmp_path, monitor="train_loss_best")
    model.set_params(callbacks=[checkpoint]).fit(X, y)
    assert model.history_[:, "event_cp"] == model.history_[:, "train_loss_best"]


DIE_AFTER_EPOCH_3 = """
    import os
    import sys

    import numpy as np
    import torch
    from skorch.callbacks import Callback, Checkpoint

    from sklrnn import RNNRegressor


    class DieAfter(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 3:
                os._exit(3)  # no cleanup, no on_train_end: as if the machine went down


    torch.set_num_threads(1)
    data = np.load(sys.argv[1])
    checkpoint = Checkpoint(dirname=sys.argv[2], monitor=None)
    RNNRegressor(max_epochs=10, callbacks=[checkpoint, DieAfter()], **{tiny}).fit(
        data["X"], data["y"])
"""


def test_a_new_estimator_resumes_where_a_killed_process_left_off(tmp_path, one_torch_thread):
    np.savez(tmp_path / "data.npz", X=X, y=y)
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(DIE_AFTER_EPOCH_3).format(tiny=TINY))
    directory = tmp_path / "checkpoints"
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
    process = subprocess.run([sys.executable, str(script), str(tmp_path / "data.npz"),
                              str(directory)], env=env, capture_output=True, text=True,
                             timeout=120)
    assert process.returncode == 3, process.stderr
    before = json.loads((directory / "history.json").read_text())
    assert [epoch["epoch"] for epoch in before] == [1, 2, 3]
    weights = torch.load(directory / "params.pt")

    checkpoint = Checkpoint(dirname=directory, monitor=None)
    resumed = RNNRegressor(max_epochs=2, callbacks=[
        checkpoint, LoadInitState(checkpoint), WeightsAtStart()], **TINY).fit(X, y)
    # Training began from the dead process's last weights, optimizer state and history ...
    start = _callback(resumed, WeightsAtStart)
    assert start.epochs_ == 3
    _assert_same_weights(start.weights_, weights)
    # ... and went on for max_epochs more epochs, numbered on from there.
    assert resumed.history_[:, "epoch"] == [1, 2, 3, 4, 5]
    assert resumed.history_[:3, "train_loss"] == [epoch["train_loss"] for epoch in before]
    assert _adam_steps(resumed) == 5
    # Adam resumed with its moments: the result is what five epochs in one go give. (The
    # shuffling restarts from random_state; with one batch per epoch only the order of the
    # rows inside the batch differs, which changes float32 sums in the last bits.)
    straight = RNNRegressor(max_epochs=5, **TINY).fit(X, y)
    np.testing.assert_allclose(resumed.history_[:, "train_loss"],
                               straight.history_[:, "train_loss"], rtol=1e-5)
    np.testing.assert_allclose(resumed.predict(X), straight.predict(X), rtol=1e-5, atol=1e-6)
    # The checkpoint went on too: it now holds epoch 5.
    after = json.loads((directory / "history.json").read_text())
    assert [epoch["epoch"] for epoch in after] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("estimator, target", [
    (RNNRegressor, y), (RNNClassifier, np.where(y > 0, "up", "down"))])
def test_the_same_code_starts_afresh_then_resumes(estimator, target, tmp_path):
    # skorch's pattern: Checkpoint and LoadInitState together. Without files, fit starts
    # afresh; every later fit (a rerun of the script) continues from the last checkpoint.
    checkpoint = Checkpoint(dirname=tmp_path, monitor=None)
    model = estimator(max_epochs=2, callbacks=[checkpoint, LoadInitState(checkpoint)], **TINY)
    assert model.fit(X, target).history_[:, "epoch"] == [1, 2]
    first = model.predict(X)
    assert model.fit(X, target).history_[:, "epoch"] == [1, 2, 3, 4]
    assert _adam_steps(model) == 4
    fresh = estimator(max_epochs=4, **TINY).fit(X, target)
    if estimator is RNNClassifier:
        np.testing.assert_array_equal(model.classes_, fresh.classes_)
        np.testing.assert_allclose(model.predict_proba(X), fresh.predict_proba(X), rtol=1e-5)
    else:
        np.testing.assert_allclose(model.predict(X), fresh.predict(X), rtol=1e-5, atol=1e-6)
        assert not np.array_equal(model.predict(X), first)


def test_warm_start_continues_in_memory_and_loads_the_checkpoint_once(tmp_path):
    checkpoint = Checkpoint(dirname=tmp_path, monitor=None)
    RNNRegressor(max_epochs=2, callbacks=[checkpoint], **TINY).fit(X, y)
    model = RNNRegressor(max_epochs=2, warm_start=True, callbacks=[LoadInitState(checkpoint)],
                         **TINY)
    assert len(model.fit(X, y).history_) == 4  # loaded epochs 1-2, trained 3-4
    assert len(model.fit(X, y).history_) == 6  # went on from memory, did not reload


def test_checkpoint_with_early_stopping_keeps_the_best_epoch(tmp_path):
    # lr 0.3 overshoots: the validation loss is lowest early, and early stopping ends the fit.
    checkpoint = Checkpoint(dirname=tmp_path)  # monitor="valid_loss_best"
    model = RNNRegressor(hidden_size=4, max_epochs=20, lr=0.3, early_stopping=True,
                         validation_fraction=0.25, patience=3, random_state=0,
                         callbacks=[checkpoint]).fit(X, y)
    losses = model.history_[:, "valid_loss"]
    best = int(np.argmin(losses))
    assert best < len(losses) - 1 < 19  # stopped early, after the best epoch
    assert model.history_[:, "event_cp"] == model.history_[:, "valid_loss_best"]
    # The files hold the best epoch -- the weights early stopping restored.
    saved = json.loads((tmp_path / "history.json").read_text())
    assert len(saved) == best + 1 and saved[-1]["valid_loss"] == losses[best]
    assert _callback(model, EarlyStopping).best_epoch_ == best + 1
    _assert_same_weights(torch.load(tmp_path / "params.pt"), model.net_.module_.state_dict())


def lowest_validation_loss_so_far(net):
    """Checkpoint monitor over the whole history, the epochs before a resume included."""
    losses = net.history[:, "valid_loss"]
    return losses[-1] <= min(losses)


def test_resuming_with_early_stopping_keeps_the_best_epoch_of_all_fits(tmp_path):
    # Resume from the last epoch; keep the best in a second checkpoint whose monitor reads the
    # whole history: "valid_loss_best" (and early stopping) see only the current fit's epochs.
    best = Checkpoint(dirname=tmp_path, fn_prefix="best_", monitor=lowest_validation_loss_so_far,
                      event_name="event_best")
    last = Checkpoint(dirname=tmp_path, fn_prefix="last_", monitor=None)
    model = RNNRegressor(hidden_size=4, max_epochs=20, lr=0.3, early_stopping=True,
                         validation_fraction=0.25, patience=3, random_state=0,
                         callbacks=[best, last, LoadInitState(last)])
    first = len(model.fit(X, y).history_)
    model.fit(X, y)  # as a rerun of the script would
    losses = model.history_[:, "valid_loss"]
    assert first < len(losses) and model.history_[:, "epoch"] == list(range(1, len(losses) + 1))
    assert losses[first] > min(losses[:first])  # the first resumed epoch is worse ...
    assert model.history_[first, "valid_loss_best"]  # ... yet "best" of its fit
    assert not model.history_[first, "event_best"]
    saved = json.loads((tmp_path / "best_history.json").read_text())
    assert len(saved) == int(np.argmin(losses)) + 1
    assert json.loads((tmp_path / "last_history.json").read_text())[-1]["epoch"] == len(losses)

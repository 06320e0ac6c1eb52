"""Training that converges by default: epoch budget, schedules, frames, warnings."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from skorch.callbacks import LRScheduler
from torch.optim.lr_scheduler import StepLR

import sklrnn._base
from sklrnn import RNNClassifier, RNNRegressor
from sklrnn._base import AUTO_FRAME_STEPS, AUTO_MIN_EPOCHS, AUTO_STEPS

TINY = dict(hidden_size=8, random_state=0)


@pytest.fixture
def easy_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 6, 2)).astype(np.float32)
    return X, np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")


def _convergence_warnings(record):
    return [w for w in record if issubclass(w.category, ConvergenceWarning)]


# -- the long-sequence task the old defaults underfit ------------------------------------------

def test_defaults_learn_gunpoint_where_the_old_ones_stayed_at_chance():
    # GunPoint (150 steps, shipped by sktime): the previous defaults (lr=1e-3, 100 epochs,
    # constant rate, every step read) never left the constant predictor's loss.
    sktime_datasets = pytest.importorskip("sktime.datasets")
    X, y = sktime_datasets.load_gunpoint(split="train", return_type="numpy3D")
    X_test, y_test = sktime_datasets.load_gunpoint(split="test", return_type="numpy3D")
    X, X_test = X.transpose(0, 2, 1), X_test.transpose(0, 2, 1)
    old = dict(lr=1e-3, max_epochs=100, lr_schedule=None, frame_size=1, clip_grad_norm=None)
    with pytest.warns(ConvergenceWarning):
        underfit = RNNClassifier(random_state=0, **old).fit(X, y)
    assert underfit.score(X, y) < 0.8
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = RNNClassifier(random_state=0).fit(X, y)
    assert clf.frame_size_ == 6  # ceil(150 / 25)
    assert clf.score(X, y) == 1.0
    assert clf.score(X_test, y_test) > 0.85


# -- ConvergenceWarning ------------------------------------------------------------------------

def test_convergence_warning_when_loss_never_left_the_constant_level(easy_data):
    X, y = easy_data
    with pytest.warns(ConvergenceWarning, match="constant prediction.*max_epochs"):
        RNNClassifier(lr=1e-5, max_epochs=3, **TINY).fit(X, y)


def test_convergence_warning_when_loss_still_falls(easy_data):
    X, y = easy_data
    with pytest.warns(ConvergenceWarning, match="still falling.*Increase max_epochs"):
        RNNClassifier(lr=0.01, max_epochs=12, lr_schedule=None, **TINY).fit(X, y)


def test_regressor_warns_against_the_variance_of_y():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 5, 1)).astype(np.float32)
    y = 1000 + X[:, :, 0].sum(axis=1)  # far from 0: a tiny lr stays far from the mean
    with pytest.warns(ConvergenceWarning, match="constant prediction"):
        RNNRegressor(lr=1e-5, max_epochs=3, **TINY).fit(X, y)


def test_no_convergence_warning_when_training_converged(easy_data):
    X, y = easy_data
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = RNNClassifier(max_epochs=200, **TINY).fit(X, y)
    assert clf.score(X, y) > 0.95


def test_no_still_falling_warning_after_early_stopping(easy_data):
    X, y = easy_data
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        clf = RNNClassifier(lr=0.05, max_epochs=300, early_stopping=True, patience=3,
                            validation_fraction=0.25, **TINY).fit(X, y)
    assert len(clf.history_) < 300  # stopped early
    assert not [w for w in _convergence_warnings(record) if "still falling" in str(w.message)]


# -- max_epochs="auto" and early_stopping="auto" -----------------------------------------------

@pytest.mark.parametrize("n_samples, batch_size, expected", [
    (64, 32, AUTO_STEPS // 2),        # 2 batches an epoch
    (1000, 100, AUTO_STEPS // 10),
    (100_000, 32, 5),                 # at least 5 epochs
])
def test_auto_max_epochs_is_a_budget_of_steps(n_samples, batch_size, expected):
    est = RNNRegressor(batch_size=batch_size, early_stopping=False)
    assert est._resolve_max_epochs(n_samples) == expected


def test_auto_max_epochs_is_recorded_and_trained(easy_data, monkeypatch):
    X, y = easy_data
    assert RNNClassifier(batch_size=64)._resolve_max_epochs(64) == AUTO_STEPS
    monkeypatch.setattr(sklrnn._base, "AUTO_STEPS", 30)  # a budget this test can train
    clf = RNNClassifier(batch_size=16, **TINY).fit(X, y)  # 4 batches an epoch
    assert clf.max_epochs_ == 8 and len(clf.history_) == 8  # ceil(30 / 4)
    # At least AUTO_MIN_EPOCHS when the data make more batches than the budget.
    assert RNNClassifier(batch_size=1)._resolve_max_epochs(64) == AUTO_MIN_EPOCHS


def test_early_stopping_auto_needs_a_hold_out_of_100():
    est = RNNRegressor()
    assert not est._resolve_early_stopping(999)
    assert est._resolve_early_stopping(1000)
    assert RNNRegressor(validation_fraction=0.5)._resolve_early_stopping(200)
    assert not RNNRegressor(early_stopping=False)._resolve_early_stopping(10**6)


def test_early_stopping_auto_holds_out_large_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 3, 1)).astype(np.float32)
    y = X.sum(axis=(1, 2))
    reg = RNNRegressor(max_epochs=2, batch_size=250, **TINY).fit(X, y)
    assert reg.do_early_stopping_
    assert "valid_loss" in reg.history_[-1]
    small = RNNRegressor(max_epochs=2, **TINY).fit(X[:100], y[:100])
    assert not small.do_early_stopping_
    assert "valid_loss" not in small.history_[-1]


# -- lr_schedule -------------------------------------------------------------------------------

def _lrs(est):
    return np.array(est.history_[:, "lr"])


def test_cosine_schedule_is_recorded_every_epoch(easy_data):
    X, y = easy_data
    clf = RNNClassifier(lr=0.1, max_epochs=10, **TINY).fit(X, y)
    lrs = _lrs(clf)
    assert len(lrs) == 10
    assert lrs[0] == pytest.approx(0.1)
    assert np.all(np.diff(lrs) < 0)
    assert lrs[-1] < 0.01


def test_onecycle_rises_then_falls(easy_data):
    X, y = easy_data
    lrs = _lrs(RNNClassifier(lr=0.1, lr_schedule="onecycle", max_epochs=10, **TINY).fit(X, y))
    peak = lrs.argmax()
    assert lrs[0] == pytest.approx(0.1 / 25)
    assert 0 < peak < 9 and lrs.max() > 0.09
    assert lrs[-1] < 0.01


def test_constant_and_plateau_schedules(easy_data):
    X, y = easy_data
    constant = _lrs(RNNClassifier(lr=0.1, lr_schedule=None, max_epochs=5, **TINY).fit(X, y))
    np.testing.assert_allclose(constant, 0.1)
    # A rate far too small leaves the loss flat: the plateau schedule halves it.
    plateau = _lrs(RNNClassifier(lr=1e-7, lr_schedule="plateau", max_epochs=30,
                                 **TINY).fit(X, y))
    assert plateau[0] == pytest.approx(1e-7)
    assert plateau[-1] <= 0.5e-7


def test_skorch_lr_scheduler_is_used_as_given(easy_data):
    X, y = easy_data
    schedule = LRScheduler(StepLR, step_size=2, gamma=0.1)
    clf = RNNClassifier(lr=0.1, lr_schedule=schedule, max_epochs=5, **TINY).fit(X, y)
    np.testing.assert_allclose(_lrs(clf), [0.1, 0.1, 0.01, 0.01, 0.001], rtol=1e-6)
    assert not hasattr(schedule, "lr_scheduler_")  # a copy trained, not the object passed


def test_warm_start_restarts_the_schedule(easy_data):
    X, y = easy_data
    clf = RNNClassifier(lr=0.1, max_epochs=4, warm_start=True, **TINY).fit(X, y)
    clf.set_params(max_epochs=3).fit(X, y)
    lrs = _lrs(clf)
    assert len(lrs) == 7
    assert lrs[4] == pytest.approx(0.1)  # the second fit starts at lr again
    assert lrs[-1] < 0.02  # and goes down its own cosine


@pytest.mark.parametrize("schedule", ["linear", 0.5, StepLR])
def test_bad_lr_schedule_is_refused_before_training(easy_data, schedule):
    X, y = easy_data
    with pytest.raises((ValueError, TypeError), match="lr_schedule"):
        RNNClassifier(lr_schedule=schedule, **TINY).fit(X, y)


# -- frame_size --------------------------------------------------------------------------------

@pytest.mark.parametrize("n_steps, expected", [(5, 1), (AUTO_FRAME_STEPS, 1),
                                               (AUTO_FRAME_STEPS + 1, 2), (150, 6), (427, 18)])
def test_auto_frame_size_by_length(n_steps, expected):
    X = np.zeros((2, n_steps, 1), np.float32)
    assert RNNRegressor()._resolve_frame_size(X) == expected


def test_frames_shorten_what_the_cells_read():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 100, 3)).astype(np.float32)
    reg = RNNRegressor(frame_size=10, max_epochs=2, **TINY).fit(X, X[:, -1, 0])
    assert reg.frame_size_ == 10
    assert reg.net_.module_.rnn.input_size == 30
    assert reg.predict(X).shape == (16,)


def test_frames_keep_ragged_input_exact():
    # Frames of a sequence never depend on the lengths of the others in its batch.
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(n, 2)).astype(np.float32) for n in (7, 23, 40, 11, 30)]
    y = np.array([x[:, 0].sum() for x in X], np.float32)
    reg = RNNRegressor(frame_size=4, max_epochs=3, **TINY).fit(X, y)
    together = reg.predict(X)
    alone = np.concatenate([reg.predict([x]) for x in X])
    np.testing.assert_allclose(together, alone, rtol=1e-5, atol=1e-6)


def test_frames_in_encoder_decoder():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 60, 1)).astype(np.float32)
    reg = RNNRegressor(architecture="encoder_decoder", max_epochs=2, **TINY)
    reg.fit(X, X[:, -3:, 0])
    assert reg.frame_size_ == 3
    assert reg.predict(X).shape == (16, 3)


@pytest.mark.parametrize("architecture", ["seq2seq", "vec2seq"])
def test_frames_refused_where_the_network_reads_no_summary(architecture):
    X = np.zeros((4, 60, 1), np.float32) if architecture == "seq2seq" else np.zeros((4, 3))
    y = np.zeros((4, 60)) if architecture == "seq2seq" else np.zeros((4, 5))
    with pytest.raises(ValueError, match="frame_size=2 .*frame_size=1"):
        RNNRegressor(architecture=architecture, frame_size=2).fit(X, y)
    reg = RNNRegressor(architecture=architecture, max_epochs=1, **TINY).fit(X, y)
    assert reg.frame_size_ == 1  # "auto"


@pytest.mark.parametrize("frame_size", [0, -1, 1.5, "big"])
def test_bad_frame_size_is_refused(frame_size):
    with pytest.raises((ValueError, TypeError), match="frame_size"):
        RNNRegressor(frame_size=frame_size).fit(np.zeros((4, 5, 1)), np.zeros(4))


# -- channels-first data passed by mistake -----------------------------------------------------

@pytest.mark.parametrize("shape", [(20, 1, 150), (20, 6, 100)])
def test_transposed_looking_shape_warns(shape):
    X = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    with pytest.warns(UserWarning, match=r"X\.transpose\(0, 2, 1\)"):
        RNNClassifier(max_epochs=1, **TINY).fit(X, np.arange(20) % 2)


@pytest.mark.parametrize("shape", [(20, 150, 1), (20, 100, 6), (20, 12, 29), (20, 20, 300)])
def test_usual_shapes_do_not_warn(shape):
    X = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        RNNClassifier(max_epochs=1, **TINY).fit(X, np.arange(20) % 2)


def test_network_is_torch_only_frames():
    from sklrnn.nn import stack_frames

    x = torch.arange(12.0).reshape(2, 6, 1)
    frames, lengths = stack_frames(x, torch.tensor([6, 3]), 4)
    assert frames.shape == (2, 2, 4)
    assert lengths.tolist() == [2, 1]
    assert frames[1].tolist() == [[6.0, 7.0, 8.0, 0.0], [0.0, 0.0, 0.0, 0.0]]

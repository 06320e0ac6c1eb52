"""Nothing a user trained or saved is lost (issue 20, part 2).

``set_params`` changes a fitted model only at the next ``fit`` (scikit-learn's rule):
predict, score and ``sklrnn.save`` use the parameters the network was built with; a
``warm_start`` fit refuses parameters that changed the network; a failed ``fit`` leaves
the previous fitted state as it was. Torch tensors, even ones that require grad, are read
like any array.
"""

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sklrnn import RNNClassifier, RNNRegressor
from sklrnn.callbacks import DivergenceGuard, DivergenceWarning

SMALL = dict(hidden_size=4, max_epochs=2, batch_size=8, random_state=0)
rng = np.random.default_rng(0)
X = rng.normal(size=(24, 6, 2)).astype(np.float32)
y = X[:, -1, 0] + X[:, 0, 1]
labels = np.where(y > 0, "up", "down")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


class Raise(Callback):
    """Raise ``error`` at the end of epoch ``epoch`` (1-based, counted over all fits)."""

    def __init__(self, error=RuntimeError, epoch=1, hook="on_epoch_end"):
        self.error, self.epoch, self.hook = error, epoch, hook

    def on_epoch_end(self, net, **kwargs):
        if self.hook == "on_epoch_end" and len(net.history) >= self.epoch:
            raise self.error("raised by a user callback")

    def on_train_end(self, net, **kwargs):
        if self.hook == "on_train_end" and len(net.history) >= self.epoch:
            raise self.error("raised by a user callback")


def _snapshot(estimator):
    return estimator.predict(X), len(estimator.history_), dict(estimator.get_params())


@pytest.mark.parametrize("change", [
    {"hidden_size": 8}, {"cell": "gru"}, {"num_layers": 2}, {"bidirectional": True},
    {"architecture": "seq2seq"}, {"mask_value": 0.0}, {"pooling": "mean"},
])
def test_set_params_after_fit_changes_nothing_until_the_next_fit(change):
    reg = RNNRegressor(**SMALL).fit(X, y)
    before = reg.predict(X)
    reg.set_params(**change)
    np.testing.assert_array_equal(reg.predict(X), before)
    assert np.isfinite(reg.score(X, y))
    name, = change
    # The next fit builds what the parameters say.
    reg.fit(X, y if change != {"architecture": "seq2seq"} else X[:, :, :1])
    assert reg._built_params[name] == change[name]


def test_a_mask_value_set_after_fit_is_not_used_by_predict():
    X_masked = X.copy()
    X_masked[:4, :2] = -1.0
    reg = RNNRegressor(mask_value=-1.0, **SMALL).fit(X_masked, y)
    before = reg.predict(X_masked)
    for value in (None, 0.0, "pad"):  # "pad" is refused at the next fit, not by predict
        reg.set_params(mask_value=value)
        np.testing.assert_array_equal(reg.predict(X_masked), before)
    with pytest.raises(ValueError, match="mask_value"):
        reg.fit(X_masked, y)
    np.testing.assert_array_equal(reg.predict(X_masked), before)


@pytest.mark.parametrize("change", [{"hidden_size": 8}, {"cell": "gru"}, {"num_layers": 2},
                                    {"frame_size": 2}, {"mask_value": 0.0}])
def test_a_warm_start_refuses_a_changed_network_before_training(change):
    reg = RNNRegressor(warm_start=True, **SMALL).fit(X, y)
    predictions, epochs, _ = _snapshot(reg)
    name, = change
    reg.set_params(**change)
    with pytest.raises(ValueError, match=rf"warm_start=True continues .*{name}.*"
                                         r"warm_start=False"):
        reg.fit(X, y)
    np.testing.assert_array_equal(reg.predict(X), predictions)
    assert len(reg.history_) == epochs
    # Set back, the warm start continues the same network; off, a new one is trained.
    reg.set_params(**{name: RNNRegressor(**SMALL).get_params()[name]}).fit(X, y)
    assert len(reg.history_) == epochs + SMALL["max_epochs"]
    reg.set_params(warm_start=False, **change).fit(X, y)
    assert len(reg.history_) == SMALL["max_epochs"]


def test_a_warm_start_with_unchanged_network_parameters_continues():
    reg = RNNRegressor(warm_start=True, **SMALL).fit(X, y)
    reg.set_params(lr=1e-3, dropout=0.1, max_epochs=1).fit(X, y)  # not the network's shape
    assert len(reg.history_) == SMALL["max_epochs"] + 1


@pytest.mark.parametrize("warm_start", [True, False])
@pytest.mark.parametrize("error, hook", [(RuntimeError, "on_epoch_end"),
                                         (KeyboardInterrupt, "on_train_end")])
def test_a_failed_fit_keeps_the_previous_fitted_state(warm_start, error, hook):
    # A warm start keeps the callbacks of the first fit: this one raises in the second fit.
    epoch = SMALL["max_epochs"] + 1 if warm_start else 1
    callbacks = [("raise", Raise(error, epoch=epoch, hook=hook))]
    clf = RNNClassifier(warm_start=warm_start, **SMALL)
    clf.set_params(callbacks=callbacks if warm_start else None).fit(X, labels)
    proba, epochs = clf.predict_proba(X), len(clf.history_)
    fitted = {key: value for key, value in vars(clf).items() if key.endswith("_")}
    clf.set_params(callbacks=callbacks)
    with pytest.raises(error, match="user callback"):
        clf.fit(X, labels)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    assert len(clf.history_) == epochs
    for key, value in fitted.items():  # the very objects of the previous fit
        assert key in ("net_", "history_") or vars(clf)[key] is value, key
    assert clf.get_params()["callbacks"] is callbacks  # the parameters stay as set


def test_an_interrupt_inside_the_training_loop_keeps_what_was_trained():
    # skorch stops at Ctrl-C inside its loop and keeps the network trained so far.
    reg = RNNRegressor(warm_start=True, callbacks=[("raise", Raise(KeyboardInterrupt, epoch=3))],
                       **SMALL).fit(X, y)
    reg.set_params(max_epochs=5).fit(X, y)
    assert len(reg.history_) == 3 and np.isfinite(reg.predict(X)).all()


def test_a_first_fit_that_fails_leaves_the_estimator_unfitted():
    reg = RNNRegressor(callbacks=[("raise", Raise())], **SMALL)
    with pytest.raises(RuntimeError):
        reg.fit(X, y)
    assert not any(key.endswith("_") for key in vars(reg))


DIVERGING = dict(cell="rnn", activation="relu", weight_init="identity", optimizer="sgd",
                 lr=0.02, hidden_size=8, batch_size=16, clip_grad_norm=None,
                 lr_schedule=None, random_state=0)


@pytest.fixture
def diverging_data():
    X_d = np.random.default_rng(0).normal(size=(64, 10, 1)).astype("float32")
    return X_d, 10 * X_d[:, -3:, 0].sum(axis=1)


def test_a_warm_start_that_diverges_keeps_the_network_it_continued(diverging_data):
    X_d, y_d = diverging_data
    # The first epoch trains; the second diverges (see DivergenceGuard's example).
    reg = RNNRegressor(max_epochs=1, warm_start=True, **DIVERGING).fit(X_d, y_d)
    before, epochs = reg.predict(X_d), len(reg.history_)
    with pytest.raises(FloatingPointError, match="diverged"):
        reg.set_params(max_epochs=5).fit(X_d, y_d)
    np.testing.assert_array_equal(reg.predict(X_d), before)
    assert len(reg.history_) == epochs
    # A guard that restores keeps the last finite weights of the continued training.
    guarded = RNNRegressor(max_epochs=1, warm_start=True, **DIVERGING, callbacks=[
        ("divergence_guard", DivergenceGuard(restore=True))]).fit(X_d, y_d)
    with pytest.warns(DivergenceWarning):
        guarded.set_params(max_epochs=5).fit(X_d, y_d)
    assert np.isfinite(guarded.predict(X_d)).all()
    assert len(guarded.history_) > epochs


@pytest.mark.parametrize("requires_grad", [True, False])
def test_torch_tensors_are_read_like_arrays(requires_grad):
    X_t = torch.tensor(X, requires_grad=requires_grad)
    y_t = torch.tensor(y, requires_grad=requires_grad)
    reg = RNNRegressor(**SMALL).fit(X_t, y_t)
    expected = RNNRegressor(**SMALL).fit(X, y).predict(X)
    np.testing.assert_array_equal(reg.predict(X_t), expected)
    assert reg.score(X_t, y_t) == pytest.approx(reg.score(X, y))
    ragged = [torch.tensor(X[i, : 3 + i % 3], requires_grad=requires_grad) for i in range(6)]
    np.testing.assert_array_equal(
        reg.predict(ragged), reg.predict([sequence.detach().numpy() for sequence in ragged]))
    assert X_t.requires_grad is requires_grad and X_t.grad is None  # left as they were

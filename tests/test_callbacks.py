"""sklrnn.callbacks: GradientMonitor, plot_step_gradients, DivergenceGuard."""

import copy
import sys
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback

from sklrnn import RNNClassifier, RNNRegressor
from sklrnn.callbacks import (
    DivergenceGuard,
    DivergenceWarning,
    GradientMonitor,
    plot_step_gradients,
)

TINY = dict(hidden_size=6, lr=0.01, random_state=0)


def first_steps_task(n=48, t=20, d=1, seed=0):
    """Sequences whose target is the sum of the first feature over the first 3 steps."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, t, d)).astype(np.float32)
    return X, X[:, :3, 0].sum(axis=1)


def ragged_task(n=24, seed=0):
    """Sequences of 5 to 14 steps; the target is the mean of each sequence."""
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=(int(k), 2)).astype(np.float32) for k in rng.integers(5, 15, size=n)]
    return X, np.array([x[:, 0].mean() for x in X])


def diverging_regressor(lr, **params):
    """A ReLU RNN whose SGD steps blow up in a few epochs; the larger lr, the sooner."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 10, 1)).astype(np.float32)
    y = 10 * X[:, -3:, 0].sum(axis=1)
    params = dict(dict(cell="rnn", activation="relu", weight_init="identity", optimizer="sgd",
                       hidden_size=8, batch_size=16, max_epochs=6, random_state=0,
                       # Unclipped at a constant lr: what lets the steps blow up.
                       clip_grad_norm=None, lr_schedule=None), **params)
    return RNNRegressor(lr=lr, **params), X, y


class FirstBatchNorm(Callback):
    """Test helper: the norm of all gradients of the first training batch."""

    def on_grad_computed(self, net, named_parameters, **kwargs):
        if not hasattr(self, "norm_"):
            self.norm_ = float(torch.cat([p.grad.flatten() for _, p in named_parameters]).norm())


class KeepInitialWeights(Callback):
    """Test helper: a copy of the weights the training starts from."""

    def on_train_begin(self, net, **kwargs):
        self.state_ = copy.deepcopy(net.module_.state_dict())


def callback(est, name):
    return dict(est.net_.callbacks_)[name]


# -- GradientMonitor: gradient norms per layer --------------------------------------------

@pytest.mark.parametrize("params, layers", [
    (dict(cell="lstm", num_layers=2), {"rnn.l0", "rnn.l1", "head"}),
    (dict(cell="peephole_lstm", num_layers=2), {"rnn.l0", "rnn.l1", "head"}),
    (dict(cell="gru", bidirectional=True), {"rnn.l0", "rnn.l0_reverse", "head"}),
    (dict(cell="rnn", activation="elu", bidirectional=True),
     {"rnn.l0", "rnn.l0_reverse", "head"}),
])
def test_grad_norms_are_recorded_every_epoch_by_layer(params, layers):
    X, y = first_steps_task(n=32, t=8)
    reg = RNNRegressor(**TINY, **params, max_epochs=2, callbacks=[GradientMonitor()]).fit(X, y)
    assert len(reg.history_[:, "grad_norms"]) == 2
    for norms in reg.history_[:, "grad_norms"]:
        assert set(norms) == layers
        assert all(np.isfinite(v) and v > 0 for v in norms.values())


@pytest.mark.parametrize("cell", ["lstm", "peephole_lstm"])
def test_grad_norms_equal_a_manual_backward_before_clipping(cell):
    X, y = first_steps_task(n=32, t=8)
    # One batch per epoch; clipping so hard that clipped norms would be 1e-4 at most.
    reg = RNNRegressor(**TINY, cell=cell, bidirectional=True, batch_size=32, max_epochs=1,
                       clip_grad_norm=1e-4,
                       callbacks=[("initial", KeepInitialWeights()),
                                  ("grad", GradientMonitor())]).fit(X, y)
    module = copy.deepcopy(reg.net_.module_).cpu()
    module.load_state_dict(callback(reg, "initial").state_)
    module.train()
    loss = torch.nn.functional.mse_loss(module(torch.from_numpy(X)),
                                        torch.from_numpy(y[:, None].astype(np.float32)))
    loss.backward()
    rnn = module.rnn
    if cell == "lstm":
        forward = [rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0]
        backward = [rnn.weight_ih_l0_reverse, rnn.weight_hh_l0_reverse,
                    rnn.bias_ih_l0_reverse, rnn.bias_hh_l0_reverse]
    else:
        forward, backward = (list(direction.parameters()) for direction in rnn.layers[0])
    expected = {name: float(torch.cat([p.grad.flatten() for p in params]).norm())
                for name, params in [("rnn.l0", forward), ("rnn.l0_reverse", backward),
                                     ("head", list(module.head.parameters()))]}
    recorded = reg.history_[0, "grad_norms"]
    assert recorded.keys() == expected.keys()
    for name, value in expected.items():
        assert value > 1e-2
        np.testing.assert_allclose(recorded[name], value, rtol=1e-4)


def test_every_and_max_batches_choose_what_is_averaged():
    X, y = first_steps_task(n=32, t=8)
    reg = RNNRegressor(**TINY, max_epochs=4, batch_size=8,
                       callbacks=[("first", FirstBatchNorm()),
                                  GradientMonitor(every=2, max_batches=1)]).fit(X, y)
    assert [row["epoch"] for row in reg.history_ if "grad_norms" in row] == [1, 3]
    assert [row["epoch"] for row in reg.history_ if "step_grad_norms" in row] == [1, 3]
    # Of the 4 batches of epoch 1, the first alone: its layers make up its total norm.
    layers = np.array(list(reg.history_[0, "grad_norms"].values()))
    np.testing.assert_allclose(np.sqrt((layers ** 2).sum()), callback(reg, "first").norm_,
                               rtol=1e-5)


def test_monitor_parameters_are_checked():
    X, y = first_steps_task(n=8, t=4)
    for bad in (dict(every=0), dict(max_batches=0), dict(max_samples=1.5)):
        with pytest.raises(ValueError, match="GradientMonitor's"):
            RNNRegressor(max_epochs=1, callbacks=[GradientMonitor(**bad)]).fit(X, y)


# -- GradientMonitor: gradient per time step -----------------------------------------------

def test_step_gradients_vanish_for_a_tanh_rnn_and_much_less_for_an_lstm_with_forget_bias():
    X, y = first_steps_task(n=64, t=30)
    ratios = {}
    for cell, weight_init in [("rnn", "default"), ("lstm", "orthogonal")]:
        reg = RNNRegressor(cell=cell, weight_init=weight_init, hidden_size=16, lr=0.01,
                           max_epochs=1, random_state=0, frame_size=1, clip_grad_norm=None,
                           callbacks=[GradientMonitor()]).fit(X, y)
        steps = reg.history_[0, "step_grad_norms"]
        assert len(steps) == 30
        assert np.isfinite(steps).all()
        ratios[cell] = steps[0] / steps[-1]
    # What the first step hears of the loss, relative to the last step (measured: 2e-7
    # and 5e-2).
    assert ratios["rnn"] < 1e-4
    assert ratios["lstm"] > 1e-3
    assert ratios["lstm"] > 1e3 * ratios["rnn"]


def test_ragged_step_gradients_average_each_sequences_own_gradient_over_its_steps():
    X, y = ragged_task()
    reg = RNNRegressor(**TINY, cell="gru", bidirectional=True, max_epochs=1,
                       callbacks=[GradientMonitor()]).fit(X, y)
    recorded = reg.history_[0, "step_grad_norms"]
    # By hand, one sequence at a time, with the weights at the end of the (only) epoch.
    module = copy.deepcopy(reg.net_.module_).cpu().eval()
    per_step = [[] for _ in range(max(len(x) for x in X))]
    for x, target in zip(X, y, strict=True):
        x = torch.from_numpy(x)[None].requires_grad_(True)
        loss = (module(x)[0, 0] - float(target)) ** 2
        (grad,) = torch.autograd.grad(loss, x)
        for t, norm in enumerate(grad[0].norm(dim=1).tolist()):
            per_step[t].append(norm)
    np.testing.assert_allclose(recorded, [np.mean(norms) for norms in per_step], rtol=1e-4)


def test_diagnostic_batch_holds_at_most_max_samples_sequences():
    X, y = ragged_task(n=40)
    X[5] = np.ones((30, 2), dtype=np.float32)  # the only sequence this long; not among
    # the 5 spread evenly over the 40 (0, 10, 20, 29, 39)
    reg = RNNRegressor(**TINY, max_epochs=1, callbacks=[GradientMonitor(max_samples=5)])
    steps = reg.fit(X, y).history_[0, "step_grad_norms"]
    assert 5 <= len(steps) <= 14


def test_encoder_decoder_seq2seq_classifier_and_vec2seq_are_monitored():
    X, y = first_steps_task(n=24, t=9)
    horizon = np.stack([y, -y, 2 * y], axis=1)
    enc_dec = RNNRegressor(**TINY, architecture="encoder_decoder", max_epochs=1,
                           callbacks=[GradientMonitor()]).fit(X, horizon)
    row = enc_dec.history_[0]
    assert set(row["grad_norms"]) == {"encoder.rnn.l0", "encoder.head", "decoder.rnn.l0",
                                      "decoder.head"}
    assert len(row["step_grad_norms"]) == 9 and np.isfinite(row["step_grad_norms"]).all()

    labels = (X[:, :, 0] > 0).astype(int)
    tagger = RNNClassifier(**TINY, architecture="seq2seq", max_epochs=1,
                           callbacks=[GradientMonitor()]).fit(X, labels)
    steps = tagger.history_[0, "step_grad_norms"]
    assert len(steps) == 9 and np.isfinite(steps).all() and min(steps) > 0

    vec2seq = RNNRegressor(**TINY, architecture="vec2seq", max_epochs=1,
                           callbacks=[GradientMonitor()]).fit(X[:, 0], horizon)
    assert set(vec2seq.history_[0, "grad_norms"]) == {"rnn.l0", "head"}
    assert "step_grad_norms" not in vec2seq.history_[0]  # no time axis in the input


def test_monitoring_leaves_training_unchanged():
    X, y = ragged_task()
    params = dict(TINY, num_layers=2, dropout=0.3, max_epochs=3, batch_size=8)
    plain = RNNRegressor(**params).fit(X, y)
    monitored = RNNRegressor(**params, callbacks=[("grad", GradientMonitor())]).fit(X, y)
    np.testing.assert_array_equal(monitored.predict(X), plain.predict(X))
    assert len(monitored.history_[:, "step_grad_norms"]) == 3
    module = monitored.net_.module_
    assert not any(p.requires_grad is False for p in module.parameters())


def test_records_stay_out_of_the_printed_table(capsys):
    X, y = first_steps_task(n=16, t=5)
    RNNRegressor(**TINY, max_epochs=2, verbose=1, callbacks=[GradientMonitor()]).fit(X, y)
    out = capsys.readouterr().out
    assert "train_loss" in out
    assert "grad_norms" not in out and "rnn.l0" not in out


# -- plot_step_gradients -------------------------------------------------------------------

def test_plot_step_gradients_draws_one_line_per_epoch_on_a_log_scale():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = first_steps_task(n=16, t=7)
    reg = RNNRegressor(**TINY, max_epochs=3, callbacks=[GradientMonitor()]).fit(X, y)
    fig, ax = plt.subplots()
    try:
        assert plot_step_gradients(reg, ax=ax) is ax
        assert [line.get_label() for line in ax.get_lines()] == ["epoch 1", "epoch 2",
                                                                 "epoch 3"]
        assert ax.get_yscale() == "log"
        np.testing.assert_allclose(ax.get_lines()[1].get_ydata(),
                                   reg.history_[1, "step_grad_norms"])
        ax.clear()
        plot_step_gradients(reg.net_.history, ax=ax, epochs=[3])
        assert len(ax.get_lines()) == 1
        with pytest.raises(ValueError, match=r"Epochs \[7\] have no step gradient norms"):
            plot_step_gradients(reg, ax=ax, epochs=[7])
    finally:
        plt.close(fig)


def test_plot_step_gradients_explains_what_is_missing(monkeypatch):
    X, y = first_steps_task(n=16, t=5)
    unmonitored = RNNRegressor(**TINY, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match=r"callbacks=\[GradientMonitor\(\)\]"):
        plot_step_gradients(unmonitored)
    monitored = RNNRegressor(**TINY, max_epochs=1, callbacks=[GradientMonitor()]).fit(X, y)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot_step_gradients(monitored)


# -- DivergenceGuard -----------------------------------------------------------------------

class _LossRecorder(Callback):
    """Keeps every training batch loss in a class attribute (estimators copy callbacks)."""

    losses = []

    def on_batch_end(self, net, training=False, loss=None, **kwargs):
        if training:
            type(self).losses.append(float(loss.detach()))


def test_divergence_raises_at_the_first_non_finite_loss_and_names_remedies():
    _LossRecorder.losses = []
    reg, X, y = diverging_regressor(lr=0.02, callbacks=[_LossRecorder()])
    with pytest.raises(FloatingPointError) as info:
        reg.fit(X, y)
    message = str(info.value)
    assert "The training loss became inf at epoch 2, batch 2" in message
    for remedy in ("clip_grad_norm=1.0", "lr=0.02", "DivergenceGuard(restore=True)"):
        assert remedy in message
    # Training stopped right there: no batch after the first non-finite one.
    losses = _LossRecorder.losses
    assert np.isfinite(losses[:-1]).all() and not np.isfinite(losses[-1])
    assert len(losses) == 4 + 2
    # The diverged network is not kept: the estimator cannot predict NaN.
    with pytest.raises(NotFittedError):
        reg.predict(X)


def test_restore_keeps_the_weights_of_the_last_good_epoch_and_warns():
    reg, X, y = diverging_regressor(
        lr=0.01, callbacks=[("divergence_guard", DivergenceGuard(restore=True))])
    with pytest.warns(DivergenceWarning, match=r"epoch 6, batch 2.*end of epoch 5 were "
                                               r"restored.*lr=0\.01"):
        reg.fit(X, y)
    assert len(reg.history_) == 6 and reg.history_[-1, "diverged"]
    # The same training, stopped after epoch 5 by max_epochs.
    reference, _, _ = diverging_regressor(lr=0.01)
    reference.set_params(max_epochs=5).fit(X, y)
    predictions = reg.predict(X)
    assert np.isfinite(predictions).all()
    np.testing.assert_array_equal(predictions, reference.predict(X))
    assert callback(reg, "divergence_guard").good_state_ is None  # copies let go


def test_restore_rejects_finite_weights_whose_next_loss_is_not_finite():
    # Epoch 1 ends with finite weights so large that epoch 2's first loss overflows:
    # the weights the training started from are restored.
    reg, X, y = diverging_regressor(
        lr=0.07, weight_init="default",
        callbacks=[("initial", KeepInitialWeights()), DivergenceGuard(restore=True)])
    with pytest.warns(DivergenceWarning, match="epoch 2, batch 1.*start of training"):
        reg.fit(X, y)
    initial = callback(reg, "initial").state_
    for name, value in reg.net_.module_.state_dict().items():
        torch.testing.assert_close(value, initial[name], rtol=0, atol=0)
    assert np.isfinite(reg.predict(X)).all()


def test_estimators_add_one_default_guard_unless_given_one():
    X, y = first_steps_task(n=8, t=4)
    default = RNNRegressor(max_epochs=1).fit(X, y)
    guard = callback(default, "divergence_guard")
    assert isinstance(guard, DivergenceGuard) and not guard.restore

    def guards(est):
        return [name for name, cb in est.net_.callbacks_ if isinstance(cb, DivergenceGuard)]

    assert guards(default) == ["divergence_guard"]
    own = RNNClassifier(max_epochs=1, callbacks=[DivergenceGuard(restore=True)])
    assert guards(own.fit(X, y > 0)) == ["DivergenceGuard"]
    assert callback(own, "DivergenceGuard").restore
    off = RNNRegressor(max_epochs=1, callbacks=[("divergence_guard", None)]).fit(X, y)
    assert guards(off) == []
    # The guard is the reason for the error; without it training runs on to NaN weights.
    reg, X, y = diverging_regressor(lr=0.05, callbacks=[("divergence_guard", None)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert not np.isfinite(reg.fit(X, y).predict(X)).any()

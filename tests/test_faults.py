"""Faults during and around training: interruption, and predicting from several threads."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from skorch.callbacks import Callback

from sklrnn import RNNClassifier, RNNRegressor

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 6, 2)).astype(np.float32)
y = X[:, :, 0].mean(axis=1)


class InterruptAt(Callback):
    """Raise KeyboardInterrupt (Ctrl-C) as epoch ``epoch`` (counted from 1) begins, once."""

    def __init__(self, epoch):
        self.epoch = epoch

    def initialize(self):
        self.fired_ = False
        return self

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.epoch and not self.fired_:
            self.fired_ = True
            raise KeyboardInterrupt


@pytest.mark.parametrize("estimator", [RNNRegressor, RNNClassifier])
def test_ctrl_c_during_fit_keeps_the_network_trained_so_far(estimator):
    target = y if estimator is RNNRegressor else np.where(y > 0, "up", "down")
    model = estimator(hidden_size=4, max_epochs=10, warm_start=True, random_state=0,
                      callbacks=[InterruptAt(3)])
    model.fit(X, target)
    assert "train_loss" in model.history_[1] and "train_loss" not in model.history_[2]
    predictions = model.predict(X)
    assert predictions.shape == target.shape
    if estimator is RNNRegressor:
        assert np.isfinite(predictions).all()
    # warm_start continues from those weights, for max_epochs more.
    model.fit(X, target)
    assert len(model.history_) == 13


def test_ctrl_c_with_early_stopping_restores_the_best_weights_so_far():
    # lr 0.3 overshoots: the validation loss is lowest at epoch 2 of the 6 completed.
    model = RNNRegressor(hidden_size=4, max_epochs=10, lr=0.3, early_stopping=True,
                         validation_fraction=0.25, patience=20, random_state=0,
                         callbacks=[InterruptAt(7)]).fit(X, y)
    losses = model.history_[:-1, "valid_loss"]  # the 7th epoch was interrupted
    assert len(losses) == 6
    best = int(np.argmin(losses))
    assert best < 5
    # The restored network's validation loss is the best epoch's, not the last one's.
    X_valid, y_valid = X[-10:], y[-10:]
    loss = np.mean((model.predict(X_valid) - y_valid) ** 2)
    assert loss == pytest.approx(losses[best], rel=1e-4)


def test_predictions_from_several_threads_at_once_equal_sequential_ones():
    model = RNNRegressor(hidden_size=8, max_epochs=2, batch_size=8, random_state=0).fit(X, y)
    parts = [X[i::4] for i in range(4)] * 4
    expected = [model.predict(part) for part in parts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(model.predict, parts))
    for e, g in zip(expected, got, strict=True):
        np.testing.assert_array_equal(g, e)

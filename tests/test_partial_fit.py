"""partial_fit (one epoch a call, state kept), progress output, and MLP's views of history_."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from sklrnn import RNNClassifier, RNNRegressor
from sklrnn.preprocessing import make_windows

RNG = np.random.default_rng(0)
X = RNG.normal(size=(240, 8, 1))
Y = X[:, :, 0].sum(axis=1)
LABELS = np.where(Y > 0, "up", "down")
SMALL = dict(hidden_size=8, batch_size=32, lr=0.01, random_state=0)


def _chunks(n, k):
    return np.array_split(np.arange(n), k)


@pytest.mark.parametrize("seed", [0, 1])
def test_partial_fit_over_chunks_reaches_the_score_of_fit(seed):
    epochs = 12
    fit = RNNRegressor(**dict(SMALL, random_state=seed), max_epochs=epochs, lr_schedule=None,
                       early_stopping=False).fit(X[:200], Y[:200])
    partial = RNNRegressor(**dict(SMALL, random_state=seed))
    for _ in range(epochs):
        for chunk in _chunks(200, 4):
            partial.partial_fit(X[chunk], Y[chunk])
    assert partial.n_iter_ == 4 * epochs
    fit_score, partial_score = fit.score(X[200:], Y[200:]), partial.score(X[200:], Y[200:])
    assert fit_score > 0.8
    assert abs(partial_score - fit_score) < 0.1


def test_partial_fit_keeps_the_network_and_the_optimizer_state():
    reg = RNNRegressor(**SMALL).partial_fit(X, Y)
    net, optimizer = reg.net_, reg.net_.optimizer_
    steps = optimizer.state_dict()["state"][0]["step"].item()
    weights = reg.net_.module_.state_dict()["head.weight"].clone()
    reg.partial_fit(X, Y)
    assert reg.net_ is net and reg.net_.optimizer_ is optimizer
    assert optimizer.state_dict()["state"][0]["step"].item() == 2 * steps
    assert not np.allclose(reg.net_.module_.state_dict()["head.weight"], weights)
    assert [group["lr"] for group in optimizer.param_groups] == [SMALL["lr"]]
    assert len(reg.history_) == 2 and reg.max_epochs_ == 1 and not reg.do_early_stopping_


def test_partial_fit_continues_a_fit_at_the_constant_rate():
    reg = RNNRegressor(**SMALL, max_epochs=3, early_stopping=True).fit(X, Y)
    assert reg.history_[-1]["lr"] < SMALL["lr"]  # the cosine schedule ended low
    reg.partial_fit(X, Y)
    assert len(reg.history_) == 4 and reg.history_[-1]["lr"] == SMALL["lr"]
    assert "valid_loss" not in reg.history_[-1]  # nothing held out
    # A warm start after it schedules again.
    reg.set_params(warm_start=True, max_epochs=2).fit(X, Y)
    assert reg.history_[-1]["lr"] < SMALL["lr"]


def test_partial_fit_is_one_epoch_even_with_max_epochs_set():
    reg = RNNRegressor(**SMALL, max_epochs=50).partial_fit(X[:64], Y[:64], classes=None)
    assert reg.n_iter_ == 1
    with pytest.raises(ValueError, match="takes no classes.*RNNClassifier"):
        reg.partial_fit(X[:64], Y[:64], classes=[0, 1])
    assert reg.n_iter_ == 1


def test_classifier_partial_fit_needs_the_classes_first():
    clf = RNNClassifier(**SMALL)
    with pytest.raises(ValueError, match="first call of partial_fit needs classes"):
        clf.partial_fit(X, LABELS)
    assert not hasattr(clf, "net_")
    # A chunk may lack a class; the network still has an output for each.
    only_up = LABELS == "up"
    clf.partial_fit(X[only_up], LABELS[only_up], classes=["up", "down"])
    assert clf.classes_.tolist() == ["down", "up"]
    assert clf.predict_proba(X[:2]).shape == (2, 2)
    with pytest.raises(ValueError, match=r"classes=\['a', 'b'\] differs"):
        clf.partial_fit(X, LABELS, classes=["a", "b"])
    with pytest.raises(ValueError, match=r"\['sideways'\] not in classes_"):
        clf.partial_fit(X[:3], ["up", "sideways", "down"])
    for _ in range(15):
        for chunk in _chunks(200, 4):
            clf.partial_fit(X[chunk], LABELS[chunk])
    assert clf.score(X[200:], LABELS[200:]) > 0.8


def test_classifier_partial_fit_refuses_balanced_class_weight():
    with pytest.raises(ValueError, match="'balanced' is not supported by partial_fit"):
        RNNClassifier(**SMALL, class_weight="balanced").partial_fit(X, LABELS,
                                                                    classes=["down", "up"])


def test_partial_fit_takes_weights_ragged_input_and_refuses_another_network():
    ragged = [x[: 3 + i % 5] for i, x in enumerate(X)]
    reg = RNNRegressor(**SMALL, architecture="seq2seq")
    steps = [np.cumsum(x[:, 0]) for x in ragged]
    reg.partial_fit(ragged[:100], steps[:100], sample_weight=np.arange(100) % 3)
    reg.partial_fit(ragged[100:], steps[100:])
    assert [len(p) for p in reg.predict(ragged[:3])] == [3, 4, 5]
    reg.set_params(hidden_size=4)
    with pytest.raises(ValueError, match=r"partial_fit continues the fitted network, built "
                                         r"with hidden_size=8.*call fit"):
        reg.partial_fit(ragged, steps)
    assert reg.n_iter_ == 2


def test_a_stream_of_windows_trains_without_the_series():
    """Chunks of a long series arrive one by one; each trains on its windows only."""
    def stream(n_chunks, length=400, seed=0):
        rng = np.random.default_rng(seed)
        for _ in range(n_chunks):
            t = rng.uniform(0, 100) + np.arange(length)
            yield np.sin(t / 5) + 0.05 * rng.normal(size=length)

    reg = RNNRegressor(**SMALL)
    for epoch in range(3):
        for chunk in stream(10, seed=epoch):
            windows, targets = make_windows(chunk, 12)
            reg.partial_fit(windows, targets)
    test_windows, test_targets = make_windows(next(stream(1, seed=99)), 12)
    assert reg.score(test_windows, test_targets) > 0.9


def test_verbose_shows_a_progress_bar_and_the_table_only(capfd):
    reg = RNNRegressor(**SMALL, max_epochs=2, verbose=1).fit(X, Y)
    out, err = capfd.readouterr()
    assert "Re-initializing" not in out + err
    assert "train_loss" in out and "epoch" in out  # skorch's table
    assert "it/s" in err  # tqdm's bar
    reg.predict(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        RNNRegressor(**SMALL, max_epochs=2).fit(X, Y).predict(X)
    assert capfd.readouterr() == ("", "")


def test_the_history_reads_as_mlp_attributes():
    mlp = MLPRegressor(max_iter=3, early_stopping=True).fit(X[:, :, 0], Y)
    reg = RNNRegressor(**SMALL, max_epochs=3, early_stopping=True).fit(X, Y)
    for name in ("loss_curve_", "validation_scores_", "best_validation_score_", "n_iter_"):
        assert type(getattr(reg, name)) is type(getattr(mlp, name)), name
    assert reg.best_loss_ is None is mlp.best_loss_
    assert reg.loss_curve_ == list(reg.history_[:, "train_loss"])
    # The held-out R² agrees with score on the held-out rows (the last 10%).
    assert reg.validation_scores_[-1] == pytest.approx(reg.score(X[-24:], Y[-24:]), abs=1e-5)
    assert reg.best_validation_score_ == max(reg.validation_scores_)
    plain = RNNRegressor(**SMALL, max_epochs=2, early_stopping=False).fit(X, Y)
    assert plain.validation_scores_ is None and plain.best_validation_score_ is None
    assert plain.best_loss_ == min(plain.loss_curve_) and plain.n_iter_ == 2
    clf = RNNClassifier(**SMALL, max_epochs=2, early_stopping=True).fit(X, LABELS)
    assert clf.validation_scores_ == list(clf.history_[:, "valid_acc"])
    with pytest.raises(AttributeError):
        RNNRegressor().loss_curve_  # noqa: B018

"""Budget-aware hyperparameter search over sklrnn's estimators.

scikit-learn's successive halving with epochs as the resource
(``HalvingRandomSearchCV(..., resource="max_epochs")``), Optuna's scikit-learn search
(``optuna_integration.OptunaSearchCV``), and the pruning of unpromising Optuna trials
during training through ``optuna_integration.SkorchPruningCallback`` in ``callbacks``. The
Optuna tests need the ``optuna`` extra and are skipped without it.
"""

import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingRandomSearchCV
from sklearn.pipeline import Pipeline
from skorch.callbacks import Callback

from sklrnn import RNNClassifier, RNNRegressor
from sklrnn.preprocessing import SequenceScaler

# Short rungs of a search stop before the loss has settled, by design.
pytestmark = [pytest.mark.filterwarnings("ignore", category=ConvergenceWarning),
              pytest.mark.usefixtures("one_torch_thread")]

TINY = dict(hidden_size=8, batch_size=64, random_state=0)


def sign_task(n, seed):
    """Sequences of 6 steps labelled by the sign of their sum: learnt in a few epochs."""
    X = np.random.default_rng(seed).normal(size=(n, 6, 1)).astype(np.float32)
    return X, (X[:, :, 0].sum(axis=1) > 0).astype(int)


class _EpochCounter(Callback):
    """Keeps the epochs of every fit in a class attribute (estimators copy callbacks)."""

    epochs = []

    def on_train_end(self, net, **kwargs):
        type(self).epochs.append(len(net.history))


# -- successive halving over epochs ---------------------------------------------------------

def test_halving_spends_epochs_as_the_resource_and_refits_with_the_most():
    X, y = sign_task(60, seed=0)
    _EpochCounter.epochs = []
    grid = {"lr": [1e-4, 1e-3, 3e-2], "hidden_size": [4, 8, 16]}
    search = HalvingRandomSearchCV(
        RNNClassifier(**TINY, callbacks=[_EpochCounter()]), grid, resource="max_epochs",
        n_candidates=9, min_resources=2, max_resources=18, factor=3, cv=2, random_state=0)
    search.fit(X, y)

    assert search.n_resources_ == [2, 6, 18]
    assert search.n_candidates_ == [9, 3, 1]
    params = search.cv_results_["params"]
    assert sorted((p["lr"], p["hidden_size"]) for p in params[:9]) == sorted(
        (lr, size) for lr in grid["lr"] for size in grid["hidden_size"])
    assert list(search.cv_results_["param_max_epochs"]) == [2] * 9 + [6] * 3 + [18]
    # The epochs reached the network: every fold of every rung, then the refit.
    assert sorted(_EpochCounter.epochs) == [2] * 18 + [6] * 6 + [18] * 3
    best = search.best_params_
    assert best["lr"] in grid["lr"] and best["hidden_size"] in grid["hidden_size"]
    assert best["max_epochs"] == search.max_resources_ == 18
    assert search.best_estimator_.max_epochs_ == 18
    assert len(search.best_estimator_.history_) == 18
    # The survivor of the last rung learnt the task (chance: 0.5).
    assert search.best_score_ > 0.8
    X_test, y_test = sign_task(200, seed=1)
    assert search.score(X_test, y_test) > 0.8


def test_halving_over_epochs_of_a_regressor_in_a_pipeline():
    X, y = sign_task(48, seed=2)
    target = X[:, :, 0].mean(axis=1)
    pipe = Pipeline([("scale", SequenceScaler()), ("rnn", RNNRegressor(**TINY))])
    search = HalvingRandomSearchCV(
        pipe, {"rnn__lr": loguniform(1e-3, 1e-1)}, resource="rnn__max_epochs",
        n_candidates=4, min_resources=5, max_resources=20, factor=2, cv=2, random_state=0)
    search.fit(X, target)

    assert search.n_resources_ == [5, 10, 20]
    assert search.n_candidates_ == [4, 2, 1]
    assert 1e-3 <= search.best_params_["rnn__lr"] <= 1e-1
    assert search.best_params_["rnn__max_epochs"] == 20
    assert search.best_estimator_.named_steps["rnn"].max_epochs_ == 20
    # More epochs, better fits: the last rung's candidate beats the first rung's mean.
    scores = search.cv_results_["mean_test_score"]
    rungs = np.asarray(search.cv_results_["iter"])
    assert scores[rungs == 2].max() > scores[rungs == 0].mean()


# -- Optuna ---------------------------------------------------------------------------------

def test_optuna_search_cv_finds_a_model_that_learnt_the_task():
    optuna = pytest.importorskip("optuna")
    optuna_integration = pytest.importorskip("optuna_integration")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    X, y = sign_task(60, seed=0)
    search = optuna_integration.OptunaSearchCV(
        RNNClassifier(**TINY, max_epochs=15),
        {"lr": optuna.distributions.FloatDistribution(1e-3, 1e-1, log=True),
         "hidden_size": optuna.distributions.IntDistribution(4, 16)},
        n_trials=4, cv=2, random_state=0)
    search.fit(X, y)

    trials = search.study_.trials
    assert len(trials) == 4
    assert all(trial.state == optuna.trial.TrialState.COMPLETE for trial in trials)
    assert 1e-3 <= search.best_params_["lr"] <= 1e-1
    assert 4 <= search.best_params_["hidden_size"] <= 16
    assert search.best_estimator_.hidden_size == search.best_params_["hidden_size"]
    assert search.best_score_ > 0.8
    X_test, y_test = sign_task(200, seed=1)
    assert search.score(X_test, y_test) > 0.8


MAX_EPOCHS = 12


def _study_with_a_good_then_a_bad_trial(callback_class):
    """Run a good trial (lr=0.05) and then a hopeless one (lr=1e-6) with pruning."""
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    X, y = sign_task(80, seed=0)
    fitted = {}

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-6, 1e-1, log=True)
        pruning = callback_class(trial, "valid_loss")
        clf = RNNClassifier(**TINY, lr=lr, max_epochs=MAX_EPOCHS, early_stopping=True,
                            validation_fraction=0.25, patience=MAX_EPOCHS,
                            callbacks=[("pruning", pruning)])
        fitted[trial.number] = clf
        clf.fit(X, y)
        return min(clf.history_[:, "valid_loss"])

    study = optuna.create_study(direction="minimize", pruner=optuna.pruners.MedianPruner(
        n_startup_trials=1, n_warmup_steps=2))
    study.enqueue_trial({"lr": 0.05})
    study.enqueue_trial({"lr": 1e-6})
    study.optimize(objective, n_trials=2)
    return study, fitted


def _assert_the_bad_trial_was_pruned(study, fitted):
    from optuna.trial import TrialState

    good, bad = study.trials
    assert good.state == TrialState.COMPLETE
    # The callback reported the validation loss of every epoch to the study's own trial.
    assert sorted(good.intermediate_values) == list(range(MAX_EPOCHS))
    assert good.value == pytest.approx(min(good.intermediate_values.values()))
    assert bad.state == TrialState.PRUNED
    # Stopped right after the warm-up, with most of the epoch budget left unspent.
    assert sorted(bad.intermediate_values) == [0, 1, 2]
    assert bad.intermediate_values[2] > good.intermediate_values[2]
    # A pruned fit, like any failed fit, leaves no fitted network behind.
    assert hasattr(fitted[0], "net_") and not hasattr(fitted[1], "net_")


def test_skorch_pruning_callback_prunes_a_hopeless_trial():
    optuna_integration = pytest.importorskip("optuna_integration")
    study, fitted = _study_with_a_good_then_a_bad_trial(
        optuna_integration.SkorchPruningCallback)
    _assert_the_bad_trial_was_pruned(study, fitted)


def test_optuna_search_cv_prunes_through_partial_fit():
    optuna = pytest.importorskip("optuna")
    optuna_integration = pytest.importorskip("optuna_integration")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    X, y = sign_task(60, seed=0)
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.MedianPruner(
        n_startup_trials=1, n_warmup_steps=2))
    study.enqueue_trial({"lr": 0.05})
    study.enqueue_trial({"lr": 1e-6})
    search = optuna_integration.OptunaSearchCV(
        RNNClassifier(**TINY, max_epochs=10),  # max_epochs: the refit's, with fit
        {"lr": optuna.distributions.FloatDistribution(1e-6, 1e-1, log=True)},
        enable_pruning=True, max_iter=10, n_trials=2, cv=2, study=study)
    search.fit(X, y)

    good, bad = search.study_.trials
    # One partial_fit call is one epoch: the good trial scored after each of its 10.
    assert good.state == optuna.trial.TrialState.COMPLETE
    assert sorted(good.intermediate_values) == list(range(10))
    assert bad.state == optuna.trial.TrialState.PRUNED
    assert len(bad.intermediate_values) < 10
    assert search.best_params_ == {"lr": 0.05}
    assert search.best_score_ > 0.8

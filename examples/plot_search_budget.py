"""
Budget-aware search: grid search, successive halving and Optuna with pruning
============================================================================

A grid search trains every candidate for the whole training budget, the hopeless ones too.
Two ways to spend fewer epochs on them:

* **Successive halving** (:class:`~sklearn.model_selection.HalvingRandomSearchCV` with
  ``resource="max_epochs"``) trains many candidates for a few epochs, keeps the best third,
  trains those three times as long, and so on, until the last few get the whole budget.
* **Optuna with pruning** (`Optuna <https://optuna.org>`_, ``pip install sklrnn[optuna]``)
  picks each trial's hyperparameters from the trials before it, and
  ``optuna_integration.SkorchPruningCallback`` in ``callbacks`` stops a trial in the middle
  of its training when its validation loss, epoch by epoch, falls behind the earlier
  trials' at the same epoch.

We search the same hyperparameters -- the learning rate and the number of hidden units of
an LSTM classifier -- in all three ways, and compare the wall time each takes and the test
accuracy of the model each picks.

**ItalyPowerDemand** (shipped with sktime): 24 hourly readings of Italy's electricity
demand per day; the task is to tell winter days (October to March) from summer days. 67
days to train on, 1029 to test on.
"""

import time
import warnings
from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np
import optuna
import torch
from optuna_integration import SkorchPruningCallback
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    GridSearchCV,
    HalvingRandomSearchCV,
    StratifiedShuffleSplit,
)
from sktime.datasets import load_italy_power_demand

from sklrnn import RNNClassifier

# sktime stores panels channels-first, (N, D, T); sklrnn takes (N, T, D).
X_train, y_train = load_italy_power_demand(split="train",
                                           return_type="numpy3D")
X_test, y_test = load_italy_power_demand(split="test",
                                         return_type="numpy3D")
X_train, X_test = X_train.transpose(0, 2, 1), X_test.transpose(0, 2, 1)
print(f"train {X_train.shape}, test {X_test.shape}")

# %%
# The same budget and the same yardstick for all three
# ----------------------------------------------------
# Every candidate may train for at most ``EPOCHS`` epochs of batches of 16 days. Each method
# judges a candidate by its **log loss on a third of the training days** held out, and
# trains it on the other two thirds: the grid and halving through a single stratified
# split as ``cv``, the Optuna trials through ``early_stopping=True`` with
# ``validation_fraction=1/3`` (the estimators' own stratified hold-out, whose loss skorch
# records as ``valid_loss`` every epoch). ``patience=EPOCHS`` keeps early stopping from
# ending a trial: only the pruner may. The log loss rather than accuracy, because on 22 or
# 23 validation days accuracy moves in steps of 4% and ties easily.
#
# The winner of each search is then refitted on all 67 training days for the epochs it was
# chosen with, and scored on the 1029 test days, which no search saw.
#
# The searches run one fit at a time, on one PyTorch thread (small recurrent networks use
# more threads poorly). Short rungs of halving and pruned trials stop before the training
# loss has settled; that is the point, so ``timed`` silences their ``ConvergenceWarning``.
EPOCHS = 81
SEED = 0
base = RNNClassifier(cell="lstm", batch_size=16, max_epochs=EPOCHS,
                     random_state=SEED)
holdout = StratifiedShuffleSplit(n_splits=1, test_size=1 / 3,
                                 random_state=SEED)
hidden_sizes = [4, 8, 16, 32]
optuna.logging.set_verbosity(optuna.logging.WARNING)
results = {}


@contextmanager
def timed(name):
    """Time a search on one PyTorch thread.

    The short fits' ConvergenceWarning is silenced.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            yield
    finally:
        torch.set_num_threads(threads)
    results[name] = {"seconds": time.perf_counter() - start}


# %%
# Grid search
# -----------
# Seven learning rates from 1e-4 to 0.1, three per decade, times four sizes: 28 candidates,
# each trained for the whole budget.
grid = GridSearchCV(base, {"lr": np.geomspace(1e-4, 1e-1, 7).tolist(),
                           "hidden_size": hidden_sizes},
                    cv=holdout, scoring="neg_log_loss")
with timed("grid search"):
    grid.fit(X_train, y_train)
results["grid search"].update(
    candidates=len(grid.cv_results_["params"]),
    epochs=EPOCHS * len(grid.cv_results_["params"]) + EPOCHS,
    params=grid.best_params_,
    accuracy=grid.best_estimator_.score(X_test, y_test))

# %%
# Successive halving over epochs
# ------------------------------
# ``resource="max_epochs"`` makes the number of epochs the budget that halving hands out,
# from ``min_resources=3`` up to ``max_resources=EPOCHS`` (both must be given when the
# resource is a parameter: scikit-learn cannot guess them). With ``factor=3`` and 27
# random candidates: 27 train for 3 epochs, the best 9 for 9, the best 3 for 27, and the
# best one for all 81. Each rung trains its candidates from scratch -- a fit with 27 epochs
# is a new fit, its learning rate falling along a cosine over those 27 epochs -- so the
# whole search trains 27 * 3 + 9 * 9 + 3 * 27 + 81 = 324 epochs, against the grid's 2268.
halving = HalvingRandomSearchCV(
    base, {"lr": loguniform(1e-4, 1e-1), "hidden_size": hidden_sizes},
    resource="max_epochs", min_resources=3, max_resources=EPOCHS, factor=3,
    n_candidates=27, cv=holdout, scoring="neg_log_loss", random_state=SEED)
with timed("halving"):
    halving.fit(X_train, y_train)
results["halving"].update(
    candidates=halving.n_candidates_[0],
    epochs=(sum(n * r for n, r in zip(halving.n_candidates_,
                                      halving.n_resources_, strict=True))
            + halving.best_params_["max_epochs"]),
    params=halving.best_params_,
    accuracy=halving.best_estimator_.score(X_test, y_test))
print("rungs: candidates", halving.n_candidates_,
      "epochs", halving.n_resources_)

# %%
# Optuna with pruning
# -------------------
# An Optuna *objective* trains one candidate and returns its score; the study calls it once
# per trial with hyperparameters drawn by its sampler (TPE: random for the first 10 trials,
# then more and more often near the best ones). ``SkorchPruningCallback(trial,
# "valid_loss")`` reports the validation loss after every epoch, and raises
# ``optuna.TrialPruned`` when the pruner says so; the exception goes through ``fit``
# (which keeps nothing of the pruned network) and Optuna records the trial as pruned.
#
# The pruner is Optuna's ``HyperbandPruner`` with halving's rungs (``min_resource=3``,
# ``reduction_factor=3``): at about 3, 9 and 27 epochs, a trial goes on only if its
# validation loss is among the best third of the losses that the trials before it had
# there. Unlike halving, it judges each trial while it runs, against the trials before it.
# And it hedges against judging too early: it deals the trials out to four *brackets*,
# which start pruning at 3, 9 and 27 epochs, and not at all.


def objective(trial):
    clf = clone(base).set_params(
        lr=trial.suggest_float("lr", 1e-4, 1e-1, log=True),
        hidden_size=trial.suggest_categorical("hidden_size", hidden_sizes),
        early_stopping=True, validation_fraction=1 / 3, patience=EPOCHS,
        callbacks=[("pruning", SkorchPruningCallback(trial, "valid_loss"))])
    clf.fit(X_train, y_train)
    return min(clf.history_[:, "valid_loss"])


# The pruner deals the trials out to brackets by a hash of the study's name
# and the trial's number: a fixed name, like the sampler's seed, makes the
# search repeatable.
study = optuna.create_study(
    study_name="italy-power-demand", direction="minimize",
    sampler=optuna.samplers.TPESampler(seed=SEED),
    pruner=optuna.pruners.HyperbandPruner(
        min_resource=3, max_resource=EPOCHS, reduction_factor=3))
with timed("Optuna, pruning"):
    study.optimize(objective, n_trials=27)
    best = clone(base).set_params(**study.best_params).fit(X_train, y_train)
results["Optuna, pruning"].update(
    candidates=len(study.trials),
    epochs=(sum(len(trial.intermediate_values) for trial in study.trials)
            + EPOCHS),
    params=study.best_params, accuracy=best.score(X_test, y_test))
pruned = study.get_trials(states=[optuna.trial.TrialState.PRUNED])
print(f"{len(pruned)} of {len(study.trials)} trials pruned")

# %%
# The results
# -----------
for name, result in results.items():
    params = result["params"]
    print(f"{name:16s} {result['seconds']:5.1f} s  "
          f"{result['candidates']:2d} candidates  "
          f"{result['epochs']:4d} epochs  best lr {params['lr']:.4f}, "
          f"{params['hidden_size']:2d} units  "
          f"test accuracy {result['accuracy']:.4f}")

fig, (ax_time, ax_trials) = plt.subplots(1, 2, figsize=(11, 4))
names = list(results)
seconds = [results[name]["seconds"] for name in names]
bars = ax_time.barh(names, seconds, color=["C0", "C1", "C2"])
for bar, name in zip(bars, names, strict=True):
    ax_time.text(bar.get_width(), bar.get_y() + bar.get_height() / 2,
                 f"  {results[name]['epochs']} epochs\n"
                 f"  test accuracy {results[name]['accuracy']:.3f}",
                 va="center")
ax_time.invert_yaxis()
ax_time.set_xlim(0, 1.7 * max(seconds))
ax_time.set_xlabel("wall time of the search and the refit (s)")
ax_time.set_title("ItalyPowerDemand: the same search, three ways")

for trial in study.trials:
    steps = sorted(trial.intermediate_values)
    losses = [trial.intermediate_values[step] for step in steps]
    was_pruned = trial.state == optuna.trial.TrialState.PRUNED
    ax_trials.plot(np.array(steps) + 1, losses,
                   color="C3" if was_pruned else "C2", alpha=0.6,
                   linewidth=1)
ax_trials.plot([], [], color="C2", label="finished")
ax_trials.plot([], [], color="C3", label="pruned")
ax_trials.set_yscale("log")
ax_trials.set_xlabel("epoch")
ax_trials.set_ylabel("validation loss (cross-entropy)")
ax_trials.set_title("Optuna's trials, epoch by epoch")
ax_trials.legend()
fig.tight_layout()
plt.show()

# %%
# All three searches picked a model that classifies about 97% of the 1029 test days right.
# The differences between them are a few days: with 22 or 23 validation days, which of the
# good candidates a search ends up with is partly luck. They differ in what that cost. Halving
# trained 405 epochs, a sixth of the grid's 2349, and took a fraction of its time. Optuna
# with pruning came in between, in epochs and in time. It trains some trials to the end
# whatever their loss: those of the bracket that never prunes, and the first trials of each
# bracket, which have no earlier trials to lose against (the flat green curves at the top
# right). Its pruned trials ran 4, 10 or 28 epochs before they stopped, and every epoch of a
# trial also computes the validation loss. The same order held with the seeds 1, 2 and 3
# (other validation thirds, candidates and initial weights).
#
# Which to use
# ------------
# * A grid is fine for a few candidates, and the only one of the three that tries every
#   combination given.
# * Halving is the cheapest way to try many candidates, with nothing to install. It judges
#   the first rung after a few epochs, which favours candidates that learn fast (high
#   learning rates) over those that learn well; a larger ``min_resources`` judges later, at
#   a higher cost.
# * Optuna suits larger search spaces, where its sampler learns from earlier trials, and
#   long trainings, where stopping a hopeless trial early saves most. It needs neither
#   rungs that wait for each other nor one process: trials can run in parallel
#   (``n_jobs``) or on several machines sharing a study through a database.
#
# ``optuna_integration.OptunaSearchCV`` runs an Optuna study behind scikit-learn's search
# interface (``param_distributions`` of Optuna distributions, ``fit``, ``best_params_``,
# cross-validated scores), with no objective to write; :doc:`the user guide
# </user_guide/model_selection>` shows it.

"""Quality of the defaults: ``RNNClassifier`` and ``RNNForecaster`` as a new user writes them.

What it measures
----------------
Classification. Five data sets shipped by sktime, with their official train/test splits:
GunPoint, OSULeaf, ItalyPowerDemand (univariate), BasicMotions (6 channels) and
JapaneseVowels (12 channels, utterances of 7-29 frames, passed ragged). The sklrnn model is
exactly what a new user writes, ``make_pipeline(SequenceScaler(), RNNClassifier(
random_state=seed))`` with no other parameter, so the table follows whatever the defaults are;
for JapaneseVowels also the documented recipe of ``examples/plot_japanese_vowels.py`` (soft
voting of a bidirectional GRU and LSTM). Both run over seeds 0 .. seeds-1. Against them, in
the same run:

* 1-NN DTW: sktime's ``KNeighborsTimeSeriesClassifier(n_neighbors=1, distance="dtw")``, full
  warping window, deterministic, fitted once. Its string distances refuse unequal lengths, so
  for JapaneseVowels it is given, as a callable, the distance of sktime's numba
  ``dtw_distance`` (dependent DTW: squared Euclidean distance between frames; equal to it to
  rounding) compiled over all pairs at once, which handles two lengths exactly.
* ROCKET: ``RocketClassifier`` with its default 10,000 kernels, one fit per seed. It refuses
  unequal lengths: JapaneseVowels is zero-padded at the end to the longest utterance of
  either split (29 frames) by sktime's ``PaddingTransformer``.

Printed per data set: its sizes, the accuracies published for the same split (1-NN DTW, FCN
and ResNet from Fawaz et al. 2019, "Deep learning for time series classification: a review";
ROCKET from Dempster et al. 2020; "-" where none is given here), then test accuracy: sklrnn's
mean over seeds with its minimum and maximum and its mean fit time, 1-NN DTW's, ROCKET's mean
over seeds, and the baselines' fit + predict times. The goals (issue 18), judged on the
defaults rows: mean accuracy at or above 1-NN DTW on every data set; within 5 points of ROCKET
on at least three; seed-to-seed spread (max - min) below 3 points on every data set. A last
line counts the goals met.

Forecasting. ``RNNForecaster(random_state=seed)``, defaults again, over the same seeds:

* Airline (sktime's ``load_airline``, 144 months): fitted on all but the last 36 months,
  forecast 1..36 months ahead. The last 36 months are the test split: nothing is chosen on
  them.
* The synthetic panel of ``bench_forecaster.py`` (``make_panel``: 200 seasonal monthly series
  of random phase, level and scale, plus noise): 120 training steps per series, the next 24
  held out and forecast 1..24 ahead.

Against sktime's ``NaiveForecaster(strategy="last")``, seasonal naive (``sp=12``),
``AutoETS(auto=True, sp=12)`` and ``ThetaForecaster(sp=12)`` (on the panel, whose series take
negative values, Theta deseasonalizes additively: the multiplicative default needs positive
data). The score is the MASE, sktime's ``mean_absolute_scaled_error`` with ``y_train`` and
``sp=1`` (the error over the mean absolute in-sample one-step naive error), averaged over the
series of the panel; below 1 means better than that naive in-sample. Printed: MASE per method
(sklrnn: mean, minimum and maximum over seeds), fit time, and whether sklrnn's mean MASE is at
most the naive forecast's and at most Theta's.

Every method gets ``--threads`` (torch's intra-op threads, ROCKET's and 1-NN's ``n_jobs``,
AutoETS's ``n_jobs``), 1 by default. Numba compiles on first use; each baseline is run once on
a few samples before it is timed.

Run
---
::

    python benchmarks/bench_quality.py                  # everything, 3 seeds
    python benchmarks/bench_quality.py --only classification --datasets GunPoint OSULeaf
    python benchmarks/bench_quality.py --only classification --baselines-only
    python benchmarks/bench_quality.py --quick          # smoke test: 1 seed, 5 epochs

The full run takes about 10 minutes on 2 cores with one thread, 8 of them the baselines
(ROCKET's 15 fits, AutoETS on the panel); sklrnn's 21 fits take 2; ``--quick``
(ItalyPowerDemand and Airline, one seed, 5 epochs, 1,000 ROCKET kernels) under a minute.
Its figures mean nothing.
"""

import argparse
import os
import statistics
import time
import warnings

import numba
import numpy as np
import torch
from _common import load_average, machine_line, print_load
from bench_forecaster import make_panel
from sklearn.ensemble import VotingClassifier
from sklearn.pipeline import make_pipeline
from sktime.classification.distance_based import KNeighborsTimeSeriesClassifier
from sktime.classification.kernel_based import RocketClassifier
from sktime.datasets import (
    load_airline,
    load_basic_motions,
    load_gunpoint,
    load_italy_power_demand,
    load_japanese_vowels,
    load_osuleaf,
)
from sktime.forecasting.ets import AutoETS
from sktime.forecasting.naive import NaiveForecaster
from sktime.forecasting.theta import ThetaForecaster
from sktime.performance_metrics.forecasting import mean_absolute_scaled_error
from sktime.transformations.panel.padder import PaddingTransformer

from sklrnn import RNNClassifier
from sklrnn.forecasting import RNNForecaster
from sklrnn.preprocessing import SequenceScaler

LOADERS = {
    "GunPoint": load_gunpoint,
    "OSULeaf": load_osuleaf,
    "ItalyPowerDemand": load_italy_power_demand,
    "BasicMotions": load_basic_motions,
    "JapaneseVowels": load_japanese_vowels,
}
#: Published test accuracies on the official splits, (1-NN DTW, ROCKET, FCN, ResNet): 1-NN
#: DTW (full window), FCN and ResNet from Fawaz et al. 2019, ROCKET from Dempster et al. 2020.
PUBLISHED = {
    "GunPoint": (0.907, 1.000, 1.000, 0.991),
    "OSULeaf": (0.591, 0.941, 0.977, 0.979),
    "ItalyPowerDemand": (0.950, 0.970, 0.961, 0.963),
}
#: The recipe of examples/plot_japanese_vowels.py (its ``make_model``): soft voting of these
#: two bidirectional networks, each with SHARED, after a SequenceScaler. Keep in step with it.
RECIPE_SHARED = dict(hidden_size=64, bidirectional=True, pooling="max", lr=0.005,
                     batch_size=16, max_epochs=60)
RECIPE_MEMBERS = {"gru": dict(cell="gru", dropout=0.5), "lstm": dict(cell="lstm", dropout=0.3)}
JV_PAD = 29  # the longest JapaneseVowels utterance, train or test
FORECASTS = ("Airline", "SyntheticPanel")
AIRLINE_TEST = 36
PANEL_SERIES, PANEL_LENGTH, PANEL_HORIZON = 200, 120, 24
QUICK_EPOCHS, QUICK_KERNELS = 5, 1000

# Before numba starts its first parallel region (ROCKET's transform). Its default threading
# layer here, OpenMP, slowed torch in the same process about 200 times once it had run (5
# epochs on ItalyPowerDemand: 11 s instead of 0.05 s, one torch thread, 2 cores); its
# workqueue layer does not. NUMBA_THREADING_LAYER, where set, still decides.
if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"


# --------------------------------------------------------------------------- classification
def load(name):
    """Official splits: (train and test as sklrnn takes them, as sktime takes them), labels."""
    loader = LOADERS[name]
    if name == "JapaneseVowels":  # ragged: the pd-multiindex panel goes to both as it is
        X, y = loader(split="train", return_type="pd-multiindex")
        X_test, y_test = loader(split="test", return_type="pd-multiindex")
        lengths = np.concatenate([X.groupby(level=0).size(), X_test.groupby(level=0).size()])
        shape = (f"{lengths.min()}-{lengths.max()}", X.shape[1])
        return dict(rnn=(X, X_test), sk=(X, X_test), y=(y, y_test), shape=shape)
    X, y = loader(split="train", return_type="numpy3D")  # sktime: N x D x T
    X_test, y_test = loader(split="test", return_type="numpy3D")
    rnn = (X.transpose(0, 2, 1), X_test.transpose(0, 2, 1))  # sklrnn: N x T x D
    return dict(rnn=rnn, sk=(X, X_test), y=(y, y_test), shape=(str(X.shape[2]), X.shape[1]))


@numba.njit(cache=False)
def _dtw_all(A, a_ends, B, b_ends):
    """Full-window dependent DTW (squared Euclidean frame costs, as sktime's ``dtw_distance``)
    between every series of A and of B, series stacked as rows (T_i x D) ending at ``*_ends``.
    """
    out = np.empty((len(a_ends), len(b_ends)))
    for i in range(len(a_ends)):
        a = A[(a_ends[i - 1] if i else 0):a_ends[i]]
        for j in range(len(b_ends)):
            b = B[(b_ends[j - 1] if j else 0):b_ends[j]]
            cost = np.full((len(a) + 1, len(b) + 1), np.inf)
            cost[0, 0] = 0.0
            for s in range(1, len(a) + 1):
                for t in range(1, len(b) + 1):
                    d = ((a[s - 1] - b[t - 1]) ** 2).sum()
                    cost[s, t] = d + min(cost[s - 1, t], cost[s, t - 1], cost[s - 1, t - 1])
            out[i, j] = cost[len(a), len(b)]
    return out


def dtw_pairwise(X, X2):
    """Full-window DTW between every series of two pd-multiindex panels of unequal lengths.

    sktime's ``dtw_distance`` computes the same distance, but called once per pair from
    Python it took 19 ms a pair here (30 minutes for JapaneseVowels' 100,000 pairs); one
    compiled loop over all pairs takes seconds.
    """
    def stacked(panel):  # rows of all series, and where each series ends
        values = panel.to_numpy(dtype=np.float64)
        return values, np.cumsum(panel.groupby(level=0, sort=False).size().to_numpy())

    A, a_ends = stacked(X)
    B, b_ends = (A, a_ends) if X2 is None else stacked(X2)
    return _dtw_all(A, a_ends, B, b_ends)


def dtw(name, threads):
    """1-NN DTW, full window; for the ragged JapaneseVowels the same distance as a callable."""
    if name == "JapaneseVowels":
        return KNeighborsTimeSeriesClassifier(n_neighbors=1, distance=dtw_pairwise,
                                              distance_mtype="pd-multiindex", n_jobs=threads)
    return KNeighborsTimeSeriesClassifier(n_neighbors=1, distance="dtw", n_jobs=threads)


def rocket(name, seed, kernels, threads):
    """ROCKET with ``kernels`` kernels; JapaneseVowels zero-padded to equal length first."""
    model = RocketClassifier(num_kernels=kernels, random_state=seed, n_jobs=threads)
    if name == "JapaneseVowels":
        return PaddingTransformer(pad_length=JV_PAD) * model
    return model


def defaults(seed):
    """What a new user writes: scaler and classifier with every default."""
    return make_pipeline(SequenceScaler(), RNNClassifier(random_state=seed))


def recipe(seed):
    """``make_model`` of examples/plot_japanese_vowels.py."""
    return make_pipeline(SequenceScaler(), VotingClassifier(
        [(name, RNNClassifier(random_state=seed, **member, **RECIPE_SHARED))
         for name, member in RECIPE_MEMBERS.items()], voting="soft"))


def score(model, train, test, y, y_test, quick=False):
    """Fit ``model``; returns (test accuracy, fit seconds, fit + predict seconds)."""
    if quick and "rnnclassifier" in model.named_steps:
        model.set_params(rnnclassifier__max_epochs=QUICK_EPOCHS)
    elif quick:  # the recipe's voting classifier
        for _, member in model[-1].estimators:
            member.set_params(max_epochs=QUICK_EPOCHS)
    start = time.perf_counter()
    model.fit(train, y)
    fit = time.perf_counter() - start
    accuracy = float(np.mean(np.asarray(model.predict(test)) == np.asarray(y_test)))
    return accuracy, fit, time.perf_counter() - start


def sk_score(model, train, test, y, y_test):
    """Fit an sktime classifier; returns (test accuracy, fit + predict seconds)."""
    start = time.perf_counter()
    model.fit(train, y)
    accuracy = float(np.mean(model.predict(test) == y_test))
    return accuracy, time.perf_counter() - start


def warm_up(name, data, threads):
    """Compile the baselines' numba code on a few samples, so that it is not timed."""
    (X, X_test), (y, _) = data["sk"], data["y"]
    few = slice(0, 10)
    if name == "JapaneseVowels":
        keep = X.index.get_level_values(0).unique()[few]
        keep_test = X_test.index.get_level_values(0).unique()[few]
        X, X_test = X.loc[keep], X_test.loc[keep_test]
    else:
        X, X_test = X[few], X_test[few]
    with warnings.catch_warnings():  # a few samples may hold one class only
        warnings.simplefilter("ignore")
        dtw(name, threads).fit(X, y[few]).predict(X_test)
        rocket(name, 0, 100, threads).fit(X, y[few]).predict(X_test)


def classification(args, names, seeds):
    rows, data_rows = [], []
    kernels = QUICK_KERNELS if args.quick else 10_000
    print(f"\nClassification: {len(seeds)} seed(s); ROCKET {kernels:,} kernels"
          + ("; sklrnn not run (--baselines-only)" if args.baselines_only else
             f"; sklrnn {QUICK_EPOCHS} epochs (--quick)" if args.quick else ""))
    print(f"{'data set':<26}{'model':<10}{'seed':>5}{'accuracy':>10}{'fit s':>8}"
          f"{'total s':>9}")
    if not args.baselines_only:  # torch's one-off start-up cost is not the first set's
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            RNNClassifier(max_epochs=1).fit(np.zeros((4, 3, 1)), [0, 1, 0, 1])
    for name in names:
        data = load(name)
        (train, test), (y, y_test) = data["rnn"], data["y"]
        sk_train, sk_test = data["sk"]
        length, dims = data["shape"]
        data_rows.append((name, len(y), len(y_test), length, dims, len(np.unique(y))))
        warm_up(name, data, args.threads)

        dtw_acc, dtw_s = sk_score(dtw(name, args.threads), sk_train, sk_test, y, y_test)
        print(f"{name:<26}{'1-NN DTW':<10}{'-':>5}{dtw_acc:>10.4f}{'':>8}{dtw_s:>9.1f}",
              flush=True)
        rocket_runs = []
        for seed in seeds:
            rocket_runs.append(sk_score(rocket(name, seed, kernels, args.threads),
                                        sk_train, sk_test, y, y_test))
            print(f"{name:<26}{'ROCKET':<10}{seed:>5}{rocket_runs[-1][0]:>10.4f}{'':>8}"
                  f"{rocket_runs[-1][1]:>9.1f}", flush=True)
        baselines = dict(dtw=dtw_acc, dtw_s=dtw_s,
                         rocket=statistics.mean(r[0] for r in rocket_runs),
                         rocket_s=statistics.mean(r[1] for r in rocket_runs))
        models = {"defaults": defaults}
        if name == "JapaneseVowels":
            models["recipe"] = recipe
        for label, make in models.items():
            runs = []
            for seed in [] if args.baselines_only else seeds:
                runs.append(score(make(seed), train, test, y, y_test, args.quick))
                print(f"{name:<26}{label:<10}{seed:>5}{runs[-1][0]:>10.4f}{runs[-1][1]:>8.1f}"
                      f"{runs[-1][2]:>9.1f}", flush=True)
            rows.append((name if label == "defaults" else f"{name} ({label})", label == "defaults",
                         [r[0] for r in runs], [r[1] for r in runs], baselines))

    print(f"\n{'data set':<20}{'train':>7}{'test':>7}{'length':>8}{'dims':>6}{'classes':>9}"
          f"   published: {'1-NN DTW':>9}{'ROCKET':>8}{'FCN':>7}{'ResNet':>8}")
    print("-" * 100)
    for name, n_train, n_test, length, dims, classes in data_rows:
        published = "".join(f"{v:>{w}.3f}" if v is not None else f"{'-':>{w}}"
                            for v, w in zip(PUBLISHED.get(name, (None,) * 4), (9, 8, 7, 8),
                                            strict=True))
        print(f"{name:<20}{n_train:>7}{n_test:>7}{length:>8}{dims:>6}{classes:>9}{'':>14}"
              f"{published}")

    print(f"\n{'data set':<27}{'sklrnn':>7}{'min-max':>13}{'fit s':>7}{'1-NN DTW':>9}"
          f"{'s':>6}{'ROCKET':>8}{'s':>6}  {'>= DTW':>6}{'ROCKET-5':>9}{'spread<3':>9}")
    print("-" * 107)
    counts = dict(dtw=0, rocket=0, spread=0, sets=0)
    for label, is_default, accuracy, fit_s, base in rows:
        line = f"{label:<27}"
        if accuracy:
            mean = statistics.mean(accuracy)
            at_dtw = mean >= base["dtw"] - 1e-12
            near_rocket = base["rocket"] - mean <= 0.05 + 1e-12
            spread = max(accuracy) - min(accuracy) < 0.03
            if is_default:
                counts["sets"] += 1
                counts["dtw"] += at_dtw
                counts["rocket"] += near_rocket
                counts["spread"] += spread
            line += (f"{mean:>7.3f}{f'{min(accuracy):.3f}-{max(accuracy):.3f}':>13}"
                     f"{statistics.mean(fit_s):>7.1f}")
            verdicts = [yes(at_dtw), yes(near_rocket),
                        yes(spread) if len(accuracy) > 1 else "n/a"]
        else:
            line += f"{'-':>7}{'-':>13}{'-':>7}"
            verdicts = ["-"] * 3
        line += (f"{base['dtw']:>9.3f}{base['dtw_s']:>6.1f}{base['rocket']:>8.3f}"
                 f"{base['rocket_s']:>6.1f}  {verdicts[0]:>6}{verdicts[1]:>9}{verdicts[2]:>9}")
        print(line)
    print(f"sklrnn, ROCKET: mean test accuracy over {len(seeds)} seed(s); fit s: sklrnn's mean "
          "fit time; s: the baseline's fit + predict time (ROCKET: mean over seeds).")
    if counts["sets"]:
        n = counts["sets"]
        goals = [counts["dtw"] == n, counts["rocket"] >= min(3, n)]
        spread = ("spread not judged with one seed" if len(seeds) < 2 else
                  f"spread below 3 points on {counts['spread']} of {n} (goal: all)")
        if len(seeds) > 1:
            goals.append(counts["spread"] == n)
        print(f"Goals met (defaults): {sum(goals)} of {len(goals)} -- at or above 1-NN DTW on "
              f"{counts['dtw']} of {n} data sets (goal: all); within 5 points of ROCKET on "
              f"{counts['rocket']} of {n} (goal: at least 3"
              + (f"; only {n} run" if n < 3 else "") + f"); {spread}")
    else:
        print("Goals not judged: sklrnn was not run.")


def yes(flag):
    return "yes" if flag else "no"


# --------------------------------------------------------------------------- forecasting
def forecast_data(name):
    """(y_train, y_test, fh, the series' keys or None for a single series)."""
    if name == "Airline":
        y = load_airline()
        return y.iloc[:-AIRLINE_TEST], y.iloc[-AIRLINE_TEST:], np.arange(1, AIRLINE_TEST + 1), None
    y, _ = make_panel(PANEL_SERIES, PANEL_LENGTH + PANEL_HORIZON, seed=0)
    keys = y.index.get_level_values(0).unique()
    return (y.groupby(level=0).head(PANEL_LENGTH), y.groupby(level=0).tail(PANEL_HORIZON),
            np.arange(1, PANEL_HORIZON + 1), keys)


def mase(y_train, y_test, forecast, keys):
    """MASE (scale: in-sample one-step naive MAE), averaged over the series of a panel."""
    if keys is None:
        return mean_absolute_scaled_error(y_test, forecast, y_train=y_train, sp=1)
    return statistics.mean(
        mean_absolute_scaled_error(y_test.loc[k, "y"], forecast.loc[k, "y"],
                                   y_train=y_train.loc[k, "y"], sp=1) for k in keys)


def forecast_baselines(name, threads):
    theta = (ThetaForecaster(sp=12) if name == "Airline"
             else ThetaForecaster(sp=12, deseasonalize_model="additive"))
    return {
        "naive": NaiveForecaster(strategy="last"),
        "seasonal naive": NaiveForecaster(strategy="last", sp=12),
        "AutoETS": AutoETS(auto=True, sp=12, n_jobs=threads),
        "Theta": theta,
    }


def fit_forecast(forecaster, y_train, y_test, fh, keys):
    """Fit and forecast; returns (MASE, fit seconds)."""
    start = time.perf_counter()
    forecaster.fit(y_train, fh=fh)
    seconds = time.perf_counter() - start
    return mase(y_train, y_test, forecaster.predict(), keys), seconds


def forecasting(args, names, seeds):
    print(f"\nForecasting: {len(seeds)} seed(s)"
          + ("; sklrnn not run (--baselines-only)" if args.baselines_only else
             f"; sklrnn {QUICK_EPOCHS} epochs (--quick)" if args.quick else ""))
    print(f"{'data set':<16}{'method':<16}{'seed':>5}{'MASE':>8}{'fit s':>8}")
    results = {}
    for name in names:
        y_train, y_test, fh, keys = forecast_data(name)
        scores = {}
        for method, forecaster in forecast_baselines(name, args.threads).items():
            scores[method] = [fit_forecast(forecaster, y_train, y_test, fh, keys)]
            print(f"{name:<16}{method:<16}{'-':>5}{scores[method][0][0]:>8.3f}"
                  f"{scores[method][0][1]:>8.1f}", flush=True)
        runs = []
        for seed in [] if args.baselines_only else seeds:
            forecaster = RNNForecaster(random_state=seed)
            if args.quick:
                forecaster.set_params(max_epochs=QUICK_EPOCHS)
            runs.append(fit_forecast(forecaster, y_train, y_test, fh, keys))
            print(f"{name:<16}{'sklrnn':<16}{seed:>5}{runs[-1][0]:>8.3f}{runs[-1][1]:>8.1f}",
                  flush=True)
        if runs:
            scores["sklrnn defaults"] = runs
        results[name] = scores

    print(f"\n{'data set':<16}{'method':<18}{'MASE':>8}{'min':>8}{'max':>8}{'fit s':>8}")
    print("-" * 66)
    for name, scores in results.items():
        for method, runs in scores.items():
            values = [r[0] for r in runs]
            spread = (f"{min(values):>8.3f}{max(values):>8.3f}" if len(values) > 1
                      else f"{'':>16}")
            print(f"{name:<16}{method:<18}{statistics.mean(values):>8.3f}{spread}"
                  f"{statistics.mean(r[1] for r in runs):>8.1f}")
    print(f"MASE: mean over {len(seeds)} seed(s) for sklrnn (min, max over seeds), one "
          "deterministic fit for the others; panel: averaged over its series. fit s: mean.")
    for name, scores in results.items():
        if "sklrnn defaults" in scores:
            ours = statistics.mean(r[0] for r in scores["sklrnn defaults"])
            print(f"{name}: sklrnn <= naive: {yes(ours <= scores['naive'][0][0])}; "
                  f"sklrnn <= Theta: {yes(ours <= scores['Theta'][0][0])}")


def run(args):
    load_before = load_average()
    torch.set_num_threads(args.threads)
    seeds = list(range(1 if args.quick else args.seeds))
    if args.datasets:
        unknown = set(args.datasets) - set(LOADERS) - set(FORECASTS)
        if unknown:
            raise SystemExit(f"--datasets: unknown {' '.join(sorted(unknown))}; choose from "
                             f"{' '.join([*LOADERS, *FORECASTS])}")
        chosen = args.datasets
    else:
        chosen = ["ItalyPowerDemand", "Airline"] if args.quick else [*LOADERS, *FORECASTS]
    print(__doc__.splitlines()[0])
    print(machine_line())
    if args.only in (None, "classification"):
        names = [n for n in LOADERS if n in chosen]
        if names:
            classification(args, names, seeds)
    if args.only in (None, "forecasting"):
        names = [n for n in FORECASTS if n in chosen]
        if names:
            forecasting(args, names, seeds)
    print_load(load_before)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: ItalyPowerDemand and Airline, 1 seed, 5 epochs, "
                             "1,000 ROCKET kernels")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. seeds-1")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads, and n_jobs of the baselines (default: 1)")
    parser.add_argument("--only", choices=["classification", "forecasting"],
                        help="run one part only")
    parser.add_argument("--datasets", nargs="+", metavar="NAME",
                        help=f"a subset of {', '.join([*LOADERS, *FORECASTS])}")
    parser.add_argument("--baselines-only", action="store_true",
                        help="measure the baselines only, not sklrnn")
    # sktime turns FutureWarning back on inside ``fit`` (its notices about remember_data), and
    # AutoETS warns about every non-positive series: record the warnings, show the others.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run(parser.parse_args(argv))
    shown = set()
    for w in caught:
        key = (str(w.message), w.category)
        if not issubclass(w.category, (FutureWarning, DeprecationWarning)) and key not in shown:
            shown.add(key)
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)


if __name__ == "__main__":
    main()

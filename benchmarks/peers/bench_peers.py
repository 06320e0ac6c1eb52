"""sklrnn's ``RNNForecaster`` side by side with darts' and neuralforecast's LSTMs.

What it measures
----------------
Three probabilistic LSTM forecasters, each fitted as its own documentation shows, on the same
data and the same held-out steps:

* **sklrnn**: :class:`sklrnn.forecasting.RNNForecaster` with ``distribution="normal"`` and
  200 recursive sample paths (its own seasonal adjustment and level normalisation);
* **darts**: ``RNNModel(model="LSTM", likelihood=GaussianLikelihood())`` (recursive), or
  ``BlockRNNModel`` where past-only covariates are needed (``RNNModel`` takes none), the
  target scaled by darts' ``Scaler`` as its docs recommend, 200 sampled paths;
* **neuralforecast**: ``LSTM(loss=DistributionLoss(distribution="Normal", level=[80, 95]))``
  (direct multi-step, the library's default), its default ``scaler_type="robust"``;
* **neuralforecast-standard**: the same with ``scaler_type="standard"``. The default robust
  scaler (median and IQR of each input window) lets some seeds predict enormous standard
  deviations at some steps on ``macro`` (MAE in the hundreds), which the standard scaler
  does not.

The tasks:

* ``airline``: sktime's ``load_airline`` (144 months), the last 36 held out and forecast 36
  steps ahead. sklrnn gets ``y`` alone (it finds and removes the season itself); darts and
  neuralforecast also get the sine and cosine of the month as a known-future covariate
  (darts' ``add_encoders={"cyclic": {"future": ["month"]}}``, neuralforecast's
  ``futr_exog_list``), since neither deseasonalizes.
* ``covariates``: ``--n-series`` synthetic monthly series of 96 + 12 steps from
  ``benchmarks/bench_covariates.py``'s ``make_panel``, where a past-only covariate ``x``
  (``y`` follows it one step later) and a static ``group`` (the sign of that response)
  matter; the last 12 held out. sklrnn: ``past_columns=["x"]``, ``static_columns=["group"]``,
  window 12, hidden 16, ``level="mean"``, ``sp=None``; darts: ``BlockRNNModel`` (input 12,
  output 12) with ``x`` as ``past_covariates`` and ``group`` attached by
  ``TimeSeries.with_static_covariates``; neuralforecast: ``hist_exog_list=["x"]``,
  ``stat_exog_list=["group"]`` (input 12).
* ``macro``: the 12 quarterly columns of sktime's ``load_macroeconomic`` (1959-2009, 203
  quarters: GDP, consumption, CPI, M1, unemployment, inflation, ...) as a panel of 12
  series, the last 8 quarters held out. sklrnn gets ``y`` alone (``sp="auto"``: 4), darts
  and neuralforecast also the sine and cosine of the quarter, as on ``airline``.

Network sizes are matched: one LSTM layer of the same hidden size (32; 16 on
``covariates``); neuralforecast keeps its 2-layer MLP decoder (hidden size matched). The
training budget is given in epochs, one pass over every training window of every series:
sklrnn ``max_epochs`` (its defaults otherwise: lr 1e-2, cosine schedule, early stopping on
the latest windows where there are 1,000 or more), darts ``n_epochs`` (lr 1e-3, its default),
and for neuralforecast, which counts optimizer steps of ``windows_batch_size=128`` windows,
``max_steps = epochs x ceil(training windows / 128)`` (lr 1e-3, its default). The ``steps``
column says how many optimizer updates each library made (sklrnn's early stopping may end
it sooner, as on ``macro``, and holds out a tenth of the windows).

Reported per task and library, the mean over ``--seeds`` seeds of the held-out steps of
every series: the mean absolute error of the point forecast (each library's: the mean of the
paths for sklrnn and darts, neuralforecast's own column) in units of each series' training
standard deviation (and the MAPE on ``airline``), how often the central 80% and 95% intervals
held the truth, the pinball loss averaged over levels 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95
(scaled as the MAE), and the fit + predict time (median over seeds) as a ratio to sklrnn's.
All quantiles come from each library's own quantile method (sklrnn ``predict_quantiles``,
darts' sample quantiles, neuralforecast ``predict(quantiles=...)``). One-time costs
(imports, first calls) are spent in an untimed warm-up.

Not run in CI: darts and neuralforecast are not dependencies of sklrnn; see
``benchmarks/peers/README.md`` for the environment.

Run
---
::

    python benchmarks/peers/bench_peers.py                 # all tasks, 1 seed
    python benchmarks/peers/bench_peers.py --quick         # smoke test: 10 series, 1-2 epochs
    python benchmarks/peers/bench_peers.py --tasks airline macro --seeds 3
    python benchmarks/peers/bench_peers.py --libraries sklrnn darts
"""

import argparse
import functools
import logging
import math
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

BENCHMARKS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCHMARKS))

from _common import load_average, machine_line, print_load  # noqa: E402
from bench_covariates import make_panel  # noqa: E402

from sklrnn.forecasting import RNNForecaster  # noqa: E402

LEVELS = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95]
#: every quantile a library is asked for: the pinball levels and the 80% and 95% bounds
QUANTILES = sorted(set(LEVELS) | {0.025, 0.975})
N_PATHS = 200
LIBRARIES = ("sklrnn", "darts", "neuralforecast", "neuralforecast-standard")
TASKS = ("airline", "covariates", "macro")
WORK_DIR = tempfile.mkdtemp(prefix="bench_peers_")  # lightning's and darts' files go here


def quiet():
    """Silence the progress bars and notices of lightning, darts and neuralforecast."""
    for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric",
                 "lightning.fabric", "darts", "neuralforecast"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.simplefilter("ignore")


TRAINER = dict(accelerator="cpu", enable_progress_bar=False, enable_model_summary=False,
               logger=False, enable_checkpointing=False, default_root_dir=WORK_DIR)


# -- tasks: a panel as a (n_series, length) array, a time index, covariates -----------------

class Task:
    """One forecasting task: values ``(n_series, length)``, the last ``horizon`` held out."""

    def __init__(self, name, values, index, horizon, hidden_size, lookback, epochs,
                 past=None, static=None, seasonal=None, sklrnn_params=None):
        self.name = name
        self.values = np.asarray(values, dtype=float)
        self.index = index                # PeriodIndex of all steps
        self.horizon = horizon
        self.hidden_size = hidden_size
        self.lookback = lookback          # darts' input_chunk_length, neuralforecast's input_size
        self.epochs = epochs
        self.past = past                  # (n_series, length) past-only covariate, or None
        self.static = static              # (n_series,) static covariate, or None
        self.seasonal = seasonal          # "month" / "quarter": known-future cyclic features
        self.sklrnn_params = sklrnn_params or {}
        self.n_series, self.length = self.values.shape
        self.n_train = self.length - horizon
        self.ids = [f"s{i}" for i in range(self.n_series)]
        self.train = self.values[:, :self.n_train]
        self.truth = self.values[:, self.n_train:]
        self.scale = self.train.std(axis=1, keepdims=True)

    @property
    def timestamps(self):
        return self.index.to_timestamp()

    @property
    def freq(self):
        return "MS" if self.index.freqstr.startswith("M") else "QS"

    def cyclic(self, timestamps):
        """The sine and cosine of the month or quarter of ``timestamps``."""
        period, value = ((12, timestamps.month) if self.seasonal == "month"
                         else (4, timestamps.quarter))
        angle = 2 * np.pi * np.asarray(value) / period
        return np.sin(angle), np.cos(angle)


def airline_task(epochs):
    from sktime.datasets import load_airline
    y = load_airline()
    return Task("airline", y.to_numpy()[None, :], y.index, horizon=36, hidden_size=32,
                lookback=24, epochs=epochs, seasonal="month")


def covariates_task(n_series, epochs):
    length, horizon = 96, 12
    y, X, values = make_panel(n_series, length + horizon)
    past = X["x"].to_numpy().reshape(n_series, -1)
    static = X["group"].to_numpy().reshape(n_series, -1)[:, 0]
    index = y.index.get_level_values(1)[:length + horizon]
    return Task("covariates", values, index, horizon=horizon, hidden_size=16, lookback=12,
                epochs=epochs, past=past, static=static,
                sklrnn_params=dict(window_length=12, sp=None, level="mean",
                                   past_columns=["x"], static_columns=["group"]))


def macro_task(epochs):
    from sktime.datasets import load_macroeconomic
    data = load_macroeconomic()
    return Task("macro", data.to_numpy().T, data.index, horizon=8, hidden_size=32,
                lookback=16, epochs=epochs, seasonal="quarter")


# -- the libraries: each returns the point forecast, the quantiles and its optimizer steps --

def fit_sklrnn(task, seed, epochs):
    params = dict(hidden_size=task.hidden_size, **task.sklrnn_params)
    forecaster = RNNForecaster(distribution="normal", n_paths=N_PATHS, max_epochs=epochs,
                               random_state=seed, **params)
    index = pd.MultiIndex.from_product([task.ids, task.index[:task.n_train]],
                                       names=["series", "time"])
    y = pd.DataFrame({"y": task.train.ravel()}, index=index)
    X = None
    if task.past is not None:
        X = pd.DataFrame({"x": task.past[:, :task.n_train].ravel(),
                          "group": np.repeat(task.static, task.n_train)}, index=index)
    fh = list(range(1, task.horizon + 1))
    forecaster.fit(y, X=X)
    shape = (task.n_series, task.horizon)
    point = forecaster.predict(fh=fh)["y"].to_numpy().reshape(shape)
    frame = forecaster.predict_quantiles(fh=fh, alpha=QUANTILES)
    quantiles = {q: frame[("y", q)].to_numpy().reshape(shape) for q in QUANTILES}
    history = forecaster.regressor_.history_  # its batches include the validation ones
    return point, quantiles, sum(epoch["train_batch_count"] for epoch in history)


def fit_darts(task, seed, epochs):
    from darts import TimeSeries
    from darts.dataprocessing.transformers import Scaler
    from darts.models import BlockRNNModel, RNNModel
    from darts.utils.likelihood_models import GaussianLikelihood
    quiet()

    times = task.timestamps
    series = [TimeSeries.from_times_and_values(times[:task.n_train], row[:, None],
                                               freq=task.freq)
              for row in task.train]
    common = dict(model="LSTM", hidden_dim=task.hidden_size, n_rnn_layers=1,
                  input_chunk_length=task.lookback, likelihood=GaussianLikelihood(),
                  n_epochs=epochs, batch_size=32, random_state=seed, work_dir=WORK_DIR,
                  pl_trainer_kwargs={k: v for k, v in TRAINER.items()
                                     if k != "default_root_dir"})
    past = None
    if task.past is not None:
        series = [s.with_static_covariates(pd.DataFrame({"group": [g]}))
                  for s, g in zip(series, task.static, strict=True)]
        past = [TimeSeries.from_times_and_values(times[:task.n_train], row[:task.n_train, None],
                                                 freq=task.freq)
                for row in task.past]
        past = Scaler().fit_transform(past)
        model = BlockRNNModel(output_chunk_length=task.horizon, **common)
    else:
        # RNNModel: recursive, one step per output; trained on chunks longer than its input
        model = RNNModel(training_length=task.lookback + 12,
                         add_encoders={"cyclic": {"future": [task.seasonal]}}, **common)
    scaler = Scaler()
    scaled = scaler.fit_transform(series)
    model.fit(scaled, past_covariates=past)
    steps = model.trainer.global_step  # predict replaces the trainer
    forecast = model.predict(n=task.horizon, series=scaled, past_covariates=past,
                             num_samples=N_PATHS)
    forecast = scaler.inverse_transform(forecast)
    paths = np.stack([f.all_values()[:, 0, :] for f in forecast])  # (series, horizon, paths)
    point = paths.mean(axis=2)
    quantiles = {q: np.quantile(paths, q, axis=2) for q in QUANTILES}
    return point, quantiles, steps


def fit_neuralforecast(task, seed, epochs, scaler_type="robust"):
    from neuralforecast import NeuralForecast
    from neuralforecast.losses.pytorch import DistributionLoss
    from neuralforecast.models import LSTM
    quiet()

    times = task.timestamps
    frame = pd.DataFrame({"unique_id": np.repeat(task.ids, task.n_train),
                          "ds": np.tile(times[:task.n_train], task.n_series),
                          "y": task.train.ravel()})
    future = pd.DataFrame({"unique_id": np.repeat(task.ids, task.horizon),
                           "ds": np.tile(times[task.n_train:], task.n_series)})
    exog, static_df = {}, None
    if task.past is not None:
        frame["x"] = task.past[:, :task.n_train].ravel()
        static_df = pd.DataFrame({"unique_id": task.ids, "group": task.static})
        exog = dict(hist_exog_list=["x"], stat_exog_list=["group"])
    else:
        for data in (frame, future):
            data["season_sin"], data["season_cos"] = task.cyclic(pd.DatetimeIndex(data["ds"]))
        exog = dict(futr_exog_list=["season_sin", "season_cos"])
    windows = task.n_series * (task.n_train - task.lookback - task.horizon + 1)
    max_steps = epochs * math.ceil(windows / 128)
    model = LSTM(h=task.horizon, input_size=task.lookback, encoder_n_layers=1,
                 encoder_hidden_size=task.hidden_size, decoder_hidden_size=task.hidden_size,
                 loss=DistributionLoss(distribution="Normal", level=[80, 95]),
                 max_steps=max_steps, scaler_type=scaler_type, random_seed=seed, **exog,
                 **TRAINER)
    nf = NeuralForecast(models=[model], freq=task.freq)
    nf.fit(df=frame, static_df=static_df)
    result = nf.predict(futr_df=future if "futr_exog_list" in exog else None,
                        quantiles=QUANTILES)
    result = result.set_index(["unique_id", "ds"]).loc[list(zip(future["unique_id"],
                                                                 future["ds"], strict=True))]
    shape = (task.n_series, task.horizon)
    point = result["LSTM"].to_numpy().reshape(shape)
    quantiles = {q: result[f"LSTM_ql{q}"].to_numpy().reshape(shape) for q in QUANTILES}
    return point, quantiles, max_steps


FIT = {"sklrnn": fit_sklrnn, "darts": fit_darts, "neuralforecast": fit_neuralforecast,
       "neuralforecast-standard": functools.partial(fit_neuralforecast,
                                                    scaler_type="standard")}


# -- scoring ---------------------------------------------------------------------------------

def score(task, point, quantiles):
    """MAE (and MAPE) of the point forecast, interval coverage and pinball loss."""
    truth, scale = task.truth, task.scale
    row = {"MAE": np.abs((truth - point) / scale).mean()}
    if task.name == "airline":
        row["MAPE"] = np.abs((truth - point) / truth).mean()
    for coverage, (low, high) in ((0.8, (0.1, 0.9)), (0.95, (0.025, 0.975))):
        row[f"{coverage:.0%} held"] = np.mean((quantiles[low] <= truth)
                                               & (truth <= quantiles[high]))
    losses = []
    for level in LEVELS:
        error = (truth - quantiles[level]) / scale
        losses.append(np.maximum(level * error, (level - 1) * error).mean())
    row["pinball"] = np.mean(losses)
    return row


def run_task(task, libraries, seeds):
    print()
    print(f"== {task.name}: {task.n_series} series x {task.n_train} steps, horizon "
          f"{task.horizon}; LSTM hidden {task.hidden_size}, {task.epochs} epochs; seeds "
          f"0..{seeds - 1}")
    rows, times = {}, {}
    for library in libraries:
        results, seconds = [], []
        for seed in range(seeds):
            start = time.perf_counter()
            try:
                point, quantiles, steps = FIT[library](task, seed, task.epochs)
            except Exception as error:  # one library failing leaves the others' rows
                print(f"{library} failed: {type(error).__name__}: {error}")
                break
            seconds.append(time.perf_counter() - start)
            results.append({**score(task, point, quantiles), "steps": steps})
            print(f"  {library} seed {seed}: {seconds[-1]:.1f} s, " + ", ".join(
                f"{k} {v:.3f}" for k, v in results[-1].items() if k != "steps"), flush=True)
        if results:
            rows[library] = pd.DataFrame(results).mean()
            times[library] = np.median(seconds)
    table = pd.DataFrame(rows).T
    if "sklrnn" in times:
        table["time / sklrnn"] = [times[lib] / times["sklrnn"] for lib in table.index]
    table["seconds"] = [times[lib] for lib in table.index]
    table["steps"] = table["steps"].astype(int)
    print()
    print(table.to_string(float_format="{:.3f}".format))


def warm_up(libraries):
    """Spend the one-time costs (imports, first calls) of every library, untimed."""
    task = airline_task(epochs=1)
    for library in dict.fromkeys(lib.split("-")[0] for lib in libraries):
        try:
            FIT[library](task, 0, 1)
        except Exception as error:
            print(f"warm-up of {library} failed: {type(error).__name__}: {error}")


def run(args):
    load_before = load_average()
    torch.set_num_threads(args.threads)
    quiet()
    n_series, seeds = args.n_series, args.seeds
    epochs = dict(airline=args.airline_epochs, covariates=args.covariates_epochs,
                  macro=args.macro_epochs)
    if args.quick:
        n_series, seeds = 10, 1
        epochs = dict(airline=2, covariates=1, macro=1)
    print(__doc__.splitlines()[0])
    print(machine_line())
    import darts
    import neuralforecast
    import sktime
    print(f"sklrnn {__import__('sklrnn').__version__}, darts {darts.__version__}, "
          f"neuralforecast {neuralforecast.__version__}, sktime {sktime.__version__}; "
          f"{N_PATHS} sample paths")
    warm_up(args.libraries)
    makers = dict(airline=lambda: airline_task(epochs["airline"]),
                  covariates=lambda: covariates_task(n_series, epochs["covariates"]),
                  macro=lambda: macro_task(epochs["macro"]))
    for name in args.tasks:
        run_task(makers[name](), args.libraries, seeds)
    print()
    print_load(load_before)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS))
    parser.add_argument("--libraries", nargs="+", choices=LIBRARIES, default=list(LIBRARIES))
    parser.add_argument("--n-series", type=int, default=200,
                        help="series of the covariates task")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--airline-epochs", type=int, default=100)
    parser.add_argument("--covariates-epochs", type=int, default=15)
    parser.add_argument("--macro-epochs", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke test: 10 series, 1-2 epochs, 1 seed")
    run(parser.parse_args())


if __name__ == "__main__":
    main()

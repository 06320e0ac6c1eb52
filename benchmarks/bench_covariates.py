"""What ``RNNForecaster``'s typed covariates are worth, on a panel whose covariates matter.

What it measures
----------------
A panel of ``--n-series`` monthly series of ``--length`` steps where two covariates matter:

* ``x``, known only up to the cutoff (a past-only covariate): an AR(1) process (coefficient
  0.8) of every series, which ``y`` follows one step later;
* ``group``, a static attribute (0 or 1) that decides the sign of that response, so
  ``y[t] = level + scale * (sign * x[t - 1] + 0.5 sin(2 pi t / 12 + phase) + 0.3 noise)``.

The last ``--horizon`` steps of every series are forecast by ``RNNForecaster`` (an LSTM,
hidden size 16, windows of 12 steps, ``level="mean"``, ``sp=None``) told of the covariates
in each way: none (``y`` alone), ``past_columns=["x"]``, ``static_columns=["group"]``, both,
and ``series_embedding=True`` with ``x`` (the embedding learns the sign of every series).
Reported per way, as the mean over ``--seeds`` seeds: the mean absolute error of
``predict`` in units of each series' standard deviation, one step ahead and over the whole
horizon, and the fit + predict time as a ratio to ``y`` alone's. ``predict`` gets no ``X``:
neither covariate is known ahead.

Run
---
::

    python benchmarks/bench_covariates.py            # 200 series x 96 steps, horizon 12
    python benchmarks/bench_covariates.py --quick    # smoke test
"""

import warnings

import numpy as np
import pandas as pd
from _common import (
    load_average,
    machine_line,
    monthly_panel_index,
    panel_arguments,
    print_load,
    timed_table,
)

from sklrnn.forecasting import RNNForecaster

NETWORK = dict(hidden_size=16, sp=None, level="mean")
WAYS = {
    "y alone": (dict(), []),
    "past x": (dict(past_columns=["x"]), ["x"]),
    "static group": (dict(static_columns=["group"]), ["group"]),
    "past x + static group": (dict(past_columns=["x"], static_columns=["group"]),
                              ["x", "group"]),
    "past x + series embedding": (dict(past_columns=["x"], series_embedding=True), ["x"]),
}


def make_panel(n_series, length, seed=0):
    """The panel ``y``, its covariates ``X`` (pd-multiindex) and ``y``'s values."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n_series, length + 1))
    for t in range(1, length + 1):
        x[:, t] = 0.8 * x[:, t - 1] + 0.6 * rng.normal(size=n_series)
    group = rng.integers(0, 2, n_series)
    sign = np.where(group == 1, 1.0, -1.0)[:, None]
    t = np.arange(length)
    phase = rng.uniform(0, 2 * np.pi, (n_series, 1))
    values = (sign * x[:, :-1] + 0.5 * np.sin(2 * np.pi * t / 12 + phase)
              + 0.3 * rng.normal(size=(n_series, length)))
    values = values * rng.uniform(1, 100, (n_series, 1)) + rng.uniform(-50, 50, (n_series, 1))
    index = monthly_panel_index(n_series, length)
    X = pd.DataFrame({"x": x[:, 1:].ravel(), "group": np.repeat(group, length).astype(float)},
                     index=index)
    return pd.DataFrame({"y": values.ravel()}, index=index), X, values


def run(args):
    load_before = load_average()
    n_series, length, horizon = args.n_series, args.length, args.horizon
    y, X, values = make_panel(n_series, length + horizon)
    train = y.groupby(level=0).head(length)
    X_train = X.groupby(level=0).head(length)
    truth = values[:, length:]
    scale = values[:, :length].std(axis=1, keepdims=True)
    fh = list(range(1, horizon + 1))
    print(__doc__.splitlines()[0])
    print(machine_line())
    print(f"{n_series} series x {length} steps, horizon {horizon}; LSTM hidden 16, window "
          f"12, {args.epochs} epochs; seeds 0..{args.seeds - 1}")
    with warnings.catch_warnings():  # one-time costs (imports, caches) are not timed
        warnings.simplefilter("ignore")
        RNNForecaster(12, max_epochs=1, **NETWORK).fit(train).predict(fh=fh)

    def run_way(way, seed):
        params, columns = WAYS[way]
        forecaster = RNNForecaster(12, max_epochs=args.epochs, random_state=seed, **NETWORK,
                                   **params)
        forecaster.fit(train, X=X_train[columns] if columns else None)
        point = forecaster.predict(fh=fh)["y"].to_numpy().reshape(n_series, horizon)
        error = np.abs((truth - point) / scale)
        return {"MAE, 1 step": error[:, 0].mean(), "MAE, all steps": error.mean()}

    table = timed_table(WAYS, args.seeds, run_way, "y alone")
    print()
    print(table.to_string(float_format="{:.3f}".format))
    print_load(load_before)


if __name__ == "__main__":
    run(panel_arguments(__doc__.splitlines()[0], epochs=20))

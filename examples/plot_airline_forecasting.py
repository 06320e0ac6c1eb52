"""
Forecasting airline passengers with sktime and RNNForecaster
============================================================

The Airline data (monthly international passengers, 1949-1960, shipped with sktime) has a
trend and a seasonal swing that grows with it. We hold out the last 36 months and compare,
by the mean absolute percentage error (MAPE) over them:

* the seasonal naive forecast (the same month last year);
* sktime's usual pipeline -- remove the multiplicative seasonality
  (``Deseasonalizer(sp=12, model="multiplicative")``) and a linear trend (``Detrender()``),
  forecast what is left, put trend and seasonality back -- with the *mean* of the residual
  as the forecast;
* the same pipeline with :class:`~sklrnn.forecasting.RNNForecaster` forecasting the residual
  (a GRU reading 36 months, trained on the windows of the training part).

Then a probabilistic forecast: the same pipeline with ``strategy="direct"`` and
``quantiles=True`` gives an 80% prediction interval, and we count how many of the 36 held-out
months it holds -- far fewer than 80%, for a reason worth knowing (see the end).
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.dummy import DummyRegressor
from sktime.datasets import load_airline
from sktime.forecasting.compose import TransformedTargetForecaster, make_reduction
from sktime.forecasting.naive import NaiveForecaster
from sktime.performance_metrics.forecasting import mean_absolute_percentage_error
from sktime.split import temporal_train_test_split
from sktime.transformations.series.detrend import Deseasonalizer, Detrender

from sklrnn.forecasting import RNNForecaster

y = load_airline()
y_train, y_test = temporal_train_test_split(y, test_size=36)
fh = np.arange(1, 37)


def pipeline(forecaster):
    """Deseasonalize and detrend, forecast the residual, then put both back."""
    return TransformedTargetForecaster([
        ("deseasonalize", Deseasonalizer(sp=12, model="multiplicative")),
        ("detrend", Detrender()),
        ("forecast", forecaster),
    ])


def mape(forecast):
    return mean_absolute_percentage_error(y_test, forecast)


naive = NaiveForecaster(strategy="last", sp=12).fit(y_train).predict(fh)
mean_residual = pipeline(make_reduction(DummyRegressor(), window_length=12)).fit(
    y_train, fh=fh).predict()
print(f"seasonal naive            MAPE {mape(naive):.4f}")
print(f"pipeline, mean residual   MAPE {mape(mean_residual):.4f}")

# %%
# The RNN, three seeds
# --------------------
# ``RNNForecaster`` standardizes the residual series, cuts it into windows of 36 months and
# trains one GRU to predict the next month; the forecast feeds its own predictions back.
SETTINGS = dict(window_length=36, cell="gru", hidden_size=32, lr=0.005, max_epochs=60)
scores = []
for seed in range(3):
    start = time.perf_counter()
    forecast = pipeline(RNNForecaster(random_state=seed, **SETTINGS)).fit(y_train).predict(fh)
    scores.append(mape(forecast))
    print(f"pipeline, RNNForecaster   MAPE {scores[-1]:.4f} (seed {seed}, "
          f"{time.perf_counter() - start:.1f} s)")
print(f"mean over 3 seeds: {np.mean(scores):.4f}")

# %%
# The residual carries little that the mean does not: the RNN improves on it by less than
# a percentage point, and the pipeline does most of the work. On this split sktime's
# AutoARIMA reaches 0.041 and Holt-Winters 0.051; the RNN pipeline sits between them.
#
# An 80% prediction interval
# --------------------------
# With ``strategy="direct"`` an encoder-decoder emits all 36 months at once, and with
# ``quantiles=True`` it emits quantiles of each, trained with the pinball loss. sktime's
# pipeline transforms the quantiles back like the forecast.
probabilistic = pipeline(RNNForecaster(12, strategy="direct", quantiles=True, cell="gru",
                                       hidden_size=32, lr=0.01, max_epochs=30,
                                       random_state=0))
probabilistic.fit(y_train, fh=fh)
interval = probabilistic.predict_interval(coverage=0.8)
lower, upper = interval.iloc[:, 0], interval.iloc[:, 1]
inside = ((y_test >= lower) & (y_test <= upper)).mean()
print(f"direct strategy: MAPE of the median {mape(probabilistic.predict()):.4f}; the 80% "
      f"interval holds {inside:.0%} of the 36 held-out months")

fig, ax = plt.subplots(figsize=(8, 4))
ax.plot(y_train.index.to_timestamp(), y_train, color="black", label="training data")
ax.plot(y_test.index.to_timestamp(), y_test, color="gray", label="held out")
ax.plot(forecast.index.to_timestamp(), forecast, color="tab:blue", label="RNNForecaster")
ax.fill_between(y_test.index.to_timestamp(), lower, upper, color="tab:orange", alpha=0.3,
                label="80% interval (direct, quantiles)")
ax.set_ylabel("passengers (thousands)")
ax.legend(loc="upper left")
fig.tight_layout()

# %%
# The interval is far too narrow, and not because of the network: on 20 noisy series whose
# noise is all there is to forecast, the same quantile head's 80% intervals held 81% of the
# held-out values (``tests/test_forecasting_sktime.py``). Here the network only sees the
# residual *after* the pipeline removed a linear trend and a seasonal pattern fitted to the
# training years; the quantiles describe how that residual scattered around them in
# training. Most of the error in the held-out years is the trend and the seasonal swing
# moving away from what was fitted, which no quantile of the residual includes. Intervals
# that account for it need the uncertainty of the trend itself, e.g. from a model of the
# whole series, or interval widths calibrated on a later stretch of the training data.

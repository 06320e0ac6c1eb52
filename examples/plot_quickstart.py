"""
Quickstart: classify motions and forecast airline passengers
============================================================

Two real data sets that ship with sktime, one estimator each:

* **BasicMotions** -- 6-channel accelerometer and gyroscope recordings (100 steps each) of
  people standing, walking, running and playing badminton. :class:`~sklrnn.RNNClassifier`
  reads each recording as a sequence of 100 time steps with 6 features.
* **Airline** -- monthly international airline passengers, 1949-1960.
  :class:`~sklrnn.RNNRegressor` reads the last 12 months (log scale) and predicts the next one;
  the last 24 months are held out.
"""

import numpy as np
from sklearn.metrics import r2_score
from sktime.datasets import load_airline, load_basic_motions

from sklrnn import RNNClassifier, RNNRegressor

# %%
# Sequence classification
# -----------------------
# sktime stores panels channels-first, (N, D, T); sklrnn takes (N, T, D).
X_train, y_train = load_basic_motions(split="train", return_type="numpy3D")
X_test, y_test = load_basic_motions(split="test", return_type="numpy3D")
X_train, X_test = X_train.transpose(0, 2, 1), X_test.transpose(0, 2, 1)

clf = RNNClassifier(cell="lstm", hidden_size=32, lr=0.005, batch_size=8, max_epochs=100,
                    random_state=0)
clf.fit(X_train, y_train)
print(f"BasicMotions {X_train.shape} -> accuracy on the test set: {clf.score(X_test, y_test):.3f}")

# %%
# One-step-ahead forecasting
# --------------------------
# Windows of 12 months are 2-D input, (N, 12): N univariate sequences. Neural networks want
# inputs of unit scale, so the log series is standardized with statistics of the training part.
window, n_test = 12, 24
log_passengers = np.log(load_airline().to_numpy())
train_part = log_passengers[:-n_test]
center, scale = train_part.mean(), train_part.std()
series = (log_passengers - center) / scale
windows = np.lib.stride_tricks.sliding_window_view(series, window + 1)
X, y = windows[:, :-1], windows[:, -1]
X_fit, y_fit, X_new, y_new = X[:-n_test], y[:-n_test], X[-n_test:], y[-n_test:]

reg = RNNRegressor(cell="gru", hidden_size=32, lr=0.01, max_epochs=150, random_state=0)
reg.fit(X_fit, y_fit)
forecast = np.exp(reg.predict(X_new) * scale + center)
actual = np.exp(y_new * scale + center)
same_month_last_year = np.exp(X_new[:, 0] * scale + center)
print(f"Airline, last {n_test} months: R^2 of the RNN {r2_score(actual, forecast):.3f}, "
      f"of 'same month last year' {r2_score(actual, same_month_last_year):.3f}")

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

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay, r2_score
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
# Left, the test recordings by true and predicted motion: every count off the diagonal is a
# mistake. Right, the training loss after each epoch (``clf.history_`` is skorch's history).
fig, (ax_cm, ax_loss) = plt.subplots(1, 2, figsize=(9, 3.8))
ConfusionMatrixDisplay.from_predictions(y_test, clf.predict(X_test), ax=ax_cm, colorbar=False)
ax_cm.set_title("BasicMotions, test set")
ax_loss.plot(clf.history_[:, "epoch"], clf.history_[:, "train_loss"])
ax_loss.set_yscale("log")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("training loss (cross-entropy)")
ax_loss.set_title("Training curve")
fig.tight_layout()

# %%
# One-step-ahead forecasting
# --------------------------
# Windows of 12 months are 2-D input, (N, 12): N univariate sequences. Neural networks want
# inputs of unit scale, so the log series is standardized with statistics of the training part.
window, n_test = 12, 24
airline = load_airline()
log_passengers = np.log(airline.to_numpy())
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

# %%
# The held-out months: the RNN's one-step-ahead forecasts against the actual counts and the
# "same month last year" baseline, after the last three training years for context. Both fall
# short of the summer peaks, the baseline, a year's growth behind, by more.
months = airline.index.to_timestamp()
fig, ax = plt.subplots(figsize=(8, 3.8))
ax.plot(months[-n_test - 36:-n_test + 1], airline.to_numpy()[-n_test - 36:-n_test + 1],
        color="gray", label="training data")
ax.plot(months[-n_test:], actual, color="black", marker=".", label="actual (held out)")
ax.plot(months[-n_test:], forecast, color="tab:blue", marker=".", label="RNN, one step ahead")
ax.plot(months[-n_test:], same_month_last_year, color="tab:orange", linestyle="--",
        label="same month last year")
ax.set_ylabel("passengers (thousands)")
ax.set_title("Airline: forecasts of the last 24 months")
ax.legend(loc="upper left")
fig.tight_layout()
plt.show()

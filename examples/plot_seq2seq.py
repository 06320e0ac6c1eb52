"""
Sequence to sequence: tag every time step of signals of different lengths
=========================================================================

A machine's vibration signal switches, now and then, between a *calm* and a *rough* regime;
in the rough one it is three times as noisy. The task is to tag every time step with its
regime. The recordings have different lengths (60 to 200 steps) and go in as they are, a
list of arrays, with a list of per-step labels as targets. With ``architecture="seq2seq"``,
:class:`~sklrnn.RNNClassifier` emits a label at every step; a bidirectional GRU sees the
signal before and after each step, as a person marking the regimes by eye would.
"""

import time

import numpy as np

from sklrnn import RNNClassifier

rng = np.random.default_rng(0)


def recording(n_steps):
    """A signal and its per-step regime: a two-state Markov chain switching 3% of steps."""
    rough = np.cumsum(rng.random(n_steps) < 0.03) % 2 == 1
    signal = rng.normal(size=n_steps) * np.where(rough, 3.0, 1.0)
    return signal, np.where(rough, "rough", "calm")


signals, labels = zip(*(recording(n) for n in rng.integers(60, 201, 500)), strict=True)
X_train, X_test = list(signals[:400]), list(signals[400:])
y_train, y_test = list(labels[:400]), list(labels[400:])
print(f"{len(X_train)} training signals of {min(map(len, X_train))} to "
      f"{max(map(len, X_train))} steps")

# %%
# The baseline tags a step rough when the signal's magnitude exceeds a threshold, the best
# one for the training data; it cannot tell a calm step from a quiet moment of the rough
# regime.
magnitude, truth = np.abs(np.concatenate(X_train)), np.concatenate(y_train)
thresholds = np.linspace(0, 4, 81)
best = max(thresholds, key=lambda c: np.mean(np.where(magnitude > c, "rough", "calm") == truth))
baseline = np.mean(np.where(np.abs(np.concatenate(X_test)) > best, "rough", "calm")
                   == np.concatenate(y_test))

clf = RNNClassifier(architecture="seq2seq", cell="gru", hidden_size=32, bidirectional=True,
                    lr=0.01, batch_size=16, max_epochs=15, random_state=0)
start = time.perf_counter()
clf.fit(X_train, y_train)
seconds = time.perf_counter() - start
print(f"accuracy over all test steps: RNN {clf.score(X_test, y_test):.3f} (trained in "
      f"{seconds:.0f} s), threshold {baseline:.3f}")

# %%
# Predictions come back as a list, one label per real step of each signal:
tags = clf.predict(X_test[:1])[0]
print(f"signal of {len(X_test[0])} steps -> {len(tags)} tags, "
      f"{np.mean(tags == y_test[0]):.0%} right")
print("true:     ", "".join("R" if t == "rough" else "." for t in y_test[0][:80]))
print("predicted:", "".join("R" if t == "rough" else "." for t in tags[:80]))

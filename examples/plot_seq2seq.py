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

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sklrnn import RNNClassifier

rng = np.random.default_rng(0)


def recording(n_steps):
    """A signal and its per-step regime.

    The regime is a two-state Markov chain that switches at 3% of the steps.
    """
    rough = np.cumsum(rng.random(n_steps) < 0.03) % 2 == 1
    signal = rng.normal(size=n_steps) * np.where(rough, 3.0, 1.0)
    return signal, np.where(rough, "rough", "calm")


signals, labels = zip(*(recording(n) for n in rng.integers(60, 201, 500)),
                      strict=True)
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
best = max(thresholds, key=lambda c: np.mean(
    np.where(magnitude > c, "rough", "calm") == truth))
baseline = np.mean(
    np.where(np.abs(np.concatenate(X_test)) > best, "rough", "calm")
    == np.concatenate(y_test))

clf = RNNClassifier(architecture="seq2seq", cell="gru", hidden_size=32,
                    bidirectional=True, lr=0.01, batch_size=16,
                    max_epochs=15, random_state=0)
start = time.perf_counter()
clf.fit(X_train, y_train)
seconds = time.perf_counter() - start
print(f"accuracy over all test steps: RNN "
      f"{clf.score(X_test, y_test):.3f} (trained in {seconds:.0f} s), "
      f"threshold {baseline:.3f}")

# %%
# Predictions come back as a list, one label per real step of each signal:
tags = clf.predict(X_test[:1])[0]
print(f"signal of {len(X_test[0])} steps -> {len(tags)} tags, "
      f"{np.mean(tags == y_test[0]):.0%} right")
print("true:     ",
      "".join("R" if t == "rough" else "." for t in y_test[0][:80]))
print("predicted:",
      "".join("R" if t == "rough" else "." for t in tags[:80]))

# %%
# Two test signals, each above its regime step by step: the truth, the RNN's tags and the
# threshold's. The dotted lines are the threshold: a rough step that happens to be quiet falls
# inside them and a calm one that happens to be loud falls outside, so the threshold's tags
# flicker where the RNN's follow the regime.
fig, axes = plt.subplots(5, 1, figsize=(9, 6),
                         height_ratios=[3, 1.1, 0.5, 3, 1.1],
                         gridspec_kw=dict(hspace=0.1, left=0.1, right=0.97,
                                          top=0.94, bottom=0.08))
axes[2].set_visible(False)
colors = ListedColormap(["#dde6f0", "tab:red"])
for ax_signal, ax_tags, signal, truth, tags in zip(
        axes[[0, 3]], axes[[1, 4]], X_test[:2], y_test[:2],
        clf.predict(X_test[:2]), strict=True):
    ax_signal.plot(signal, color="black", linewidth=0.8)
    for level in (-best, best):
        ax_signal.axhline(level, color="gray", linestyle=":")
    ax_signal.set_xlim(-0.5, len(signal) - 0.5)
    ax_signal.set_ylabel("signal")
    ax_signal.tick_params(labelbottom=False)
    rows = [truth == "rough", tags == "rough", np.abs(signal) > best]
    ax_tags.imshow(np.array(rows), aspect="auto", cmap=colors, vmin=0,
                   vmax=1, interpolation="nearest")
    ax_tags.set_yticks([0, 1, 2], ["true", "RNN", "threshold"])
    ax_tags.sharex(ax_signal)
axes[4].set_xlabel("time step")
axes[0].set_title("Regime of every step: test signals 0 and 1")
axes[0].legend(handles=[Patch(color=colors(0), label="calm"),
                        Patch(color=colors(1), label="rough"),
                        Line2D([], [], color="gray", linestyle=":",
                               label="threshold")],
               loc="upper right", ncols=3)
plt.show()

"""
Streaming: classify a live sensor signal one step at a time
===========================================================

A machine reports one vibration reading per tick. It is *idle* (small noise), *running* (a
vibration with a period of about 12 ticks) or *faulty* (the same vibration, twice as strong,
with a slow wobble). An operator wants the machine's state after every tick, not after the
recording ends.

A sequence-to-sequence :class:`~sklrnn.RNNClassifier` with a one-directional GRU tags every
step with a state from the steps up to it. Trained on recordings, it then follows a live
signal through :meth:`~sklrnn.RNNClassifier.stream`: each new reading costs one step of the
GRU from the state it kept, instead of re-reading the whole history, and gives exactly what
``predict`` would give on the history so far. Last, the same model is exported to ONNX with
:func:`sklrnn.to_onnx` and run by ONNX Runtime, as a service without Python would run it.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime

from sklrnn import RNNClassifier, to_onnx

rng = np.random.default_rng(0)
STATES = np.array(["idle", "running", "faulty"])


def recording(n_steps):
    """A signal (n_steps,) and its state per step.

    The state is a Markov chain that switches at 2% of the steps.
    """
    shifts = np.where(rng.random(n_steps) < 0.02,
                      rng.integers(1, 3, size=n_steps), 0)
    # a switch moves to another state
    state = (rng.integers(3) + np.cumsum(shifts)) % 3
    t = np.arange(n_steps) + rng.uniform(0, 12)
    vibration = np.sin(2 * np.pi * t / 12)
    wobble = 1 + 0.5 * np.sin(2 * np.pi * t / 47)
    signal = np.select([state == 0, state == 1, state == 2],
                       [0.0 * t, vibration, 2 * vibration * wobble])
    return signal + rng.normal(scale=0.3, size=n_steps), STATES[state]


signals, labels = zip(*(recording(200) for _ in range(300)), strict=True)
X_train, y_train = np.array(signals)[:, :, None], np.array(labels)

# %%
# Train a one-directional GRU that tags every step. A bidirectional one would look ahead,
# which a live signal cannot offer (``stream()`` refuses it).
start = time.perf_counter()
clf = RNNClassifier(architecture="seq2seq", cell="gru", hidden_size=24,
                    lr=0.01, max_epochs=40,
                    random_state=0).fit(X_train, y_train)
print(f"trained in {time.perf_counter() - start:.1f} s")

# %%
# Replay a new recording of 600 ticks as a live stream: one reading in, one state out.
signal, truth = recording(600)
stream = clf.stream(n_streams=1)
live, proba = [], []
start = time.perf_counter()
for reading in signal:
    live.append(stream.update([[reading]])[0])
    proba.append(stream.predict_proba()[0])
per_step = (time.perf_counter() - start) / len(signal)
live, proba = np.array(live), np.array(proba)
print(f"{per_step * 1e3:.2f} ms per reading; "
      f"accuracy {np.mean(live == truth):.3f}")

# %%
# The stream's answers are what ``predict`` gives on the whole recording (a one-directional
# network never looks ahead), to float rounding:
batch = clf.predict_proba(signal[None, :, None])[0]
print(f"largest difference from predict_proba: "
      f"{np.abs(proba - batch).max():.1e}")

# %%
# Exported to ONNX, the classifier is one graph: the GRU becomes ONNX's ``GRU`` operator,
# the head a matrix product and a softmax, and the labels a lookup in ``classes_``. ONNX
# Runtime tags the whole recording as ``predict`` does; the stream agreed with ``predict``
# at every tick, so all three agree.
session = onnxruntime.InferenceSession(to_onnx(clf).SerializeToString())
onnx_labels, onnx_proba = session.run(
    None, {"X": signal[None, :, None].astype(np.float32)})
print(f"ONNX Runtime: labels equal the stream's at "
      f"{np.mean(onnx_labels[0] == live):.0%} of ticks; "
      f"largest probability difference "
      f"{np.abs(onnx_proba[0] - proba).max():.1e}")

# %%
# The signal, the true state and the state the stream reported at each tick.
colors = {"idle": "tab:gray", "running": "tab:blue", "faulty": "tab:red"}
fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5), sharex=True)
top.plot(signal, color="black", linewidth=0.7)
for state, color in colors.items():
    top.fill_between(np.arange(len(signal)), -4, 4, where=truth == state,
                     color=color, alpha=0.2, step="mid",
                     label=f"true: {state}")
top.set(ylim=(-4, 4), ylabel="reading",
        title="A live signal and its true state")
top.legend(loc="upper right", ncol=3, fontsize="small")
for state in STATES:
    column = list(clf.classes_).index(state)
    bottom.plot(proba[:, column], color=colors[state], label=f"P({state})")
bottom.set(xlabel="tick", ylabel="probability",
           title="What the stream reported after each reading")
bottom.legend(loc="upper right", ncol=3, fontsize="small")
fig.tight_layout()
plt.show()

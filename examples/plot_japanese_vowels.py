"""
Speakers from their vowels: sequences of different lengths, fed straight in
===========================================================================

**JapaneseVowels** (shipped with sktime): nine male speakers each uttered the Japanese vowels
/ae/ in succession; every utterance is a sequence of 12 LPC cepstrum coefficients per frame,
7 to 29 frames long. The task is to tell the speaker: 270 training utterances, 370 test ones.

The utterances have different lengths, and sklrnn takes them as they are -- here as sktime's
``pd-multiindex`` panel (a list of ``(n_frames, 12)`` arrays works the same). No padding
reaches the network: fused cells read packed sequences, and training batches group
utterances of similar length.
"""

import time

import numpy as np
from sklearn.pipeline import make_pipeline
from sktime.datasets import load_japanese_vowels

from sklrnn import RNNClassifier
from sklrnn.preprocessing import SequenceScaler

X_train, y_train = load_japanese_vowels(split="train", return_type="pd-multiindex")
X_test, y_test = load_japanese_vowels(split="test", return_type="pd-multiindex")
lengths = X_train.groupby(level=0).size()
print(f"{len(lengths)} training utterances of {lengths.min()} to {lengths.max()} frames, "
      f"{X_train.shape[1]} features per frame")

# %%
# A bidirectional LSTM reads every utterance forwards and backwards, and the element-wise
# maximum of its outputs over the utterance's frames (``pooling="max"``) is what the
# classifier sees; :class:`~sklrnn.preprocessing.SequenceScaler` standardizes each coefficient
# over all frames of all utterances first. Three seeds show how much the result depends on the
# initialization.
SETTINGS = dict(cell="lstm", hidden_size=64, bidirectional=True, dropout=0.3, pooling="max",
                lr=0.005, batch_size=16, max_epochs=30)

scores, seconds = [], []
for seed in range(3):
    model = make_pipeline(SequenceScaler(), RNNClassifier(random_state=seed, **SETTINGS))
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds.append(time.perf_counter() - start)
    scores.append(model.score(X_test, y_test))
    print(f"seed {seed}: test accuracy {scores[-1]:.4f}, trained in {seconds[-1]:.0f} s")
print(f"mean test accuracy {np.mean(scores):.4f} over {len(scores)} seeds, "
      f"{np.mean(seconds):.0f} s of training a seed")

"""JapaneseVowels accuracy: ragged input versus naive zero padding, over several seeds.

JapaneseVowels (shipped with sktime: 270 training and 370 test utterances of 7-29 frames,
12 features) is classified with the settings of ``examples/plot_japanese_vowels.py`` in two
ways:

* ``ragged``: the utterances go in as they are (padding never changes a result of the
  network);
* ``zero-padded``: the utterances are zero-padded at the end to the longest one and passed as
  one array *without* ``mask_value``, as a user without ragged support would do.

For every seed the script prints test accuracy and training time; the last lines give the
mean, minimum and maximum per way and the ratio of mean training times. Run::

    python benchmarks/bench_japanese_vowels.py --seeds 5 --threads 2
"""

import argparse
import time

import numpy as np
import torch
from sklearn.ensemble import VotingClassifier
from sklearn.pipeline import make_pipeline
from sktime.datasets import load_japanese_vowels

from sklrnn import RNNClassifier
from sklrnn.preprocessing import SequencePadder, SequenceScaler

SHARED = dict(hidden_size=64, bidirectional=True, pooling="max", lr=0.005, batch_size=16,
              max_epochs=60)
MEMBERS = {"gru": dict(cell="gru", dropout=0.5), "lstm": dict(cell="lstm", dropout=0.3)}


def vote(seed):
    """Soft voting of a bidirectional GRU and LSTM, as in the example."""
    return VotingClassifier([(name, RNNClassifier(random_state=seed, **member, **SHARED))
                             for name, member in MEMBERS.items()], voting="soft")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. seeds-1")
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    X, y = load_japanese_vowels(split="train", return_type="pd-multiindex")
    X_test, y_test = load_japanese_vowels(split="test", return_type="pd-multiindex")
    ways = {
        "ragged": lambda seed: make_pipeline(SequenceScaler(), vote(seed)),
        "zero-padded": lambda seed: make_pipeline(
            SequenceScaler(), SequencePadder(value=0.0), vote(seed)),
    }
    results = {way: [] for way in ways}
    print(f"{'way':<12} {'seed':>4} {'accuracy':>9} {'fit s':>7}")
    for seed in range(args.seeds):
        for way, make in ways.items():
            model = make(seed)
            start = time.perf_counter()
            model.fit(X, y)
            seconds = time.perf_counter() - start
            accuracy = model.score(X_test, y_test)
            results[way].append((accuracy, seconds))
            print(f"{way:<12} {seed:>4} {accuracy:>9.4f} {seconds:>7.1f}", flush=True)
    print()
    for way, rows in results.items():
        accuracy, seconds = np.array(rows).T
        print(f"{way:<12} accuracy mean {accuracy.mean():.4f} (min {accuracy.min():.4f}, "
              f"max {accuracy.max():.4f}), median fit {np.median(seconds):.1f} s")
    ragged, padded = (np.median(np.array(results[w])[:, 1]) for w in ways)
    print(f"fit time zero-padded / ragged: {padded / ragged:.2f}")


if __name__ == "__main__":
    main()

"""Mini-batches of sequences of similar length, so little compute is spent on padding."""

import math

import numpy as np
import torch
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
)

#: Batches drawn together and sorted by length before they are shuffled (fastai's "sortish").
POOL_BATCHES = 50


class BucketBatchSampler(Sampler):
    """Yield batches of indices whose sequences have similar lengths.

    Each epoch shuffles the indices, cuts them into pools of ``POOL_BATCHES`` batches, sorts
    each pool by length (longest first), cuts it into batches and shuffles the order of all
    batches. Every index appears in exactly one batch. Randomness comes from torch's global
    generator, which ``fit`` seeds.

    Parameters
    ----------
    lengths : ndarray of shape (N,)
        Length of every sequence.
    batch_size : int
        Sequences per batch (the last batch of a pool may be smaller).
    shuffle : bool, default=False
        Without shuffling: one pool, sorted by length, batches in that order.
    """

    def __init__(self, lengths, batch_size, shuffle=False):
        self.lengths = np.asarray(lengths)
        self.batch_size = batch_size
        self.shuffle = shuffle

    def __iter__(self):
        n = len(self.lengths)
        if self.shuffle:
            order = torch.randperm(n).numpy()
            pool = self.batch_size * POOL_BATCHES
        else:
            order, pool = np.arange(n), max(n, 1)
        batches = []
        for start in range(0, n, pool):
            chunk = order[start:start + pool]
            chunk = chunk[np.argsort(-self.lengths[chunk], kind="stable")]
            batches += [chunk[i:i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
        if self.shuffle:
            batches = [batches[i] for i in torch.randperm(len(batches)).tolist()]
        for batch in batches:
            yield batch.tolist()

    def __len__(self):
        n = len(self.lengths)
        if not self.shuffle:
            return math.ceil(n / self.batch_size)
        pool = self.batch_size * POOL_BATCHES
        return (n // pool) * POOL_BATCHES + math.ceil((n % pool) / self.batch_size)


def dataset_lengths(dataset):
    """Return the sequence lengths behind a skorch dataset (or a subset of one), or None."""
    if isinstance(dataset, Subset):
        lengths = dataset_lengths(dataset.dataset)
        return None if lengths is None else lengths[np.asarray(dataset.indices)]
    X = getattr(dataset, "X", None)
    return X.get("lengths") if isinstance(X, dict) else None


def bucket_loader(dataset, batch_size, shuffle=False, **kwargs):
    """skorch ``iterator_train``: a DataLoader that buckets sequences by length.

    Falls back to :func:`batch_loader` when the data carries no lengths (all sequences fill
    every time step). Either way each batch is fetched by one indexing of the data.

    Parameters
    ----------
    dataset : torch.utils.data.Dataset
        skorch's dataset, whose ``X`` is ``{"X": ..., "lengths": ...}`` for ragged data, or a
        :class:`torch.utils.data.Subset` of it.
    batch_size : int
        Sequences per batch.
    shuffle : bool, default=False
        Reshuffle every epoch.
    **kwargs
        Passed to the DataLoader.

    Returns
    -------
    torch.utils.data.DataLoader
    """
    lengths = dataset_lengths(dataset)
    if lengths is None:
        return batch_loader(dataset, batch_size, shuffle, **kwargs)
    return _fetch_batches(dataset, BucketBatchSampler(lengths, batch_size, shuffle), **kwargs)


def batch_loader(dataset, batch_size, shuffle=False, **kwargs):
    """skorch ``iterator_valid`` (and ``iterator_train`` without lengths): plain batches.

    The batches, in order or shuffled as :class:`torch.utils.data.DataLoader` makes them
    (the same random draws), are each fetched by one indexing of the dataset's arrays
    rather than one ``__getitem__`` per sequence and a collation.

    Parameters
    ----------
    dataset : torch.utils.data.Dataset
        skorch's dataset, or a :class:`torch.utils.data.Subset` of it.
    batch_size : int
        Sequences per batch.
    shuffle : bool, default=False
        Reshuffle every epoch.
    **kwargs
        Passed to the DataLoader.

    Returns
    -------
    torch.utils.data.DataLoader
    """
    order = RandomSampler(dataset) if shuffle else SequentialSampler(dataset)
    return _fetch_batches(dataset, BatchSampler(order, batch_size, drop_last=False), **kwargs)


def _fetch_batches(dataset, batches, **kwargs):
    """A DataLoader that indexes ``dataset`` once per batch of indices from ``batches``.

    skorch's datasets (and torch's Subset) accept a list of indices and return the whole
    batch; ``batch_size=None`` then only turns its arrays into tensors.
    """
    return DataLoader(dataset, sampler=batches, batch_size=None, **kwargs)

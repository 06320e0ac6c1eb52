"""Mini-batches: each fetched by one indexing of the data, sequences of similar length together.

Only a batch is ever copied out of the data (which may be read-only views, such as the windows
of :func:`sklrnn.preprocessing.make_windows`), and cast to float32 as it is fetched.
"""

import math
from collections.abc import Mapping

import numpy as np
import torch
from skorch.dataset import Dataset
from torch.utils.data import DataLoader, Sampler, Subset, default_convert

#: Batches drawn together and sorted by length before they are shuffled (fastai's "sortish").
POOL_BATCHES = 50


class BucketBatchSampler(Sampler):
    """Yield batches of indices (arrays) whose sequences have similar lengths.

    Each epoch shuffles the indices, cuts them into pools of ``POOL_BATCHES`` batches, sorts
    each pool by length (longest first), cuts it into batches and shuffles the order of all
    batches. Every index appears in exactly one batch. Randomness comes from ``generator``,
    by default torch's global generator, which ``fit`` seeds.

    Parameters
    ----------
    lengths : ndarray of shape (N,)
        Length of every sequence.
    batch_size : int
        Sequences per batch (the last batch of a pool may be smaller).
    shuffle : bool, default=False
        Without shuffling: one pool, sorted by length, batches in that order.
    generator : torch.Generator or None, default=None
        Where the shuffles are drawn from; None is torch's global generator.
    """

    def __init__(self, lengths, batch_size, shuffle=False, generator=None):
        self.lengths = np.asarray(lengths)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator

    def __iter__(self):
        n = len(self.lengths)
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator).numpy()
            pool = self.batch_size * POOL_BATCHES
        else:
            order, pool = np.arange(n), max(n, 1)
        batches = []
        for start in range(0, n, pool):
            chunk = order[start:start + pool]
            chunk = chunk[np.argsort(-self.lengths[chunk], kind="stable")]
            batches += [chunk[i:i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
        if self.shuffle:
            batches = [batches[i] for i in torch.randperm(
                len(batches), generator=self.generator).tolist()]
        yield from batches

    def __len__(self):
        n = len(self.lengths)
        if not self.shuffle:
            return math.ceil(n / self.batch_size)
        pool = self.batch_size * POOL_BATCHES
        return (n // pool) * POOL_BATCHES + math.ceil((n % pool) / self.batch_size)


class BatchDataset(Dataset):
    """skorch's ``dataset``: ``dataset[rows]`` is the batch ``(X[rows], y[rows])``, by numpy.

    skorch's own :class:`skorch.dataset.Dataset` passes a list of rows through
    scikit-learn's ``_safe_indexing``, which inspects every index and the container's type:
    fetching batches that way took 18% of fitting a small LSTM. The estimators hand skorch
    arrays, or a dict of arrays for ragged input, which numpy indexes directly.

    Parameters
    ----------
    X : ndarray or dict of ndarray
        The network's input: the sequences, or ``{"X": ..., "lengths": ...}``.
    y : ndarray or None, default=None
        The targets.
    length : int or None, default=None
        As in :class:`skorch.dataset.Dataset`.
    """

    def __getitem__(self, rows):
        rows = np.asarray(rows)  # an array of rows (a list from outside), or one row
        X, y = self.X, self.y
        Xi = {key: value[rows] for key, value in X.items()} if isinstance(X, dict) else X[rows]
        return self.transform(Xi, None if y is None else y[rows])


class HoldOut:
    """skorch ``train_split`` that holds out fixed rows for validation.

    Both parts are :class:`torch.utils.data.Subset` of skorch's dataset, indexed batch by
    batch: the data is never copied, and the parts' row indices take 4 bytes a row (int32)
    where the number of rows allows.

    Parameters
    ----------
    rows : slice or ndarray of int
        The rows held out, in increasing order; every other row trains, in order.
    """

    def __init__(self, rows):
        self.rows = rows

    def n_rows(self, n):
        """Number of rows held out of ``n``."""
        return len(range(n)[self.rows]) if isinstance(self.rows, slice) else len(self.rows)

    def __call__(self, dataset, y=None, **fit_params):
        n = len(dataset)
        index = np.arange(n, dtype=np.int32 if n <= np.iinfo(np.int32).max else np.int64)
        # A copy, not a view that would keep all of ``index`` alive.
        valid = index[self.rows].copy()
        return Subset(dataset, np.delete(index, self.rows)), Subset(dataset, valid)


def dataset_lengths(dataset):
    """Return the sequence lengths behind a skorch dataset (or a subset of one), or None."""
    if isinstance(dataset, Subset):
        lengths = dataset_lengths(dataset.dataset)
        return None if lengths is None else lengths[np.asarray(dataset.indices)]
    X = getattr(dataset, "X", None)
    return X.get("lengths") if isinstance(X, dict) else None


def bucket_loader(dataset, batch_size, shuffle=False, generator=None, shard=None, **kwargs):
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
    generator : torch.Generator or None, default=None
        Where the shuffles are drawn from; None is torch's global generator.
    shard : tuple (index, count) or None, default=None
        Yield only shard ``index`` of ``count`` (see :class:`ShardedBatches`): one process's
        share of the batches in data-parallel training. Every process must draw the same
        batches, from generators in the same state.
    **kwargs
        Passed to the DataLoader.

    Returns
    -------
    torch.utils.data.DataLoader
    """
    lengths = dataset_lengths(dataset)
    if lengths is None:
        return batch_loader(dataset, batch_size, shuffle, generator, shard, **kwargs)
    return _fetch_batches(dataset, BucketBatchSampler(lengths, batch_size, shuffle, generator),
                          shard, **kwargs)


class IndexBatches(Sampler):
    """Yield the batches of the indices ``0 .. n - 1`` as arrays, in order or shuffled.

    Shuffled, the batches are those of torch's ``BatchSampler(RandomSampler(...))``, from the
    same random draws (a seed from torch's global generator, then a permutation), but the
    permutation is kept as one int32 tensor and cut into batches as they are needed, instead
    of a list of ``n`` Python integers (about 36 bytes each).

    Parameters
    ----------
    n : int
        Number of samples.
    batch_size : int
        Indices per batch (the last batch may be smaller).
    shuffle : bool, default=False
        Draw a new permutation every epoch.
    generator : torch.Generator or None, default=None
        Where the permutations are drawn from; None is torch's global generator (through
        a seed drawn from it, as above).
    """

    def __init__(self, n, batch_size, shuffle=False, generator=None):
        self.n = n
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator

    def __iter__(self):
        n, size = self.n, self.batch_size
        if not self.shuffle:
            for start in range(0, n, size):
                yield np.arange(start, min(start + size, n))
            return
        generator = self.generator
        if generator is None:
            generator = torch.Generator()
            generator.manual_seed(int(torch.empty((), dtype=torch.int64).random_().item()))
        dtype = torch.int32 if n <= torch.iinfo(torch.int32).max else torch.int64
        order = torch.randperm(n, generator=generator, dtype=dtype)
        for start in range(0, n, size):
            yield order[start:start + size].numpy()

    def __len__(self):
        return math.ceil(self.n / self.batch_size)


def batch_loader(dataset, batch_size, shuffle=False, generator=None, shard=None, **kwargs):
    """skorch ``iterator_valid`` (and ``iterator_train`` without lengths): plain batches.

    The batches, in order or shuffled as :class:`torch.utils.data.DataLoader` makes them
    (the same random draws, see :class:`IndexBatches`), are each fetched by one indexing of
    the dataset's arrays rather than one ``__getitem__`` per sequence and a collation.

    Parameters
    ----------
    dataset : torch.utils.data.Dataset
        skorch's dataset, or a :class:`torch.utils.data.Subset` of it.
    batch_size : int
        Sequences per batch.
    shuffle : bool, default=False
        Reshuffle every epoch.
    generator : torch.Generator or None, default=None
        Where the shuffles are drawn from; None is torch's global generator.
    shard : tuple (index, count) or None, default=None
        Yield only shard ``index`` of ``count`` (see :class:`ShardedBatches`).
    **kwargs
        Passed to the DataLoader.

    Returns
    -------
    torch.utils.data.DataLoader
    """
    return _fetch_batches(dataset, IndexBatches(len(dataset), batch_size, shuffle, generator),
                          shard, **kwargs)


class ShardedBatches(Sampler):
    """One process's share of the batches of ``batches``, for data-parallel training.

    Every process draws the same batches (its sampler's generator in the same state as
    everyone else's) and keeps every ``count``-th, from the ``index``-th on. Every shard gets
    equally many, ``ceil(n_batches / count)``, so that every process steps as often as the
    others (each step waits for all of them): shards left one short take a batch from the
    start again, as :class:`torch.utils.data.DistributedSampler` repeats samples.

    Parameters
    ----------
    batches : iterable of index arrays, with a length
        All the batches of an epoch, e.g. a :class:`BucketBatchSampler`.
    index : int
        This process's shard, in ``[0, count)``.
    count : int
        Number of shards (processes).
    """

    def __init__(self, batches, index, count):
        if not 0 <= index < count:
            raise ValueError(f"shard index must be in [0, {count}); got {index}.")
        self.batches = batches
        self.index = index
        self.count = count

    def __iter__(self):
        batches = list(self.batches)
        if not batches:
            return
        for k in range(len(self)):
            yield batches[(k * self.count + self.index) % len(batches)]

    def __len__(self):
        return -(-len(self.batches) // self.count)


def to_tensors(batch):
    """Turn a fetched batch into tensors, float64 arrays into float32 ones (``collate_fn``).

    The estimators keep float64 input as it is given (see
    :func:`sklrnn._sequences.validate_network_sequences`); this is where it becomes float32, one
    batch at a time. Dicts, tuples and lists are converted item by item.

    Parameters
    ----------
    batch : ndarray, tensor, or dict, tuple or list of them
        What the dataset returned for a batch of indices.

    Returns
    -------
    The same structure with tensors in place of arrays.
    """
    if isinstance(batch, np.ndarray) and batch.dtype == np.float64:
        return torch.from_numpy(batch.astype(np.float32))
    if isinstance(batch, Mapping):
        return {key: to_tensors(value) for key, value in batch.items()}
    if isinstance(batch, tuple | list):
        return type(batch)(to_tensors(item) for item in batch)
    return default_convert(batch)


def _fetch_batches(dataset, batches, shard=None, **kwargs):
    """A DataLoader that indexes ``dataset`` once per batch of indices from ``batches``.

    With ``shard=(index, count)``, only that shard of the batches (:class:`ShardedBatches`).

    skorch's datasets (and torch's Subset) accept a list of indices and return the whole
    batch, a copy (numpy's fancy indexing); ``batch_size=None`` leaves :func:`to_tensors`
    only turning its arrays into tensors.
    """
    kwargs.setdefault("collate_fn", to_tensors)
    if shard is not None:
        batches = ShardedBatches(batches, *shard)
    return DataLoader(dataset, sampler=batches, batch_size=None, **kwargs)

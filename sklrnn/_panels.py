"""sktime's panel forms of sequences: ``pd-multiindex`` and ``nested_univ`` DataFrames."""

import numpy as np


def is_panel(X):
    """A sktime ``pd-multiindex`` panel: rows indexed by (instance, time)."""
    return getattr(getattr(X, "index", None), "nlevels", 1) == 2 and hasattr(X, "columns")


def rows_are_samples(X, y):
    """Whether a (series, time)-indexed DataFrame ``X`` is a table with one sample per row.

    sktime's ``make_reduction(..., pooling="global")`` passes such a table of windows (one
    row per window, y with one value per row); a sktime panel has one target per series.

    Parameters
    ----------
    X : object
        Training input.
    y : array-like
        Training targets.

    Returns
    -------
    bool
    """
    if not is_panel(X) or y is None:
        return False
    n_targets = len(y)
    return n_targets == len(X) != X.index.get_level_values(0).nunique()


def is_nested(X):
    """A sktime ``nested_univ`` panel: a DataFrame whose cells are whole series."""
    return (hasattr(X, "columns") and hasattr(X, "iloc") and X.shape[0] > 0 and X.shape[1] > 0
            and all(dtype.kind == "O" for dtype in X.dtypes)
            and hasattr(X.iloc[0, 0], "__len__") and not isinstance(X.iloc[0, 0], str))


def panel_order(X):
    """Row positions that put a ``pd-multiindex`` panel in order, or None when it is.

    The rows of every instance are put in time order, so a panel read in any row order
    gives the sequences of the sorted panel; the instances keep their order of appearance
    (the order of the targets and predictions), never sorted by label.

    Parameters
    ----------
    X : DataFrame with a 2-level MultiIndex (instance, time)
        The panel.

    Returns
    -------
    order : ndarray of int64, or None
        ``X.iloc[order]`` is the panel in order; None when ``X`` is in order already.

    Raises
    ------
    ValueError
        When the rows of an instance are not contiguous, an instance has two rows at one
        time, or a time is missing.
    TypeError
        When the times of the panel cannot be ordered.
    """
    if not len(X):
        return None
    codes = np.asarray(X.index.codes[0])
    new = np.r_[True, codes[1:] != codes[:-1]]
    if len(np.unique(codes)) != new.sum():
        raise ValueError(
            "The rows of every instance of the pd-multiindex panel X must be contiguous; "
            "sort it first with X.sort_index() (which orders the instances by label: order "
            "y the same way)."
        )
    times = X.index.get_level_values(1)
    try:
        rank = np.asarray(times.factorize(sort=True)[0])
    except TypeError as exc:
        raise TypeError(
            "The times (second index level) of the pd-multiindex panel X cannot be ordered: "
            f"{exc}. Index every instance by integers, datetimes or periods of one kind."
        ) from exc
    if (rank < 0).any():
        raise ValueError(
            "The pd-multiindex panel X has a missing time (NaN or NaT) in its second index "
            f"level, at row {int(np.flatnonzero(rank < 0)[0])}; every row needs its time."
        )
    instance = np.cumsum(new) - 1
    order = np.lexsort((rank, instance))
    same = ((instance[order][1:] == instance[order][:-1])
            & (rank[order][1:] == rank[order][:-1]))
    if same.any():
        instance, time = (v.item() if isinstance(v, np.generic) else v
                          for v in X.index[order[np.flatnonzero(same)[0]]])
        raise ValueError(
            f"The pd-multiindex panel X has more than one row at time {time} of instance "
            f"{instance!r}; every time step of an instance needs exactly one row. Drop the "
            "duplicates, X[~X.index.duplicated()], or aggregate them, "
            "X.groupby(level=[0, 1], sort=False).mean()."
        )
    return None if (order == np.arange(len(order))).all() else order


def panel_to_flat(X):
    """The rows of a ``pd-multiindex`` panel, each instance's in time order, and lengths.

    Parameters
    ----------
    X : DataFrame with a 2-level MultiIndex (instance, time)
        The panel; it is not modified.

    Returns
    -------
    flat : ndarray of shape (n_rows, n_columns)
        The rows of ``X.iloc[panel_order(X)]``: instances in order of appearance, the
        steps of each in time order.
    lengths : ndarray of shape (n_instances,), dtype int64
        The steps of every instance.
    """
    order = panel_order(X)
    flat = X.to_numpy()
    if order is not None:
        flat = flat[order]
    codes = np.asarray(X.index.codes[0])
    lengths = np.diff(np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True]))
    return flat, lengths.astype(np.int64)


def nested_to_list(X):
    """The sequences of a ``nested_univ`` panel, one ``(T_i, D)`` array per row.

    A cell that is a pandas Series is read in the order of its index (its times), so an
    unsorted cell gives the sorted cell's values; a cell with a time twice is refused.
    """
    seqs = []
    for i, row in enumerate(X.itertuples(index=False)):
        series = [_in_time_order(cell, i, column)
                  for cell, column in zip(row, X.columns, strict=True)]
        if len({len(s) for s in series}) > 1:
            raise ValueError(
                f"Instance {i} of the nested panel has variables of different lengths "
                f"{[len(s) for s in series]}; every variable of a sequence needs one length."
            )
        seqs.append(np.column_stack(series))
    return seqs


def _in_time_order(cell, i, column):
    """The values of one cell of a nested panel, in the order of its index when it has one."""
    index = getattr(cell, "index", None)
    if index is None or not hasattr(cell, "sort_index"):
        return np.asarray(cell)
    if index.has_duplicates:
        raise _duplicate_cell_times(index, i, column)
    return np.asarray(cell if index.is_monotonic_increasing else cell.sort_index())


def _duplicate_cell_times(index, i, column):
    time = index[index.duplicated()][0]
    time = time.item() if isinstance(time, np.generic) else time
    return ValueError(
        f"Instance {i} of the nested panel has more than one value at time {time} in "
        f"variable {column!r}; every time step needs exactly one value. Drop or aggregate "
        "the duplicates of that series first."
    )


def panel_feature_names(X):
    """Column names of a ``pd-multiindex`` panel, when they are all strings."""
    if not is_panel(X) or not all(isinstance(c, str) for c in X.columns):
        return None
    return np.asarray(X.columns, dtype=object)

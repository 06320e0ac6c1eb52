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


def panel_to_flat(X):
    codes = np.asarray(X.index.codes[0])
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    if len(np.unique(codes)) != len(starts):
        raise ValueError(
            "The rows of every instance of the pd-multiindex panel X must be contiguous; "
            "sort it first with X.sort_index()."
        )
    lengths = np.diff(np.r_[starts, len(codes)]).astype(np.int64)
    return X.to_numpy(), lengths


def nested_to_list(X):
    seqs = []
    for i, row in enumerate(X.itertuples(index=False)):
        series = [np.asarray(cell) for cell in row]
        if len({len(s) for s in series}) > 1:
            raise ValueError(
                f"Instance {i} of the nested panel has variables of different lengths "
                f"{[len(s) for s in series]}; every variable of a sequence needs one length."
            )
        seqs.append(np.column_stack(series))
    return seqs


def panel_feature_names(X):
    """Column names of a ``pd-multiindex`` panel, when they are all strings."""
    if not is_panel(X) or not all(isinstance(c, str) for c in X.columns):
        return None
    return np.asarray(X.columns, dtype=object)

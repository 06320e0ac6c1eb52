"""Checks of single values shared by sequences, targets and parameters."""

from numbers import Integral

import numpy as np
import torch
from sklearn.utils._param_validation import Interval


class PositiveInt(Interval):
    """The parameter constraint of an integer >= 1, for ``_parameter_constraints`` and
    :func:`~sklearn.utils._param_validation.validate_params`.

    scikit-learn's ``Interval(Integral, 1, None, closed="left")``, except that it refuses
    booleans, which that one takes for 0 and 1.
    """

    def __init__(self):
        super().__init__(Integral, 1, None, closed="left")

    def is_satisfied_by(self, val):
        return not isinstance(val, bool | np.bool_) and super().is_satisfied_by(val)


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def detach_tensors(data):
    """``data`` with torch tensors -- itself or the items of a list -- as numpy arrays.

    Tensors are read like any array: detached from autograd (numpy cannot take one that
    requires grad) and moved to the CPU; the tensors passed in are left as they are.

    Parameters
    ----------
    data : object
        Sequences or targets as the user passed them.

    Returns
    -------
    object
        ``data``, its tensors replaced by numpy arrays.
    """
    if isinstance(data, torch.Tensor):
        return data.detach().cpu().numpy()
    if isinstance(data, list | tuple) and any(isinstance(item, torch.Tensor) for item in data):
        return [detach_tensors(item) for item in data]
    return data


def check_not_temporal(X, input_name="X"):
    """Refuse time stamps and durations, which :func:`~sklearn.utils.check_array` would cast.

    ``datetime64`` and ``timedelta64`` arrays (or DataFrame columns) would otherwise become
    nanoseconds silently.

    Parameters
    ----------
    X : object
        An array, DataFrame or Series; anything without a dtype passes.
    input_name : str, default="X"
        Name used in the error message.

    Raises
    ------
    TypeError
        When ``X`` holds ``datetime64`` or ``timedelta64`` values.
    """
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or not hasattr(dtypes, "__iter__"):
        dtypes = [getattr(X, "dtype", None)]
    for dtype in dtypes:
        if getattr(dtype, "kind", None) in ("M", "m"):
            raise TypeError(
                f"{input_name} holds {dtype} values: time stamps and durations are not numbers "
                "sklrnn can read. Convert them to numeric features first, e.g. elapsed days "
                "with (t - t0) / np.timedelta64(1, 'D')."
            )


def check_float32_range(X, input_name="X"):
    """Refuse float64 values beyond float32's range: the networks would read infinity.

    Float64 input is kept as given and cast to float32 batch by batch, after
    :func:`~sklearn.utils.check_array` checked it finite in float64.

    Parameters
    ----------
    X : ndarray
        Validated input.
    input_name : str, default="X"
        Name used in the error message.
    """
    if X.dtype == np.float64 and X.size:
        largest = max(-float(X.min()), float(X.max()))
        if largest > _FLOAT32_MAX:
            raise ValueError(
                f"Input {input_name} contains values too large for float32, the dtype the "
                f"networks compute in (the largest magnitude is {largest:.3g}, float32 ends at "
                f"{_FLOAT32_MAX:.3g}); rescale it first, e.g. with "
                "sklrnn.preprocessing.SequenceScaler."
            )

"""Forecasting with sequence regressors: recursive multi-step forecasts, and sktime.

:func:`recursive_forecast` turns a one-step :class:`~sklrnn.RNNRegressor` (trained on windows
of a series and the value that follows each) into a multi-step forecaster: it predicts the
next step, appends it to the window, drops the oldest step and repeats, for one series or a
whole batch of series at once. :class:`RNNForecaster` is an sktime forecaster built on it;
sktime is imported when it is first used (``sklrnn.forecasting.RNNForecaster`` or ``from
sklrnn.forecasting import RNNForecaster``), never by this package's import, nor by ``from
sklrnn.forecasting import *``.
"""

from ._recursive import recursive_forecast

__all__ = ["recursive_forecast"]


def __getattr__(name):
    # RNNForecaster subclasses sktime's BaseForecaster: sktime is imported on first use only.
    if name == "RNNForecaster":
        from ._forecaster import RNNForecaster

        return RNNForecaster
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return [*__all__, "RNNForecaster"]

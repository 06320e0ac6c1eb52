"""Property-based tests: random shapes, dtypes and NaN patterns give a result or a clear error.

Whatever the input -- 1 to 4 dimensions with sides of 0 to 4, float16/32/64, integer, bool,
complex, object, string or datetime values, NaN, infinity or values beyond float32 anywhere,
ragged lists with or without consistent features -- every public estimator, transformer and
function either returns finite numbers of the documented shape or raises a ValueError or
TypeError. Never another exception type (a raw torch or numpy error), never NaN returned.

The examples are derandomized, so a run is reproducible; ``SKLRNN_HYPOTHESIS_PROFILE=thorough``
draws many more, at random.
"""

import os
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sklrnn import RNNClassifier, RNNRegressor
from sklrnn.forecasting import recursive_forecast
from sklrnn.preprocessing import SequencePadder, SequenceScaler, TabularToSequence, make_windows

settings.register_profile(
    "sklrnn-fast", max_examples=30, deadline=None, derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much])
settings.register_profile("sklrnn-thorough", parent=settings.get_profile("sklrnn-fast"),
                          max_examples=500, derandomize=False)
PROFILE = settings.get_profile(f"sklrnn-{os.environ.get('SKLRNN_HYPOTHESIS_PROFILE', 'fast')}")
FEW = settings(PROFILE, max_examples=max(PROFILE.max_examples // 2, 10))

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = dict(hidden_size=2, max_epochs=1, batch_size=4, random_state=0)
CLEAR = (ValueError, TypeError)  # the errors malformed input may raise

DTYPES = ["float64", "float32", "float16", "int64", "int8", "bool", "complex128", "object",
          "str", "datetime64[s]"]
SPECIALS = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf, "beyond float32": 1e300}


def cast(values, dtype):
    """``values`` (float64) as ``dtype``, however lossy: the point is the dtype."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dtype == "datetime64[s]":
            return np.nan_to_num(values, posinf=0, neginf=0).astype(np.int64).astype(dtype)
        return values.astype(dtype)


@st.composite
def values(draw, shape):
    """Floats in [-5, 5], clean most of the time, else with NaN, infinity or 1e300 somewhere."""
    x = draw(hnp.arrays(np.float64, shape, elements=st.floats(-5, 5, width=32)))
    pattern = draw(st.sampled_from(["clean"] * 4 + list(SPECIALS)))
    if pattern != "clean" and x.size:
        where = draw(hnp.arrays(np.bool_, shape))
        where.flat[draw(st.integers(0, x.size - 1))] = True
        x[where] = SPECIALS[pattern]
    return x


@st.composite
def arrays(draw, min_dims=1, max_dims=4, dtypes=DTYPES):
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0,
                                  max_side=4))
    return cast(draw(values(shape)), draw(st.sampled_from(dtypes)))


@st.composite
def ragged(draw, dtypes=DTYPES):
    """A list of 2-4 sequences of 0-4 steps; features per step usually consistent."""
    dtype = draw(st.sampled_from(dtypes))
    consistent = draw(st.sampled_from([True, True, True, False]))
    width = draw(st.integers(0, 3))
    univariate = consistent and draw(st.booleans())
    sequences = []
    for _ in range(draw(st.integers(2, 4))):
        steps = draw(st.integers(0, 4))
        shape = (steps,) if univariate else (steps, width if consistent else
                                             draw(st.integers(0, 3)))
        sequences.append(cast(draw(values(shape)), dtype))
    return sequences


SEQUENCES = st.one_of(arrays(), ragged())


def n_samples(X):
    return len(X) if isinstance(X, list) else (X.shape[0] if X.ndim else 0)


@st.composite
def targets(draw, n, tail=(), dtypes=("float64", "float64", "float64", "float32", "int64",
                                      "object", "str", "complex128")):
    """Targets of ``n`` rows (sometimes one more or fewer) and shape ``tail`` each."""
    rows = draw(st.sampled_from([n, n, n, n, n + 1, max(n - 1, 0)]))
    return cast(draw(values((rows, *tail))), draw(st.sampled_from(dtypes)))


def finite(result):
    parts = result if isinstance(result, list) else [result]
    return all(np.isfinite(np.asarray(part, dtype=float)).all() for part in parts)


def refused_or(run):
    """``run()``, or None when it raised ValueError or TypeError (anything else propagates)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return run()
    except CLEAR:
        return None


# -- estimators ------------------------------------------------------------------------------

@PROFILE
@given(X=SEQUENCES, data=st.data())
def test_regressor_gives_finite_predictions_of_the_target_shape_or_a_clear_error(X, data):
    n = n_samples(X)
    y = data.draw(targets(n, tail=data.draw(st.sampled_from([(), (), (2,)]))))
    est = RNNRegressor(**TINY)
    predictions = refused_or(lambda: est.fit(X, y).predict(X))
    if predictions is None:
        return
    assert predictions.shape == (n, *y.shape[1:])
    assert finite(predictions)


LABEL_SETS = [[0, 1], [0, 1, 2], ["a", "b"], [True, False], [0.5, 1.5], ["a", 1], ["a", None],
              [0.0, np.nan], [0, 1, 1j]]


@PROFILE
@given(X=SEQUENCES, data=st.data())
def test_classifier_gives_probabilities_and_known_labels_or_a_clear_error(X, data):
    n = n_samples(X)
    pool = data.draw(st.sampled_from(LABEL_SETS))
    y = np.array(data.draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n)),
                 dtype=object if any(isinstance(v, str) for v in pool) and len(
                     {type(v) for v in pool}) > 1 else None)
    est = RNNClassifier(**TINY)
    fitted = refused_or(lambda: est.fit(X, y))
    if fitted is None:
        return
    proba, labels = est.predict_proba(X), est.predict(X)
    assert proba.shape == (n, len(est.classes_)) and finite(proba)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert set(labels.tolist()) <= set(est.classes_.tolist())


@pytest.mark.parametrize("architecture", ["seq2seq", "vec2seq", "encoder_decoder"])
@FEW
@given(data=st.data())
def test_every_architecture_gives_finite_outputs_or_a_clear_error(architecture, data):
    X = data.draw(arrays(max_dims=3) if architecture == "vec2seq" else SEQUENCES)
    n = n_samples(X)
    if architecture == "seq2seq":
        if isinstance(X, list):
            y = [data.draw(values((len(s),))) for s in X]
        else:
            y = data.draw(values(X.shape[:2] if X.ndim >= 2 else (n,)))
    else:
        y = data.draw(targets(n, tail=(data.draw(st.integers(0, 3)),)))
    est = RNNRegressor(architecture=architecture, **TINY)
    predictions = refused_or(lambda: est.fit(X, y).predict(X))
    if predictions is None:
        return
    assert finite(predictions)
    assert len(predictions) == n
    if architecture != "seq2seq":
        assert predictions.shape == y.shape


@pytest.fixture(scope="module")
def fitted_regressor():
    X = np.random.default_rng(0).normal(size=(16, 4, 2))
    return RNNRegressor(**TINY).fit(X, X[:, -1, 0])


@PROFILE
@given(X=SEQUENCES)
def test_predict_on_anything_gives_finite_predictions_or_a_clear_error(fitted_regressor, X):
    predictions = refused_or(lambda: fitted_regressor.predict(X))
    if predictions is not None:
        assert predictions.shape == (n_samples(X),) and finite(predictions)


HYPERPARAMETERS = {
    "lr": [np.nan, np.inf, -np.inf, 0.0, -1.0, 1e-3, 0.1],
    "dropout": [np.nan, np.inf, -0.1, 0.0, 0.5, 1.0],
    "clip_grad_norm": [None, np.nan, np.inf, 0.0, 1.0],
    "clip_grad_value": [None, np.nan, -np.inf, 0.0, 0.5],
    "mask_value": [None, np.nan, np.inf, -np.inf, 0.0, 1.5],
    "validation_fraction": [np.nan, np.inf, 0.0, 0.25, 1.0],
    "early_stopping": [False, True],
    "hidden_size": [np.nan, np.inf, 0, 2, 2.0],
    "batch_size": [np.nan, 0, 4],
}


@PROFILE
@given(params=st.fixed_dictionaries({name: st.sampled_from(options)
                                     for name, options in HYPERPARAMETERS.items()}))
def test_any_hyperparameters_give_finite_predictions_or_a_clear_error(params):
    X = np.random.default_rng(1).normal(size=(12, 4, 2))
    y = X[:, -1, 0]
    est = RNNRegressor(**{**TINY, **params})
    predictions = refused_or(lambda: est.fit(X, y).predict(X))
    if predictions is not None:
        assert predictions.shape == (12,) and finite(predictions)


# -- transformers and functions ---------------------------------------------------------------

@PROFILE
@given(X=SEQUENCES, maxlen=st.sampled_from([None, 1, 3]))
def test_sequence_padder_gives_one_finite_array_or_a_clear_error(X, maxlen):
    out = refused_or(lambda: SequencePadder(maxlen=maxlen).fit_transform(X))
    if out is not None:
        assert out.ndim == 3 and len(out) == n_samples(X) and finite(out)
        assert maxlen is None or out.shape[1] == maxlen


@PROFILE
@given(X=SEQUENCES)
def test_sequence_scaler_keeps_nan_where_it_was_and_adds_none(X):
    out = refused_or(lambda: SequenceScaler().fit_transform(X))
    if out is None:
        return
    before = X if isinstance(X, list) else [X]
    after = out if isinstance(X, list) else [out]
    assert len(after) == len(before)
    for x, scaled in zip(before, after, strict=True):
        assert scaled.shape == x.shape
        np.testing.assert_array_equal(np.isnan(scaled), np.isnan(x.astype(float)))
        assert not np.isinf(scaled).any()
    inverse = refused_or(lambda: SequenceScaler().fit(X).inverse_transform(out))
    if inverse is not None:
        assert all(not np.isinf(part).any() for part in (inverse if isinstance(X, list)
                                                         else [inverse]))


@PROFILE
@given(X=st.one_of(arrays(max_dims=3), ragged()), n_variables=st.integers(1, 3))
def test_tabular_to_sequence_gives_finite_sequences_or_a_clear_error(X, n_variables):
    out = refused_or(lambda: TabularToSequence(n_variables=n_variables).fit_transform(X))
    if out is not None:
        n, columns = np.shape(X)
        assert out.shape == (n, columns // n_variables, n_variables) and finite(out)


POSITIVE_INTS = st.one_of(st.integers(-2, 7), st.sampled_from([np.nan, np.inf, 2.0, True, "3"]))


@PROFILE
@given(series=arrays(max_dims=3), window_length=POSITIVE_INTS, horizon=POSITIVE_INTS,
       step=POSITIVE_INTS)
def test_make_windows_gives_consistent_finite_windows_or_a_clear_error(series, window_length,
                                                                       horizon, step):
    windows = refused_or(lambda: make_windows(series, window_length, horizon, step))
    if windows is None:
        return
    X, y = windows
    n_windows = (len(series) - window_length - horizon) // step + 1
    assert X.shape == (n_windows, window_length, series.reshape(len(series), -1).shape[1])
    assert len(y) == n_windows and finite(X) and finite(y)


@pytest.fixture(scope="module")
def window_regressor():
    X, y = make_windows(np.sin(np.arange(40) / 3), window_length=4)
    return RNNRegressor(**TINY).fit(X, y)  # 3-D windows: any history length


@PROFILE
@given(history=SEQUENCES, horizon=POSITIVE_INTS, window_length=st.sampled_from([None, 1, 3]))
def test_recursive_forecast_gives_a_finite_forecast_or_a_clear_error(window_regressor, history,
                                                                     horizon, window_length):
    forecast = refused_or(lambda: recursive_forecast(window_regressor, history, horizon,
                                                     window_length=window_length))
    if forecast is not None:
        assert forecast.shape[-1] == horizon and finite(forecast)


@FEW
@given(y=arrays(max_dims=1, dtypes=["float64", "float64", "float32", "int64", "bool"]),
       window_length=st.sampled_from([1, 2, 3, 0, np.nan]),
       strategy=st.sampled_from(["recursive", "direct"]))
def test_rnn_forecaster_gives_a_finite_forecast_or_a_clear_error(y, window_length, strategy):
    from sklrnn.forecasting import RNNForecaster

    forecaster = RNNForecaster(window_length=window_length, strategy=strategy, **TINY)
    forecast = refused_or(lambda: forecaster.fit(pd.Series(y), fh=[1, 2]).predict(fh=[1, 2]))
    if forecast is not None:
        assert forecast.shape == (2,) and finite(forecast.to_numpy())

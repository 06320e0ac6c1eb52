"""The catalogue of malformed input: every public estimator, transformer and function.

Every row is one malformed input, named ``<component>-<what>-<problem>``, with the exception it
must raise (ValueError or TypeError, sklearn's ``NotFittedError`` and ``InvalidParameterError``
being both) and a regex its message must match: the message names the problem. The rows run with
skorch's training loop and every ``torch.nn.Module`` call replaced by :class:`TrainingStarted`,
so a row passes only when the input is refused before any training or forward pass starts: never
a raw torch error, a hang, or NaN returned. Fits that fail must leave no network behind.

Rows are grouped by the kind of malformed input (``KINDS``); ``ACCEPTED`` lists edge cases that
are *not* malformed (single-step sequences, NaN padding with ``mask_value=nan``, ...) and must give
finite results of the right shape. sktime raises a few errors of its own before RNNForecaster
sees the data; those rows say so.
"""

import json
import os
from functools import partial
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import skorch
import torch
from safetensors.torch import safe_open, save_file
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

import sklrnn
from sklrnn import RNNClassifier, RNNRegressor
from sklrnn.callbacks import (
    DivergenceGuard,
    GradientMonitor,
    GradientValueClipping,
    plot_step_gradients,
)
from sklrnn.forecasting import recursive_forecast
from sklrnn.preprocessing import SequencePadder, SequenceScaler, TabularToSequence, make_windows

pytest.importorskip("sktime")
from sklrnn.forecasting import RNNForecaster  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = dict(hidden_size=2, max_epochs=1, batch_size=8, random_state=0)

# -- data ------------------------------------------------------------------------------------

RNG = np.random.default_rng(0)
X3 = RNG.normal(size=(12, 5, 2))                       # 12 sequences, 5 steps, 2 features
X2 = X3[:, :, 0]                                        # 12 univariate sequences of 5 steps
Y = X3[:, :, 0].mean(axis=1)
LABELS = np.where(np.arange(12) % 2, "up", "down")
Y_STEPS = np.cumsum(X3[:, :, 0], axis=1)               # seq2seq targets (12, 5)
STEP_LABELS = (Y_STEPS > 0).astype(int)
X_VEC = RNG.normal(size=(12, 3))                        # vec2seq input
Y_HORIZON = RNG.normal(size=(12, 4))                    # 4 steps ahead
RAGGED = [RNG.normal(size=(n, 2)) for n in (3, 5, 2, 4)]
Y_RAGGED = Y[:4]
SERIES = np.sin(np.arange(60) / 4)
WINDOWS, NEXT = make_windows(SERIES, window_length=6)   # (54, 6, 1), (54,)
EXOG_SERIES = np.column_stack([SERIES, np.cos(np.arange(60) / 4)])
EXOG_WINDOWS, EXOG_NEXT = make_windows(EXOG_SERIES, window_length=6, target=0)
Y_SK = pd.Series(np.sin(np.arange(30) / 3))
X_SK = pd.DataFrame({"a": np.cos(np.arange(35) / 3)})

# Odd time stamps (issue 20): a time twice, gaps, irregular datetimes, a step of 2.
PANEL = pd.DataFrame(X3[:3].reshape(15, 2), columns=["a", "b"],
                     index=pd.MultiIndex.from_product([range(3), range(5)]))
PANEL_TIME_TWICE = PANEL.iloc[[0, 1, 1, 2, 3, 4, *range(5, 15)]]
NESTED_TIME_TWICE = pd.DataFrame({"a": [pd.Series([1.0, 2.0, 3.0], index=[0, 1, 1])]})
Y_SK_TIME_TWICE = pd.Series(Y_SK.to_numpy(), index=[*range(15), *range(14, 29)])
X_SK_TIME_TWICE = pd.DataFrame({"a": np.arange(31.0)}, index=[*range(15), *range(14, 30)])
Y_SK_GAP = pd.Series(Y_SK.to_numpy(), index=np.r_[np.arange(15), np.arange(20, 35)])
Y_SK_PERIOD_GAP = pd.Series(Y_SK.to_numpy(),
                            index=pd.period_range("2000-01", periods=31, freq="M").delete(12))
Y_SK_IRREGULAR = pd.Series(Y_SK.to_numpy(),
                           index=pd.date_range("2020-01-01", periods=31, freq="D").delete(10))
Y_SK_STEP_2 = pd.Series(Y_SK.to_numpy(), index=np.arange(0, 60, 2))


def put(array, value, index=(0, 1)):
    """A float copy of ``array`` with ``value`` at ``index``."""
    out = np.array(array, dtype=float if np.ndim(value) == 0 else None)
    out[index] = value
    return out


# -- how a row calls the library ---------------------------------------------------------------

class Case(NamedTuple):
    kind: str
    call: object  # function of the fitted models
    error: type
    match: str


def new(make, method, *args, **kwargs):
    """Call ``method`` of a fresh ``make()``; it must keep no network when it raises."""
    def call(fitted):
        est = make()
        try:
            getattr(est, method)(*args, **kwargs)
        finally:
            assert not hasattr(est, "net_") and not hasattr(est, "regressor_")
    return call


def fit(make, *args, **kwargs):
    return new(make, "fit", *args, **kwargs)


def used(name, method, *args, **kwargs):
    """Call ``method`` of the fitted model ``name``."""
    return lambda fitted: getattr(fitted[name], method)(*args, **kwargs)


def scored(name, *args, **kwargs):
    """Call ``score`` of the fitted model ``name``, which may predict before it checks y.

    A regressor's ``score`` is scikit-learn's: it predicts, then ``r2_score`` validates ``y``
    and ``sample_weight``; a decoded horizon is compared with the predictions' shape. No
    training runs, and the error still comes before any number is returned.
    """
    call = used(name, "score", *args, **kwargs)
    call.runs_network = True
    return call


def reg(**params):
    return partial(RNNRegressor, **{**TINY, **params})


def clf(**params):
    return partial(RNNClassifier, **{**TINY, **params})


def forecaster(**params):
    return partial(RNNForecaster, **{**dict(window_length=3, **TINY), **params})


REG = reg()
CLF = clf()
SEQ2SEQ = reg(architecture="seq2seq")
VEC2SEQ = reg(architecture="vec2seq")
ENC_DEC = reg(architecture="encoder_decoder")
NAN_MASKED = reg(mask_value=np.nan)
ZERO_MASKED = reg(mask_value=0.0)
FORECASTER = forecaster()

CATALOGUE = {}


def section(kind, rows):
    for case_id, call, error, match in rows:
        assert case_id not in CATALOGUE, case_id
        CATALOGUE[case_id] = Case(kind, call, error, match)


section("wrong ndim", [
    ("regressor-X-none", fit(REG, None, Y), ValueError, "X is None"),
    ("regressor-X-0d", fit(REG, np.float64(1.0), Y), ValueError, "got 0 dimension"),
    ("regressor-X-string-scalar", fit(REG, "sequences", Y), ValueError, "got 0 dimension"),
    ("regressor-X-dict", fit(REG, {"x": X3}, Y), ValueError, "got 0 dimension"),
    ("regressor-X-1d", fit(REG, X3[:, 0, 0], Y), ValueError, r"got 1 dimension.*reshape"),
    ("regressor-X-4d", fit(REG, X3[..., None], Y), ValueError, "got 4 dimension"),
    ("regressor-X-5d", fit(REG, X3[..., None, None], Y), ValueError, "got 5 dimension"),
    ("classifier-X-1d", fit(CLF, X3[:, 0, 0], LABELS), ValueError, "got 1 dimension"),
    ("seq2seq-X-4d", fit(SEQ2SEQ, X3[..., None], Y_STEPS), ValueError, "got 4 dimension"),
    ("encoder_decoder-X-1d", fit(ENC_DEC, X3[:, 0, 0], Y_HORIZON), ValueError,
     "got 1 dimension"),
    ("vec2seq-X-3d", fit(VEC2SEQ, X3, Y_HORIZON), ValueError,
     "one vector per sample; got 3 dimension"),
    ("vec2seq-X-1d", fit(VEC2SEQ, X_VEC[:, 0], Y_HORIZON), ValueError, "got 1 dimension"),
    ("regressor-y-3d", fit(REG, X3, Y[:, None, None]), ValueError, "dim 3"),
    ("classifier-y-2d", fit(CLF, X3, np.column_stack([LABELS, LABELS])), ValueError,
     "y should be a 1d array"),
    ("seq2seq-y-1d", fit(SEQ2SEQ, X3, Y), ValueError, r"does not match X.*\(12, 5\)"),
    ("seq2seq-y-4d", fit(SEQ2SEQ, X3, Y_STEPS[..., None, None]), ValueError,
     "does not match X"),
    ("vec2seq-y-1d", fit(VEC2SEQ, X_VEC, Y), ValueError, r"\(n_samples, horizon\)"),
    ("encoder_decoder-y-4d", fit(ENC_DEC, X3, Y_HORIZON[..., None, None]), ValueError,
     r"\(n_samples, horizon\)"),
    ("regressor-predict-X-1d", used("regressor", "predict", X3[:, 0, 0]), ValueError,
     "got 1 dimension"),
    ("classifier-predict_proba-X-4d", used("classifier", "predict_proba", X3[..., None]),
     ValueError, "got 4 dimension"),
    ("vec2seq-predict-X-3d", used("vec2seq", "predict", X3), ValueError,
     "one vector per sample"),
    ("padder-X-1d", fit(SequencePadder, X3[:, 0, 0]), ValueError, "got 1 dimension"),
    ("scaler-X-4d", fit(SequenceScaler, X3[..., None]), ValueError, "got 4 dimension"),
    ("scaler-transform-X-1d", used("scaler", "transform", X3[0, :, 0]), ValueError,
     "got 1 dimension"),
    ("tabular-X-3d", fit(TabularToSequence, X3), ValueError, "dim 3"),
    ("tabular-X-1d", fit(TabularToSequence, X2[0]), ValueError, "Expected 2D array"),
    ("make_windows-series-0d", lambda f: make_windows(np.float64(3.0), 2), ValueError,
     r"series must have shape \(n_timesteps,\)"),
    ("make_windows-series-3d", lambda f: make_windows(X3, 2), ValueError, "dim 3"),
    ("recursive_forecast-history-0d", lambda f: recursive_forecast(f["window"], 1.0, 2),
     ValueError, r"history must have shape \(n_timesteps,\)"),
    ("recursive_forecast-history-4d",
     lambda f: recursive_forecast(f["window"], SERIES.reshape(1, 1, -1, 1), 2), ValueError,
     r"history must have shape .* got \(1, 1, 60, 1\)"),
])

section("NaN/inf in X", [
    ("regressor-X-nan", fit(REG, put(X3, np.nan), Y), ValueError, "Input X contains NaN"),
    ("regressor-X-inf", fit(REG, put(X3, np.inf), Y), ValueError,
     "Input X contains infinity"),
    ("regressor-X-neg-inf", fit(REG, put(X3, -np.inf, (11, 4, 1)), Y), ValueError,
     "Input X contains infinity"),
    ("regressor-X-2d-nan", fit(REG, put(X2, np.nan), Y), ValueError, "Input X contains NaN"),
    ("regressor-X-float64-beyond-float32", fit(REG, put(X3, 1e300), Y), ValueError,
     "too large for float32"),
    ("regressor-X-ragged-nan", fit(REG, [RAGGED[0], put(RAGGED[1], np.nan), *RAGGED[2:]],
                                   Y_RAGGED), ValueError, "Input X contains NaN"),
    ("regressor-X-ragged-inf", fit(REG, [put(RAGGED[0], np.inf), *RAGGED[1:]], Y_RAGGED),
     ValueError, "Input X contains infinity"),
    ("regressor-X-nan-but-mask_value-zero", fit(ZERO_MASKED, put(X3, np.nan), Y), ValueError,
     "Input X contains NaN"),
    ("regressor-X-nan-inside-a-step-with-mask_value-nan",
     fit(NAN_MASKED, put(X3, np.nan, (0, 1, 0)), Y), ValueError,
     "NaN in time steps that are not entirely NaN"),
    ("classifier-X-nan", fit(CLF, put(X3, np.nan), LABELS), ValueError,
     "Input X contains NaN"),
    ("seq2seq-X-inf", fit(SEQ2SEQ, put(X3, np.inf), Y_STEPS), ValueError,
     "Input X contains infinity"),
    ("vec2seq-X-nan", fit(VEC2SEQ, put(X_VEC, np.nan), Y_HORIZON), ValueError,
     "Input X contains NaN"),
    ("vec2seq-X-float64-beyond-float32", fit(VEC2SEQ, put(X_VEC, -1e300), Y_HORIZON),
     ValueError, "too large for float32"),
    ("encoder_decoder-X-inf", fit(ENC_DEC, put(X3, np.inf), Y_HORIZON), ValueError,
     "Input X contains infinity"),
    ("regressor-predict-X-nan", used("regressor", "predict", put(X3, np.nan)), ValueError,
     "Input X contains NaN"),
    ("regressor-predict-X-inf", used("regressor", "predict", put(X3, np.inf)), ValueError,
     "Input X contains infinity"),
    ("regressor-predict-X-float64-beyond-float32",
     used("regressor", "predict", put(X3, 1e300)), ValueError, "too large for float32"),
    ("regressor-score-X-inf", used("regressor", "score", put(X3, np.inf), Y), ValueError,
     "Input X contains infinity"),
    ("classifier-predict_proba-X-nan", used("classifier", "predict_proba", put(X3, np.nan)),
     ValueError, "Input X contains NaN"),
    ("seq2seq-predict-X-ragged-inf",
     used("seq2seq", "predict", [put(RAGGED[0], np.inf), *RAGGED[1:]]), ValueError,
     "Input X contains infinity"),
    ("vec2seq-predict-X-float64-beyond-float32", used("vec2seq", "predict", put(X_VEC, 1e39)),
     ValueError, "too large for float32"),
    ("encoder_decoder-predict-X-nan", used("encoder_decoder", "predict", put(X3, np.nan)),
     ValueError, "Input X contains NaN"),
    ("padder-X-nan", fit(SequencePadder, put(X3, np.nan)), ValueError, "Input X contains NaN"),
    ("padder-transform-X-inf", used("padder", "transform", put(X3, np.inf)), ValueError,
     "Input X contains infinity"),
    ("scaler-X-inf", fit(SequenceScaler, put(X3, np.inf)), ValueError,
     "Input X contains infinity"),
    ("scaler-X-all-nan-feature", fit(SequenceScaler, put(X3, np.nan, (Ellipsis, 0))),
     ValueError, r"Feature\(s\) \[0\] of X have no values"),
    ("scaler-X-variance-overflows", fit(SequenceScaler, put(X3, 1e307) * np.sign(X3)),
     ValueError, "mean or variance overflows float64"),
    ("scaler-transform-X-inf", used("scaler", "transform", put(X3, -np.inf)), ValueError,
     "Input X contains infinity"),
    ("scaler-transform-result-overflows-float16",
     used("narrow_scaler", "transform", np.full((1, 2, 2), 6e4, dtype=np.float16)),
     ValueError, "beyond the range of its dtype float16"),
    ("tabular-X-nan", fit(TabularToSequence, put(X2, np.nan)), ValueError,
     "Input X contains NaN"),
    ("tabular-transform-X-inf", used("tabular", "transform", put(X2, np.inf)), ValueError,
     "Input X contains infinity"),
    ("make_windows-series-nan", lambda f: make_windows(put(SERIES, np.nan, 3), 2), ValueError,
     "Input series contains NaN"),
    ("make_windows-series-inf", lambda f: make_windows(put(SERIES, np.inf, 3), 2), ValueError,
     "Input series contains infinity"),
    ("recursive_forecast-history-nan",
     lambda f: recursive_forecast(f["window"], put(SERIES, np.nan, -1), 2), ValueError,
     "Input history contains NaN"),
    ("recursive_forecast-history-inf",
     lambda f: recursive_forecast(f["window"], put(SERIES, np.inf, -1), 2), ValueError,
     "Input history contains infinity"),
    ("recursive_forecast-history-beyond-float32",
     lambda f: recursive_forecast(f["window"], put(SERIES, 1e300, -1), 2), ValueError,
     "too large for dtype\\('float32'\\)"),
    ("forecaster-y-nan", fit(FORECASTER, Y_SK.where(Y_SK < 0.9)), ValueError,
     "cannot handle missing data"),  # sktime's own check
    ("forecaster-y-inf", fit(FORECASTER, Y_SK.where(Y_SK < 0.9, np.inf)), ValueError,
     "y contains infinity or NaN"),
    ("forecaster-y-too-large-to-standardize", fit(FORECASTER, Y_SK * 1e300), ValueError,
     "too large to standardize"),
    ("forecaster-X-inf", fit(FORECASTER, Y_SK, X=X_SK[:30].where(X_SK[:30] < 0.9, np.inf)),
     ValueError, "X contains infinity or NaN"),
    ("forecaster-predict-X-nan",
     used("forecaster", "predict", fh=[1, 2], X=X_SK[30:32].where(X_SK[30:32] > 5)),
     ValueError, "cannot handle missing data"),  # sktime's own check
    ("forecaster-predict-X-inf",
     used("forecaster", "predict", fh=[1, 2], X=X_SK[30:32].where(X_SK[30:32] > 5, np.inf)),
     ValueError, "X passed to predict contains infinity"),
    ("forecaster-predict-X-beyond-float32",
     used("forecaster", "predict", fh=[1, 2], X=X_SK[30:32] * 1e300), ValueError,
     "X passed to predict .* too large for float32"),
])

section("NaN/inf in y", [
    ("regressor-y-nan", fit(REG, X3, put(Y, np.nan, 3)), ValueError, "Input y contains NaN"),
    ("regressor-y-inf", fit(REG, X3, put(Y, np.inf, 3)), ValueError,
     "Input y contains infinity"),
    ("regressor-y-beyond-float32", fit(REG, X3, put(Y, -1e300, 3)), ValueError,
     r"too large for dtype\('float32'\)"),
    ("regressor-y-2d-nan", fit(REG, X3, put(np.column_stack([Y, Y]), np.nan)), ValueError,
     "Input y contains NaN"),
    ("classifier-y-nan", fit(CLF, X3, put(np.arange(12) % 2, np.nan, 3)), ValueError,
     "Input y contains NaN"),
    ("classifier-y-inf", fit(CLF, X3, put(np.arange(12) % 2, np.inf, 3)), ValueError,
     "Input y contains infinity"),
    ("seq2seq-y-nan-at-a-real-step", fit(SEQ2SEQ, X3, put(Y_STEPS, np.nan)), ValueError,
     "Input y contains NaN"),
    ("seq2seq-y-ragged-inf", fit(SEQ2SEQ, RAGGED, [put(np.ones(len(s)), np.inf, 0)
                                                   for s in RAGGED]),
     ValueError, "Input y contains infinity"),
    ("classifier_seq2seq-y-nan", fit(clf(architecture="seq2seq"), X3,
                                     put(STEP_LABELS, np.nan)), ValueError,
     "Input y contains NaN"),
    ("vec2seq-y-inf", fit(VEC2SEQ, X_VEC, put(Y_HORIZON, np.inf)), ValueError,
     "Input y contains infinity"),
    ("encoder_decoder-y-nan", fit(ENC_DEC, X3, put(Y_HORIZON, np.nan)), ValueError,
     "Input y contains NaN"),
    ("regressor-score-y-nan", scored("regressor", X3, put(Y, np.nan, 0)), ValueError,
     "Input contains NaN"),
    ("regressor-score-sample_weight-nan",
     scored("regressor", X3, Y, sample_weight=put(np.ones(12), np.nan, 0)), ValueError,
     "Input sample_weight contains NaN"),
    ("classifier-score-y-nan", used("classifier_int", "score", X3, put(np.ones(12), np.nan, 0)),
     ValueError, "Input y contains NaN"),
    ("seq2seq-score-y-inf", used("seq2seq", "score", X3, put(Y_STEPS, np.inf)), ValueError,
     "Input y contains infinity"),
    ("encoder_decoder-score-y-inf", used("encoder_decoder", "score", X3, put(Y_HORIZON, np.inf)),
     ValueError, "Input y contains infinity"),
])

section("empty data", [
    ("regressor-X-no-samples", fit(REG, X3[:0], Y[:0]), ValueError, "0 sample"),
    ("regressor-X-2d-no-samples", fit(REG, X2[:0], Y[:0]), ValueError, "0 sample"),
    ("regressor-X-empty-list", fit(REG, [], []), ValueError, "0 sequences"),
    ("regressor-X-no-features", fit(REG, X3[:, :, :0], Y), ValueError,
     "at least one time step and one feature"),
    ("regressor-y-empty", fit(REG, X3, Y[:0]), ValueError, "0 sample"),
    ("regressor-y-none", fit(REG, X3, None), ValueError, "requires y to be passed"),
    ("regressor-y-no-targets", fit(REG, X3, np.zeros((12, 0))), ValueError,
     r"0 feature\(s\)"),
    ("classifier-X-no-samples", fit(CLF, X3[:0], LABELS[:0]), ValueError, "0 sample"),
    ("classifier-y-none", fit(CLF, X3, None), ValueError, "requires y to be passed"),
    ("vec2seq-X-no-samples", fit(VEC2SEQ, X_VEC[:0], Y_HORIZON[:0]), ValueError, "0 sample"),
    ("vec2seq-X-no-features", fit(VEC2SEQ, X_VEC[:, :0], Y_HORIZON), ValueError,
     r"0 feature\(s\)"),
    ("vec2seq-y-no-targets-per-step", fit(VEC2SEQ, X_VEC, Y_HORIZON[:, :, None][:, :, :0]),
     ValueError, r"horizon of 4 step\(s\) and 0 target\(s\)"),
    ("regressor-predict-X-no-samples", used("regressor", "predict", X3[:0]), ValueError,
     "0 sample"),
    ("classifier-predict-X-empty-list", used("classifier", "predict", []), ValueError,
     "0 sequences"),
    ("padder-X-no-samples", fit(SequencePadder, X3[:0]), ValueError, "0 sample"),
    ("scaler-X-empty-list", fit(SequenceScaler, []), ValueError, "0 sequences"),
    ("tabular-X-no-samples", fit(TabularToSequence, X2[:0]), ValueError, "0 sample"),
    ("tabular-X-no-columns", fit(TabularToSequence, X2[:, :0]), ValueError,
     r"0 feature\(s\)"),
    ("make_windows-series-empty", lambda f: make_windows(SERIES[:0], 2), ValueError,
     r"longer than the series \(0 steps\)"),
    ("make_windows-series-no-columns", lambda f: make_windows(EXOG_SERIES[:, :0], 2),
     ValueError, r"0 feature\(s\)"),
    ("recursive_forecast-history-empty", lambda f: recursive_forecast(f["window"], [], 2),
     ValueError, "0 sample"),
    ("forecaster-y-empty", fit(FORECASTER, Y_SK[:0]), ValueError, "has 0 time steps"),
    ("forecaster-direct-y-empty", fit(forecaster(strategy="direct"), Y_SK[:0], fh=[1, 2]),
     ValueError, "has 0 time steps"),
])

section("zero-length or single-step sequences", [
    ("regressor-X-zero-steps", fit(REG, X3[:, :0], Y), ValueError, "at least one time step"),
    ("regressor-X-2d-zero-steps", fit(REG, X2[:, :0], Y), ValueError, r"0 feature\(s\)"),
    ("regressor-X-ragged-empty-sequence", fit(REG, [RAGGED[0], RAGGED[1][:0], *RAGGED[2:]],
                                              Y_RAGGED), ValueError,
     r"1 empty sequence\(s\) \(the first is number 1\)"),
    ("regressor-X-only-padding-by-mask_value", fit(ZERO_MASKED, put(X3, 0.0, 3), Y),
     ValueError, "consist only of mask_value=0.0 padding"),
    ("regressor-X-only-nan-padding", fit(NAN_MASKED, put(X3, np.nan, 3), Y), ValueError,
     "consist only of mask_value=nan padding"),
    ("classifier-X-ragged-empty-sequence",
     fit(CLF, [RAGGED[0][:0], *RAGGED[1:]], LABELS[:4]), ValueError, "empty sequence"),
    ("seq2seq-X-zero-steps", fit(SEQ2SEQ, X3[:, :0], Y_STEPS[:, :0]), ValueError,
     "at least one time step"),
    ("encoder_decoder-y-zero-horizon", fit(ENC_DEC, X3, Y_HORIZON[:, :0, None]), ValueError,
     r"horizon of 0 step\(s\)"),
    ("vec2seq-y-zero-horizon", fit(VEC2SEQ, X_VEC, Y_HORIZON[:, :0]), ValueError,
     r"0 feature\(s\)"),
    ("regressor-predict-X-zero-steps", used("regressor", "predict", X3[:, :0]), ValueError,
     "at least one time step"),
    ("seq2seq-predict-X-ragged-empty-sequence",
     used("seq2seq", "predict", [RAGGED[0][:0], *RAGGED[1:]]), ValueError, "empty sequence"),
    ("padder-X-ragged-empty-sequence", fit(SequencePadder, [RAGGED[0], RAGGED[1][:0]]),
     ValueError, "empty sequence"),
    ("scaler-X-zero-steps", fit(SequenceScaler, X3[:, :0]), ValueError,
     "at least one time step"),
    ("recursive_forecast-history-zero-steps",
     lambda f: recursive_forecast(f["sequence_window"], np.ones((2, 0, 1)), 2), ValueError,
     "holds no time steps"),
    ("make_windows-series-as-long-as-the-window", lambda f: make_windows(SERIES[:6], 6),
     ValueError, r"longer than the series \(6 steps\)"),
    ("forecaster-y-shorter-than-window", fit(FORECASTER, Y_SK[:3]), ValueError,
     "has 3 time steps, fewer than window_length=3"),
])

section("ragged, inconsistent features", [
    ("regressor-X-ragged-features", fit(REG, [np.ones((3, 2)), np.ones((4, 3))], Y[:2]),
     ValueError, "different numbers of features: sequence 0 has 2, sequence 1 has 3"),
    ("regressor-X-ragged-3d-sequence", fit(REG, [np.ones((3, 2)), np.ones((4, 2, 1))], Y[:2]),
     ValueError, r"shape \(n_timesteps,\) or \(n_timesteps, n_features\); sequence 1"),
    ("regressor-X-ragged-scalar-sequence", fit(REG, [np.ones(3), 5.0], Y[:2]), ValueError,
     r"sequence 1 has shape \(\)"),
    ("regressor-X-nested-list-of-mixed-depth", fit(REG, [[1.0, [2.0, 3.0]], [1.0, 2.0]], Y[:2]),
     ValueError, "nested list that is neither one array nor a list of sequences"),
    ("regressor-X-ragged-object-array", fit(REG, np.array([np.ones((3, 2)), np.ones((2, 1))],
                                                          dtype=object), Y[:2]),
     ValueError, "different numbers of features"),
    ("classifier-X-ragged-features", fit(CLF, [np.ones((3, 2)), np.ones((4, 1))],
                                         LABELS[:2]), ValueError,
     "different numbers of features"),
    ("seq2seq-X-ragged-features", fit(SEQ2SEQ, [np.ones((3, 2)), np.ones((4, 1))],
                                      [np.ones(3), np.ones(4)]), ValueError,
     "different numbers of features"),
    ("seq2seq-y-ragged-wrong-length", fit(SEQ2SEQ, RAGGED, [np.ones(len(s) + 1)
                                                            for s in RAGGED]),
     ValueError, r"y\[0\] has shape \(4,\), but sequence 0 of X has 3 real time steps"),
    ("seq2seq-y-ragged-inconsistent-targets",
     fit(SEQ2SEQ, RAGGED, [np.ones((len(s), 1 + (i > 0))) for i, s in enumerate(RAGGED)]),
     ValueError, "different numbers of columns"),
    ("vec2seq-X-ragged", fit(VEC2SEQ, [np.ones(3), np.ones(2)], Y_HORIZON[:2]), ValueError,
     "got ragged sequences"),
    ("regressor-predict-X-ragged-features",
     used("regressor", "predict", [np.ones((3, 2)), np.ones((4, 3))]), ValueError,
     "different numbers of features"),
    ("padder-X-ragged-features", fit(SequencePadder, [np.ones((3, 2)), np.ones((4, 3))]),
     ValueError, "different numbers of features"),
    ("scaler-X-ragged-features", fit(SequenceScaler, [np.ones((3, 1)), np.ones((4, 3))]),
     ValueError, "different numbers of features"),
    ("tabular-X-ragged", fit(TabularToSequence, [np.ones(3), np.ones(4)]), ValueError,
     "lag matrix .* got sequences of different lengths"),
    ("make_windows-series-ragged", lambda f: make_windows([[1.0, 2.0], [3.0]], 1), ValueError,
     "series holds rows of different lengths"),
    ("recursive_forecast-history-ragged",
     lambda f: recursive_forecast(f["sequence_window"], [SERIES[:8], SERIES[:9]], 2),
     ValueError, "series of different lengths"),
])

STRINGS = np.full(X2.shape, "a")
section("object/complex/string data", [
    ("regressor-X-strings", fit(REG, STRINGS, Y), ValueError, "could not convert string"),
    ("regressor-X-complex", fit(REG, X3 + 1j, Y), ValueError, "Complex data not supported"),
    ("regressor-X-object-with-none", fit(REG, put(X3.astype(object), None), Y), ValueError,
     "Input X contains NaN"),
    ("regressor-X-datetime", fit(REG, np.zeros((12, 5), "datetime64[s]"), Y), TypeError,
     "datetime64.*Convert them to numeric features"),
    ("regressor-X-timedelta", fit(REG, np.zeros((12, 5, 1), "timedelta64[s]"), Y), TypeError,
     "timedelta64"),
    ("regressor-X-datetime-dataframe",
     fit(REG, pd.DataFrame({"t": pd.date_range("2000", periods=12)}), Y), TypeError,
     "datetime64"),
    ("regressor-X-sparse", fit(REG, scipy.sparse.csr_matrix(X2), Y), TypeError,
     "Sparse data was passed"),
    ("regressor-X-ragged-strings", fit(REG, [np.array(["a", "b"]), np.array(["c"])], Y[:2]),
     ValueError, "could not convert string"),
    ("regressor-X-ragged-complex", fit(REG, [np.ones(2) + 1j, np.ones(3)], Y[:2]), ValueError,
     "Complex data not supported"),
    ("regressor-X-ragged-datetime",
     fit(REG, [np.zeros(2, "datetime64[D]"), np.zeros(3, "datetime64[D]")], Y[:2]),
     TypeError, "datetime64"),
    ("regressor-y-strings", fit(REG, X3, np.full(12, "a")), ValueError,
     "could not convert string"),
    ("regressor-y-complex", fit(REG, X3, Y + 1j), ValueError, "Complex data not supported"),
    ("regressor-y-datetime", fit(REG, X3, np.zeros(12, "datetime64[s]")), TypeError,
     "y holds datetime64"),
    ("classifier-y-mixed-types", fit(CLF, X3, np.array(["a", 1] * 6, dtype=object)),
     TypeError, r"y mixes labels of the types \['int', 'str'\]"),
    ("classifier-y-none-among-strings", fit(CLF, X3, np.array(["a", None] * 6, dtype=object)),
     TypeError, r"y mixes labels of the types \['NoneType', 'str'\]"),
    ("classifier-y-continuous", fit(CLF, X3, Y), ValueError, "Unknown label type: continuous"),
    ("classifier-y-complex", fit(CLF, X3, np.arange(12) % 2 + 1j), ValueError,
     "Complex data not supported"),
    ("seq2seq-y-strings", fit(SEQ2SEQ, X3, np.full((12, 5), "a")), ValueError,
     "could not convert string"),
    ("vec2seq-X-strings", fit(VEC2SEQ, np.full((12, 3), "a"), Y_HORIZON), ValueError,
     "could not convert string"),
    ("vec2seq-X-datetime", fit(VEC2SEQ, np.zeros((12, 3), "datetime64[s]"), Y_HORIZON),
     TypeError, "datetime64"),
    ("encoder_decoder-y-complex", fit(ENC_DEC, X3, Y_HORIZON + 1j), ValueError,
     "Complex data not supported"),
    ("regressor-predict-X-strings", used("regressor_2d", "predict", STRINGS), ValueError,
     "could not convert string"),
    ("regressor-predict-X-datetime",
     used("regressor", "predict", np.zeros((2, 5, 2), "datetime64[s]")), TypeError,
     "datetime64"),
    ("padder-X-strings", fit(SequencePadder, STRINGS), ValueError, "could not convert string"),
    ("padder-X-datetime", fit(SequencePadder, np.zeros((2, 3), "datetime64[s]")), TypeError,
     "datetime64"),
    ("scaler-X-complex", fit(SequenceScaler, X3 + 1j), ValueError,
     "Complex data not supported"),
    ("scaler-transform-X-timedelta", used("scaler", "transform",
                                          np.zeros((2, 3, 2), "timedelta64[s]")),
     TypeError, "timedelta64"),
    ("tabular-X-strings", fit(TabularToSequence, STRINGS), ValueError,
     "could not convert string"),
    ("tabular-X-datetime", fit(TabularToSequence, np.zeros((2, 3), "datetime64[s]")),
     TypeError, "datetime64"),
    ("make_windows-series-strings", lambda f: make_windows(np.full(10, "a"), 2), ValueError,
     "not compatible with arrays of bytes/strings"),
    ("make_windows-series-complex", lambda f: make_windows(SERIES + 1j, 2), ValueError,
     "Complex data not supported"),
    ("make_windows-series-datetime", lambda f: make_windows(np.zeros(10, "datetime64[s]"), 2),
     TypeError, "series holds datetime64"),
    ("recursive_forecast-history-strings",
     lambda f: recursive_forecast(f["window"], np.full(10, "a"), 2), ValueError,
     "could not convert string"),
    ("recursive_forecast-history-complex",
     lambda f: recursive_forecast(f["window"], SERIES + 1j, 2), ValueError,
     "Complex data not supported"),
    ("recursive_forecast-history-datetime",
     lambda f: recursive_forecast(f["window"], np.zeros(10, "datetime64[s]"), 2), TypeError,
     "history holds datetime64"),
    ("recursive_forecast-exog-strings",
     lambda f: recursive_forecast(f["exog"], EXOG_SERIES[None], 2, exog=np.full((2, 1), "a")),
     ValueError, "could not convert string"),
    ("forecaster-y-strings", fit(FORECASTER, pd.Series(["a"] * 30)), TypeError,
     "categorical"),  # sktime's own check
    ("forecaster-y-complex", fit(FORECASTER, Y_SK + 1j), TypeError,
     "complex128"),  # sktime's own check
    ("forecaster-X-strings", fit(FORECASTER, Y_SK, X=pd.DataFrame({"a": ["x"] * 30})),
     ValueError, "could not convert string"),
])

section("unseen class labels", [
    ("classifier-score-unseen-label",
     used("classifier", "score", X3, np.where(LABELS == "up", "sideways", LABELS)), ValueError,
     r"labels \['sideways'\] that RNNClassifier was not fitted on \(classes_ is \['down', "
     r"'up'\]\)"),
    ("classifier-score-labels-of-another-type", used("classifier", "score", X3, np.arange(12)),
     ValueError, r"labels \[0, 1, .*\] that RNNClassifier was not fitted on"),
    ("classifier_seq2seq-score-unseen-label",
     used("classifier_seq2seq", "score", X3, STEP_LABELS + 5), ValueError,
     r"labels \[.*\] that RNNClassifier was not fitted on \(classes_ is \[0, 1\]\)"),
    ("classifier-warm-start-unseen-label",
     used("warm_classifier", "fit", X3, np.where(LABELS == "up", "sideways", LABELS)),
     ValueError, r"labels \['sideways'\] not in classes_ \['down', 'up'\]"),
    ("classifier-score-labels-of-mixed-types",
     used("classifier", "score", X3, np.array(["up", 1] * 6, dtype=object)), TypeError,
     r"y mixes labels of the types \['int', 'str'\]"),
    ("classifier-y-single-class", fit(CLF, X3, np.full(12, "up")), ValueError,
     "at least 2 classes"),
])

section("feature-count mismatch between fit and predict", [
    ("regressor-predict-X-other-features", used("regressor", "predict", X3[:, :, :1].repeat(3, 2)),
     ValueError, "X has 3 features per time step, but RNNRegressor is expecting 2"),
    ("regressor-predict-X-2d-after-3d-fit", used("regressor", "predict", X2), ValueError,
     "X has 1 features per time step, but RNNRegressor is expecting 2"),
    ("regressor_2d-predict-X-other-columns", used("regressor_2d", "predict", X2[:, :4]),
     ValueError, "X has 4 features, but RNNRegressor is expecting 5 features"),
    ("classifier-predict-X-other-features", used("classifier", "predict", X3[:, :, :1]),
     ValueError, "X has 1 features per time step, but RNNClassifier is expecting 2"),
    ("seq2seq-predict-X-other-features", used("seq2seq", "predict", X3[:, :, :1]), ValueError,
     "expecting 2 features per time step"),
    ("encoder_decoder-predict-X-other-features",
     used("encoder_decoder", "predict", X3[:, :, :1]), ValueError,
     "expecting 2 features per time step"),
    ("vec2seq-predict-X-other-features", used("vec2seq", "predict", X_VEC[:, :2]), ValueError,
     "X has 2 features, but RNNRegressor is expecting 3 features"),
    ("regressor-fit-y-other-length", fit(REG, X3, Y[:-1]), ValueError,
     "X has 12 sequences but y has 11 rows"),
    ("regressor-score-y-other-length", scored("regressor", X3, Y[:-1]), ValueError,
     "inconsistent numbers of samples"),
    ("encoder_decoder-score-y-other-horizon", scored("encoder_decoder", X3, Y_HORIZON[:, :3]),
     ValueError, r"y has shape \(12, 3\), but the predictions for X have shape \(12, 4\)"),
    ("regressor-warm-start-other-targets",
     used("warm_regressor", "fit", X3, np.column_stack([Y, Y])), ValueError,
     "y has 2 targets .* warm-started predicts 1"),
    ("padder-transform-X-other-features", used("padder", "transform", X3[:, :, :1]), ValueError,
     "expecting 2 features per time step"),
    ("scaler-transform-X-other-features", used("scaler", "transform", X3[:, :, :1]),
     ValueError, "expecting 2 features per time step"),
    ("scaler-inverse_transform-X-other-features",
     used("scaler", "inverse_transform", [np.ones((3, 3))]), ValueError,
     "expecting 2 features per time step"),
    ("tabular-transform-X-other-columns", used("tabular", "transform", X2[:, :4]), ValueError,
     "X has 4 features, but TabularToSequence is expecting 5"),
    ("tabular-X-columns-not-divisible", fit(partial(TabularToSequence, n_variables=2), X2),
     ValueError, "5 columns, which do not split into n_variables=2"),
    ("recursive_forecast-history-other-features",
     lambda f: recursive_forecast(f["window"], EXOG_SERIES[None], 2), ValueError,
     r"history has 2 feature\(s\) per time step, but the estimator reads 1"),
    ("recursive_forecast-multivariate-history-as-2d",
     lambda f: recursive_forecast(f["exog"], EXOG_SERIES[:, 0], 2, exog=np.ones((2, 1))),
     ValueError, r"reads 2 .*history\[None\]"),
    ("forecaster-predict-X-other-columns",
     used("forecaster", "predict", fh=[1], X=X_SK[30:31].rename(columns={"a": "b"})),
     ValueError, r"lacks the future-known column\(s\) \['a'\]"),
])

section("horizon/window out of range", [
    ("make_windows-window_length-0", lambda f: make_windows(SERIES, 0), ValueError,
     r"'window_length' parameter of \w+ must be an int in the range \[1, inf\)\. Got 0"),
    ("make_windows-window_length-float", lambda f: make_windows(SERIES, 2.0), ValueError,
     r"'window_length' parameter of \w+ must be an int in the range \[1, inf\)\. Got 2.0"),
    ("make_windows-window_length-nan", lambda f: make_windows(SERIES, np.nan), ValueError,
     r"'window_length' parameter of \w+ must be an int in the range \[1, inf\)\. Got nan"),
    ("make_windows-window_length-inf", lambda f: make_windows(SERIES, np.inf), ValueError,
     r"'window_length' parameter of \w+ must be an int in the range \[1, inf\)\. Got inf"),
    ("make_windows-window_length-bool", lambda f: make_windows(SERIES, True), ValueError,
     r"'window_length' parameter of \w+ must be an int in the range \[1, inf\)\. Got True"),
    ("make_windows-window_length-too-long", lambda f: make_windows(SERIES, 60), ValueError,
     r"A window of 60 steps plus a horizon of 1 is longer than the series \(60 steps\)"),
    ("make_windows-horizon-0", lambda f: make_windows(SERIES, 2, horizon=0), ValueError,
     r"'horizon' parameter of \w+ must be an int in the range \[1, inf\)\. Got 0"),
    ("make_windows-horizon-negative", lambda f: make_windows(SERIES, 2, horizon=-3),
     ValueError, r"'horizon' parameter of \w+ must be an int in the range \[1, inf\)\. Got -3"),
    ("make_windows-horizon-too-long", lambda f: make_windows(SERIES, 2, horizon=59),
     ValueError, "plus a horizon of 59 is longer than the series"),
    ("make_windows-step-0", lambda f: make_windows(SERIES, 2, step=0), ValueError,
     r"'step' parameter of \w+ must be an int in the range \[1, inf\)\. Got 0"),
    ("make_windows-target-out-of-range", lambda f: make_windows(EXOG_SERIES, 2, target=2),
     ValueError, r"target=2 does not name a column of a series with shape \(60, 2\)"),
    ("make_windows-target-of-1d-series", lambda f: make_windows(SERIES, 2, target=0),
     ValueError, "target=0 does not name a column"),
    ("recursive_forecast-horizon-0", lambda f: recursive_forecast(f["window"], SERIES, 0),
     ValueError, r"'horizon' parameter of \w+ must be an int in the range \[1, inf\)\. Got 0"),
    ("recursive_forecast-horizon-nan", lambda f: recursive_forecast(f["window"], SERIES, np.nan),
     TypeError, r"'horizon' parameter of \w+ must be an int in the range \[1, inf\)\. Got nan"),
    ("recursive_forecast-horizon-inf", lambda f: recursive_forecast(f["window"], SERIES, np.inf),
     TypeError, r"'horizon' parameter of \w+ must be an int in the range \[1, inf\)\. Got inf"),
    ("recursive_forecast-horizon-float", lambda f: recursive_forecast(f["window"], SERIES, 2.5),
     TypeError, r"'horizon' parameter of \w+ must be an int in the range \[1, inf\)\. Got 2.5"),
    ("recursive_forecast-window_length-0",
     lambda f: recursive_forecast(f["sequence_window"], SERIES, 2, window_length=0),
     ValueError,
     r"'window_length' parameter of \w+ must be None or an int in the range .* Got 0"),
    ("recursive_forecast-window_length-longer-than-history",
     lambda f: recursive_forecast(f["sequence_window"], SERIES[:5], 2, window_length=6),
     ValueError, r"history has 5 time step\(s\), fewer than the window of 6 steps"),
    ("recursive_forecast-window_length-not-the-2d-models",
     lambda f: recursive_forecast(f["window"], SERIES, 2, window_length=4), ValueError,
     "window_length=4, but the estimator was fitted on 2-D X of 6 columns"),
    ("recursive_forecast-history-shorter-than-2d-window",
     lambda f: recursive_forecast(f["window"], SERIES[:5], 2), ValueError,
     r"history has 5 time step\(s\), fewer than the window of 6 steps"),
    ("forecaster-window_length-0", fit(forecaster(window_length=0), Y_SK), ValueError,
     r"'window_length' parameter of \w+ must be an int in the range \[1, inf\)\. Got 0"),
    ("forecaster-window_length-float", fit(forecaster(window_length=3.0), Y_SK), ValueError,
     r"'window_length' parameter of \w+ must be an int in the range \[1, inf\)\. Got 3.0"),
    ("forecaster-window_length-none", fit(forecaster(window_length=None), Y_SK), ValueError,
     r"'window_length' parameter of \w+ must be an int in the range \[1, inf\)\. Got None"),
    ("forecaster-window_length-longer-than-y", fit(forecaster(window_length=30), Y_SK),
     ValueError, "has 30 time steps, fewer than window_length=30 plus the 1 step"),
    ("forecaster-fh-empty", used("forecaster_plain", "predict", fh=[]), ValueError,
     "`fh` must not be empty"),  # sktime's own check
    ("forecaster-fh-float", used("forecaster_plain", "predict", fh=[1.5]), TypeError,
     "Invalid `fh`"),  # sktime's own check
    ("forecaster-fh-missing", used("forecaster_plain", "predict"), ValueError,
     "must be passed either to `fit` or `predict`"),  # sktime's own check
    ("forecaster-direct-fh-missing-in-fit", fit(forecaster(strategy="direct"), Y_SK),
     ValueError, "must be passed to `fit`"),  # sktime's own check
    ("forecaster-direct-fh-beyond-the-fitted-one", used("direct", "predict", fh=[3]),
     ValueError, "different forecasting horizon"),  # sktime's own check
    ("forecaster-direct-fh-longer-than-y", fit(forecaster(strategy="direct"), Y_SK, fh=[40]),
     ValueError, "fewer than window_length=3 plus the 40 step"),
    # sktime refuses in-sample horizons of forecasters without the "capability:insample" tag
    # with NotImplementedError, before RNNForecaster (which would raise ValueError) is asked.
    ("forecaster-fh-in-sample", used("forecaster_plain", "predict", fh=[0]),
     NotImplementedError, "can not perform in-sample prediction"),
    ("forecaster-fh-in-the-past", used("forecaster_plain", "predict", fh=[-2]),
     NotImplementedError, "can not perform in-sample prediction"),
])

section("exogenous data of the wrong length", [
    ("recursive_forecast-exog-too-short",
     lambda f: recursive_forecast(f["exog"], EXOG_SERIES[None], 3, exog=np.ones((2, 1))),
     ValueError, r"exog must have shape \(horizon, 1\) = \(3, 1\) .* got \(2, 1\)"),
    ("recursive_forecast-exog-too-long",
     lambda f: recursive_forecast(f["exog"], EXOG_SERIES[None], 3, exog=np.ones((5, 1))),
     ValueError, r"exog must have shape .* got \(5, 1\)"),
    ("recursive_forecast-exog-1d",
     lambda f: recursive_forecast(f["exog"], EXOG_SERIES[None], 3, exog=np.ones(3)),
     ValueError, r"exog must have shape .* got \(3,\)"),
    ("recursive_forecast-exog-other-series-count",
     lambda f: recursive_forecast(f["exog"], np.stack([EXOG_SERIES] * 2), 3,
                                  exog=np.ones((3, 3, 1))),
     ValueError, r"\(n_series, horizon, 1\) = \(2, 3, 1\).* got \(3, 3, 1\)"),
    ("recursive_forecast-exog-missing",
     lambda f: recursive_forecast(f["exog"], EXOG_SERIES[None], 3), ValueError,
     "Pass their future values as exog"),
    ("recursive_forecast-exog-superfluous",
     lambda f: recursive_forecast(f["window"], SERIES, 3, exog=np.ones((3, 1))), ValueError,
     "no exogenous variables; pass exog=None"),
    ("recursive_forecast-exog-nan",
     lambda f: recursive_forecast(f["exog"], EXOG_SERIES[None], 3, exog=np.full((3, 1), np.nan)),
     ValueError, "Input exog contains NaN"),
    ("recursive_forecast-exog-inf",
     lambda f: recursive_forecast(f["exog"], EXOG_SERIES[None], 3, exog=np.full((3, 1), np.inf)),
     ValueError, "Input exog contains infinity"),
    ("recursive_forecast-exog-datetime",
     lambda f: recursive_forecast(f["exog"], EXOG_SERIES[None], 3,
                                  exog=np.zeros((3, 1), "datetime64[s]")),
     TypeError, "exog holds datetime64"),
    ("forecaster-fit-X-shorter-than-y", fit(FORECASTER, Y_SK, X=X_SK[:20]), ValueError,
     "indices of series 0 are not contained"),  # sktime's own check
    ("forecaster-predict-X-missing", used("forecaster", "predict", fh=[1, 2]), ValueError,
     r"fitted with the future-known columns \['a'\] of X; pass X to predict"),
    ("forecaster-predict-X-too-short", used("forecaster", "predict", fh=[1, 2, 3],
                                            X=X_SK[30:32]),
     ValueError, r"lacks the time\(s\) \[32\]"),
    ("forecaster-predict-X-of-other-times", used("forecaster", "predict", fh=[1], X=X_SK[10:12]),
     ValueError, r"lacks the time\(s\) \[30\]"),
])

section("non-finite or out-of-range hyperparameters", [
    *[(f"regressor-{name}-{label}", fit(reg(**{name: value}), X3, Y), ValueError,
       f"'{name}' parameter of RNNRegressor")
      for name, values in {
          "lr": [np.nan, np.inf, -np.inf, 0.0],
          "clip_grad_norm": [np.nan, np.inf, 0.0],
          "clip_grad_value": [np.nan, np.inf, -1.0],
          "dropout": [np.nan, np.inf, 1.0],
          "mask_value": [np.inf, -np.inf, "pad"],
          "hidden_size": [np.nan, np.inf, 2.0],
          "num_layers": [np.nan, 0],
          "max_epochs": [np.inf, "al"],
          "frame_size": [np.nan, 0, "long"],
          "lr_schedule": ["cosin", np.nan],
          "early_stopping": ["on", np.nan],
          "batch_size": [np.nan],
          "random_state": [np.nan],
          "verbose": [np.nan],
      }.items()
      for value in values
      for label in [str(value).replace("-", "neg-")]],
    ("regressor-validation_fraction-nan",
     fit(reg(early_stopping=True, validation_fraction=np.nan), X3, Y), ValueError,
     "'validation_fraction' parameter"),
    ("regressor-validation_fraction-inf",
     fit(reg(early_stopping=True, validation_fraction=np.inf), X3, Y), ValueError,
     "'validation_fraction' parameter"),
    ("regressor-patience-inf", fit(reg(early_stopping=True, patience=np.inf), X3, Y),
     ValueError, "'patience' parameter"),
    ("regressor-validation_fraction-leaves-no-training-data",
     fit(reg(early_stopping=True, validation_fraction=0.99), X3, Y), ValueError,
     "leaves no training sequences"),
    ("classifier-lr-inf", fit(clf(lr=np.inf), X3, LABELS), ValueError,
     "'lr' parameter of RNNClassifier"),
    ("classifier-dropout-nan", fit(clf(dropout=np.nan), X3, LABELS), ValueError,
     "'dropout' parameter of RNNClassifier"),
    ("classifier-mask_value-inf", fit(clf(mask_value=np.inf), X3, LABELS), ValueError,
     "'mask_value' parameter of RNNClassifier"),
    ("regressor-callbacks-not-callbacks", fit(reg(callbacks=[5]), X3, Y), TypeError,
     "callbacks must be a list of skorch callbacks .* entry 0 is 5"),
    ("regressor-callbacks-named-not-callback", fit(reg(callbacks=[("clip", "x")]), X3, Y),
     TypeError, r"entry 0 is \('clip', 'x'\)"),
    *[(f"GradientValueClipping-clip_value-{label}",
       fit(reg(callbacks=[GradientValueClipping(value)]), X3, Y), ValueError,
       f"clip_value must be a finite number > 0; got {value!r}")
      for value, label in [(np.nan, "nan"), (np.inf, "inf"), (-1.0, "negative"), (0, "zero"),
                           ("big", "string")]],
    ("DivergenceGuard-restore-string",
     fit(reg(callbacks=[DivergenceGuard(restore="no")]), X3, Y), ValueError,
     "restore must be True or False; got 'no'"),
    ("GradientMonitor-every-nan", fit(reg(callbacks=[GradientMonitor(every=np.nan)]), X3, Y),
     ValueError, "GradientMonitor's every must be an int >= 1; got nan"),
    ("GradientMonitor-max_samples-inf",
     fit(reg(callbacks=[GradientMonitor(max_samples=np.inf)]), X3, Y), ValueError,
     "max_samples must be an int >= 1; got inf"),
    ("padder-value-inf", fit(partial(SequencePadder, value=np.inf), RAGGED), ValueError,
     "'value' parameter of SequencePadder"),
    ("padder-maxlen-nan", fit(partial(SequencePadder, maxlen=np.nan), RAGGED), ValueError,
     "'maxlen' parameter of SequencePadder"),
    ("padder-maxlen-inf", fit(partial(SequencePadder, maxlen=np.inf), RAGGED), ValueError,
     "'maxlen' parameter of SequencePadder"),
    ("scaler-mask_value-inf", fit(partial(SequenceScaler, mask_value=-np.inf), X3), ValueError,
     "'mask_value' parameter of SequenceScaler"),
    ("tabular-n_variables-nan", fit(partial(TabularToSequence, n_variables=np.nan), X2),
     ValueError, "'n_variables' parameter of TabularToSequence"),
    ("forecaster-window_length-nan", fit(forecaster(window_length=np.nan), Y_SK), ValueError,
     r"'window_length' parameter of \w+ must be an int in the range \[1, inf\)\. Got nan"),
    ("forecaster-window_length-inf", fit(forecaster(window_length=np.inf), Y_SK), ValueError,
     r"'window_length' parameter of \w+ must be an int in the range \[1, inf\)\. Got inf"),
    ("forecaster-lr-nan", fit(forecaster(lr=np.nan), Y_SK), ValueError, "'lr' parameter"),
    ("forecaster-lr-inf", fit(forecaster(lr=np.inf), Y_SK), ValueError, "'lr' parameter"),
    ("forecaster-dropout-nan", fit(forecaster(dropout=np.nan), Y_SK), ValueError,
     "'dropout' parameter"),
    ("forecaster-clip_grad_norm-inf", fit(forecaster(clip_grad_norm=np.inf), Y_SK), ValueError,
     "'clip_grad_norm' parameter"),
    ("forecaster-sp-nan", fit(forecaster(sp=np.nan), Y_SK), ValueError,
     "'sp' parameter of RNNForecaster must be a str among"),
    ("forecaster-lr_schedule-unknown", fit(forecaster(lr_schedule="step"), Y_SK), ValueError,
     "'lr_schedule' parameter"),
    ("forecaster-strategy-unknown", fit(forecaster(strategy="dirrec"), Y_SK), ValueError,
     "'strategy' parameter of RNNForecaster must be a str among"),
    ("forecaster-quantiles-nan", fit(forecaster(strategy="direct", quantiles=[np.nan]), Y_SK,
                                     fh=[1]), ValueError, r"quantiles must lie in \(0, 1\)"),
    ("forecaster-quantiles-inf", fit(forecaster(strategy="direct", quantiles=[0.1, np.inf]),
                                     Y_SK, fh=[1]), ValueError,
     r"quantiles must lie in \(0, 1\)"),
    ("forecaster-quantiles-string", fit(forecaster(strategy="direct", quantiles="wide"), Y_SK,
                                        fh=[1]), ValueError,
     "'quantiles' parameter of RNNForecaster must be None"),
    ("forecaster-quantiles-nested", fit(forecaster(strategy="direct", quantiles=[[0.1, 0.9]]),
                                        Y_SK, fh=[1]), ValueError,
     "quantiles must be a flat sequence"),
    ("forecaster-quantiles-with-recursive", fit(forecaster(quantiles=True), Y_SK), ValueError,
     "quantiles need strategy='direct'"),
])

section("wrong kind of object", [
    ("recursive_forecast-estimator-classifier",
     lambda f: recursive_forecast(f["classifier"], SERIES, 2), TypeError,
     "needs a fitted sklrnn.RNNRegressor .* got RNNClassifier"),
    ("recursive_forecast-estimator-string", lambda f: recursive_forecast("model", SERIES, 2),
     TypeError, "got str"),
    ("recursive_forecast-estimator-unfitted", lambda f: recursive_forecast(REG(), SERIES, 2),
     NotFittedError, "not fitted"),
    ("recursive_forecast-estimator-seq2seq",
     lambda f: recursive_forecast(f["seq2seq"], X3[:, :, :2], 2), ValueError,
     "needs architecture='seq2vec'"),
    ("regressor-predict-unfitted", lambda f: REG().predict(X3), NotFittedError, "not fitted"),
    ("classifier-score-unfitted", lambda f: CLF().score(X3, LABELS), NotFittedError,
     "not fitted"),
    ("scaler-transform-unfitted", lambda f: SequenceScaler().transform(X3), NotFittedError,
     "not fitted"),
    ("plot_step_gradients-int", lambda f: plot_step_gradients(5), TypeError,
     "reads a skorch History, a skorch net or a fitted sklrnn estimator; got int"),
    ("plot_step_gradients-none", lambda f: plot_step_gradients(None), TypeError,
     "got NoneType"),
    ("plot_step_gradients-unfitted-estimator", lambda f: plot_step_gradients(REG()),
     NotFittedError, "no history: it is not fitted"),
    ("plot_step_gradients-not-monitored", lambda f: plot_step_gradients(f["regressor"]),
     ValueError, r"No step gradient norms were recorded; train with callbacks=\[GradientMon"),
    ("plot_step_gradients-epochs-int", lambda f: plot_step_gradients(f["monitored"], epochs=1),
     TypeError, r"epochs must be an iterable .* Pass \[1\]"),
    ("plot_step_gradients-epochs-not-monitored",
     lambda f: plot_step_gradients(f["monitored"], epochs=[7]), ValueError,
     r"Epochs \[7\] have no step gradient norms"),
    ("save-not-an-estimator", lambda f: sklrnn.save("model", "model.safetensors"), TypeError,
     "sklrnn.save writes .*got str"),
    ("save-unfitted", lambda f: sklrnn.save(REG(), "model.safetensors"), NotFittedError,
     "not fitted"),
    ("save-path-int", lambda f: sklrnn.save(f["scaler"], 3), TypeError,
     "'path' parameter of save must be .*str.*PathLike.*Got 3"),
    ("save-path-none", lambda f: sklrnn.save(f["scaler"], None), TypeError,
     "'path' parameter of save must be .*Got None"),
    ("load-path-int", lambda f: sklrnn.load(3), TypeError,
     "'path' parameter of load must be .*str.*PathLike.*Got 3"),
    ("load-path-list", lambda f: sklrnn.load(["model.safetensors"]), TypeError,
     "'path' parameter of load must be .*Got \\['model"),
    ("load-missing-file", lambda f: sklrnn.load(os.path.join("no", "such.safetensors")),
     FileNotFoundError, "such.safetensors"),
])



def tampered(name, edit=None, text=None, tensors=None):
    """Load the fitted model ``name`` saved, then its header edited, rewritten as ``text``
    (of the header's JSON), or its tensors edited; in the working directory."""
    def call(fitted):
        sklrnn.save(fitted[name], "model.safetensors")
        with safe_open("model.safetensors", framework="pt") as file:
            header = json.loads(file.metadata()["sklrnn"])
            weights = {key: file.get_tensor(key) for key in file.keys()}
        if edit is not None:
            edit(header)
        if tensors is not None:
            tensors(weights)
        written = json.dumps(header) if text is None else text(json.dumps(header))
        save_file(weights, "tampered.safetensors", metadata={"sklrnn": written})
        return sklrnn.load("tampered.safetensors")
    return call


def fifo(fitted):
    os.mkfifo("model.safetensors")  # a load that opened it would block forever
    return sklrnn.load("model.safetensors")


def poisoned(weights):
    key = sorted(weights)[0]
    weights[key] = torch.full_like(weights[key], float("nan"))


def step_params(header):
    return header["params"]["steps"][1]["tuple"][1]["sklrnn"]["params"]


section("tampered or hostile files", [
    ("load-pipeline-memory-folder",
     tampered("pipeline", lambda h: h["params"].update(memory="/tmp")), ValueError,
     "memory must be None.*unpickle"),
    ("load-callbacks-object",
     tampered("regressor", lambda h: h["params"].update(callbacks=[{"tuple": ["p", 1]}])),
     ValueError, r"callbacks must be None or \[\]"),
    ("load-optimizer-not-of-torch-optim",
     tampered("regressor", lambda h: h["params"].update(optimizer="torch.optim.Optimizer")),
     ValueError, "optimizer must be 'torch.optim.<Name>'"),
    ("load-device-unknown-to-torch",
     tampered("regressor", lambda h: h["params"].update(device="cuda:x")), ValueError,
     "device must be a device torch knows"),
    ("load-step-parameter-out-of-range",
     tampered("pipeline", lambda h: step_params(h).update(hidden_size=0)), ValueError,
     r"\(in steps.1.1\).*'hidden_size' parameter of RNNRegressor must be"),
    ("load-hidden_size-beyond-the-tensors",
     tampered("regressor", lambda h: h["params"].update(hidden_size=12000)), ValueError,
     "do not fit the network"),
    ("load-integer-beyond-64-bits",
     tampered("regressor", lambda h: h["params"].update(hidden_size=10**30)), ValueError,
     "integers of 64 bits"),
    ("load-array-dtype-huge-strings",
     tampered("scaler", lambda h: h["fitted"].update(
         mean_={"array": ["x"] * 100, "dtype": "<U2000000"})), ValueError,
     r"would take 800,000,000 bytes, more than a header of its size can describe"),
    ("load-header-nested-50000-deep",
     tampered("regressor", text=lambda t: t.replace('"random_state": 0', '"random_state": '
                                                    + "[" * 50_000 + "]" * 50_000)),
     ValueError, "nested at most 32 levels deep"),
    ("load-100000-unknown-parameters",
     tampered("regressor", lambda h: h["params"].update({f"p{i}": 0 for i in range(100_000)})),
     ValueError, r"does not have: \['p0', 'p1', 'p10', 'p100', 'p1000'\] and 99,995 more\. "),
    ("load-format_version-bool", tampered("regressor", lambda h: h.update(format_version=True)),
     ValueError, "format_version must be an integer from 1 to 2; got True"),
    ("load-format_version-negative",
     tampered("regressor", lambda h: h.update(format_version=-7)), ValueError,
     "format_version must be an integer from 1 to 2; got -7"),
    ("load-history-string", tampered("regressor", lambda h: h.update(history="epochs")),
     ValueError, "history must be a list of epochs; got 'epochs'"),
    ("load-steps-string", tampered("pipeline", lambda h: h["params"].update(steps="os.system")),
     ValueError, r"steps must be a list of \(name, estimator\) pairs; got 'os.system'"),
    ("load-step-os-system",
     tampered("pipeline", lambda h: h["params"]["steps"][0]["tuple"].__setitem__(1, "os.system")),
     ValueError, "steps.sequencescaler must be an sklrnn estimator"),
    ("load-fitted-_parameter_constraints",
     tampered("regressor", lambda h: h["fitted"].update(_parameter_constraints={})), ValueError,
     r"does not have: \['_parameter_constraints'\]"),
    ("load-fitted-attribute-of-another-type",
     tampered("classifier", lambda h: h["fitted"].update(input_size_="2")), ValueError,
     "input_size_ must be an integer >= 1; got '2'"),
    ("load-tensor-nan", tampered("regressor", tensors=poisoned), ValueError,
     "NaN or infinite values"),
    ("load-fifo", fifo, ValueError, r"is a pipe \(FIFO\); sklrnn.load reads only regular"),
    ("load-directory", lambda f: sklrnn.load("."), ValueError, "is a directory"),
    ("load-device-file", lambda f: sklrnn.load(os.devnull), ValueError, "is a device"),
    ("load-empty-file", lambda f: (open("empty", "w").close(), sklrnn.load("empty")),
     ValueError, "holds 0 bytes, too few"),
])

section("irregular or repeated time stamps", [
    ("regressor-X-panel-time-twice", fit(REG, PANEL_TIME_TWICE, Y[:3]), ValueError,
     r"more than one row at time 1 of instance 0.*X\[~X\.index\.duplicated\(\)\]"),
    ("regressor-predict-X-panel-time-twice", used("regressor", "predict", PANEL_TIME_TWICE),
     ValueError, "more than one row at time 1 of instance 0"),
    ("padder-X-nested-time-twice", fit(SequencePadder, NESTED_TIME_TWICE), ValueError,
     "Instance 0 of the nested panel has more than one value at time 1"),
    ("forecaster-y-time-twice", fit(FORECASTER, Y_SK_TIME_TWICE), ValueError,
     r"y has more than one row at time 14.*y\[~y\.index\.duplicated\(\)\]"),
    ("forecaster-X-time-twice", fit(FORECASTER, Y_SK, X=X_SK_TIME_TWICE), ValueError,
     "X has more than one row at time 14"),
    ("forecaster-y-integer-gap", fit(FORECASTER, Y_SK_GAP), ValueError,
     r"must go up by 1 \(consecutive integers\).*14 is followed by 20"),
    ("forecaster-y-period-gap", fit(FORECASTER, Y_SK_PERIOD_GAP), ValueError,
     r"frequency 'M' .*2000-12 is followed by 2001-02.*period_range"),
    ("forecaster-y-irregular-datetimes", fit(FORECASTER, Y_SK_IRREGULAR), ValueError,
     r"DatetimeIndex without a frequency, and none can be inferred.*y\.asfreq\('D'\)"),
    ("forecaster-update-gap-after-the-cutoff",
     used("forecaster_plain", "update", pd.Series([1.0, 2.0], index=[35, 36]),
          update_params=True), ValueError,
     "starts at 35, but the data seen end at 29 and the next step is 30"),
    ("forecaster-update-before-the-cutoff",
     used("forecaster_plain", "update", pd.Series([1.0, 2.0], index=[10, 11]),
          update_params=True), ValueError,
     r"row at 10, at or before the end of the data the forecaster has seen \(29\)"),
    ("forecaster-fh-off-the-integer-grid", used("forecaster_step_2", "predict", fh=[1]),
     ValueError, r"fh asks for time\(s\) \[59\], between the steps of y.*multiples of 2"),
    ("forecaster-direct-fh-off-the-integer-grid",
     fit(forecaster(strategy="direct"), Y_SK_STEP_2, fh=[1, 2]), ValueError,
     r"fh asks for time\(s\) \[59\], between the steps of y"),
])

section("bad weights or incremental calls", [
    ("regressor-sample-weight-negative", fit(REG, X3, Y, sample_weight=-np.ones(12)),
     ValueError, "Negative values in data passed to `sample_weight`.*one finite weight"),
    ("regressor-sample-weight-of-another-length", fit(REG, X3, Y, sample_weight=np.ones(11)),
     ValueError, r"sample_weight.shape == \(11,\), expected \(12,\)"),
    ("regressor-sample-weight-all-zero", fit(REG, X3, Y, sample_weight=np.zeros(12)),
     ValueError, "at least one non-zero number.*not all of them 0"),
    ("seq2seq-sample-weight-nan", fit(SEQ2SEQ, X3, Y_STEPS, sample_weight=np.full(12, np.nan)),
     ValueError, "sample_weight contains NaN"),
    ("classifier-class-weight-of-an-unknown-label",
     fit(clf(class_weight={"sideways": 2.0}), X3, LABELS), ValueError,
     r"class_weight=\{'sideways': 2.0\}.*not in class"),
    ("classifier-partial-fit-without-classes", new(CLF, "partial_fit", X3, LABELS),
     ValueError, "first call of partial_fit needs classes"),
    ("classifier-partial-fit-balanced",
     new(clf(class_weight="balanced"), "partial_fit", X3, LABELS, classes=["down", "up"]),
     ValueError, "'balanced' is not supported by partial_fit"),
    ("regressor-partial-fit-with-classes", new(REG, "partial_fit", X3, Y, classes=[0, 1]),
     ValueError, "takes no classes"),
])

KINDS = {case.kind for case in CATALOGUE.values()}


# -- the fitted models the rows use ----------------------------------------------------------

@pytest.fixture(scope="module")
def fitted():
    """Every fitted model a row reads, trained once before the spies are in place."""
    models = {
        "regressor": REG().fit(X3, Y),
        "regressor_2d": REG().fit(X2, Y),
        "warm_regressor": reg(warm_start=True)().fit(X3, Y),
        "seq2seq": SEQ2SEQ().fit(X3, Y_STEPS),
        "vec2seq": VEC2SEQ().fit(X_VEC, Y_HORIZON),
        "encoder_decoder": ENC_DEC().fit(X3, Y_HORIZON),
        "classifier": CLF().fit(X3, LABELS),
        "classifier_int": CLF().fit(X3, np.arange(12) % 2),
        "warm_classifier": clf(warm_start=True)().fit(X3, LABELS),
        "classifier_seq2seq": clf(architecture="seq2seq")().fit(X3, STEP_LABELS),
        "monitored": reg(callbacks=[GradientMonitor()])().fit(X3, Y),
        "window": REG().fit(WINDOWS[:, :, 0], NEXT),
        "sequence_window": REG().fit(WINDOWS, NEXT),
        "exog": REG().fit(EXOG_WINDOWS, EXOG_NEXT),
        "padder": SequencePadder().fit(X3),
        "scaler": SequenceScaler().fit(X3),
        "pipeline": make_pipeline(SequenceScaler(), REG()).fit(X3, Y),
        "narrow_scaler": SequenceScaler().fit(X3 * 1e-3),
        "tabular": TabularToSequence().fit(X2),
        "forecaster_plain": FORECASTER().fit(Y_SK),
        "forecaster": FORECASTER().fit(Y_SK, X=X_SK[:30]),
        "direct": forecaster(strategy="direct")().fit(Y_SK, fh=[1, 2]),
        "forecaster_step_2": FORECASTER().fit(Y_SK_STEP_2),
    }
    return models


class TrainingStarted(Exception):
    """Raised by the spies: training, or a forward pass of a network, began."""


@pytest.fixture
def nothing_runs():
    """Make training loops and network calls raise :class:`TrainingStarted`.

    Yields the patch of network calls: ``undo()`` allows them again (training stays refused).
    """
    def refuse(*args, **kwargs):
        raise TrainingStarted("the input reached training or a network before it was refused")

    with pytest.MonkeyPatch.context() as training:
        for name in ("fit", "partial_fit", "fit_loop", "train_step"):
            training.setattr(skorch.NeuralNet, name, refuse)
        forward = pytest.MonkeyPatch()
        forward.setattr(torch.nn.Module, "__call__", refuse)
        yield forward
        forward.undo()


@pytest.mark.parametrize("case_id", list(CATALOGUE))
def test_malformed_input_is_refused_with_a_message_naming_it_before_anything_runs(
        case_id, fitted, nothing_runs, tmp_path, monkeypatch):
    case = CATALOGUE[case_id]
    if getattr(case.call, "runs_network", False):
        nothing_runs.undo()
    monkeypatch.chdir(tmp_path)  # the save rows must write nothing anywhere else
    with pytest.raises(case.error, match=case.match):
        case.call(fitted)


def test_the_spies_catch_training_and_forward_passes(fitted, nothing_runs):
    with pytest.raises(TrainingStarted):
        REG().fit(X3, Y)
    with pytest.raises(TrainingStarted):
        fitted["regressor"].predict(X3)
    with pytest.raises(TrainingStarted):
        recursive_forecast(fitted["window"], SERIES, 2)


def test_catalogue_covers_every_kind_of_malformed_input_the_issue_lists():
    assert KINDS == {
        "wrong ndim", "NaN/inf in X", "NaN/inf in y", "empty data",
        "zero-length or single-step sequences", "ragged, inconsistent features",
        "object/complex/string data", "unseen class labels",
        "feature-count mismatch between fit and predict", "horizon/window out of range",
        "exogenous data of the wrong length", "non-finite or out-of-range hyperparameters",
        "wrong kind of object", "tampered or hostile files",
        "irregular or repeated time stamps", "bad weights or incremental calls",
    }
    components = {case_id.split("-")[0] for case_id in CATALOGUE}
    assert {"regressor", "classifier", "seq2seq", "vec2seq", "encoder_decoder", "padder",
            "scaler", "tabular", "make_windows", "recursive_forecast", "forecaster",
            "GradientValueClipping", "DivergenceGuard", "GradientMonitor",
            "plot_step_gradients", "save", "load"} <= components


# -- edge cases that are not malformed --------------------------------------------------------

def finite(result):
    parts = result if isinstance(result, list) else [result]
    return all(np.isfinite(np.asarray(part, dtype=float)).all() for part in parts)


ACCEPTED = {
    "regressor-single-step-sequences": (lambda: REG().fit(X3[:, :1], Y).predict(X3[:, :1]),
                                        (12,)),
    "regressor-single-sequence": (lambda: REG().fit(X3[:1], Y[:1]).predict(X3[:1]), (1,)),
    "regressor-ragged-with-single-step-sequences": (
        lambda: REG().fit([s[:1] for s in RAGGED], Y_RAGGED).predict(RAGGED), (4,)),
    "regressor-bidirectional-batch-norm-single-step": (
        lambda: reg(bidirectional=True, normalization="batch")().fit(X3[:, :1], Y).predict(
            X3[:1, :1]), (1,)),
    "classifier-single-step-sequences": (
        lambda: CLF().fit(X3[:, :1], LABELS).predict_proba(X3[:, :1]), (12, 2)),
    "seq2seq-single-step-sequences": (
        lambda: SEQ2SEQ().fit(X3[:, :1], Y_STEPS[:, :1]).predict(X3[:, :1]), (12, 1)),
    "encoder_decoder-horizon-of-one-step": (
        lambda: ENC_DEC().fit(X3, Y_HORIZON[:, :1]).predict(X3), (12, 1)),
    "regressor-X-bool": (lambda: REG().fit(X3 > 0, Y).predict(X3 > 0), (12,)),
    "regressor-X-int": (lambda: REG().fit((X3 * 10).astype(int), Y).predict(X3), (12,)),
    "regressor-X-float16": (lambda: REG().fit(X3.astype(np.float16), Y).predict(X3), (12,)),
    "regressor-X-object-of-numbers": (lambda: REG().fit(X3.astype(object), Y).predict(X3),
                                      (12,)),
    "regressor-X-float64-at-float32-max": (
        lambda: REG().fit(put(X3, 3e38), Y).predict(X3), (12,)),
    "regressor-nan-padding-with-mask_value-nan": (
        lambda: NAN_MASKED().fit(SequencePadder(value=np.nan).fit_transform(RAGGED), Y_RAGGED)
        .predict(SequencePadder(value=np.nan, padding="pre").fit_transform(RAGGED)), (4,)),
    "padder-value-nan": (lambda: SequencePadder(value=np.nan).fit_transform(RAGGED)[:, :2],
                         (4, 2, 2)),
    "scaler-float16-large-values": (
        lambda: SequenceScaler().fit_transform(np.array([[[-6e4], [6e4]]], np.float16)),
        (1, 2, 1)),
    "make_windows-one-window": (lambda: make_windows(SERIES, 59)[0], (1, 59, 1)),
    "recursive_forecast-one-step": (lambda: recursive_forecast(REG().fit(WINDOWS, NEXT),
                                                               SERIES[-6:], 1), (1,)),
    "regressor-panel-rows-out-of-time-order": (
        lambda: REG().fit(PANEL.iloc[::-1], Y[:3]).predict(PANEL.iloc[::-1]), (3,)),
    "forecaster-integer-index-step-2": (
        lambda: FORECASTER().fit(Y_SK_STEP_2).predict(fh=[2, 4]), (2,)),
    "forecaster-update-repeating-the-data-seen": (
        lambda: FORECASTER().fit(Y_SK[:25]).update(Y_SK, update_params=False).predict(fh=[1]),
        (1,)),
    "forecaster-datetimes-without-a-set-frequency": (
        lambda: FORECASTER().fit(pd.Series(Y_SK.to_numpy(), index=pd.DatetimeIndex(
            list(pd.date_range("2020-01-01", periods=30, freq="D"))))).predict(fh=[1]), (1,)),
}


@pytest.mark.parametrize("case_id", list(ACCEPTED))
def test_edge_cases_that_are_not_malformed_give_finite_results(case_id):
    run, shape = ACCEPTED[case_id]
    result = run()
    assert np.shape(result) == shape
    assert finite(result) or case_id == "padder-value-nan"


def test_scaler_keeps_nan_where_the_input_has_it_and_nowhere_else():
    X = put(X3, np.nan, (3, 2, 1))
    out = SequenceScaler().fit_transform(X)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(X))


def test_scaler_statistics_of_float16_input_are_computed_without_overflow():
    # numpy's nanvar squares in the input's dtype: float16 overflowed to an infinite variance,
    # and every value was scaled to 0.
    X = np.array([[[-6e4], [6e4]]], dtype=np.float16)
    scaler = SequenceScaler().fit(X)
    np.testing.assert_allclose(scaler.scale_, [6e4], rtol=1e-3)
    np.testing.assert_allclose(scaler.transform(X)[:, :, 0], [[-1, 1]], rtol=1e-3)

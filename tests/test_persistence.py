"""sklrnn.save / sklrnn.load: safetensors weights and a JSON header, never pickle."""

import json
import pickle

import numpy as np
import pytest
import torch
from safetensors.torch import safe_open, save_file
from sklearn.exceptions import NotFittedError

import sklrnn
from sklrnn import RNNClassifier, RNNRegressor
from sklrnn.persistence import FORMAT_VERSION
from sklrnn.preprocessing import SequencePadder, SequenceScaler, TabularToSequence

RNG = np.random.default_rng(0)
X = RNG.normal(size=(24, 6, 2)).astype(np.float32)
RAGGED = [RNG.normal(size=(n, 2)) for n in RNG.integers(2, 8, size=24)]
SMALL = dict(hidden_size=4, max_epochs=2, random_state=0)


def _round_trip(estimator, tmp_path, **load_kwargs):
    path = tmp_path / "model.safetensors"
    sklrnn.save(estimator, path)
    return sklrnn.load(path, **load_kwargs)


@pytest.mark.parametrize("estimator, X_fit, y", [
    (RNNRegressor(**SMALL), X, X[:, -1, 0]),
    (RNNRegressor(cell="peephole_lstm", normalization="layer", **SMALL), X, X[:, :, :2].sum(1)),
    (RNNRegressor(cell="gru", normalization="batch", bidirectional=True, **SMALL), X, X[:, 0, 0]),
    (RNNRegressor(cell="rnn", activation="elu", architecture="seq2seq", mask_value=np.nan,
                  **SMALL), X, X[:, :, 0]),
    (RNNRegressor(architecture="encoder_decoder", optimizer=torch.optim.SGD, **SMALL), X,
     X[:, :3, 1]),
    (RNNRegressor(**SMALL), RAGGED, np.array([s.sum() for s in RAGGED])),
    (RNNClassifier(**SMALL), X, np.where(X[:, 0, 0] > 0, "up", "down")),
    (RNNClassifier(architecture="seq2seq", **SMALL), X, (X[:, :, 0] > 0).astype(int)),
], ids=["lstm", "peephole-layer-norm", "gru-batch-norm-bidirectional", "seq2seq-nan-mask",
        "encoder-decoder-sgd", "ragged", "classifier-labels", "classifier-seq2seq"])
def test_loaded_estimator_predicts_identically(estimator, X_fit, y, tmp_path):
    estimator.fit(X_fit, y)
    loaded = _round_trip(estimator, tmp_path)
    assert type(loaded) is type(estimator)
    assert loaded.get_params() == pytest.approx(estimator.get_params(), nan_ok=True)
    expected, got = estimator.predict(X_fit), loaded.predict(X_fit)
    for e, g in zip(expected, got, strict=True):
        np.testing.assert_array_equal(g, e)
    if isinstance(estimator, RNNClassifier):
        np.testing.assert_array_equal(loaded.classes_, estimator.classes_)
        assert loaded.classes_.dtype == estimator.classes_.dtype
        np.testing.assert_array_equal(loaded.predict_proba(X_fit[:5]),
                                      estimator.predict_proba(X_fit[:5]))
    assert loaded.n_features_in_ == estimator.n_features_in_
    assert loaded.history_[:, "train_loss"] == estimator.history_[:, "train_loss"]


@pytest.mark.parametrize("transformer, X_fit", [
    (SequenceScaler(), RAGGED),
    (SequenceScaler(with_mean=False), X),
    (SequencePadder(), RAGGED),
    (TabularToSequence(n_variables=2), X.reshape(len(X), -1)),
], ids=["scaler-ragged", "scaler-no-mean", "padder", "tabular-to-sequence"])
def test_loaded_transformer_transforms_identically(transformer, X_fit, tmp_path):
    transformer.fit(X_fit)
    loaded = _round_trip(transformer, tmp_path)
    assert type(loaded) is type(transformer)
    assert loaded.get_params() == transformer.get_params()
    for e, g in zip(transformer.transform(X_fit), loaded.transform(X_fit), strict=True):
        np.testing.assert_array_equal(g, e)


def test_loaded_estimator_keeps_feature_names_and_scores(tmp_path):
    import pandas as pd

    frame = pd.DataFrame(X[:, :, 0], columns=[f"t{i}" for i in range(6)])
    estimator = RNNRegressor(**SMALL).fit(frame, X[:, -1, 1])
    loaded = _round_trip(estimator, tmp_path)
    np.testing.assert_array_equal(loaded.feature_names_in_, estimator.feature_names_in_)
    assert loaded.score(frame, X[:, -1, 1]) == estimator.score(frame, X[:, -1, 1])


def test_loaded_estimator_can_continue_training(tmp_path):
    estimator = RNNRegressor(warm_start=True, **SMALL).fit(X, X[:, -1, 0])
    loaded = _round_trip(estimator, tmp_path)
    loaded.fit(X, X[:, -1, 0])
    estimator.fit(X, X[:, -1, 0])
    assert len(loaded.history_) == len(estimator.history_) == 4


def test_device_can_be_overridden_at_load(tmp_path):
    estimator = RNNRegressor(**SMALL).fit(X, X[:, -1, 0])
    loaded = _round_trip(estimator, tmp_path, device="cpu")
    assert loaded.device == "cpu"
    assert next(loaded.net_.module_.parameters()).device.type == "cpu"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_saved_on_a_gpu_loads_on_the_cpu(tmp_path):
    from sklearn.pipeline import make_pipeline

    pipeline = make_pipeline(SequenceScaler(), RNNRegressor(device="cuda", **SMALL))
    pipeline.fit(X, X[:, -1, 0])
    loaded = _round_trip(pipeline, tmp_path, device="cpu")
    assert next(loaded[-1].net_.module_.parameters()).device.type == "cpu"
    np.testing.assert_allclose(loaded.predict(X), pipeline.predict(X), rtol=1e-4, atol=1e-5)


def test_load_of_a_gpu_model_without_a_gpu_says_to_pass_device_cpu(tmp_path, monkeypatch):
    estimator = RNNRegressor(**SMALL).fit(X, X[:, -1, 0])
    path = tmp_path / "model.safetensors"
    sklrnn.save(estimator, path)
    _rewrite(path, lambda h: h["params"].update(device="cuda"))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match=r"device='cuda'.*device='cpu'"):
        sklrnn.load(path)
    assert sklrnn.load(path, device="cpu").predict(X).shape == (len(X),)


def test_save_refuses_unfitted_estimators_and_other_objects(tmp_path):
    with pytest.raises(NotFittedError):
        sklrnn.save(RNNRegressor(), tmp_path / "m.safetensors")
    with pytest.raises(TypeError, match="pickle or joblib"):
        sklrnn.save(object(), tmp_path / "m.safetensors")


def test_save_refuses_hyperparameters_json_cannot_hold(tmp_path):
    from sklrnn.callbacks import GradientMonitor

    estimator = RNNRegressor(callbacks=[GradientMonitor()], **SMALL).fit(X, X[:, -1, 0])
    with pytest.raises(TypeError, match=r"\['callbacks'\].*set_params"):
        sklrnn.save(estimator, tmp_path / "m.safetensors")
    sklrnn.save(estimator.set_params(callbacks=None), tmp_path / "m.safetensors")
    from skorch.callbacks import LRScheduler

    estimator.set_params(lr_schedule=LRScheduler("StepLR", step_size=1))
    with pytest.raises(TypeError, match=r"\['lr_schedule'\].*set_params"):
        sklrnn.save(estimator, tmp_path / "m.safetensors")


def test_save_to_a_path_that_cannot_be_written_raises_the_os_error(tmp_path):
    estimator = RNNRegressor(**SMALL).fit(X, X[:, -1, 0])
    with pytest.raises(FileNotFoundError):
        sklrnn.save(estimator, tmp_path / "missing" / "model.safetensors")
    with pytest.raises(IsADirectoryError):
        sklrnn.save(estimator, tmp_path)


def test_load_refuses_a_pickle(tmp_path):
    estimator = RNNRegressor(**SMALL).fit(X, X[:, -1, 0])
    path = tmp_path / "model.safetensors"
    with open(path, "wb") as file:
        pickle.dump(estimator, file)
    with pytest.raises(ValueError, match="not a file written by sklrnn.save"):
        sklrnn.load(path)


def _rewrite(path, edit_header=None, edit_tensors=None):
    with safe_open(path, framework="pt") as file:
        metadata = file.metadata()
        tensors = {key: file.get_tensor(key) for key in file.keys()}
    header = json.loads(metadata["sklrnn"])
    if edit_header:
        edit_header(header)
    if edit_tensors:
        edit_tensors(tensors)
    save_file(tensors, path, metadata={"sklrnn": json.dumps(header)})


@pytest.mark.parametrize("edit_header, edit_tensors, match", [
    (lambda h: h.update(format_version=FORMAT_VERSION + 1), None, "Upgrade sklrnn"),
    (lambda h: h.update(estimator="os.system"), None, "unknown estimator"),
    (lambda h: h["params"].update(hidden_size=5), None, "do not fit"),
    (None, lambda t: t.update(extra=torch.zeros(2)), "do not fit"),
    (None, lambda t: t.update({k: torch.zeros(3, 3) for k in list(t)[:1]}), "do not fit"),
    (lambda h: h["params"].update(run="rm -rf /"), None, r"does not have: \['run'\]"),
    (lambda h: h["fitted"].update(__class__="str"), None, "does not have"),
    (lambda h: h["fitted"].update(predict=1), None, "does not have"),
    (lambda h: h["fitted"].update(_validate_input=1), None, "does not have"),
    (lambda h: h["fitted"].update(n_features_in_={"array": [1], "dtype": "garbage"}), None,
     "dtype"),
    (lambda h: h["fitted"].update(n_features_in_={"array": [1], "dtype": "<M8[s]"}), None,
     "dtype"),
    (lambda h: h.update(fitted=[1, 2]), None, "malformed"),
], ids=["newer-version", "unknown-estimator", "shapes-tampered", "unknown-key", "shape",
        "unknown-parameter", "dunder-attribute", "method-name", "private-method-name",
        "dtype-garbage",
        "dtype-datetime", "fitted-not-a-dict"])
def test_load_refuses_tampered_files(edit_header, edit_tensors, match, tmp_path):
    estimator = RNNRegressor(**SMALL).fit(X, X[:, -1, 0])
    path = tmp_path / "model.safetensors"
    sklrnn.save(estimator, path)
    _rewrite(path, edit_header, edit_tensors)
    with pytest.raises(ValueError, match=match):
        sklrnn.load(path)


def test_save_and_load_check_their_arguments_as_the_estimators_do(tmp_path):
    estimator = RNNRegressor(**SMALL).fit(X, X[:, -1, 0])
    with pytest.raises(TypeError, match="'path' parameter of save must be an instance of"):
        sklrnn.save(estimator, 3)  # open() would read 3 as a file descriptor
    path = tmp_path / "model.safetensors"
    sklrnn.save(estimator, str(path))
    with pytest.raises(ValueError, match="'device' parameter of load must be None"):
        sklrnn.load(path, device=0)
    assert sklrnn.load(path, device=torch.device("cpu")).device == torch.device("cpu")


def test_load_refuses_a_safetensors_file_of_someone_else(tmp_path):
    path = tmp_path / "weights.safetensors"
    save_file({"w": torch.zeros(2)}, path)
    with pytest.raises(ValueError, match="not one written by sklrnn.save"):
        sklrnn.load(path)


def test_loaded_pipeline_predicts_identically(tmp_path):
    from sklearn.pipeline import make_pipeline

    pipeline = make_pipeline(SequenceScaler(), SequencePadder(),
                             RNNClassifier(cell="gru", **SMALL))
    labels = np.array([s[0, 0] > 0 for s in RAGGED])
    pipeline.fit(RAGGED, labels)
    loaded = _round_trip(pipeline, tmp_path)
    assert [name for name, _ in loaded.steps] == [name for name, _ in pipeline.steps]
    assert all(isinstance(step, tuple) for step in loaded.steps)
    np.testing.assert_array_equal(loaded.predict_proba(RAGGED), pipeline.predict_proba(RAGGED))
    np.testing.assert_array_equal(loaded[0].mean_, pipeline[0].mean_)


def test_save_refuses_a_pipeline_with_steps_of_other_libraries(tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipeline = make_pipeline(StandardScaler(), RNNRegressor(**SMALL))
    pipeline.fit(X[:, :, 0], X[:, -1, 1])
    with pytest.raises(TypeError, match=r"\['steps'\] of Pipeline.*pickle or joblib"):
        sklrnn.save(pipeline, tmp_path / "m.safetensors")


def _airline():
    from sktime.datasets import load_airline

    return load_airline()[:60], None, None


def _panel_with_exogenous():
    from sktime.utils._testing.hierarchical import _make_hierarchical

    y = _make_hierarchical((2, 2), min_timepoints=24, max_timepoints=24, random_state=0)
    X = _make_hierarchical((2, 2), min_timepoints=24, max_timepoints=24, random_state=1)
    X.columns = ["x"]
    times = X.index.get_level_values(-1)
    fit_rows = times <= times.unique()[19]
    return y[fit_rows], X[fit_rows], X[~fit_rows]


@pytest.mark.parametrize("data, params, fh", [
    (_airline, dict(window_length=6), [1, 2, 3]),
    (_airline, dict(window_length=6, strategy="direct", quantiles=True), [1, 2, 3]),
    (_panel_with_exogenous, dict(window_length=4, cell="gru"), None),
], ids=["recursive-series", "direct-quantiles", "panel-exogenous"])
def test_loaded_forecaster_forecasts_identically_without_training(data, params, fh, tmp_path,
                                                                 monkeypatch):
    pytest.importorskip("sktime")
    from sklrnn.forecasting import RNNForecaster

    y, X, X_future = data()
    forecaster = RNNForecaster(**params, **SMALL).fit(y, X=X, fh=fh)
    monkeypatch.setattr(RNNRegressor, "fit", _no_training)
    loaded = _round_trip(forecaster, tmp_path)
    # Every attribute, except a cache predict fills.
    assert set(vars(loaded)) | {"_parts_cache"} == set(vars(forecaster))
    assert loaded.get_params() == forecaster.get_params()
    assert loaded.cutoff.equals(forecaster.cutoff)
    fh = fh or [1, 2, 3, 4]
    expected, got = forecaster.predict(fh, X=X_future), loaded.predict(fh, X=X_future)
    assert type(got) is type(expected)
    pd_testing = pytest.importorskip("pandas.testing")
    pd_testing.assert_index_equal(got.index, expected.index)
    np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())
    if params.get("quantiles"):
        np.testing.assert_array_equal(loaded.predict_interval(fh).to_numpy(),
                                      forecaster.predict_interval(fh).to_numpy())


def _as_saved_before_issue_18(header):
    """The header as sklrnn wrote it before frames, schedules, seasons and levels."""
    for key in ("frame_size", "lr_schedule", "sp", "deseasonalize", "level", "detrend"):
        header["params"].pop(key, None)
    for key in ("frame_size_", "max_epochs_", "do_early_stopping_", "sp_", "deseasonalize_",
                "seasonal_", "level_", "_seasonal", "_drift"):
        header["fitted"].pop(key, None)
    for value in header["fitted"].values():  # a forecaster's regressor_
        if isinstance(value, dict) and "params" in value:
            _as_saved_before_issue_18(value)


def test_files_saved_before_frames_and_schedules_load_with_the_old_training(tmp_path):
    X, y = RNG.normal(size=(40, 30, 2)).astype(np.float32), RNG.normal(size=40)
    old = RNNRegressor(frame_size=1, lr_schedule=None, **SMALL).fit(X, y)
    path = tmp_path / "old.safetensors"
    sklrnn.save(old, path)
    _rewrite(path, _as_saved_before_issue_18)
    loaded = sklrnn.load(path)
    # A file without them predates them: it trained unframed at a constant rate.
    assert loaded.frame_size == 1 and loaded.lr_schedule is None
    np.testing.assert_array_equal(loaded.predict(X), old.predict(X))
    loaded.set_params(warm_start=True).fit(X, y)  # trains on as it was built
    assert len(loaded.history_) == 4


def _as_saved_before_issue_21(header):
    """The header as sklrnn wrote it before class weights and distributions."""
    for key in ("class_weight", "distribution", "quantile_levels"):
        header["params"].pop(key, None)
    for value in header["fitted"].values():  # a forecaster's regressor_
        if isinstance(value, dict) and "params" in value:
            _as_saved_before_issue_21(value)


@pytest.mark.parametrize("make", [lambda: RNNRegressor(**SMALL), lambda: RNNClassifier(**SMALL)])
def test_files_saved_before_weights_and_distributions_load_as_they_were(tmp_path, make):
    X = RNG.normal(size=(20, 5, 2)).astype(np.float32)
    y = RNG.normal(size=20)
    old = make().fit(X, y if isinstance(make(), RNNRegressor) else y > 0)
    path = tmp_path / "old.safetensors"
    sklrnn.save(old, path)
    _rewrite(path, _as_saved_before_issue_21)
    loaded = sklrnn.load(path)
    assert getattr(loaded, "class_weight", None) is None
    assert getattr(loaded, "distribution", None) is None
    np.testing.assert_array_equal(loaded.predict(X), old.predict(X))


def test_forecasters_saved_before_seasons_and_levels_forecast_as_they_did(tmp_path):
    pytest.importorskip("sktime")
    from sklrnn.forecasting import RNNForecaster

    y, _, _ = _airline()
    old = RNNForecaster(window_length=6, sp=None, deseasonalize=None, level="mean", detrend=False,
                        **SMALL).fit(y)
    path = tmp_path / "old.safetensors"
    sklrnn.save(old, path)
    _rewrite(path, _as_saved_before_issue_18)
    loaded = sklrnn.load(path)
    assert (loaded.sp, loaded.level, loaded.detrend) == (None, "mean", False)
    assert loaded.sp_ == 1 and loaded.level_ == "mean" and loaded.deseasonalize_ is None
    np.testing.assert_array_equal(loaded.predict([1, 2, 3]), old.predict([1, 2, 3]))


def _as_saved_before_issue_19(header):
    """The header as format version 1 wrote it: private fitted attributes, levels on the
    instance, the batch-norm steps beside the network."""
    header["format_version"] = 1
    _private_fitted_state(header)


def _private_fitted_state(node):
    fitted = node["fitted"]
    for new, old in [("input_size_", "_input_size"), ("input_ndim_", "_input_ndim"),
                     ("n_outputs_", "_n_outputs"), ("horizon_", "_horizon")]:
        if new in fitted:
            fitted[old] = fitted.pop(new)
    if "has_output_axis_" in fitted:
        fitted["_y_1d"] = not fitted.pop("has_output_axis_")
    if "classes_" in fitted:
        fitted["_n_outputs"] = len(fitted["classes_"]["array"])
    if "max_steps_" in fitted:
        node["max_steps"] = fitted.pop("max_steps_")
    if "levels" in node["params"]:
        fitted["levels"] = node["params"].pop("levels")
    regressor = fitted.get("regressor_")
    if regressor is not None:
        _private_fitted_state(regressor["sklrnn"])


@pytest.mark.parametrize("estimator, X_fit, y", [
    (RNNRegressor(**SMALL), X, X[:, -1, 0]),
    (RNNRegressor(architecture="encoder_decoder", normalization="batch", **SMALL), X,
     X[:, :3, :1]),
    (RNNClassifier(**SMALL), X, np.where(X[:, 0, 0] > 0, "up", "down")),
], ids=["1d-target", "horizon-batch-norm", "classifier"])
def test_files_of_format_version_1_load_and_predict_as_saved(estimator, X_fit, y, tmp_path):
    estimator.fit(X_fit, y)
    path = tmp_path / "old.safetensors"
    sklrnn.save(estimator, path)
    _rewrite(path, _as_saved_before_issue_19)
    loaded = sklrnn.load(path)
    for name in ("input_size_", "input_ndim_", "max_steps_", "n_outputs_", "horizon_",
                 "has_output_axis_"):
        assert getattr(loaded, name, None) == getattr(estimator, name, None), name
    assert not any(name.startswith("_") and name not in ("_table_frame", "_built_params")
                   for name in vars(loaded))
    for e, g in zip(estimator.predict(X_fit), loaded.predict(X_fit), strict=True):
        np.testing.assert_array_equal(g, e)


def test_forecasters_of_format_version_1_load_and_forecast_as_saved(tmp_path):
    pytest.importorskip("sktime")
    from sklrnn.forecasting import RNNForecaster

    y, _, _ = _airline()
    forecaster = RNNForecaster(window_length=6, strategy="direct", quantiles=[0.1, 0.9],
                               **SMALL).fit(y, fh=[1, 2])
    path = tmp_path / "old.safetensors"
    sklrnn.save(forecaster, path)
    _rewrite(path, _as_saved_before_issue_19)
    loaded = sklrnn.load(path)
    assert loaded.regressor_.levels == forecaster.regressor_.levels
    assert loaded.regressor_.get_params() == forecaster.regressor_.get_params()
    np.testing.assert_array_equal(
        loaded.predict_quantiles([1, 2], alpha=[0.1, 0.9]).to_numpy(),
        forecaster.predict_quantiles([1, 2], alpha=[0.1, 0.9]).to_numpy())


def _no_training(self, *args, **kwargs):
    raise AssertionError("load trained a network")


def test_loaded_forecaster_updates_as_the_saved_one(tmp_path):
    pytest.importorskip("sktime")
    from sktime.datasets import load_airline

    from sklrnn.forecasting import RNNForecaster

    y = load_airline()
    forecaster = RNNForecaster(window_length=6, **SMALL).fit(y[:60])
    forecaster.update(y[60:66], update_params=False)
    loaded = _round_trip(forecaster, tmp_path)
    assert loaded.cutoff.equals(forecaster.cutoff)
    for f in (forecaster, loaded):
        f.update(y[66:70], update_params=False)
    np.testing.assert_array_equal(loaded.predict([1, 2]), forecaster.predict([1, 2]))


def test_load_refuses_tampered_forecaster_files(tmp_path):
    pytest.importorskip("sktime")
    from sklrnn.forecasting import RNNForecaster

    y, _, _ = _airline()
    forecaster = RNNForecaster(window_length=6, **SMALL).fit(y)
    path = tmp_path / "forecaster.safetensors"
    edits = [
        (lambda h: h["fitted"].update(_parts_cache={}), "does not have"),
        (lambda h: h.update(sktime=None), "malformed"),
        (lambda h: h["fitted"]["regressor_"]["sklrnn"].update(estimator="Pipeline"),
         "do not fit|does not have"),
        (lambda h: h["fitted"]["_y_seen"].update(index={"values": "x"}), "altered|malformed"),
        (lambda h: h["fitted"]["_y_seen"]["index"].pop("freq"), "malformed"),
        (lambda h: h["sktime"].update(fh={"relative": True}), "malformed"),
    ]
    for edit, match in edits:
        sklrnn.save(forecaster, path)
        _rewrite(path, edit)
        with pytest.raises(ValueError, match=match):
            sklrnn.load(path)

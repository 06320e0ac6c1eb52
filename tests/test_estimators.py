"""RNNRegressor and RNNClassifier: learning, data handling, training options, bad input."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback

from sklrnn import RNNClassifier, RNNRegressor
from sklrnn.nn import CustomRNN

# The defaults before issue 18 (constant lr, no clipping): what these checks were sized for.
FAST = dict(hidden_size=8, lr=0.02, max_epochs=5, random_state=0, lr_schedule=None,
            clip_grad_norm=None)
CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("rnn", "leaky_relu"), ("rnn", "elu"),
         ("lstm", "tanh"), ("peephole_lstm", "tanh"), ("gru", "tanh")]


def running_mean_task(n=240, t=12, d=2, seed=0):
    """Noisy sequences whose target is the mean of the first feature over the last 4 steps."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, t, d))
    y = X[:, -4:, 0].mean(axis=1) + 0.05 * rng.normal(size=n)
    return X, y


def two_class_task(n=160, t=20, seed=0):
    """Sines of two frequencies with random phase and noise; the label is the frequency."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    steps = np.arange(t)
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    X = np.sin(np.where(y[:, None] == 1, 0.9, 0.3) * steps + phase)
    return X + 0.1 * rng.normal(size=X.shape), np.array(["slow", "fast"])[y]


@pytest.fixture(scope="module")
def regression_data():
    return running_mean_task()


@pytest.fixture(scope="module")
def classification_data():
    return two_class_task()


# -- learning ------------------------------------------------------------------------------

@pytest.mark.parametrize("cell, activation", CELLS)
def test_every_cell_learns_running_mean_better_than_a_constant(cell, activation,
                                                               regression_data):
    X, y = regression_data
    reg = RNNRegressor(cell=cell, activation=activation, hidden_size=16, lr=0.01, max_epochs=30,
                       random_state=0)
    reg.fit(X[:180], y[:180])
    # R^2 of a constant predictor is <= 0 on held-out data.
    assert reg.score(X[180:], y[180:]) > 0.6


@pytest.mark.parametrize("cell", ["lstm", "peephole_lstm"])
def test_stacked_bidirectional_dropout_network_learns(cell, regression_data):
    X, y = regression_data
    reg = RNNRegressor(cell=cell, hidden_size=12, num_layers=2, bidirectional=True, dropout=0.1,
                       lr=0.01, max_epochs=30, random_state=0)
    reg.fit(X[:180], y[:180])
    assert reg.score(X[180:], y[180:]) > 0.6


def test_classifier_separates_two_classes_of_sequences(classification_data):
    X, y = classification_data
    clf = RNNClassifier(cell="gru", hidden_size=16, lr=0.02, max_epochs=20, random_state=0)
    clf.fit(X[:120], y[:120])
    assert clf.score(X[120:], y[120:]) > 0.9
    assert list(clf.classes_) == ["fast", "slow"]
    proba = clf.predict_proba(X[120:])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X[120:]))


def test_custom_cells_are_used_where_pytorch_has_no_fused_kernel():
    X, y = running_mean_task(n=16)
    peephole = RNNRegressor(cell="peephole_lstm", max_epochs=1).fit(X, y)
    lstm = RNNRegressor(cell="lstm", max_epochs=1).fit(X, y)
    assert isinstance(peephole.net_.module_.rnn, CustomRNN)
    assert isinstance(lstm.net_.module_.rnn, torch.nn.LSTM)


# -- scikit-learn integration --------------------------------------------------------------

def test_pipeline_grid_search_over_cell_and_hidden_size(regression_data):
    X, y = regression_data
    X2d = X[:, :, 0]  # univariate: 2-D input flows through StandardScaler
    pipe = make_pipeline(StandardScaler(), RNNRegressor(**FAST))
    grid = GridSearchCV(pipe, {"rnnregressor__cell": ["gru", "peephole_lstm"],
                               "rnnregressor__hidden_size": [4, 8]}, cv=2)
    grid.fit(X2d, y)
    assert len(grid.cv_results_["params"]) == 4
    assert grid.best_params_["rnnregressor__hidden_size"] in (4, 8)
    assert grid.predict(X2d[:5]).shape == (5,)


def test_cross_val_score_on_classifier(classification_data):
    X, y = classification_data
    scores = cross_val_score(RNNClassifier(cell="gru", hidden_size=8, lr=0.02, max_epochs=10,
                                           lr_schedule=None, clip_grad_norm=None,
                                           random_state=0), X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.mean() > 0.7


@pytest.mark.parametrize("Estimator, data", [(RNNRegressor, "regression_data"),
                                             (RNNClassifier, "classification_data")])
def test_pickle_round_trip_predicts_identically(Estimator, data, request):
    X, y = request.getfixturevalue(data)
    est = Estimator(**FAST).fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    with warnings.catch_warnings():
        # On a GPU: cuDNN warns when unpickled weights are not flattened into one block.
        warnings.simplefilter("error", UserWarning)
        np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    unfitted = clone(est)
    assert not hasattr(unfitted, "net_")
    assert unfitted.get_params() == est.get_params()


# -- data shapes ---------------------------------------------------------------------------

def test_2d_input_is_univariate_and_sets_n_features_in_to_its_columns(regression_data):
    X, y = regression_data
    reg = RNNRegressor(**FAST).fit(X[:, :, 0], y)
    assert reg.n_features_in_ == X.shape[1]
    np.testing.assert_array_equal(reg.predict(X[:, :, 0]), reg.predict(X[:, :, :1]))
    with pytest.raises(ValueError, match="X has 5 features, but RNNRegressor is expecting 12"):
        reg.predict(X[:, :5, 0])


def test_3d_input_sets_n_features_in_to_features_per_step_and_any_length_predicts(
        regression_data):
    X, y = regression_data
    reg = RNNRegressor(**FAST).fit(X, y)
    assert reg.n_features_in_ == 2
    assert reg.predict(X[:7, :5]).shape == (7,)
    assert reg.predict(np.concatenate([X[:3], X[:3]], axis=1)).shape == (3,)
    with pytest.raises(ValueError, match="X has 3 features per time step, but RNNRegressor"):
        reg.predict(np.zeros((4, 12, 3)))


def test_dataframe_input_records_feature_names(regression_data):
    X, y = regression_data
    frame = pd.DataFrame(X[:, :, 0], columns=[f"t{i}" for i in range(X.shape[1])])
    reg = RNNRegressor(**FAST).fit(frame, y)
    assert list(reg.feature_names_in_) == list(frame.columns)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        unnamed = reg.predict(X[:, :, 0])
    np.testing.assert_array_equal(reg.predict(frame), unnamed)


def test_target_shape_is_kept(regression_data):
    X, y = regression_data
    y2 = np.column_stack([y, -y])
    assert RNNRegressor(**FAST).fit(X, y).predict(X[:4]).shape == (4,)
    pred = RNNRegressor(**FAST).fit(X, y2).predict(X[:4])
    assert pred.shape == (4, 2)
    assert pred.dtype == np.float64


def test_inputs_are_not_modified(regression_data):
    X, y = regression_data
    X32, y_copy = X.astype(np.float32), y.copy()
    X_before = X32.copy()
    reg = RNNRegressor(**FAST).fit(X32, y_copy)
    reg.predict(X32)
    np.testing.assert_array_equal(X32, X_before)
    np.testing.assert_array_equal(y_copy, y)


# -- reproducibility -----------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["lstm", "peephole_lstm"])
def test_random_state_makes_fit_reproducible(cell, regression_data):
    X, y = regression_data
    params = dict(FAST, cell=cell, dropout=0.2, num_layers=2)
    first = RNNRegressor(**params).fit(X, y).predict(X)
    second = RNNRegressor(**params).fit(X, y).predict(X)
    other_seed = RNNRegressor(**dict(params, random_state=1)).fit(X, y).predict(X)
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, other_seed)


def test_fit_leaves_global_torch_random_state_alone(regression_data):
    X, y = regression_data
    state = torch.random.get_rng_state()
    RNNRegressor(**FAST).fit(X, y)
    assert torch.equal(torch.random.get_rng_state(), state)


def test_prediction_of_a_sequence_does_not_depend_on_its_batch(classification_data):
    X, y = classification_data
    clf = RNNClassifier(**dict(FAST, batch_size=7)).fit(X, y)
    batch = clf.predict_proba(X[:37])
    alone = np.vstack([clf.predict_proba(X[i:i + 1]) for i in range(37)])
    np.testing.assert_array_equal(alone, batch)


# -- training options ----------------------------------------------------------------------

class WeightSnapshot(Callback):
    """Keeps a copy of the module's parameters as training begins."""

    def on_train_begin(self, net, **kwargs):
        self.weights = {k: v.detach().clone() for k, v in net.module_.named_parameters()}


def _weights_after_one_step(**params):
    X, y = running_mean_task(n=32)
    reg = RNNRegressor(hidden_size=8, optimizer="sgd", lr=1.0, max_epochs=1, batch_size=32,
                       random_state=0, callbacks=[("snap", WeightSnapshot())], **params)
    reg.fit(X, 100 * y)
    before = dict(reg.net_.callbacks_)["snap"].weights
    after = dict(reg.net_.module_.named_parameters())
    return {k: (after[k] - before[k]).detach() for k in before}


def test_clip_grad_value_bounds_every_gradient_entry():
    unclipped = _weights_after_one_step()
    clipped = _weights_after_one_step(clip_grad_value=1e-3)
    assert max(d.abs().max().item() for d in unclipped.values()) > 1e-2
    assert max(d.abs().max().item() for d in clipped.values()) <= 1e-3 + 1e-7


def test_clip_grad_norm_bounds_the_whole_gradient_norm():
    def norm(deltas):
        return torch.sqrt(sum((d ** 2).sum() for d in deltas.values())).item()

    assert norm(_weights_after_one_step()) > 0.1
    assert norm(_weights_after_one_step(clip_grad_norm=0.05)) <= 0.05 + 1e-6


def test_weight_init_reaches_the_network():
    X, y = running_mean_task(n=16)
    reg = RNNRegressor(cell="rnn", activation="relu", weight_init="identity", hidden_size=4,
                       max_epochs=1, random_state=0, callbacks=[("snap", WeightSnapshot())])
    reg.fit(X, y)
    weights = dict(reg.net_.callbacks_)["snap"].weights
    torch.testing.assert_close(weights["rnn.weight_hh_l0"].cpu(), torch.eye(4))


def test_user_callbacks_run_on_copies(regression_data):
    X, y = regression_data
    snap = WeightSnapshot()
    reg = RNNRegressor(**dict(FAST, callbacks=[snap])).fit(X, y)
    assert not hasattr(snap, "weights")
    assert any(isinstance(cb, WeightSnapshot) and hasattr(cb, "weights")
               for _, cb in reg.net_.callbacks_)


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "sgd", "rmsprop", torch.optim.Adagrad])
def test_optimizer_by_name_or_class(optimizer, regression_data):
    X, y = regression_data
    reg = RNNRegressor(**dict(FAST, optimizer=optimizer)).fit(X, y)
    expected = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD,
                "rmsprop": torch.optim.RMSprop}.get(optimizer, optimizer)
    assert type(reg.net_.optimizer_) is expected


def test_early_stopping_validates_on_the_last_rows_and_restores_the_best_epoch():
    X, y = running_mean_task(n=100)
    reg = RNNRegressor(hidden_size=8, lr=0.05, max_epochs=200, early_stopping=True,
                       validation_fraction=0.2, patience=3, random_state=0).fit(X, y)
    _, valid = reg.net_.get_split_datasets(X.astype(np.float32), y.reshape(-1, 1))
    np.testing.assert_array_equal(valid.indices, np.arange(80, 100))
    assert len(reg.history_) < 200
    best = min(reg.history_[:, "valid_loss"])
    restored = np.mean((reg.predict(X[80:]) - y[80:]) ** 2)
    assert restored == pytest.approx(best, rel=1e-4)


def test_classifier_early_stopping_split_is_stratified(classification_data):
    X, y = classification_data
    clf = RNNClassifier(**dict(FAST, early_stopping=True, validation_fraction=0.25)).fit(X, y)
    codes = np.searchsorted(clf.classes_, y)
    _, valid = clf.net_.get_split_datasets(X.astype(np.float32), codes)
    assert len(valid.indices) == 40
    assert np.bincount(codes[valid.indices]).tolist() == pytest.approx(
        (np.bincount(codes) / 4).tolist(), abs=1)
    assert "valid_acc" in clf.history_[-1]


def test_warm_start_continues_training(regression_data):
    X, y = regression_data
    reg = RNNRegressor(**dict(FAST, warm_start=True)).fit(X, y)
    first_loss = reg.history_[-1, "train_loss"]
    reg.fit(X, y)
    assert len(reg.history_) == 10
    assert reg.history_[-1, "train_loss"] < first_loss
    cold = RNNRegressor(**FAST).fit(X, y)
    cold.fit(X, y)
    assert len(cold.history_) == 5


def test_warm_start_refuses_unseen_labels(classification_data):
    X, y = classification_data
    clf = RNNClassifier(**dict(FAST, warm_start=True)).fit(X, y)
    with pytest.raises(ValueError, match=r"\['new'\] not in classes_ \['fast', 'slow'\]"):
        clf.fit(X[:3], ["new", "fast", "slow"])


def test_verbose_prints_the_epoch_table_and_zero_is_silent(regression_data, capsys):
    X, y = regression_data
    RNNRegressor(**FAST).fit(X, y)
    assert capsys.readouterr().out == ""
    RNNRegressor(**dict(FAST, verbose=1)).fit(X, y)
    out = capsys.readouterr().out
    assert "train_loss" in out and out.count("\n") >= 5


# -- bad input: a clear error before any training ------------------------------------------

X0, Y0 = running_mean_task(n=20)
BAD_DATA = {
    "nan": (np.where(np.arange(X0.size).reshape(X0.shape) == 7, np.nan, X0), Y0,
            ValueError, "Input X contains NaN"),
    "inf": (np.where(np.arange(X0.size).reshape(X0.shape) == 7, np.inf, X0), Y0,
            ValueError, "Input X contains infinity"),
    "nan_target": (X0, np.where(np.arange(20) == 3, np.nan, Y0), ValueError,
                   "Input y contains NaN"),
    "1d": (X0[:, 0, 0], Y0, ValueError, "got 1 dimension"),
    "4d": (X0[..., None], Y0, ValueError, "got 4 dimension"),
    "empty": (np.zeros((0, 12, 2)), np.zeros(0), ValueError, "0 sample"),
    "zero_length": (np.zeros((20, 0, 2)), Y0, ValueError, "at least one time step"),
    "no_features": (np.zeros((20, 12, 0)), Y0, ValueError, "at least one time step and one"),
    "length_mismatch": (X0, Y0[:-1], ValueError, "inconsistent numbers of samples"),
    "strings": (np.full((20, 12), "a"), Y0, ValueError, "could not convert"),
    "complex": (X0 + 1j, Y0, ValueError, "Complex data not supported"),
    "ragged_features": ([np.zeros((3, 2)), np.zeros((4, 3))], Y0[:2], ValueError,
                        "different numbers of features"),
    "ragged_empty": ([np.zeros((3, 2)), np.zeros((0, 2))], Y0[:2], ValueError,
                     "empty sequence"),
    "ragged_nan": ([np.zeros((3, 2)), np.full((4, 2), np.nan)], Y0[:2], ValueError,
                   "Input X contains NaN"),
    "ragged_3d": ([np.zeros((3, 2)), np.zeros((4, 2, 1))], Y0[:2], ValueError,
                  r"shape \(n_timesteps,\) or"),
    "no_sequences": ([], Y0[:0], ValueError, "0 sample"),
    "no_target": (X0, None, ValueError, "requires y to be passed"),
}


@pytest.mark.parametrize("Estimator", [RNNRegressor, RNNClassifier])
@pytest.mark.parametrize("case", BAD_DATA)
def test_bad_data_is_refused_before_training(Estimator, case):
    X, y, error, message = BAD_DATA[case]
    if Estimator is RNNClassifier and y is not None and len(y) == 20 and case != "nan_target":
        y = np.arange(20) % 2
    est = Estimator(**FAST)
    with pytest.raises(error, match=message):
        est.fit(X, y)
    assert not hasattr(est, "net_")


BAD_PARAMS = [
    ({"cell": "transformer"}, "'cell' parameter"),
    ({"activation": "sigmoid"}, "'activation' parameter"),
    ({"cell": "gru", "activation": "relu"}, "applies to cell='rnn' only"),
    ({"hidden_size": -1}, "'hidden_size' parameter"),
    ({"num_layers": 0}, "'num_layers' parameter"),
    ({"max_epochs": -3}, "'max_epochs' parameter"),
    ({"batch_size": 0}, "'batch_size' parameter"),
    ({"dropout": 1.0}, "'dropout' parameter"),
    ({"lr": float("nan")}, "'lr' parameter"),
    ({"optimizer": "lbfgs"}, "'optimizer' parameter"),
    ({"optimizer": dict}, "torch.optim.Optimizer subclass"),
    ({"device": "gpu9"}, "not a torch device"),
    ({"early_stopping": True, "validation_fraction": 0.99}, "no training sequences"),
]


@pytest.mark.parametrize("params, message", BAD_PARAMS)
def test_bad_parameters_are_refused_before_training(params, message):
    X, y = running_mean_task(n=20)
    est = RNNRegressor(**params)
    with pytest.raises((ValueError, TypeError), match=message):
        est.fit(X, y)
    assert not hasattr(est, "net_")


@pytest.mark.parametrize("normalization, marker", [("layer", "norm_hh"), ("batch", "bn_hh")])
@pytest.mark.parametrize("cell, activation", [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"),
                                              ("peephole_lstm", "tanh"), ("gru", "tanh")])
def test_normalized_networks_learn_with_every_cell(cell, activation, normalization, marker):
    X, y = running_mean_task(n=120)
    reg = RNNRegressor(cell=cell, activation=activation, normalization=normalization,
                       hidden_size=16, lr=0.01, max_epochs=25, random_state=0).fit(X[:80], y[:80])
    assert reg.score(X[80:], y[80:]) > 0.5  # a constant scores 0
    cells = [m for m in reg.net_.module_.modules() if hasattr(m, "weight_hh")]
    assert cells and all(hasattr(m, marker) for m in cells)


def test_batch_norm_statistics_are_those_of_the_final_weights_on_the_training_data():
    rng = np.random.default_rng(3)
    X = [rng.normal(size=(t, 2)) for t in rng.integers(2, 9, size=40)]
    y = rng.normal(size=40)
    reg = RNNRegressor(cell="gru", normalization="batch", hidden_size=4, max_epochs=3,
                       batch_size=8, random_state=0).fit(X, y)
    cell = reg.net_.module_.rnn.layers[0][0].cell
    with torch.no_grad():
        weight = cell.weight_ih.cpu().double()
        by_step = [[x[t] for x in X if len(x) > t] for t in range(8)]
        z = [torch.from_numpy(np.array(rows)) @ weight.T for rows in by_step]
    assert cell.bn_ih.running_mean.shape == (8, 12)  # the longest training sequence
    np.testing.assert_allclose(cell.bn_ih.running_mean.cpu(), torch.stack([s.mean(0) for s in z]),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(cell.bn_ih.running_var.cpu(), torch.stack([s.var(0) for s in z]),
                               rtol=1e-4, atol=1e-5)


def test_classifier_refuses_continuous_and_single_class_targets():
    X, y = running_mean_task(n=20)
    with pytest.raises(ValueError, match="Unknown label type"):
        RNNClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        RNNClassifier(**FAST).fit(X, np.zeros(20))


def test_predict_before_fit_raises_not_fitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        RNNRegressor().predict(np.zeros((2, 3, 1)))

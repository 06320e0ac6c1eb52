"""Sample and class weights: the loss is the weighted mean of the samples' (steps') losses."""

import warnings

import numpy as np
import pytest
import sklearn
import torch
from sklearn.ensemble import AdaBoostClassifier, BaggingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import recall_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sklrnn import RNNClassifier, RNNRegressor
from sklrnn.nn.losses import MaskedMSELoss, PinballLoss, StepCrossEntropyLoss, weighted_mean
from sklrnn.preprocessing import SequenceScaler

# Full batch, no hold-out, constant rate: a deterministic fit whose batches hold every row.
FULL = dict(hidden_size=8, batch_size=512, max_epochs=5, lr=0.01, lr_schedule=None,
            early_stopping=False, random_state=0)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(30, 6, 2))
Y = X[:, :, 0].sum(axis=1)
LABELS = (Y > 0).astype(int)
STEPS = np.cumsum(X[:, :, 0], axis=1)
RAGGED = [x[: 3 + i % 4] for i, x in enumerate(X)]
RAGGED_STEPS = [s[: 3 + i % 4] for i, s in enumerate(STEPS)]
WEIGHTS = RNG.integers(0, 4, size=30)
WEIGHTS[0] = 1


def _rows(data, rows):
    return [data[i] for i in rows] if isinstance(data, list) else data[rows]


CASES = {
    "regressor": (RNNRegressor, {}, X, Y),
    "regressor-seq2seq-ragged": (RNNRegressor, {"architecture": "seq2seq"}, RAGGED,
                                 RAGGED_STEPS),
    "regressor-vec2seq": (RNNRegressor, {"architecture": "vec2seq"}, X[:, 0], STEPS[:, :3]),
    "classifier": (RNNClassifier, {}, X, LABELS),
    "classifier-seq2seq": (RNNClassifier, {"architecture": "seq2seq"}, X,
                           (STEPS > 0).astype(int)),
    "classifier-ragged": (RNNClassifier, {}, RAGGED, LABELS),
}


def _fit(case, X, y, **fit_params):
    cls, params, _, _ = CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return cls(**FULL, **params).fit(X, y, **fit_params)


@pytest.mark.parametrize("case", CASES)
def test_integer_weights_equal_repeated_rows(case):
    _, _, X, y = CASES[case]
    repeated = np.repeat(np.arange(len(WEIGHTS)), WEIGHTS)
    weighted = _fit(case, X, y, sample_weight=WEIGHTS)
    copies = _fit(case, _rows(X, repeated), _rows(y, repeated))
    # The first epoch's loss is the loss at initialisation (one batch, before its step).
    assert weighted.history_[0]["train_loss"] == pytest.approx(
        copies.history_[0]["train_loss"], rel=1e-6)
    assert np.allclose(weighted.history_[:, "train_loss"], copies.history_[:, "train_loss"],
                       rtol=1e-4)
    predict = weighted.predict_proba if hasattr(weighted, "predict_proba") else weighted.predict
    other = copies.predict_proba if hasattr(copies, "predict_proba") else copies.predict
    for a, b in zip(predict(X), other(X), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("case", ["regressor", "classifier-seq2seq", "regressor-seq2seq-ragged"])
def test_zero_weight_equals_dropping_the_rows(case):
    _, _, X, y = CASES[case]
    weight = (np.arange(len(y)) % 3 != 0).astype(float)
    kept = np.flatnonzero(weight)
    weighted = _fit(case, X, y, sample_weight=weight)
    dropped = _fit(case, _rows(X, kept), _rows(y, kept))
    np.testing.assert_allclose(weighted.history_[:, "train_loss"],
                               dropped.history_[:, "train_loss"], rtol=1e-4)


def test_weights_of_ones_change_nothing():
    plain = _fit("regressor", X, Y)
    ones = _fit("regressor", X, Y, sample_weight=np.ones(len(Y)))
    np.testing.assert_array_equal(plain.predict(X), ones.predict(X))


def test_the_held_out_rows_keep_their_weights():
    # The last row (held out by early stopping) is an outlier; weighing it 0 hides it.
    y = Y.copy()
    y[-1] = 1000.0
    common = dict(FULL, early_stopping=True, validation_fraction=0.1, max_epochs=1)
    losses = {}
    for last in (0.0, 1.0):
        weight = np.ones(len(y))
        weight[-1] = last
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est = RNNRegressor(**common).fit(X, y, sample_weight=weight)
        losses[last] = est.history_[0]
    assert losses[0.0]["train_loss"] == losses[1.0]["train_loss"]  # the same training rows
    assert losses[0.0]["valid_loss"] * 100 < losses[1.0]["valid_loss"]


def test_balanced_class_weight_lifts_minority_recall():
    def data(n, seed):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(n, 6, 1))
        return X, (X[:, :, 0].mean(axis=1) + 0.3 * rng.normal(size=n) > 0.7).astype(int)

    (X_train, y_train), (X_test, y_test) = data(400, 0), data(1000, 1)
    assert y_train.mean() < 0.1  # about 7% positives
    recall = {}
    for class_weight in (None, "balanced"):
        clf = RNNClassifier(hidden_size=8, max_epochs=15, batch_size=64, random_state=0,
                            early_stopping=False, class_weight=class_weight)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X_train, y_train)
        recall[class_weight] = recall_score(y_test, clf.predict(X_test))
    assert recall["balanced"] > recall[None] + 0.3


def test_class_weight_is_a_weight_per_label_times_sample_weight():
    labels = np.where(LABELS == 1, "up", "down")
    by_dict = _fit("classifier", X, labels, sample_weight=WEIGHTS)
    by_dict.set_params(class_weight={"up": 2.0})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        by_dict.fit(X, labels, sample_weight=WEIGHTS)
    by_product = _fit("classifier", X, labels,
                      sample_weight=WEIGHTS * np.where(labels == "up", 2.0, 1.0))
    np.testing.assert_allclose(by_dict.history_[:, "train_loss"],
                               by_product.history_[:, "train_loss"], rtol=1e-6)


@pytest.mark.parametrize(("sample_weight", "message"), [
    (-np.ones(30), "Negative values in data passed to `sample_weight`.*one finite weight"),
    (np.ones(29), r"sample_weight.shape == \(29,\), expected \(30,\)"),
    (np.zeros(30), "at least one non-zero number.*not all of them 0"),
    (np.full(30, np.nan), "Input sample_weight contains NaN"),
])
def test_bad_sample_weight_is_refused_before_training(sample_weight, message):
    est = RNNRegressor(**FULL)
    with pytest.raises(ValueError, match=message):
        est.fit(X, Y, sample_weight=sample_weight)
    assert not hasattr(est, "net_")


def test_class_weight_of_an_unknown_label_is_refused():
    with pytest.raises(ValueError, match=r"class_weight=\{7: 2.0\}.*not in class"):
        RNNClassifier(**FULL, class_weight={7: 2.0}).fit(X, LABELS)
    with pytest.raises(ValueError, match="class_weight"):
        RNNClassifier(**FULL, class_weight="balance").fit(X, LABELS)


def test_sample_weight_is_not_changed():
    weight = WEIGHTS.astype(float)
    before = weight.copy()
    _fit("regressor", X, Y, sample_weight=weight)
    np.testing.assert_array_equal(weight, before)


def test_boosting_and_bagging_use_the_weights():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        boost = AdaBoostClassifier(RNNClassifier(**FULL), n_estimators=3, random_state=0)
        assert boost.fit(X, LABELS).score(X, LABELS) > 0.6
        assert len(boost.estimators_) >= 1
        # Bagging reads 2-D X: univariate sequences; its bootstrap counts are weights.
        bag = BaggingRegressor(RNNRegressor(**FULL), n_estimators=3, random_state=0)
        assert bag.fit(X[:, :, 0], Y).predict(X[:, :, 0]).shape == (30,)


def test_weights_route_through_pipelines_and_search():
    def fitted(estimator, **params):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return estimator.fit(X, Y, **params)

    def pipeline(rnn):
        return Pipeline([("scale", SequenceScaler()), ("rnn", rnn)])

    direct = RNNRegressor(**FULL).fit(SequenceScaler().fit_transform(X), Y,
                                      sample_weight=WEIGHTS)
    expected = direct.predict(SequenceScaler().fit_transform(X))
    # Without metadata routing: the step__parameter convention.
    pipe = fitted(pipeline(RNNRegressor(**FULL)), rnn__sample_weight=WEIGHTS)
    np.testing.assert_allclose(pipe.predict(X), expected, rtol=1e-6)
    unweighted = fitted(pipeline(RNNRegressor(**FULL)))
    assert not np.allclose(unweighted.predict(X), expected, rtol=1e-3)
    # With metadata routing: requested by the estimator, routed by Pipeline and GridSearchCV.
    with sklearn.config_context(enable_metadata_routing=True):
        rnn = RNNRegressor(**FULL).set_fit_request(sample_weight=True)
        pipe = fitted(pipeline(rnn), sample_weight=WEIGHTS)
        np.testing.assert_allclose(pipe.predict(X), expected, rtol=1e-6)
        search = fitted(GridSearchCV(
            RNNRegressor(**FULL).set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=True), {"hidden_size": [4, 8]}, cv=2),
            sample_weight=WEIGHTS)
        assert search.best_params_["hidden_size"] in (4, 8)


def test_weighted_mean_of_per_target_losses():
    losses = torch.tensor([[1.0, 3.0], [5.0, 0.0]])
    counted = torch.tensor([[True, True], [True, False]])
    assert weighted_mean(losses) == pytest.approx(9 / 4)
    assert weighted_mean(losses, counted) == pytest.approx(9 / 3)
    assert weighted_mean(losses, counted, torch.tensor([1.0, 2.0])) == pytest.approx(14 / 4)
    assert weighted_mean(losses, counted, torch.zeros(2)) == 0.0


def test_losses_per_target_keep_the_target_shape():
    target = torch.tensor([[1.0, float("nan")], [2.0, 3.0]])
    input = torch.zeros(2, 2, requires_grad=True)
    loss = MaskedMSELoss(reduction="none")(input, target)
    assert loss.tolist() == [[1.0, 0.0], [4.0, 9.0]]
    loss.sum().backward()
    assert torch.isfinite(input.grad).all() and input.grad[0, 1] == 0
    steps = StepCrossEntropyLoss(reduction="none")(torch.zeros(2, 3, 4),
                                                   torch.tensor([[0, 1, -100], [2, 3, 0]]))
    assert steps.shape == (2, 3) and steps[0, 2] == 0
    pinball = PinballLoss((0.1, 0.9), reduction="none")(torch.zeros(5, 2), torch.ones(5, 1))
    assert pinball.shape == (5, 1, 2)

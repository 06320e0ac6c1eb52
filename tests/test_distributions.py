"""RNNRegressor(distribution=...): predicted distributions, their quantiles and their losses."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning

import sklrnn
from sklrnn import RNNRegressor
from sklrnn.nn.losses import NLLLoss, PinballLoss, distribution_params

RNG = np.random.default_rng(0)
X = RNG.normal(size=(600, 5, 1))
# The noise grows with |x_T|: a distribution must learn where the target is uncertain.
NOISE_SCALE = 0.2 + np.abs(X[:, -1, 0])
Y = X[:, -1, 0] + NOISE_SCALE * RNG.normal(size=600)
TRAIN, TEST = slice(0, 400), slice(400, 600)
FAST = dict(hidden_size=8, max_epochs=40, batch_size=32, random_state=0)
DISTRIBUTIONS = ["normal", "student_t", "quantile"]


def _fit(est, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kwargs)


@pytest.fixture(scope="module", params=DISTRIBUTIONS)
def fitted(request):
    reg = RNNRegressor(distribution=request.param, **FAST)
    return _fit(reg, X[TRAIN], Y[TRAIN])


def test_intervals_cover_held_out_targets_near_their_level(fitted):
    low, high = fitted.predict_quantiles(X[TEST], [0.1, 0.9]).T
    coverage = np.mean((low <= Y[TEST]) & (Y[TEST] <= high))
    assert 0.7 <= coverage <= 0.9
    # Wider where the noise is larger: the spread was learnt, not a constant band.
    width = high - low
    wide = NOISE_SCALE[TEST] > np.median(NOISE_SCALE[TEST])
    assert width[wide].mean() > 1.1 * width[~wide].mean()


def test_predict_is_the_centre_and_quantiles_increase(fitted):
    prediction = fitted.predict(X[TEST])
    quantiles = fitted.predict_quantiles(X[TEST], [0.05, 0.25, 0.5, 0.75, 0.95])
    assert prediction.shape == (200,) and quantiles.shape == (200, 5)
    assert np.all(np.diff(quantiles, axis=1) >= 0)
    # The mean of a symmetric distribution is its median; the quantile head's predict is it.
    np.testing.assert_allclose(quantiles[:, 2], prediction, rtol=1e-6, atol=1e-6)
    assert fitted.score(X[TEST], Y[TEST]) > 0.1  # at best about 0.4: the noise is large


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
@pytest.mark.parametrize(("architecture", "X_in", "y", "shape"), [
    ("seq2vec", X[:40], np.c_[Y[:40], -Y[:40]], (40, 2, 3)),
    ("encoder_decoder", X[:40], np.c_[Y[:40], Y[:40]], (40, 2, 3)),
    ("vec2seq", X[:40, 0], np.c_[Y[:40], Y[:40], Y[:40]], (40, 3, 3)),
])
def test_quantiles_take_the_shape_of_predict_with_a_levels_axis(distribution, architecture,
                                                                 X_in, y, shape):
    reg = _fit(RNNRegressor(distribution=distribution, architecture=architecture,
                            **dict(FAST, max_epochs=2)), X_in, y)
    assert reg.predict(X_in).shape == shape[:2]
    assert reg.predict_quantiles(X_in, [0.1, 0.5, 0.9]).shape == shape


def test_ragged_steps_have_quantiles_at_their_real_steps():
    ragged = [x[: 2 + i % 4] for i, x in enumerate(X[:60])]
    steps = [np.cumsum(x[:, 0]) for x in ragged]
    reg = _fit(RNNRegressor(distribution="normal", architecture="seq2seq",
                            **dict(FAST, max_epochs=2)), ragged, steps)
    quantiles = reg.predict_quantiles(ragged[:3], [0.2, 0.8])
    assert [q.shape for q in quantiles] == [(2, 2), (3, 2), (4, 2)]
    assert [p.shape for p in reg.predict(ragged[:3])] == [(2,), (3,), (4,)]


def test_normal_and_student_t_losses_are_the_negative_log_likelihoods():
    output = torch.randn(7, 3 * 2, generator=torch.Generator().manual_seed(0))
    target = torch.randn(7, 3, generator=torch.Generator().manual_seed(1))
    loc, scale = distribution_params(output, "normal")
    expected = -torch.distributions.Normal(loc, scale).log_prob(target)
    torch.testing.assert_close(NLLLoss("normal", reduction="none")(output, target), expected)
    output = torch.randn(7, 3 * 3, generator=torch.Generator().manual_seed(2))
    loc, scale, df = distribution_params(output, "student_t")
    assert (df > 2).all() and (scale > 0).all()
    expected = -torch.distributions.StudentT(df, loc, scale).log_prob(target)
    torch.testing.assert_close(NLLLoss("student_t", reduction="none")(output, target),
                               expected)
    # NaN targets (padded steps) count 0 and leave the mean.
    target[0, 0] = float("nan")
    losses = NLLLoss("student_t", reduction="none")(output, target)
    assert losses[0, 0] == 0
    assert NLLLoss("student_t")(output, target) == pytest.approx(
        float(losses.sum() / 20), rel=1e-6)


def test_pinball_loss_leaves_padded_steps_out():
    loss = PinballLoss((0.25, 0.75))
    target = torch.tensor([[1.0], [float("nan")]])
    value = loss(torch.zeros(2, 2), target)
    assert value == pytest.approx((0.25 + 0.75) / 2)


def test_quantile_levels_are_checked_before_training():
    for levels, message in [((0.9, 0.1), "increasing levels in"), ((0.1, 1.2), "in \\(0, 1\\)"),
                            ((0.6, 0.9), "from below 0.5 to above")]:
        reg = RNNRegressor(distribution="quantile", quantile_levels=levels, **FAST)
        with pytest.raises(ValueError, match=message):
            reg.fit(X[:20], Y[:20])
        assert not hasattr(reg, "net_")


def test_predict_quantiles_refuses_what_it_cannot_answer():
    plain = _fit(RNNRegressor(**dict(FAST, max_epochs=1)), X[:20], Y[:20])
    with pytest.raises(ValueError, match="needs a distribution.*distribution='normal'"):
        plain.predict_quantiles(X[:20], 0.5)
    quantile = _fit(RNNRegressor(distribution="quantile", quantile_levels=(0.1, 0.5, 0.9),
                                 **dict(FAST, max_epochs=1)), X[:20], Y[:20])
    with pytest.raises(ValueError, match=r"alpha \[0.05\] lies outside the quantile_levels"):
        quantile.predict_quantiles(X[:20], [0.05, 0.5])
    with pytest.raises(ValueError, match="alpha must be levels in"):
        quantile.predict_quantiles(X[:20], 1.5)
    assert quantile.predict_quantiles(X[:20], 0.3).shape == (20, 1)


def test_distribution_models_save_load_and_refuse_another_head_on_warm_start(tmp_path):
    reg = _fit(RNNRegressor(distribution="student_t", warm_start=True,
                            **dict(FAST, max_epochs=2)), X[:50], Y[:50])
    path = tmp_path / "t.safetensors"
    sklrnn.save(reg, path)
    loaded = sklrnn.load(path)
    np.testing.assert_array_equal(loaded.predict_quantiles(X[:50], [0.1, 0.9]),
                                  reg.predict_quantiles(X[:50], [0.1, 0.9]))
    reg.set_params(distribution="normal")
    with pytest.raises(ValueError, match="distribution='student_t'"):
        reg.fit(X[:50], Y[:50])
    # predict keeps the head the network was built with until the next fit.
    assert reg.predict_quantiles(X[:5], [0.5]).shape == (5, 1)


def test_sample_weights_weigh_the_likelihood():
    weight = np.where(np.arange(400) % 2, 1.0, 0.0)
    weighted = _fit(RNNRegressor(distribution="normal", **dict(FAST, max_epochs=3)),
                    X[TRAIN], Y[TRAIN], sample_weight=weight)
    dropped = _fit(RNNRegressor(distribution="normal", **dict(FAST, max_epochs=3,
                                                             batch_size=512)),
                   X[TRAIN][1::2], Y[TRAIN][1::2])
    full = _fit(RNNRegressor(distribution="normal", **dict(FAST, max_epochs=3,
                                                          batch_size=512)),
                X[TRAIN], Y[TRAIN], sample_weight=weight)
    assert np.isfinite(weighted.predict(X[TEST])).all()
    np.testing.assert_allclose(full.history_[:, "train_loss"],
                               dropped.history_[:, "train_loss"], rtol=1e-4)


@pytest.mark.parametrize("levels", [[0.9, 0.5, 0.1], [0.6, 0.7, 0.8], ["a", "b", "c"],
                                    [[0.1, 0.5, 0.9]]])
def test_load_refuses_quantile_levels_save_never_writes(tmp_path, levels):
    import json

    from safetensors.torch import load_file, save_file

    reg = _fit(RNNRegressor(distribution="quantile", quantile_levels=(0.1, 0.5, 0.9),
                            **dict(FAST, max_epochs=1)), X[:20], Y[:20])
    path = tmp_path / "q.safetensors"
    sklrnn.save(reg, path)
    with open(path, "rb") as file:  # the header, as safetensors stores it
        size = int.from_bytes(file.read(8), "little")
        metadata = json.loads(file.read(size))["__metadata__"]
    header = json.loads(metadata["sklrnn"])
    header["params"]["quantile_levels"] = levels
    save_file(load_file(path), path, metadata={"sklrnn": json.dumps(header)})
    with pytest.raises(ValueError, match="quantile_levels"):
        sklrnn.load(path)


def test_recursive_forecast_draws_paths_in_one_batch():
    from sklrnn.forecasting import recursive_forecast
    from sklrnn.preprocessing import make_windows

    series = np.sin(np.arange(300) / 5) + 0.1 * np.random.default_rng(0).normal(size=300)
    windows, targets = make_windows(series, 12)
    reg = _fit(RNNRegressor(distribution="student_t", **dict(FAST, max_epochs=10)),
               windows, targets)
    paths = recursive_forecast(reg, series[-12:], 6, n_paths=200, random_state=0)
    assert paths.shape == (200, 6)
    # The first path of a batch is the path drawn alone from the same draws.
    alone = recursive_forecast(reg, series[-12:], 6, n_paths=1, random_state=0)
    np.testing.assert_allclose(paths[:1], alone, rtol=1e-6, atol=1e-6)
    # The paths spread around the forecast that feeds the mean back, wider further ahead.
    centre = recursive_forecast(reg, series[-12:], 6)
    assert np.abs(paths.mean(axis=0) - centre).max() < 0.2
    assert paths[:, -1].std() > paths[:, 0].std()
    two = recursive_forecast(reg, np.stack([series[-12:], series[-24:-12]]), 6, n_paths=3,
                             random_state=0)
    assert two.shape == (2, 3, 6)
    plain = _fit(RNNRegressor(**dict(FAST, max_epochs=1)), windows, targets)
    with pytest.raises(ValueError, match="n_paths draws sample paths.*distribution=None"):
        recursive_forecast(plain, series[-12:], 6, n_paths=10)

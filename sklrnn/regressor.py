"""RNNRegressor: recurrent network regression on sequences."""

import numpy as np
import scipy.stats
import torch
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Callback

from ._accelerate import AcceleratedNetRegressor
from ._base import BaseRNN, extended_signature, per_sequence
from ._checks import detach_tensors
from ._docstrings import FITTED_DOC, PARAMS_DOC
from ._nets import NetRegressor
from ._sequences import pad_steps
from ._targets import step_targets, validate_horizon_target, validate_regression_target
from .nn.losses import (
    DISTRIBUTIONS,
    MaskedMSELoss,
    NLLLoss,
    PinballLoss,
    distribution_params,
)


class RNNRegressor(RegressorMixin, BaseRNN):
    __doc__ = f"""Recurrent neural network regressor for sequences, trained with skorch.

    Reads each sequence of ``X`` (``(n_samples, n_timesteps, n_features)``, or
    ``(n_samples, n_timesteps)`` for univariate sequences) and predicts one target vector per
    sequence, minimizing the mean squared error; or, by ``architecture``, a target at every
    time step, or a sequence of ``horizon`` steps from a sequence or from a vector.

    Parameters
    ----------
    {PARAMS_DOC}
    distribution : {{"normal", "student_t", "quantile"}} or None, default=None
        What the network predicts for every target: None, a value, trained by the mean
        squared error; ``"normal"`` or ``"student_t"``, the parameters of that
        distribution (location and scale, and a Student's t's degrees of freedom, above
        2), trained by the negative log-likelihood (:class:`~sklrnn.nn.losses.NLLLoss`);
        ``"quantile"``, the quantiles of ``quantile_levels``, trained by the pinball loss
        (:class:`~sklrnn.nn.losses.PinballLoss`). ``predict`` returns the mean (the
        median for ``"quantile"``), :meth:`predict_quantiles` any quantile.
    quantile_levels : array-like of float or None, default=None
        The levels, in (0, 1), that ``distribution="quantile"`` predicts; None for
        (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95). Ignored otherwise.

    Attributes
    ----------
    {FITTED_DOC}
    n_outputs_ : int
        Targets per sample (per step for ``"seq2seq"``, per decoded step for a horizon):
        ``K`` of ``y``, 1 when ``y`` had no such axis.
    has_output_axis_ : bool
        Whether ``y`` had the axis of targets (``(n_samples, K)`` rather than
        ``(n_samples,)``; per step or horizon step likewise); ``predict`` returns the same.
    horizon_ : int or None
        Steps each prediction decodes (``"vec2seq"``, ``"encoder_decoder"``); None otherwise.

    See Also
    --------
    RNNClassifier : The same network for class labels.

    Notes
    -----
    With ``early_stopping=True`` the validation data is the *last* ``validation_fraction`` of
    the rows, not a random sample: for windows cut from a time series, later windows overlap
    earlier ones, and a random split would leak the future into training.

    Examples
    --------
    >>> import numpy as np
    >>> from sklrnn import RNNRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 10, 2)).astype("float32")
    >>> y = X[:, :, 0].mean(axis=1)
    >>> reg = RNNRegressor(cell="gru", hidden_size=16, lr=0.01, max_epochs=20,
    ...                    random_state=0)
    >>> reg.fit(X, y).score(X, y) > 0.8
    True
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints = {
        **BaseRNN._parameter_constraints,  # noqa: SLF001 (the parent's, as in scikit-learn)
        "distribution": [None, StrOptions({"normal", "student_t", "quantile"})],
        "quantile_levels": [None, "array-like"],
    }
    # They size the network's output, as the parent's shape the network.
    _network_params = (*BaseRNN._network_params, "distribution",  # noqa: SLF001
                       "quantile_levels")
    _added_params = {**BaseRNN._added_params,  # noqa: SLF001 (files before them had neither)
                     "distribution": None, "quantile_levels": None}
    _net_class = NetRegressor
    _accelerated_net_class = AcceleratedNetRegressor
    _criterion = torch.nn.MSELoss
    _step_criterion = MaskedMSELoss

    def __init__(self, *, distribution=None, quantile_levels=None, **params):
        super().__init__(**params)
        self.distribution = distribution
        self.quantile_levels = quantile_levels

    # scikit-learn finds the parameters in the signature: BaseRNN's, and these.
    __init__.__signature__ = extended_signature(BaseRNN.__init__, distribution=None,
                                                quantile_levels=None)

    def _check_compatible(self):
        super()._check_compatible()
        if self.distribution == "quantile":
            self._levels()

    def _levels(self):
        """The quantile levels of ``distribution="quantile"``, checked: a sorted array."""
        levels = DEFAULT_LEVELS if self.quantile_levels is None else self.quantile_levels
        levels = np.asarray(levels, dtype=np.float64)
        if (levels.ndim != 1 or not len(levels) or not np.all((levels > 0) & (levels < 1))
                or np.any(np.diff(levels) <= 0)):
            raise ValueError(
                f"quantile_levels must be increasing levels in (0, 1); got "
                f"{self.quantile_levels!r}."
            )
        if not levels[0] <= 0.5 <= levels[-1]:
            raise ValueError(
                f"quantile_levels {levels.tolist()} must reach from below 0.5 to above it: "
                "predict returns the median."
            )
        return levels

    def _criterion_spec(self, per_step):
        """The criterion of ``distribution``: the class and its arguments."""
        if self.distribution in DISTRIBUTIONS:
            return NLLLoss, {"distribution": self.distribution}
        if self.distribution == "quantile":
            return PinballLoss, {"levels": tuple(self._levels())}
        return super()._criterion_spec(per_step)

    def _prepare_target(self, y, X, real, reset):
        if self.architecture == "seq2seq":
            steps = step_targets(self, y, real)
            has_axis = steps.ndim == 2
            # (N, T, K) in the network's layout; NaN marks padded steps for the loss.
            y = pad_steps(steps.reshape(len(steps), -1), real.sum(axis=1), X.shape[1], np.nan)
        elif self.architecture == "seq2vec":
            y, has_axis = validate_regression_target(self, y, len(X))
        else:
            y, has_axis = validate_horizon_target(self, y, len(X))
        horizon = y.shape[1] if y.ndim == 3 and self.architecture != "seq2seq" else None
        if reset:
            self.has_output_axis_ = has_axis
            self.n_outputs_ = y.shape[-1]
            self.horizon_ = horizon
        elif (y.shape[-1], horizon) != (self.n_outputs_, self.horizon_):
            raise ValueError(
                f"y has {y.shape[-1]} targets (horizon {horizon}), but the network being "
                f"warm-started predicts {self.n_outputs_} (horizon {self.horizon_}); refit "
                "with warm_start=False."
            )
        return y

    _renamed_attributes = {
        **BaseRNN._renamed_attributes,  # noqa: SLF001 (the parent's class attribute)
        "_n_outputs": "n_outputs_", "_horizon": "horizon_",
    }

    @classmethod
    def __sklrnn_upgrade__(cls, node):
        node = super().__sklrnn_upgrade__(node)
        fitted = dict(node["fitted"])
        if "_y_1d" in fitted:  # one name for one idea now, and the other way round
            fitted["has_output_axis_"] = not fitted.pop("_y_1d")
        return {**node, "fitted": fitted}

    def _output_size(self):
        return self.n_outputs_ * self._params_per_target()

    def _params_per_target(self):
        """Network outputs per target: 1, the distribution's parameters, or the levels."""
        distribution = self._fitted_param("distribution")
        if distribution == "quantile":
            return len(self._fitted_levels())
        return DISTRIBUTIONS.get(distribution, 1)

    def _fitted_levels(self):
        """The quantile levels the network was built with."""
        levels = self._fitted_param("quantile_levels")
        return np.asarray(DEFAULT_LEVELS if levels is None else levels, dtype=np.float64)

    _validation_score = "valid_r2"

    def _trains_mse(self):
        # A distribution, or a subclass, trains another loss.
        return self._criterion is RNNRegressor._criterion and self.distribution is None

    def _constant_loss(self, y, weight):
        """Mean squared error of the targets' (weighted) mean, over their outputs and steps."""
        return _mean_squared_deviation(y, weight) if self._trains_mse() else None

    def _validation_callbacks(self):
        return [("valid_r2", HeldOutR2())] if self._trains_mse() else []

    def _validation_rows(self, y, n_valid, seed):
        # The last rows, in order: later windows of a series overlap earlier ones.
        return slice(len(y) - n_valid, len(y))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X):
        """Predict the target of every sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps), \
or list of n_samples arrays of shape (n_timesteps_i, n_features) or (n_timesteps_i,)
            Sequences, in any form ``fit`` accepts; their length may differ from the training
            sequences' unless both are 2-D. With ``architecture="vec2seq"``: vectors of
            shape ``(n_samples, n_features)``.

        Returns
        -------
        ndarray or list of ndarray
            Shaped like the training targets: ``(n_samples,)`` or ``(n_samples, n_outputs)``
            for ``"seq2vec"``; ``(n_samples, n_timesteps[, n_outputs])`` for ``"seq2seq"``
            (for ragged or masked X, a list with one ``(n_timesteps_i[, n_outputs])`` array
            per sequence, its real steps only); ``(n_samples, horizon[, n_outputs])`` for
            ``"vec2seq"`` and ``"encoder_decoder"``.
        """
        return self._predictions(self._forward(X))

    def _predictions(self, out):
        if self._fitted_param("distribution") is not None:
            out = per_sequence(lambda part: self._quantiles(part, None), out)
        return out if self.has_output_axis_ else per_sequence(lambda part: part[..., 0], out)

    def _quantiles(self, out, alpha):
        """Quantiles ``alpha`` of the network's output ``out`` (the mean when None).

        ``out`` holds the network's raw outputs, ``(..., K * P)``; the result is
        ``(..., K)`` for None, else ``(..., K, len(alpha))``.
        """
        distribution = self._fitted_param("distribution")
        if distribution == "quantile":
            levels = self._fitted_levels()
            values = out.reshape(*out.shape[:-1], -1, len(levels))
            values = np.sort(values, axis=-1)  # quantiles do not cross
            at = [0.5] if alpha is None else alpha
            found = np.stack([_interpolate(levels, values, a) for a in at], axis=-1)
            return found[..., 0] if alpha is None else found
        if alpha is None:  # the mean of both: a Student's t's df is above 2
            return self._params(out)[0]
        return np.stack([self._draw(out, level) for level in alpha], axis=-1)

    def _params(self, out):
        """The distribution parameters of the network's raw outputs, as numpy arrays."""
        return tuple(part.numpy() for part in distribution_params(
            torch.from_numpy(np.ascontiguousarray(out)), self._fitted_param("distribution")))

    def _draw(self, out, u):
        """Values of the predicted normal or Student's t distributions at probabilities ``u``.

        ``out`` holds the network's raw outputs ``(..., K * P)``; ``u`` is broadcast to
        ``(..., K)``. Uniform ``u`` draw samples (inverse transform sampling): the same
        ``u``, the same values, however many are drawn at once.
        """
        loc, scale, *df = self._params(out)
        z = (scipy.stats.norm.ppf(u) if self._fitted_param("distribution") == "normal"
             else scipy.stats.t.ppf(u, df[0]))
        return loc + scale * z

    def predict_quantiles(self, X, alpha):
        """Predict quantiles of the target's distribution (``distribution`` set).

        Parameters
        ----------
        X : array-like or list of arrays
            Sequences, in any form ``predict`` accepts.
        alpha : float or array-like of float
            Levels in (0, 1). For ``distribution="quantile"``, between the lowest and the
            highest of ``quantile_levels`` (interpolated linearly between them).

        Returns
        -------
        ndarray or list of ndarray
            ``predict``'s shape with an axis of ``len(alpha)`` levels appended: e.g.
            ``(n_samples, len(alpha))``, or ``(n_samples, n_outputs, len(alpha))`` when
            ``y`` had an axis of targets.

        Raises
        ------
        ValueError
            Without a ``distribution``, or for levels outside (0, 1) or outside the
            trained ``quantile_levels``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklrnn import RNNRegressor
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(300, 5, 1))
        >>> y = X[:, -1, 0] + rng.normal(size=300)  # noise of scale 1
        >>> reg = RNNRegressor(distribution="normal", hidden_size=8, max_epochs=30,
        ...                    random_state=0).fit(X, y)
        >>> low, high = reg.predict_quantiles(X, [0.1, 0.9]).T
        >>> bool(0.7 < np.mean((low < y) & (y < high)) < 0.9)
        True
        """
        check_is_fitted(self)
        distribution = self._fitted_param("distribution")
        if distribution is None:
            raise ValueError(
                "predict_quantiles needs a distribution: this RNNRegressor predicts values "
                "(distribution=None). Fit it with distribution='normal', 'student_t' or "
                "'quantile'."
            )
        alpha = np.atleast_1d(np.asarray(alpha, dtype=np.float64))
        if alpha.ndim != 1 or not np.all((alpha > 0) & (alpha < 1)):
            raise ValueError(f"alpha must be levels in (0, 1); got {alpha.tolist()}.")
        if distribution == "quantile":
            levels = self._fitted_levels()
            outside = alpha[(alpha < levels[0]) | (alpha > levels[-1])]
            if len(outside):
                raise ValueError(
                    f"alpha {outside.tolist()} lies outside the quantile_levels the network "
                    f"was trained for ({levels[0]} to {levels[-1]}); refit with "
                    "quantile_levels that reach them."
                )
        out = self._forward(X)
        quantiles = per_sequence(lambda part: self._quantiles(part, alpha), out)
        if self.has_output_axis_:
            return quantiles
        return per_sequence(lambda part: part[..., 0, :], quantiles)

    def score(self, X, y, sample_weight=None):
        """Return the coefficient of determination R² of the predictions.

        For ``"seq2vec"`` this is scikit-learn's :func:`~sklearn.metrics.r2_score` of
        ``predict(X)`` and ``y``. For outputs per step it is the R² over all real (or
        decoded) steps of all sequences pooled, averaged over the outputs: how much of the
        targets' variance across every step the predictions explain.

        Parameters
        ----------
        X : array-like or list of arrays
            Input, in any form ``predict`` accepts.
        y : array-like or list of arrays
            True targets, in any form ``fit`` accepts.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of every sample (shared by all its steps).

        Returns
        -------
        float
            R², at most 1; 0 for predicting the mean of ``y``.
        """
        y = detach_tensors(y)
        if self._fitted_param("architecture") == "seq2vec":
            return super().score(X, y, sample_weight)
        y_true, y_pred, weight = self._pooled_steps(X, y, sample_weight, dtype=np.float64)
        return r2_score(y_true, y_pred, sample_weight=weight)


class HeldOutR2(Callback):
    """Record ``valid_r2`` every epoch: the R² of the held-out targets, from ``valid_loss``.

    ``1 - valid_loss / d``, with ``d`` the (weighted) mean squared deviation of the held-out
    targets from their mean, pooled over outputs and steps as :meth:`RNNRegressor.score`
    pools per-step targets. Read from the losses skorch records: no extra pass.
    """

    def on_train_begin(self, net, **kwargs):
        self.deviation_ = None

    def on_epoch_end(self, net, dataset_valid=None, **kwargs):
        loss = net.history[-1].get("valid_loss")
        if loss is None or dataset_valid is None:
            return
        if self.deviation_ is None:
            rows = np.asarray(dataset_valid.indices)
            data = dataset_valid.dataset
            weight = data.X.get("sample_weight") if isinstance(data.X, dict) else None
            self.deviation_ = _mean_squared_deviation(
                data.y[rows], None if weight is None else weight[rows])
        if self.deviation_:
            net.history.record("valid_r2", 1.0 - loss / self.deviation_)


def _mean_squared_deviation(y, weight):
    """The (weighted) mean squared deviation of targets from their mean, or None.

    Pooled over every step (or horizon step) of every sample, NaN steps (padding) left out,
    and averaged over the outputs: the loss of predicting the mean.
    """
    y = np.asarray(y)
    rows = y.reshape(-1, y.shape[-1])
    real = ~np.isnan(rows[:, 0])  # NaN marks the padded steps of "seq2seq"
    if not real.all():
        rows = rows[real]
    if weight is None:  # no copies of the targets but var's own (windows can be many)
        return float(rows.var(axis=0, dtype=np.float64).mean()) if len(rows) else None
    weight = np.repeat(np.asarray(weight, dtype=np.float64), len(real) // len(y))[real]
    if not weight.any():
        return None
    mean = np.average(rows, axis=0, weights=weight)
    return float(np.average((rows - mean) ** 2, axis=0, weights=weight).mean())


#: The quantile levels of ``distribution="quantile"`` by default.
DEFAULT_LEVELS = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)


def _interpolate(levels, values, alpha):
    """Quantile ``alpha`` by linear interpolation of ``values`` (``(..., L)``) at ``levels``."""
    j = int(np.clip(np.searchsorted(levels, alpha, side="right") - 1, 0, len(levels) - 2))
    share = (alpha - levels[j]) / (levels[j + 1] - levels[j])
    return values[..., j] + share * (values[..., j + 1] - values[..., j])

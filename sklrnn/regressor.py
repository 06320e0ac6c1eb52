"""RNNRegressor: recurrent network regression on sequences."""

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from skorch.callbacks import Callback

from ._accelerate import AcceleratedNetRegressor
from ._base import BaseRNN, per_sequence
from ._checks import detach_tensors
from ._docstrings import FITTED_DOC, PARAMS_DOC
from ._nets import NetRegressor
from ._sequences import pad_steps
from ._targets import step_targets, validate_horizon_target, validate_regression_target
from .nn.losses import MaskedMSELoss


class RNNRegressor(RegressorMixin, BaseRNN):
    __doc__ = f"""Recurrent neural network regressor for sequences, trained with skorch.

    Reads each sequence of ``X`` (``(n_samples, n_timesteps, n_features)``, or
    ``(n_samples, n_timesteps)`` for univariate sequences) and predicts one target vector per
    sequence, minimizing the mean squared error; or, by ``architecture``, a target at every
    time step, or a sequence of ``horizon`` steps from a sequence or from a vector.

    Parameters
    ----------
    {PARAMS_DOC}

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
    >>> reg = RNNRegressor(cell="gru", hidden_size=16, lr=0.01, max_epochs=20, random_state=0)
    >>> reg.fit(X, y).score(X, y) > 0.8
    True
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _net_class = NetRegressor
    _accelerated_net_class = AcceleratedNetRegressor
    _criterion = torch.nn.MSELoss
    _step_criterion = MaskedMSELoss

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
        return self.n_outputs_

    _validation_score = "valid_r2"

    def _trains_mse(self):
        return self._criterion is RNNRegressor._criterion  # a subclass may train another loss

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
        return out if self.has_output_axis_ else per_sequence(lambda part: part[..., 0], out)

    def score(self, X, y, sample_weight=None):
        """Return the coefficient of determination R^2 of the predictions.

        For ``"seq2vec"`` this is scikit-learn's :func:`~sklearn.metrics.r2_score` of
        ``predict(X)`` and ``y``. For outputs per step it is the R^2 over all real (or
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
            R^2, at most 1; 0 for predicting the mean of ``y``.
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

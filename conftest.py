import os

# scikit-learn's array-API input check runs (with NumPy) only when SciPy sees this at import.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _estimator_device(monkeypatch):
    """Build estimators on ``$SKLRNN_TEST_DEVICE`` (e.g. ``cuda``) by default, when it is set.

    ``SKLRNN_TEST_DEVICE=cuda pytest`` runs the estimator and forecaster tests on a GPU; the
    nn tests build their modules on the CPU either way. cuDNN's TF32 matrix products
    (PyTorch's default) are switched off there: the tests compare results to float32
    tolerance.
    """
    device = os.environ.get("SKLRNN_TEST_DEVICE")
    if device:
        import torch

        from sklrnn._base import BaseRNN

        monkeypatch.setitem(BaseRNN.__init__.__kwdefaults__, "device", device)
        monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)
        try:
            from sklrnn.forecasting import RNNForecaster
        except ImportError:  # no sktime
            return
        monkeypatch.setitem(RNNForecaster.__init__.__kwdefaults__, "device", device)

"""sklrnn: recurrent neural networks as scikit-learn estimators, built on PyTorch and skorch."""

__version__ = "0.1.0.dev0"

from .classifier import RNNClassifier  # noqa: E402
from .persistence import load, save  # noqa: E402
from .regressor import RNNRegressor  # noqa: E402

__all__ = ["RNNClassifier", "RNNRegressor", "load", "save", "__version__"]

"""sklrnn: recurrent neural networks as scikit-learn estimators, built on PyTorch and skorch."""

from .classifier import RNNClassifier
from .regressor import RNNRegressor

__version__ = "0.1.0.dev0"

__all__ = ["RNNClassifier", "RNNRegressor", "__version__"]

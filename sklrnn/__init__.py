"""sklrnn: recurrent neural networks as scikit-learn estimators, built on PyTorch and skorch."""

from ._version import __version__
from .classifier import RNNClassifier
from .export import to_onnx
from .persistence import load, save
from .regressor import RNNRegressor

__all__ = ["RNNClassifier", "RNNRegressor", "load", "save", "to_onnx", "__version__"]

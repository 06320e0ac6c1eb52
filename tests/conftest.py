import os

import pytest
import torch

# The device the network tests run on: ``SKLRNN_TEST_DEVICE=cuda python -m pytest tests/nn
# tests/test_architectures.py`` runs them on a GPU. The modules of tests/nn are built under
# torch's default device (the autouse fixture below); estimator tests pass it as ``device``.
TEST_DEVICE = os.environ.get("SKLRNN_TEST_DEVICE", "cpu")


@pytest.fixture(autouse=True)
def _default_torch_device():
    """Create tensors and modules on TEST_DEVICE unless a test names another device."""
    if TEST_DEVICE == "cpu":
        yield
        return
    before = torch.get_default_device()
    torch.set_default_device(TEST_DEVICE)
    yield
    torch.set_default_device(before)


@pytest.fixture(scope="module")
def one_torch_thread():
    """Train the tiny networks on one thread: fast and repeatable on a busy machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

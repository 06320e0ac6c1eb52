import pytest
import torch


@pytest.fixture(scope="module")
def one_torch_thread():
    """Train the tiny networks on one thread: fast and repeatable on a busy machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

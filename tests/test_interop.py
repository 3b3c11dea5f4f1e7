"""A torch state_dict loads straight into the matching torchlike module and gives torch's outputs."""
import numpy as np
import torch

import torchlike


def test_module_loads_torch_state_dict():
    torch.manual_seed(0)
    ref = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.Linear(8, 2)).eval()
    ours = torchlike.nn.Sequential(torchlike.nn.Linear(4, 8), torchlike.nn.BatchNorm1d(8),
                                   torchlike.nn.Linear(8, 2)).eval()
    assert str(ours.load_state_dict(ref.state_dict())) == "<All keys matched successfully>"
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    torchlike.testing.assert_close(ours(torchlike.tensor(x)), ref(torch.tensor(x)).detach())

"""A module that calls torch.fx.wrap at import time (as timm does), for tests/test_fx.py."""
import torchlike
import torchlike.fx


@torchlike.fx.wrap
def scaled(x, k):
    return x * k if k > 1 else x


torchlike.fx.wrap("len")


def make(t):
    class M(t.nn.Module):
        def forward(self, x):
            return scaled(x, 3) + len(x)
    return M()

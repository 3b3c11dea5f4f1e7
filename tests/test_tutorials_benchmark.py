"""torch.utils.benchmark's Measurement printout, which the torch.func tutorials print (ensembling,
per_sample_grads, jacobians_hessians), laid out as torch's."""
import re

import pytest

import torchlike.utils.benchmark as tl_bench

torch = pytest.importorskip("torch")
import torch.utils.benchmark as t_bench  # noqa: E402


def _shape(text):
    """The printout without the object address and the measured numbers."""
    text = re.sub(r"0x[0-9a-f]+", "ADDR", text)
    return re.sub(r"\d+\.\d+ (s|ms|us|ns)", "T", text)


@pytest.mark.parametrize("kwargs", [
    dict(stmt="sum(range(10))"),
    dict(stmt="x = 1\ny = x + 1"),
    dict(stmt="sum(range(10))", setup="z = 3"),
    dict(stmt="sum(range(10))", label="adds", sub_label="small", description="ten"),
])
def test_measurement_repr_layout(kwargs):
    ours = repr(tl_bench.Timer(**kwargs).timeit(20))
    ref = repr(t_bench.Timer(**kwargs).timeit(20))
    assert _shape(ours) == _shape(ref)

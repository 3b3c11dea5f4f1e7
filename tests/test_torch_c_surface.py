"""The private torch surface libraries probe (torch._C, torch._dynamo, torch.compiler, torch.jit.annotations,
torch.nn.utils.fusion, module constants): torchlike's answers compared with torch's."""
import math
import os
import subprocess
import sys
import typing
from pathlib import Path

import numpy as np
import pytest

import torchlike
from conftest import assert_same

torch = pytest.importorskip("torch")


def test_module_constants_are_torchs():
    for name in ("pi", "e", "inf", "nan"):
        a, b = getattr(torchlike, name), getattr(torch, name)
        assert type(a) is type(b) and (a == b or (math.isnan(a) and math.isnan(b))), name
    assert torchlike.newaxis is torch.newaxis is None


def test_usage_logging_and_simple_probes_answer_as_torch():
    for fn in ("_log_api_usage_once",):
        assert getattr(torchlike._C, fn)("torchmetrics.metric.X") is getattr(torch._C, fn)("torchmetrics.metric.X")
    assert torchlike._C._get_privateuse1_backend_name() == torch._C._get_privateuse1_backend_name()
    assert torchlike._C._len_torch_dispatch_stack() == torch._C._len_torch_dispatch_stack() == 0
    assert torchlike._C._get_tracing_state() is torch._C._get_tracing_state() is None
    assert torchlike._C._get_accelerator().type == torch._C._get_accelerator().type == "cpu"


def test_functorch_transform_state_inside_and_outside_vmap():
    assert torchlike._C._are_functorch_transforms_active() is torch._C._are_functorch_transforms_active() is False
    seen = {}

    def probe(lib, key):
        def f(x):
            seen[key] = lib._C._are_functorch_transforms_active()
            return x * 2
        return f

    torch.vmap(probe(torch, "torch"))(torch.ones(3, 2))
    torchlike.func.vmap(probe(torchlike, "torchlike"))(torchlike.ones(3, 2))
    torchlike.func.grad(lambda x: probe(torchlike, "grad")(x).sum())(torchlike.ones(2))
    assert seen == {"torch": True, "torchlike": True, "grad": True}
    compiled = torchlike.compile(lambda x: x + float(torchlike._C._are_functorch_transforms_active()))
    assert compiled(torchlike.zeros(2)).tolist() == [0.0, 0.0]  # compiling is not a functorch transform


def test_functorch_queries_on_plain_tensors():
    t, r = torchlike.ones(2), torch.ones(2)
    F, G = torchlike._C._functorch, torch._C._functorch
    for name in ("is_batchedtensor", "is_functorch_wrapped_tensor", "is_legacy_batchedtensor"):
        assert getattr(F, name)(t) is getattr(G, name)(r) is False
    assert F.get_interpreter_stack() is G.get_interpreter_stack() is None
    assert list(F.TransformType.__members__) == list(G.TransformType.__members__)
    with pytest.raises(RuntimeError, match="No wrappers present"):
        G.get_unwrapped(r)
    with pytest.raises(RuntimeError, match="No wrappers present"):
        F.get_unwrapped(t)


def test_jit_fuser_switches_report_torchs_defaults_and_previous_values():
    for C in (torch._C, torchlike._C):
        C._jit_set_texpr_fuser_enabled(True)
        C._jit_override_can_fuse_on_cpu(False)
    calls = [("_jit_can_fuse_on_cpu",), ("_jit_can_fuse_on_gpu",), ("_jit_texpr_fuser_enabled",),
             ("_jit_set_profiling_mode", True), ("_jit_set_profiling_executor", True),
             ("_jit_set_texpr_fuser_enabled", False), ("_jit_texpr_fuser_enabled",),
             ("_jit_set_texpr_fuser_enabled", True), ("_jit_override_can_fuse_on_cpu", True),
             ("_jit_can_fuse_on_cpu",), ("_jit_override_can_fuse_on_cpu", False), ("_jit_can_fuse_on_cpu",)]
    for name, *args in calls:
        assert getattr(torchlike._C, name)(*args) == getattr(torch._C, name)(*args), name


def test_dynamo_config_patch_restores_and_exc_unsupported_catches_untraceable_code():
    cfg = torchlike._dynamo.config
    assert cfg.cache_size_limit == torch._dynamo.config.cache_size_limit
    assert cfg.capture_scalar_outputs == torch._dynamo.config.capture_scalar_outputs

    @cfg.patch(capture_scalar_outputs=True)
    def inside():
        return cfg.capture_scalar_outputs

    assert inside() is True and cfg.capture_scalar_outputs is False
    with cfg.patch("cache_size_limit", 3):
        assert cfg.cache_size_limit == 3
    assert cfg.cache_size_limit == 8
    with pytest.raises(AttributeError):
        with cfg.patch(not_a_setting=1):
            pass

    def data_dependent(x):
        return x * 2 if x.sum().item() > 0 else x

    compiled = torchlike.compile(data_dependent, fullgraph=True)
    with pytest.raises(torchlike._dynamo.exc.Unsupported):
        compiled(torchlike.ones(2))  # torchlike may first run the step eagerly (issue 23): up to two calls
        compiled(torchlike.ones(2))


def test_dynamo_and_compiler_hints_leave_functions_and_tensors_alone():
    def f(x):
        return x + 1

    for lib in (torch, torchlike):
        assert lib._dynamo.allow_in_graph(f) is f
        assert lib.compiler.is_compiling() is False and lib.compiler.is_exporting() is False
        assert lib.compiler.is_dynamo_compiling() is False
        t = lib.ones(2, 3)
        assert lib._dynamo.mark_static_address(t) is None
        assert lib._dynamo.mark_dynamic(t, 0) is None
        assert lib.compiler.disable(f) is not None
    assert torchlike._dynamo.assume_constant_result(f) is f
    seen = []
    torchlike.compile(lambda x: seen.append(torchlike.compiler.is_compiling()) or x * 2)(torchlike.ones(2))
    assert True in seen
    from torchlike._dynamo._trace_wrapped_higher_order_op import TransformGetItemToIndex
    idx = torchlike.tensor([2, 0])
    with TransformGetItemToIndex():
        out = torchlike.func.vmap(lambda row: row[idx])(torchlike.arange(6.0).reshape(2, 3))
    assert out.tolist() == [[2.0, 0.0], [5.0, 3.0]]


def test_torch_jit_annotations_and_generic_data_classes_under_the_alias(tmp_path):
    code = ("import torch\nfrom torch.jit.annotations import List, Tuple, BroadcastingList2\n"
            "from torch.utils.data import Dataset, Sampler\n"
            "class D(Dataset[Tuple[int, int]]):\n    pass\n"
            "class S(Sampler[List[int]]):\n    pass\n"
            "print(torch.__name__, List is __import__('typing').List, D.__mro__[1].__name__)\n")
    script = tmp_path / "uses_annotations.py"
    script.write_text(code)
    root = str(Path(torchlike.__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-m", "torchlike", str(script)], capture_output=True, text=True,
                         timeout=120, env=env)
    assert out.stdout.split() == ["torchlike", "True", "Dataset"], out.stderr[-2000:]
    assert torchlike.jit.annotations.List is typing.List


def test_fuse_conv_bn_and_linear_bn_match_torch(rng):
    def fill(bn, values):
        lib = torch if isinstance(bn, torch.nn.Module) else torchlike
        with lib.no_grad():
            for name, v in values.items():
                getattr(bn, name).copy_(lib.tensor(v))

    values = {"weight": rng.standard_normal(4).astype(np.float32), "bias": rng.standard_normal(4).astype(np.float32),
              "running_mean": rng.standard_normal(4).astype(np.float32),
              "running_var": rng.uniform(0.5, 2, 4).astype(np.float32)}
    for transpose in (False, True):
        torch.manual_seed(0)
        conv = (torch.nn.ConvTranspose2d(3, 4, 3) if transpose else torch.nn.Conv2d(3, 4, 3)).eval()
        bn = torch.nn.BatchNorm2d(4).eval()
        torchlike.manual_seed(0)
        tconv = (torchlike.nn.ConvTranspose2d(3, 4, 3) if transpose else torchlike.nn.Conv2d(3, 4, 3)).eval()
        tbn = torchlike.nn.BatchNorm2d(4).eval()
        fill(bn, values)
        fill(tbn, values)
        ref = torch.nn.utils.fusion.fuse_conv_bn_eval(conv, bn, transpose=transpose)
        ours = torchlike.nn.utils.fusion.fuse_conv_bn_eval(tconv, tbn, transpose=transpose)
        assert_same(ours.weight, ref.weight, rtol=1e-5, atol=1e-6)
        assert_same(ours.bias, ref.bias, rtol=1e-5, atol=1e-6)
        assert isinstance(ours.weight, torchlike.nn.Parameter) and ours is not tconv
    torch.manual_seed(0)
    lin, bn1 = torch.nn.Linear(3, 4).eval(), torch.nn.BatchNorm1d(4).eval()
    torchlike.manual_seed(0)
    tlin, tbn1 = torchlike.nn.Linear(3, 4).eval(), torchlike.nn.BatchNorm1d(4).eval()
    fill(bn1, values)
    fill(tbn1, values)
    ref = torch.nn.utils.fusion.fuse_linear_bn_eval(lin, bn1)
    ours = torchlike.nn.utils.fusion.fuse_linear_bn_eval(tlin, tbn1)
    assert_same(ours.weight, ref.weight, rtol=1e-5, atol=1e-6)
    assert_same(ours.bias, ref.bias, rtol=1e-5, atol=1e-6)
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        torchlike.nn.utils.fusion.fuse_linear_bn_eval(tlin.train(), tbn1)


def test_pytree_flattens_like_torch_utils_pytree():
    import collections
    from torch.utils import _pytree as ref
    from torchlike.utils import _pytree as ours
    Point = collections.namedtuple("Point", "x y")
    tree = {"b": [1, (2, None)], "a": collections.OrderedDict(z=3, y=Point(4, 5)), "c": collections.deque([6])}
    leaves, spec = ours.tree_flatten(tree)
    assert leaves == ref.tree_flatten(tree)[0] == [1, 2, None, 3, 4, 5, 6]  # dict insertion order, None a leaf
    tree = {"b": [1, (2, 0)], "a": collections.OrderedDict(z=3, y=Point(4, 5)), "c": collections.deque([6])}
    leaves, spec = ours.tree_flatten(tree)
    assert ours.tree_unflatten([x * 10 for x in leaves], spec) == ref.tree_map(lambda x: x * 10, tree)
    assert ours.tree_map(lambda a, b: a + b, tree, tree) == ref.tree_map(lambda a, b: a + b, tree, tree)
    assert ours.tree_map_only(int, str, [1, 2.5]) == ref.tree_map_only(int, str, [1, 2.5])
    paths = [ours.keystr(p) for p, _ in ours.tree_flatten_with_path(tree)[0]]
    assert paths == [ref.keystr(p) for p, _ in ref.tree_flatten_with_path(tree)[0]]
    with pytest.raises(ValueError):
        ours.tree_unflatten([1, 2], spec)

    class Box:
        def __init__(self, v):
            self.v = v

    ours.register_pytree_node(Box, lambda b: ([b.v], None), lambda vs, c: Box(vs[0]),
                              flatten_with_keys_fn=lambda b: ([(ours.GetAttrKey("v"), b.v)], None))
    assert ours.tree_leaves([Box(7), Box((8, 9))]) == [7, 8, 9]
    assert ours.tree_map(lambda x: x + 1, Box(1)).v == 2
    with pytest.raises(ValueError, match="already registered"):
        ours.register_pytree_node(Box, lambda b: ([], None), lambda vs, c: Box(None))


def test_assert_async_and_is_inference_as_torch():
    """kornia's checks call ``torch._assert_async`` and its augmentations ``Tensor.is_inference()``."""
    import torch

    def asserts(m):
        out = []
        for args in [(m.tensor(0),), (m.tensor(0), "my msg"), (m.tensor([1, 1]),), (m.tensor(2.0),), (m.tensor([]),),
                     (m.tensor(True),), (m.tensor([False]), "m")]:
            try:
                out.append(m._assert_async(*args))
            except RuntimeError as e:
                out.append(str(e))
        return out

    def inference(m):
        n = m.ones(3)
        with m.inference_mode():
            a, b, v = m.ones(2), n + 1, n[:2]
            with m.inference_mode(False):
                c = m.ones(1)

        @m.inference_mode()
        def f(x):
            return x * 2
        return [t.is_inference() for t in (a, b, v, c, n, a + 1, a[:1], a.view(2), a.clone(), f(n), m.zeros(1))]
    assert asserts(torchlike) == asserts(torch)
    assert inference(torchlike) == inference(torch)

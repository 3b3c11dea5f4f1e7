"""FSDP over 4 host devices vs single-device training; orbax checkpoint round trip into a plain model."""
import tempfile

import numpy as np

import torchlike as torch
import torchlike.distributed as dist
import torchlike.nn as nn
import torchlike.nn.functional as F

from result_line import emit


def make():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 4))


rng = np.random.default_rng(0)
X = torch.tensor(rng.standard_normal((16, 12)).astype(np.float32))
Y = torch.tensor(rng.integers(0, 4, 16))


def train(model, compiled):
    opt = torch.optim.Adam(model.parameters(), lr=0.01)

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    fn = torch.compile(step) if compiled else step
    for _ in range(3):
        fn(X, Y)
    return opt


ref = make()
train(ref, False)
out = {}
for compiled in (False, True):
    base = make()
    fsdp = dist.FullyShardedDataParallel(base)
    opt = train(fsdp, compiled)
    out[f"compiled={compiled}"] = {
        "max_param_diff": max(float(np.max(np.abs(np.asarray(a._value) - np.asarray(b._value))))
                              for a, b in zip(base.parameters(), ref.parameters())),
        "weight_spec": str(base[0].weight._value.sharding.spec),
        "shard_rows": [int(s.data.shape[0]) for s in base[0].weight._value.addressable_shards],
        "adam_state_spec": str(opt.state[base[0].weight]["exp_avg"]._value.sharding.spec),
    }
with tempfile.TemporaryDirectory() as d:
    dist.save_sharded(d + "/ckpt", fsdp, opt)
    plain = make()
    for p in plain.parameters():
        p.data.zero_()
    popt = torch.optim.Adam(plain.parameters(), lr=0.01)
    dist.load_sharded(d + "/ckpt", plain, popt)
    out["restored_diff"] = max(float(np.max(np.abs(np.asarray(a._value) - np.asarray(b._value))))
                               for a, b in zip(base.parameters(), plain.parameters()))
    out["restored_devices"] = sorted({str(dv) for p in plain.parameters() for dv in p._value.devices()})
    out["restored_opt_diff"] = float(np.max(np.abs(np.asarray(popt.state[plain[0].weight]["exp_avg"]._value)
                                                   - np.asarray(opt.state[base[0].weight]["exp_avg"]._value))))
    # round trip into another sharded model
    again = dist.FullyShardedDataParallel(make())
    dist.load_sharded(d + "/ckpt", again)
    out["resharded_spec"] = str(again.module[0].weight._value.sharding.spec)
    out["resharded_diff"] = max(float(np.max(np.abs(np.asarray(a._value) - np.asarray(b._value))))
                                for a, b in zip(base.parameters(), again.module.parameters()))
emit(out)

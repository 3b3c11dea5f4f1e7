"""DataParallel over 4 host devices (XLA_FLAGS set by the test) vs single-device training on the full batch.

Prints JSON: max parameter differences after 3 SGD steps, eager and under torchlike.compile, and
where the parameters/outputs live."""

import jax
import numpy as np

import torchlike as torch
import torchlike.nn as nn
import torchlike.nn.functional as F

from result_line import emit


def make():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10))


rng = np.random.default_rng(0)
X = torch.tensor(rng.standard_normal((16, 1, 8, 8)).astype(np.float32))
Y = torch.tensor(rng.integers(0, 10, 16))


def train(model, compiled, steps=3):
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    fn = torch.compile(step) if compiled else step
    losses = [float(fn(X, Y)) for _ in range(steps)]
    return losses, fn


def state(m):
    return {k: np.asarray(v._value) for k, v in m.state_dict().items()}


ref = make()
ref_losses, _ = train(ref, False)
out = {"devices": len(jax.devices())}
for compiled in (False, True):
    base = make()
    dp = nn.DataParallel(base)
    losses, fn = train(dp, compiled)
    sref, sdp = state(ref), state(base)
    out[f"compiled={compiled}"] = {
        "max_param_diff": max(float(np.max(np.abs(sref[k] - sdp[k]))) for k in sref),
        "loss_diff": max(abs(a - b) for a, b in zip(ref_losses, losses)),
        "param_devices": sorted({str(d) for p in base.parameters() for d in p._value.devices()}),
        "trace_count": getattr(fn, "trace_count", None),
        "keys_prefixed": all(k.startswith("module.") for k in dp.state_dict()),
    }
    out["mesh_size"] = dp.mesh.size
# the forward output is split over the mesh inside, gathered on device_ids[0]
inner = make()
seen = []
inner.register_forward_hook(lambda m, i, o: seen.append((str(i[0]._value.sharding.spec), len(o._value.devices()))))
y = nn.DataParallel(inner)(X)
out["inner_input_spec"], out["inner_output_ndevices"] = seen[0]
out["output_devices"] = sorted(str(d) for d in y._value.devices())
emit(out)

"""DDP with 2 ranks (under the launcher) vs single-device training on the full batch, computed on each rank.

Each rank reads its DistributedSampler shard; prints JSON with parameter differences and reduce counts."""

import numpy as np

import torchlike as torch
import torchlike.distributed as dist
import torchlike.nn as nn
import torchlike.nn.functional as F
from torchlike.utils.data import DataLoader, TensorDataset
from torchlike.utils.data.distributed import DistributedSampler

from result_line import emit

dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()


def make(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10))


rng = np.random.default_rng(0)
X = torch.tensor(rng.standard_normal((16, 1, 8, 8)).astype(np.float32))
Y = torch.tensor(rng.integers(0, 10, 16))

ref = make()
ropt = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
for _ in range(3):
    ropt.zero_grad()
    F.cross_entropy(ref(X), Y).backward()
    ropt.step()

model = make(seed=1 + rank)  # different initial weights per rank: DDP must broadcast rank 0's (seed 1)
ddp = nn.parallel.DistributedDataParallel(model)
init_from_rank0 = make(seed=1)
out = {"rank": rank, "init_is_rank0s": all(np.array_equal(np.asarray(a._value), np.asarray(b._value))
                                           for a, b in zip(model.parameters(), init_from_rank0.parameters()))}
model.load_state_dict(make().state_dict())  # now the same start as the reference
opt = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
sampler = DistributedSampler(TensorDataset(X, Y), shuffle=False)
loader = DataLoader(TensorDataset(X, Y), batch_size=8, sampler=sampler)
out["shard"] = list(iter(sampler))
for _ in range(3):
    for xb, yb in loader:
        opt.zero_grad()
        F.cross_entropy(ddp(xb), yb).backward()
        opt.step()
out["max_param_diff"] = max(float(np.max(np.abs(np.asarray(a._value) - np.asarray(b._value))))
                            for a, b in zip(model.parameters(), ref.parameters()))
out["reduce_count"] = ddp.reduce_count

# no_sync: first micro-batch accumulates locally, the second backward reduces both at once
opt.zero_grad()
ref.zero_grad()
F.cross_entropy(ref(X), Y).backward()
half = 4
idx = out["shard"]
with ddp.no_sync():
    F.cross_entropy(ddp(X[idx[:half]]), Y[idx[:half]]).backward()
out["after_no_sync_count"] = ddp.reduce_count
F.cross_entropy(ddp(X[idx[half:]]), Y[idx[half:]]).backward()
out["after_sync_count"] = ddp.reduce_count
out["no_sync_grad_diff"] = max(float(np.max(np.abs(np.asarray(p.grad._value) - 2 * np.asarray(q.grad._value))))
                               for p, q in zip(model.parameters(), ref.parameters()))
dist.destroy_process_group()
emit(out)

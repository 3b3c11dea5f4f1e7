"""PyTorch's DDP tutorial launcher, written for torch and run by ``python -m torchlike spawn_ddp.py PORT``.

``mp.spawn`` starts two fresh interpreters; each must see ``import torch`` as torchlike again, join the
group with ``init_process_group(rank=, world_size=)``, and train one DDP step. One RESULT line per rank.
"""
import hashlib
import os
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
import torch.optim as optim
from torch.nn.parallel import DistributedDataParallel as DDP

from result_line import emit


class ToyModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.net1 = nn.Linear(10, 10)
        self.relu = nn.ReLU()
        self.net2 = nn.Linear(10, 5)

    def forward(self, x):
        return self.net2(self.relu(self.net1(x)))


def demo_basic(rank, world_size, port):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    torch.manual_seed(rank)  # different weights and data on each rank: DDP broadcasts rank 0's weights
    model = ToyModel()
    ddp_model = DDP(model)
    optimizer = optim.SGD(ddp_model.parameters(), lr=0.1)
    optimizer.zero_grad()
    nn.MSELoss()(ddp_model(torch.randn(20, 10)), torch.randn(20, 5)).backward()
    optimizer.step()
    total = torch.tensor([float(rank + 1)])
    dist.all_reduce(total)
    params = hashlib.sha256(b"".join(p.detach().numpy().tobytes() for p in model.parameters())).hexdigest()
    emit({"rank": rank, "torch": torch.__name__, "sum": total.item(), "params": params})
    dist.destroy_process_group()


if __name__ == "__main__":
    mp.spawn(demo_basic, args=(2, int(sys.argv[1])), nprocs=2, join=True)

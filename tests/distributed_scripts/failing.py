"""Rank 1 fails after the group is up; rank 0 blocks in a collective and must be ended by the launcher."""
import sys

import torchlike as torch
import torchlike.distributed as dist

dist.init_process_group("gloo")
dist.barrier()  # both ranks are fully up before rank 1 fails
if dist.get_rank() == 1:
    raise RuntimeError("rank 1 fails on purpose")
print("rank 0 waiting in all_reduce", flush=True)
dist.all_reduce(torch.ones(3))
print("rank 0 should not get here", flush=True)
sys.exit(0)

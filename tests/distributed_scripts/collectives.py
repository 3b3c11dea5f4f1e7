"""Run under a launcher with 2 ranks: every collective, results printed as JSON (gloo has no AVG in torch)."""
import importlib
import os

import numpy as np

from result_line import emit

torch = importlib.import_module(os.environ.get("DIST_LIB", "torchlike"))  # the same script runs on real torch
import_dist = importlib.import_module(torch.__name__ + ".distributed")
dist = import_dist

dist.init_process_group("gloo")
r, w = dist.get_rank(), dist.get_world_size()
out = {"rank": r, "world": w}


def base():
    return torch.tensor(np.arange(6, dtype=np.float32).reshape(2, 3) + 10 * r + 1)


for name in ("SUM", "AVG", "MAX", "MIN", "PRODUCT") if torch.__name__ == "torchlike" else ("SUM", "MAX", "MIN",
                                                                                         "PRODUCT"):
    t = base()
    dist.all_reduce(t, op=getattr(dist.ReduceOp, name))
    out[f"all_reduce_{name}"] = t.tolist()
ti = torch.tensor([r + 1, 7 * r], dtype=torch.int64)
dist.all_reduce(ti)
out["all_reduce_int"] = [ti.tolist(), str(ti.dtype)]
lst = [torch.zeros(2, 3) for _ in range(w)]
dist.all_gather(lst, base())
out["all_gather"] = [x.tolist() for x in lst]
o = torch.zeros(2 * w, 3)
dist.all_gather_into_tensor(o, base())
out["all_gather_into_tensor"] = o.tolist()
o = torch.zeros(1, 3)
dist.reduce_scatter_tensor(o, torch.tensor(np.arange(3 * w * 1, dtype=np.float32).reshape(w, 3) * (r + 1)))
out["reduce_scatter_tensor"] = o.tolist()
t = base()
dist.broadcast(t, src=1)
out["broadcast"] = t.tolist()
t = base()
dist.reduce(t, dst=1, op=dist.ReduceOp.SUM)
out["reduce"] = t.tolist()
t = torch.zeros(3)
dist.scatter(t, [torch.full((3,), float(i + 5)) for i in range(w)] if r == 0 else None, src=0)
out["scatter"] = t.tolist()
g = [torch.zeros(2, 3) for _ in range(w)] if r == 0 else None
dist.gather(base(), g, dst=0)
out["gather"] = None if g is None else [x.tolist() for x in g]
objs = [None] * w
dist.all_gather_object(objs, {"r": r})
out["objects"] = objs
work = dist.all_reduce(base(), async_op=True)
work.wait()
dist.barrier()
dist.destroy_process_group()
emit(out)

"""Eager speed and memory on real programs: torch vs torchlike, each workload in fresh processes.

    python benchmarks/eager_programs.py [--only a,b,...] [--shapes N] [--torchlike-only]

Each workload (a)-(i) of issue 20 is a small plain-PyTorch script. It runs once under real torch
(``python script.py``) and twice under torchlike (``python -m torchlike script.py``): the first run
with an empty compile cache (a fresh ``TORCHLIKE_CACHE_DIR``), the second with the cache the first
one left. Every script runs its workload twice in-process and reports the second pass per iteration
("steady"), its peak resident set size, and a checksum printed by both libraries.

Columns: CPU seconds (user + system, all threads) of the whole process (import included) for torch,
torchlike's first and second run; steady-state CPU microseconds per iteration (``time.process_time``
over the second pass, all threads: torch's intra-op threads count too) and the wall-time ratio of the
same pass; peak RSS in MiB; ratios to torch. CPU time, not wall time, because the machine
these run on is shared and loaded: wall time there measures the other processes.

``--shapes N`` adds workload (j): one op applied to N distinct shapes, resident memory after N/10 and
after N shapes (flat means the compiled-program caches are bounded). It compiles N programs, so it
is opt-in: N=10000 takes several minutes here.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time

HARNESS = '''
import json, resource, sys, time
import torch
def _report(run, n_steady, check):
    run()
    t0, c0 = time.perf_counter(), time.process_time()
    out = run()
    steady = (time.process_time() - c0) / n_steady
    steady_wall = (time.perf_counter() - t0) / n_steady
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps({"steady": steady, "steady_wall": steady_wall, "rss": rss,
                                  "check": float(out if check is None else check)}))
'''

WORKLOADS = {}


def workload(key, title):
    def deco(src):
        WORKLOADS[key] = (title, textwrap.dedent(src))
        return src
    return deco


workload("a", "(a) generate: encoder + GPT, growing ctx")('''
torch.manual_seed(0)
enc = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(48, 4, 96, dropout=0.0, batch_first=True), 2)
emb = torch.nn.Embedding(20, 48)
head = torch.nn.Linear(48, 20)
enc.eval()
class GPT(torch.nn.Module):
    def __init__(self, vocab=20, d=32, block=16):
        super().__init__()
        self.block = block
        self.tok = torch.nn.Embedding(vocab, d)
        self.pos = torch.nn.Embedding(block, d)
        self.layer = torch.nn.TransformerEncoderLayer(d, 4, 64, dropout=0.0, batch_first=True)
        self.head = torch.nn.Linear(d, vocab)
    def forward(self, idx):
        t = idx.shape[1]
        mask = torch.triu(torch.full((t, t), float("-inf")), diagonal=1)
        h = self.tok(idx) + self.pos(torch.arange(t))
        return self.head(self.layer(h, src_mask=mask))
gpt = GPT().eval()
def run():
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        seq = torch.tensor([[1, 2, 3]])
        for _ in range(15):
            logits = head(enc(emb(seq)))[:, -1]
            seq = torch.cat([seq, logits.argmax(-1, keepdim=True)], 1)
        idx = torch.tensor([[1]])
        for _ in range(25):
            logits = gpt(idx[:, -gpt.block:])[:, -1, :]
            nxt = torch.multinomial(torch.softmax(logits, -1), 1, generator=g)
            idx = torch.cat([idx, nxt], 1)
    return float(seq.sum() + idx.sum())
_report(run, 40, None)
''')

workload("b", "(b) policy gradient, varying episodes")('''
import random
torch.manual_seed(0)
policy = torch.nn.Sequential(torch.nn.Linear(4, 32), torch.nn.ReLU(), torch.nn.Linear(32, 2))
opt = torch.optim.Adam(policy.parameters(), lr=1e-2)
def run():
    rnd = random.Random(0)
    total = 0.0
    for ep in range(12):
        log_probs, rewards = [], []
        for t in range(rnd.randint(5, 25)):
            state = torch.tensor([rnd.random() for _ in range(4)])
            probs = torch.softmax(policy(state), -1)
            action = torch.multinomial(probs, 1)
            log_probs.append(torch.log(probs[action]))
            rewards.append(rnd.random())
        returns, R = [], 0.0
        for r in reversed(rewards):
            R = r + 0.99 * R
            returns.insert(0, R)
        returns = torch.tensor(returns)
        returns = (returns - returns.mean()) / (returns.std() + 1e-8)
        loss = torch.cat([-lp * R for lp, R in zip(log_probs, returns)]).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
    return total
_report(run, 12, 0.0)
''')

workload("c", "(c) GRU, padded varying-length batches")('''
import random
from torch.nn.utils.rnn import pack_padded_sequence
torch.manual_seed(0)
emb = torch.nn.Embedding(30, 16)
gru = torch.nn.GRU(16, 32, batch_first=True)
fc = torch.nn.Linear(32, 3)
params = list(emb.parameters()) + list(gru.parameters()) + list(fc.parameters())
opt = torch.optim.SGD(params, lr=0.1)
def run():
    rnd = random.Random(0)
    total = 0.0
    for b in range(10):
        lengths = sorted([rnd.randint(3, 16) for _ in range(8)], reverse=True)
        x = torch.zeros(8, lengths[0], dtype=torch.long)
        for i, n in enumerate(lengths):
            x[i, :n] = torch.tensor([rnd.randrange(1, 30) for _ in range(n)])
        y = torch.tensor([rnd.randrange(3) for _ in range(8)])
        packed = pack_padded_sequence(emb(x), torch.tensor(lengths), batch_first=True)
        _, h = gru(packed)
        loss = torch.nn.functional.cross_entropy(fc(h[-1]), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
    return total
_report(run, 10, 0.0)
''')

workload("d", "(d) tiny ops: polynomial regression")('''
torch.manual_seed(0)
x = torch.linspace(-1, 1, 100)
y = 0.5 + 2 * x - 3 * x ** 2
a, b, c = (torch.zeros((), requires_grad=True) for _ in range(3))
def run():
    for _ in range(1000):
        loss = ((a + b * x + c * x ** 2 - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c):
                p -= 0.1 * p.grad
                p.grad.zero_()
    return loss.item()
_report(run, 1000, None)
''')

workload("e", "(e) MNIST CNN, fixed shape, batch 64")('''
import torch.nn as nn, torch.nn.functional as F
torch.manual_seed(0)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 8, 3), nn.Conv2d(8, 16, 3)
        self.fc = nn.Linear(16 * 5 * 5, 10)
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return F.log_softmax(self.fc(x.flatten(1)), 1)
net = Net()
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
xs, ys = torch.randn(4, 64, 1, 28, 28), torch.randint(0, 10, (4, 64))
def run():
    for i in range(100):
        loss = F.nll_loss(net(xs[i % 4]), ys[i % 4])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()
_report(run, 100, None)
''')

workload("f", "(f) gradcheck, custom Function, float64")('''
class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return (x ** 3) @ w
    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return (g @ w.T) * 3 * x ** 2, (x ** 3).T @ g
torch.manual_seed(0)
def run():
    ok = 0
    for n in (3, 4):
        x = torch.randn(n, 5, dtype=torch.float64, requires_grad=True)
        w = torch.randn(5, 2, dtype=torch.float64, requires_grad=True)
        ok += torch.autograd.gradcheck(Cube.apply, (x, w))
    return ok
_report(run, 2, None)
''')

workload("g", "(g) 32x32-kernel conv net, train steps")('''
import torch.nn as nn, torch.nn.functional as F
torch.manual_seed(0)
conv = nn.Conv2d(1, 4, 32)
fc = nn.Linear(4 * 33 * 33, 2)
opt = torch.optim.SGD(list(conv.parameters()) + list(fc.parameters()), lr=0.01)
x, y = torch.randn(8, 1, 64, 64), torch.randint(0, 2, (8,))
def run():
    for _ in range(4):
        out = fc(torch.clamp(conv(x), 0, 6).flatten(1))
        loss = -torch.log(torch.softmax(out, 1)[torch.arange(8), y]).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()
_report(run, 4, None)
''')

workload("h", "(h) map dataset self.data[i], 10k samples")('''
from torch.utils.data import Dataset, DataLoader
torch.manual_seed(0)
class DS(Dataset):
    def __init__(self):
        self.data = torch.randn(10000, 8)
        self.labels = torch.randint(0, 3, (10000,))
    def __len__(self):
        return len(self.data)
    def __getitem__(self, i):
        return self.data[i], self.labels[i]
loader = DataLoader(DS(), batch_size=100, shuffle=False)
def run():
    s = 0.0
    for xb, yb in loader:
        s += float(xb.sum()) + float(yb.sum())
    return s
_report(run, 10000, None)
''')

workload("i", "(i) for row in t; split(1, dim=1) + grad")('''
torch.manual_seed(0)
t = torch.randn(500, 6)
seq = torch.randn(2, 300, 4, requires_grad=True)
def run():
    s = torch.zeros(6)
    for row in t:
        s = s + row
    outs = [c.squeeze(1) * 2 for c in seq.split(1, dim=1)]
    total = torch.stack(outs, 1).sum()
    total.backward()
    return float(s.sum() + total + seq.grad.sum())
_report(run, 800, None)
''')

SHAPES = '''
import resource, json
import torch
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2 ** 20
N = int(sys.argv[1])
marks = {}
for n in range(1, N + 1):
    y = torch.ones(n) * 2 + 1
    if n == N // 10 or n == N:
        marks[n] = rss()
print("RESULT " + json.dumps({"rss_marks": marks}))
'''


def run_script(path, torchlike, cache_dir):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None) if not torchlike else None
    if torchlike:
        env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["TORCHLIKE_CACHE_DIR"] = cache_dir
    cmd = [sys.executable, "-m", "torchlike", path] if torchlike else [sys.executable, path]
    t0, c0 = time.perf_counter(), _children_cpu()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    line = [l for l in p.stdout.splitlines() if l.startswith("RESULT ")]
    if p.returncode or not line:
        return {"error": (p.stderr or p.stdout).strip().splitlines()[-1:] or ["no output"], "wall": wall, "cpu": cpu}
    res = json.loads(line[-1][7:])
    res["wall"], res["cpu"] = wall, cpu
    return res


def _children_cpu():
    """CPU seconds (user + system) of finished child processes: on a loaded machine wall time is noise."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def fmt_ratio(a, b):
    return f"{a / b:5.2f}x" if a and b else "   -  "


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    ap.add_argument("--shapes", type=int, default=0)
    ap.add_argument("--torchlike-only", action="store_true")
    args = ap.parse_args()
    keys = [k for k in WORKLOADS if not args.only or k in args.only.split(",")]
    tmp = tempfile.mkdtemp(prefix="eager_programs_")
    head = (f"{'workload (CPU time)':42s} {'torch s':>8s} {'tl 1st s':>9s} {'tl 2nd s':>9s} {'1st/t':>6s} {'2nd/t':>6s} "
            f"{'torch us/it':>11s} {'tl us/it':>10s} {'st/t':>6s} {'wall st/t':>9s} {'torch MiB':>9s} {'tl MiB':>7s} "
            f"{'rss/t':>6s}  check")
    print(head)
    for k in keys:
        title, src = WORKLOADS[k]
        path = os.path.join(tmp, f"w_{k}.py")
        with open(path, "w") as f:
            f.write(HARNESS + src)
        cache = tempfile.mkdtemp(prefix=f"cache_{k}_", dir=tmp)
        ref = {} if args.torchlike_only else run_script(path, False, cache)
        first = run_script(path, True, cache)
        second = run_script(path, True, cache)
        for name, r in (("torch", ref), ("torchlike 1st", first), ("torchlike 2nd", second)):
            if "error" in r:
                print(f"  {title}: {name} failed: {r['error']}")
        g = lambda r, f: r.get(f, 0.0)
        check = f"{g(ref, 'check'):.4g}/{g(second, 'check'):.4g}"
        print(f"{title:42s} {g(ref, 'cpu'):8.2f} {g(first, 'cpu'):9.2f} {g(second, 'cpu'):9.2f} "
              f"{fmt_ratio(g(first, 'cpu'), g(ref, 'cpu')):>6s} {fmt_ratio(g(second, 'cpu'), g(ref, 'cpu')):>6s} "
              f"{g(ref, 'steady') * 1e6:11.1f} {g(second, 'steady') * 1e6:10.1f} "
              f"{fmt_ratio(g(second, 'steady'), g(ref, 'steady')):>6s} "
              f"{fmt_ratio(g(second, 'steady_wall'), g(ref, 'steady_wall')):>9s} {g(ref, 'rss'):9.0f} "
              f"{max(g(first, 'rss'), g(second, 'rss')):7.0f} "
              f"{fmt_ratio(max(g(first, 'rss'), g(second, 'rss')), g(ref, 'rss')):>6s}  {check}", flush=True)
    if args.shapes:
        path = os.path.join(tmp, "w_shapes.py")
        with open(path, "w") as f:
            f.write("import sys\n" + SHAPES)
        for lib in ([] if args.torchlike_only else [False]) + [True]:
            env = dict(os.environ, TORCHLIKE_CACHE_DIR=tempfile.mkdtemp(dir=tmp))
            if lib:
                env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            cmd = [sys.executable] + (["-m", "torchlike"] if lib else []) + [path, str(args.shapes)]
            t0 = time.perf_counter()
            p = subprocess.run(cmd, env=env, capture_output=True, text=True)
            line = [l for l in p.stdout.splitlines() if l.startswith("RESULT ")]
            if not line:
                print(f"(j) shapes failed: {p.stderr.strip().splitlines()[-1:]}")
                continue
            marks = json.loads(line[-1][7:])["rss_marks"]
            (a, ra), (b, rb) = sorted((int(n), r) for n, r in marks.items())
            print(f"(j) {'torchlike' if lib else 'torch'}: RSS {ra:.0f} MiB after {a} shapes, {rb:.0f} MiB after {b} "
                  f"({(rb / ra - 1) * 100:+.1f}%), {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()

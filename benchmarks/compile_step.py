"""Training-step time of the seed workloads: torch eager, torch.compile, hand-written JAX+optax,
torchlike eager, torchlike ``compile(model)`` and torchlike ``compile(step)`` (issue 10).

Every model is defined once as ``build(lib)`` over the library module (torch and torchlike share
the API); all columns start from the same weights (torch's init copied through ``state_dict``) and
train on the same fixed numpy batch, in one process. Times are medians of repeated blocks after
warm-up, synchronised (``jax.block_until_ready`` on the loss and parameters for the XLA columns).

Peak memory is process-level RSS on CPU: before a column the allocator is trimmed and the kernel's
peak-RSS mark is reset (``/proc/self/clear_refs``); the column builds its model, warms up
(compiles) and runs its timed steps; the column's value is ``ru_maxrss`` (peak RSS) measured over
the timed steps only, minus the RSS before the column was built. So it counts the model, optimizer
state, compiled code and the steps' activations, not the one-off compiler working memory; allocator
reuse of memory freed by earlier columns can make it read low. Read it as a rough comparison.

Run: python benchmarks/compile_step.py [--quick] [--only NAME] [--no-torch-compile]
"""
from __future__ import annotations

import argparse
import ctypes
import gc
import math
import os
import resource
import signal
import statistics
import sys
import time
import traceback
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# torch runs with its default OpenMP settings, as its users do. (An earlier version set
# OMP_WAIT_POLICY=PASSIVE so idle workers could not spin into the next column's time; that made
# every parallel region wake a sleeping thread and torch's 2-thread steps up to 2.8x slower, while
# the XLA columns measured the same either way.)

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402
import torch  # noqa: E402

import torchlike  # noqa: E402

TORCH_COMPILE_BUDGET_S = 180

# --------------------------------------------------------------------------- models (one definition)


def build_mnist(T):
    nn, F = T.nn, T.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
            self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
            self.conv2_drop = nn.Dropout2d()
            self.fc1 = nn.Linear(320, 50)
            self.fc2 = nn.Linear(50, 10)

        def forward(self, x):
            x = F.relu(F.max_pool2d(self.conv1(x), 2))
            x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
            x = x.view(-1, 320)
            x = F.relu(self.fc1(x))
            x = F.dropout(x, training=self.training)
            x = self.fc2(x)
            return F.log_softmax(x, dim=1)

    return Net()


def build_lenet(T):
    nn, F = T.nn, T.nn.functional

    class ConvNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = x.view(-1, 16 * 5 * 5)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    return ConvNet()


def build_lstm(T):
    nn = T.nn

    class RNN(nn.Module):
        def __init__(self, input_size=100, hidden_size=256, num_layers=2, num_classes=10):
            super().__init__()
            self.hidden_size = hidden_size
            self.num_layers = num_layers
            self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
            self.fc = nn.Linear(hidden_size, num_classes)

        def forward(self, x):
            h0 = T.zeros(self.num_layers, x.size(0), self.hidden_size).to(x.device)
            c0 = T.zeros(self.num_layers, x.size(0), self.hidden_size).to(x.device)
            out, _ = self.lstm(x, (h0, c0))
            return self.fc(out[:, -1, :])

    return RNN()


def build_autoencoder(T):
    nn = T.nn

    class Autoencoder(nn.Module):
        def __init__(self, input_size=300, encoding_dim=10):
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(input_size, 400), nn.ReLU(True), nn.Linear(400, encoding_dim))
            self.decoder = nn.Sequential(nn.Linear(encoding_dim, 400), nn.ReLU(True), nn.Linear(400, input_size))

        def forward(self, x):
            return self.decoder(self.encoder(x))

    return Autoencoder()


def build_transformer(T):
    nn = T.nn

    class Encoder(nn.Module):
        def __init__(self, d_model=256, nhead=4, ff=1024, layers=4, classes=10):
            super().__init__()
            layer = nn.TransformerEncoderLayer(d_model=d_model, nhead=nhead, dim_feedforward=ff, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
            self.head = nn.Linear(d_model, classes)

        def forward(self, x):
            return self.head(self.encoder(x).mean(dim=1))

    return Encoder()


# ---------------------------------------------------------------- hand-written JAX (same architecture)

def _linear(p, name, x):
    return x @ p[name + ".weight"].T + p[name + ".bias"]


def _conv(p, name, x):
    y = jax.lax.conv_general_dilated(x, p[name + ".weight"], (1, 1), "VALID",
                                     dimension_numbers=("NCHW", "OIHW", "NCHW"))
    return y + p[name + ".bias"][None, :, None, None]


def _maxpool2(x):
    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")


def _dropout(key, x, p, shape=None):
    keep = jax.random.bernoulli(key, 1.0 - p, shape or x.shape)
    return jnp.where(keep, x / (1.0 - p), 0.0)


def _xent(logits, y):
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits, -1), y[:, None], 1))


def jax_mnist(p, x, y, key):
    k1, k2 = jax.random.split(key)
    x = jax.nn.relu(_maxpool2(_conv(p, "conv1", x)))
    x = _conv(p, "conv2", x)
    x = _dropout(k1, x, 0.5, x.shape[:2] + (1, 1))
    x = jax.nn.relu(_maxpool2(x)).reshape(-1, 320)
    x = _dropout(k2, jax.nn.relu(_linear(p, "fc1", x)), 0.5)
    return _xent(_linear(p, "fc2", x), y)


def jax_lenet(p, x, y, key):
    x = _maxpool2(jax.nn.relu(_conv(p, "conv1", x)))
    x = _maxpool2(jax.nn.relu(_conv(p, "conv2", x))).reshape(-1, 400)
    x = jax.nn.relu(_linear(p, "fc1", x))
    x = jax.nn.relu(_linear(p, "fc2", x))
    return _xent(_linear(p, "fc3", x), y)


def jax_lstm(p, x, y, key):
    h = jnp.swapaxes(x, 0, 1)  # (T, B, I)
    for layer in range(2):
        w_ih, w_hh = p[f"lstm.weight_ih_l{layer}"], p[f"lstm.weight_hh_l{layer}"]
        xp = h @ w_ih.T + (p[f"lstm.bias_ih_l{layer}"] + p[f"lstm.bias_hh_l{layer}"])  # input projection hoisted
        zeros = jnp.zeros((x.shape[0], w_hh.shape[1]), x.dtype)

        def cell(carry, xt, w_hh=w_hh):
            hh, cc = carry
            i, f, g, o = jnp.split(xt + hh @ w_hh.T, 4, axis=-1)
            cc = jax.nn.sigmoid(f) * cc + jax.nn.sigmoid(i) * jnp.tanh(g)
            hh = jax.nn.sigmoid(o) * jnp.tanh(cc)
            return (hh, cc), hh

        _, h = jax.lax.scan(cell, (zeros, zeros), xp)
    return _xent(_linear(p, "fc", h[-1]), y)


def jax_autoencoder(p, x, y, key):
    h = _linear(p, "encoder.2", jax.nn.relu(_linear(p, "encoder.0", x)))
    out = _linear(p, "decoder.2", jax.nn.relu(_linear(p, "decoder.0", h)))
    return jnp.mean((out - x) ** 2)


def _layer_norm(x, w, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) * jax.lax.rsqrt(var + eps) * w + b


def jax_transformer(p, x, y, key, nhead=4, drop=0.1):
    B, S, D = x.shape
    hd = D // nhead
    keys = jax.random.split(key, 4 * 4)
    for i in range(4):
        pre = f"encoder.layers.{i}."
        ka, k1, k2, k3 = keys[4 * i:4 * i + 4]
        qkv = x @ p[pre + "self_attn.in_proj_weight"].T + p[pre + "self_attn.in_proj_bias"]
        q, k, v = (t.reshape(B, S, nhead, hd) for t in jnp.split(qkv, 3, axis=-1))
        att = jax.nn.softmax(jnp.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(hd), axis=-1)
        att = _dropout(ka, att, drop)
        a = jnp.einsum("bhqk,bkhd->bqhd", att, v).reshape(B, S, D)
        a = _linear(p, pre + "self_attn.out_proj", a)
        x = _layer_norm(x + _dropout(k1, a, drop), p[pre + "norm1.weight"], p[pre + "norm1.bias"])
        ff = _linear(p, pre + "linear2", _dropout(k2, jax.nn.relu(_linear(p, pre + "linear1", x)), drop))
        x = _layer_norm(x + _dropout(k3, ff, drop), p[pre + "norm2.weight"], p[pre + "norm2.bias"])
    return _xent(_linear(p, "head", x.mean(1)), y)


# --------------------------------------------------------------------------------------- workloads

def _sgd(momentum, lr):
    return (lambda T, params: T.optim.SGD(params, lr=lr, momentum=momentum)), optax.sgd(lr, momentum=momentum)


def _adam(lr=1e-3):
    return (lambda T, params: T.optim.Adam(params, lr=lr)), optax.adam(lr)


def _nll(T, out, y):
    return T.nn.functional.nll_loss(out, y)


def _ce(T, out, y):
    return T.nn.functional.cross_entropy(out, y)


def _mse_self(T, out, y, x):
    return T.nn.functional.mse_loss(out, x)


def _workload(name, build, jax_loss, x_shape, n_classes, opt, loss, target=None, reps=1.0):
    return {"name": name, "build": build, "jax_loss": jax_loss, "x_shape": x_shape, "n_classes": n_classes,
            "opt": opt, "loss": loss, "target": target, "reps": reps}


WORKLOADS = [
    _workload("mnist_cnn_b64", build_mnist, jax_mnist, (64, 1, 28, 28), 10, _sgd(0.5, 0.01), _nll, 1.0),
    _workload("mnist_cnn_b512", build_mnist, jax_mnist, (512, 1, 28, 28), 10, _sgd(0.5, 0.01), _nll, 1.0, reps=0.6),
    _workload("lenet_b4", build_lenet, jax_lenet, (4, 3, 32, 32), 10, _sgd(0.9, 0.001), _ce, 1.3),
    _workload("lenet_b64", build_lenet, jax_lenet, (64, 3, 32, 32), 10, _sgd(0.9, 0.001), _ce, 1.3),
    _workload("lstm_b32", build_lstm, jax_lstm, (32, 35, 100), 10, _adam(), _ce, 1.3),
    _workload("autoencoder_b64", build_autoencoder, jax_autoencoder, (64, 300), None, _adam(), None, 0.65),
    _workload("transformer_b32", build_transformer, jax_transformer, (32, 128, 256), 10, _adam(), _ce, None,
              reps=0.3),
]

COLUMNS = ["torch", "torch.compile", "jax", "tl eager", "tl compile(model)", "tl compile(step)"]


def _loss_fn(w):
    if w["loss"] is None:
        return lambda T, out, y, x: T.nn.functional.mse_loss(out, x)
    return lambda T, out, y, x: w["loss"](T, out, y)


# ------------------------------------------------------------------------------------ measurement

def _rss_kb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _reset_peak():
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout(f"compile exceeded {TORCH_COMPILE_BUDGET_S}s")


def _torch_model(w, state):
    m = w["build"](torch)
    m.load_state_dict(state)
    m.train()
    return m


def _tl_model(w, state):
    m = w["build"](torchlike)
    m.load_state_dict({k: torchlike.tensor(v.numpy()) for k, v in state.items()})
    m.train()
    return m


def _setup(col, w, state, x_np, y_np):
    """Returns (step, sync, first_call_note) for one column."""
    lossf = _loss_fn(w)
    make_opt, optax_opt = w["opt"]
    if col in ("torch", "torch.compile"):
        model = _torch_model(w, state)
        opt = make_opt(torch, model.parameters())
        fwd = torch.compile(model) if col == "torch.compile" else model
        x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)

        def step():
            opt.zero_grad()
            loss = lossf(torch, fwd(x), y, x)
            loss.backward()
            opt.step()
            return loss

        return step, lambda r: None
    if col == "jax":
        params = {k: jnp.asarray(v.numpy()) for k, v in state.items()}
        opt_state = optax_opt.init(params)
        x, y = jnp.asarray(x_np), jnp.asarray(y_np)

        @jax.jit
        def train_step(params, opt_state, x, y, key):
            loss, grads = jax.value_and_grad(w["jax_loss"])(params, x, y, key)
            updates, opt_state = optax_opt.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state, loss

        carry = {"p": params, "s": opt_state, "key": jax.random.PRNGKey(0)}

        def step():
            carry["key"], k = jax.random.split(carry["key"])
            carry["p"], carry["s"], loss = train_step(carry["p"], carry["s"], x, y, k)
            return carry["p"], loss

        return step, jax.block_until_ready
    model = _tl_model(w, state)
    params = list(model.parameters())
    opt = make_opt(torchlike, params)
    fwd = torchlike.compile(model) if col == "tl compile(model)" else model
    x, y = torchlike.tensor(x_np), torchlike.tensor(y_np)

    def step(x, y):
        opt.zero_grad()
        loss = lossf(torchlike, fwd(x), y, x)
        loss.backward()
        opt.step()
        return loss

    if col == "tl compile(step)":
        step = torchlike.compile(step)

    def sync(loss):
        jax.block_until_ready([loss._value] + [p._value for p in params])

    return (lambda: step(x, y)), sync


def _measure_col(col, w, state, x_np, y_np, warmup):
    """Build one column, warm it up (compile) and measure its peak RSS over a few steps."""
    _reset_peak()
    base = _rss_kb()
    t0 = time.perf_counter()
    step, sync = _setup(col, w, state, x_np, y_np)
    if col == "torch.compile":
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(TORCH_COMPILE_BUDGET_S)
        try:
            sync(step())
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
    else:
        sync(step())
    first = time.perf_counter() - t0
    for _ in range(warmup):
        sync(step())
    _reset_peak()
    t0 = time.perf_counter()
    sync(step())
    one = max(time.perf_counter() - t0, 1e-7)
    mem = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
    return step, sync, first, mem, one


def run_workload(w, args):
    """All columns are built first, then timed in interleaved rounds (one block of steps per column
    per round) so that load bursts on the shared machine hit every column alike."""
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal(w["x_shape"]).astype(np.float32)
    n = w["x_shape"][0]
    y_np = (rng.integers(0, w["n_classes"], n) if w["n_classes"] else np.zeros(n)).astype(np.int64)
    torch.manual_seed(0)
    torchlike.manual_seed(0)
    state = {k: v.detach().clone() for k, v in w["build"](torch).state_dict().items()}
    repeat = max(3, round((5 if args.quick else 11) * w["reps"]))
    warmup = 1 if args.quick or w["reps"] < 1 else 2
    block_s = 0.05 if args.quick else 0.1
    live, mem, notes = {}, {}, {}
    torch.set_num_threads(args.torch_threads)
    for col in COLUMNS:
        if col == "torch.compile" and args.no_torch_compile:
            notes[col] = "skipped (--no-torch-compile)"
            continue
        try:
            step, sync, first, mem[col], one = _measure_col(col, w, state, x_np, y_np, warmup)
            live[col] = (step, sync, max(1, int(block_s / one)))
            if first > 5:
                notes[col] = f"first call (compile) {first:.0f}s"
        except _Timeout as e:
            notes[col] = str(e)
        except Exception as e:  # a failing column prints '-' and its reason
            notes[col] = f"{type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''}"
            if args.verbose:
                traceback.print_exc()
    times = {c: [] for c in live}
    if "torch" in live and args.torch_threads != 2:
        times["torch 2 threads"] = []
    for _ in range(repeat):
        for col in times:
            step, sync, number = live["torch" if col == "torch 2 threads" else col]
            if col == "torch 2 threads":
                torch.set_num_threads(2)
                sync(step())  # untimed: the first steps after resizing torch's thread pool are slow
                sync(step())
            t0 = time.perf_counter()
            for _ in range(number):
                r = step()
            sync(r)
            times[col].append((time.perf_counter() - t0) / number)
            torch.set_num_threads(args.torch_threads)
    res = {c: statistics.median(v) for c, v in times.items()}
    if "torch 2 threads" in res:
        t2 = res.pop("torch 2 threads")
        if t2 < res["torch"]:
            notes["torch"] = f"2 threads faster ({t2 * 1e3:.2f} vs {res['torch'] * 1e3:.2f} ms at {args.torch_threads})"
            res["torch"] = t2
        else:
            notes["torch"] = f"{args.torch_threads} thread(s) faster ({res['torch'] * 1e3:.2f} vs {t2 * 1e3:.2f} ms at 2)"
    live.clear()
    torch._dynamo.reset()
    return res, mem, notes


def breakdown(w, args):
    """Forward / forward+backward / whole step for torch eager and the hand-written JAX program, so
    the optimizer's and the backward's shares can be read off (``--breakdown``)."""
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal(w["x_shape"]).astype(np.float32)
    n = w["x_shape"][0]
    y_np = (rng.integers(0, w["n_classes"], n) if w["n_classes"] else np.zeros(n)).astype(np.int64)
    torch.manual_seed(0)
    state = {k: v.detach().clone() for k, v in w["build"](torch).state_dict().items()}
    lossf = _loss_fn(w)
    torch.set_num_threads(args.torch_threads)
    model = _torch_model(w, state)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)

    def t_fwd():
        return lossf(torch, model(x), y, x)

    def t_fwdbwd():
        model.zero_grad()
        loss = t_fwd()
        loss.backward()
        return loss

    full, _ = _setup("torch", w, state, x_np, y_np)
    params = {k: jnp.asarray(v.numpy()) for k, v in state.items()}
    jx, jy, key = jnp.asarray(x_np), jnp.asarray(y_np), jax.random.PRNGKey(0)
    j_fwd = jax.jit(w["jax_loss"])
    j_vg = jax.jit(jax.value_and_grad(w["jax_loss"]))
    j_full, j_sync = _setup("jax", w, state, x_np, y_np)
    fns = {"torch fwd": (t_fwd, lambda r: None), "torch fwd+bwd": (t_fwdbwd, lambda r: None),
           "torch step": (full, lambda r: None),
           "jax fwd": (lambda: j_fwd(params, jx, jy, key), jax.block_until_ready),
           "jax fwd+bwd": (lambda: j_vg(params, jx, jy, key), jax.block_until_ready),
           "jax step": (j_full, j_sync)}
    out = {}
    for name, (fn, sync) in fns.items():
        for _ in range(2):
            sync(fn())
        t0 = time.perf_counter()
        sync(fn())
        out[name] = []
        fns[name] = (fn, sync, max(1, int(0.05 / max(time.perf_counter() - t0, 1e-7))))
    for _ in range(5 if args.quick else 9):
        for name, (fn, sync, number) in fns.items():
            t0 = time.perf_counter()
            for _ in range(number):
                r = fn()
            sync(r)
            out[name].append((time.perf_counter() - t0) / number)
    return {k: statistics.median(v) for k, v in out.items()}


def _fmt_time(res, col):
    if col not in res:
        return "-"
    s = f"{res[col] * 1e3:.2f} ms"
    if "torch" in res and col != "torch":
        s += f" ({res[col] / res['torch']:.2f}x)"
    return s


def print_table(rows):
    short = {"torch": "torch eager", "torch.compile": "torch.compile", "jax": "JAX+optax",
             "tl eager": "tl eager", "tl compile(model)": "tl compile(model)", "tl compile(step)": "tl compile(step)"}
    head = (["workload"] + [short[c] for c in COLUMNS]
            + ["step/JAX", "step/torch (target)", "peak RSS MB: " + " / ".join(["te", "tc", "jax", "tl", "tlm", "tls"])])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    footnotes = []
    for w, (res, mem, notes) in rows:
        step = res.get("tl compile(step)")
        vs_jax = f"{step / res['jax']:.2f}x" if step and "jax" in res else "-"
        if step and "torch" in res:
            r = step / res["torch"]
            tgt = f"{r:.2f}x" + (f" (<= {w['target']}: {'met' if r <= w['target'] else 'MISSED'})"
                                 if w["target"] else "")
        else:
            tgt = "-"
        mems = " / ".join(f"{mem[c]:.0f}" if c in mem else "-" for c in COLUMNS)
        lines.append("| " + " | ".join([w["name"]] + [_fmt_time(res, c) for c in COLUMNS] + [vs_jax, tgt, mems]) + " |")
        footnotes += [f"  {w['name']} / {c}: {notes[c]}" for c in COLUMNS if c in notes]
    print("\n".join(lines))
    if footnotes:
        print("notes:")
        print("\n".join(footnotes))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--only", action="append", help="run workloads whose name contains NAME (repeatable)")
    ap.add_argument("--no-torch-compile", action="store_true", help="skip the torch.compile column")
    ap.add_argument("--torch-threads", type=int, default=1,
                    help="torch intra-op threads (default 1; torch eager is also timed at 2 and the faster is kept)")
    ap.add_argument("--breakdown", action="store_true",
                    help="instead of the table: forward / fwd+bwd / step times of torch eager and JAX")
    ap.add_argument("--verbose", action="store_true", help="print tracebacks of failing columns")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    todo = [w for w in WORKLOADS if not args.only or any(s in w["name"] for s in args.only)]
    if not todo:
        sys.exit(f"no workload matches {args.only}; names: {[w['name'] for w in WORKLOADS]}")
    print(f"CPU training step, median per step; torch threads={args.torch_threads} (eager: best of that and 2), "
          f"jax {jax.__version__}, torch {torch.__version__}, {os.cpu_count()} cpus, "
          f"{'quick' if args.quick else 'full'} run", flush=True)
    if args.breakdown:
        print("| workload | torch fwd | torch fwd+bwd | torch step | jax fwd | jax fwd+bwd | jax step |")
        print("|---|---|---|---|---|---|---|")
        for w in todo:
            r = breakdown(w, args)
            print(f"| {w['name']} | " + " | ".join(f"{v * 1e3:.2f} ms" for v in r.values()) + " |", flush=True)
        return
    rows = []
    t0 = time.perf_counter()
    for w in todo:
        tw = time.perf_counter()
        rows.append((w, run_workload(w, args)))
        print(f"  [{w['name']} done in {time.perf_counter() - tw:.0f}s]", file=sys.stderr, flush=True)
    print_table(rows)
    print(f"(total {time.perf_counter() - t0:.0f}s; ratios in parentheses are vs torch eager; "
          "peak RSS is process-level, see module docstring)")


if __name__ == "__main__":
    main()

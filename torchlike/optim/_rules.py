"""Per-parameter update rules of torch's optimizers, as optax GradientTransformations.

Each ``make_<name>(hp, opts)`` returns an ``optax.GradientTransformation`` over a *list* of
parameter arrays whose state is a dict keyed by torch's state names (``exp_avg``, ``step``, ...),
each a list with one entry per parameter, so the optimizer class maps it to ``state[p]`` directly.
``hp`` holds the group's hyperparameters as (traced) float64 scalars — dynamic, so a scheduler
changing ``lr`` never recompiles; ``opts`` the structural options (maximize, nesterov, amsgrad ...)
which are compile-time constants.

optax's own blocks are used where they compute torch's formula: ``add_decayed_weights`` (torch's
L2 ``grad + wd * param``), ``trace`` (SGD momentum without dampening, nesterov included),
``scale`` (maximize), ``chain`` and ``apply_updates``. They are extended where torch differs:
torch keeps a ``step`` per parameter (optax one count per transformation), puts ``eps`` outside
the bias-corrected square root, keeps AMSGrad's maximum of the *raw* second moment, uses
``lerp`` for first moments, has dampening, Adagrad's ``lr_decay``/``initial_accumulator_value``,
RMSprop's ``alpha``/``centered``/momentum and the other optimizers' own recurrences.

Scalar arithmetic that torch does on Python floats (bias corrections, step sizes) is done here in
float64 and cast to the parameter dtype where torch's kernels would cast it.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from .._lazy import lazy_module

optax = lazy_module("optax")  # imported at the first optimizer step, not with torchlike

F64 = jnp.float64 if jax.config.jax_enable_x64 else jnp.float32


def _c(x, like):
    """A scalar cast to the dtype of ``like``, as torch casts a Python scalar operand."""
    return jnp.asarray(x).astype(like.dtype)


def lerp(a, b, w):
    """torch.lerp with a scalar weight: both of torch's formulas, picked by |w| < 0.5."""
    w = _c(w, a)
    d = b - a
    return jnp.where(jnp.abs(w) < 0.5, a + w * d, b - d * (1 - w))


def _f64(step):
    return jnp.asarray(step).astype(F64)


def _tx(update):
    """A GradientTransformation whose init is never used (the optimizer builds torch's state)."""
    def init(params):
        raise NotImplementedError("torchlike.optim builds optimizer state from torch's layout")
    return optax.GradientTransformation(init, update)


def _map(fn, *lists):
    return [fn(*xs) for xs in zip(*lists)]


def _prologue(hp, opts):
    """maximize and coupled (L2) weight decay as optax blocks: grad -> -grad -> grad + wd * param."""
    parts = []
    if opts.get("maximize"):
        parts.append(optax.scale(-1.0))
    if opts.get("weight_decay") and not opts.get("decoupled"):
        parts.append(optax.add_decayed_weights(hp["weight_decay"]))
    return parts


def _with_prologue(hp, opts, core):
    """``core`` preceded by the prologue; the prologue is stateless so state stays ``core``'s dict."""
    pre = _prologue(hp, opts)

    def update(grads, state, params=None):
        g = list(grads)
        for t in pre:
            g, _ = t.update(g, t.init(params), params)
        g = [gi.astype(p.dtype) for gi, p in zip(g, params)]
        return core(g, state, params)
    return _tx(update)


def _decoupled(hp, opts, params, updates):
    """AdamW-style decay ``param *= 1 - lr * wd`` folded into the update as ``-lr * wd * param``."""
    if not (opts.get("weight_decay") and opts.get("decoupled")):
        return updates
    return _map(lambda p, u: u - _c(hp["lr"] * hp["weight_decay"], p) * p, params, updates)


# ---------------------------------------------------------------------- SGD
def make_sgd(hp, opts):
    """torch.optim.SGD: momentum buffer ``buf = m*buf + (1-dampening)*g``; the first step sets ``buf = g``.

    A parameter without a buffer yet has ``None`` in ``state["momentum_buffer"]``.
    """
    def core(g, state, params):
        new_state = {}
        if opts["momentum"]:
            old = state["momentum_buffer"]
            if not opts["dampening"]:
                # optax.trace is torch's recurrence exactly when dampening == 0 (zeros init == clone)
                tr = optax.trace(decay=hp["momentum"], nesterov=opts["nesterov"])
                bufs = [jnp.zeros_like(gi) if b is None else b for b, gi in zip(old, g)]
                upd, ts = tr.update(g, optax.TraceState(trace=bufs))
                new_state["momentum_buffer"] = [b.astype(gi.dtype) for b, gi in zip(ts.trace, g)]
                g = [u.astype(gi.dtype) for u, gi in zip(upd, g)]
            else:
                bufs = [gi if b is None else b * _c(hp["momentum"], b) + _c(1 - hp["dampening"], gi) * gi
                        for b, gi in zip(old, g)]
                new_state["momentum_buffer"] = bufs
                g = bufs  # nesterov requires zero dampening, so it never reaches here
        upd = [_c(-hp["lr"], gi) * gi for gi in g]
        return upd, new_state
    return _with_prologue(hp, opts, core)


# ---------------------------------------------------------------------- Adam / AdamW
def make_adam(hp, opts):
    """torch.optim.Adam/AdamW: ``p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)``; AMSGrad on raw v."""
    b1, b2 = hp["beta1"], hp["beta2"]

    def core(g, state, params):
        steps = [s + 1 for s in state["step"]]
        m = _map(lambda mi, gi: lerp(mi, gi, 1 - b1), state["exp_avg"], g)
        v = _map(lambda vi, gi: vi * _c(b2, vi) + _c(1 - b2, gi) * gi * gi, state["exp_avg_sq"], g)
        new = {"step": steps, "exp_avg": m, "exp_avg_sq": v}
        if opts["amsgrad"]:
            vmax = _map(jnp.maximum, state["max_exp_avg_sq"], v)
            new["max_exp_avg_sq"] = vmax
        else:
            vmax = v
        upd = []
        for s, mi, vi in zip(steps, m, vmax):
            t = _f64(s)
            bc1 = 1 - b1 ** t
            bc2 = 1 - b2 ** t
            denom = jnp.sqrt(vi) / _c(jnp.sqrt(bc2), vi) + _c(hp["eps"], vi)
            upd.append(_c(-(hp["lr"] / bc1), mi) * (mi / denom))
        return _decoupled(hp, opts, params, upd), new
    return _with_prologue(hp, opts, core)


# ---------------------------------------------------------------------- RMSprop
def make_rmsprop(hp, opts):
    """torch.optim.RMSprop: eps added after the square root; optional centering and momentum."""
    alpha = hp["alpha"]

    def core(g, state, params):
        new = {"step": [s + 1 for s in state["step"]]}
        sq = _map(lambda a, gi: a * _c(alpha, a) + _c(1 - alpha, gi) * gi * gi, state["square_avg"], g)
        new["square_avg"] = sq
        if opts["centered"]:
            ga = _map(lambda a, gi: lerp(a, gi, 1 - alpha), state["grad_avg"], g)
            new["grad_avg"] = ga
            avg = _map(lambda s, a: jnp.sqrt(s - a * a), sq, ga)
        else:
            avg = [jnp.sqrt(s) for s in sq]
        avg = [a + _c(hp["eps"], a) for a in avg]
        if opts["momentum"]:
            buf = _map(lambda b, gi, a: b * _c(hp["momentum"], b) + gi / a, state["momentum_buffer"], g, avg)
            new["momentum_buffer"] = buf
            upd = [_c(-hp["lr"], b) * b for b in buf]
        else:
            upd = _map(lambda gi, a: _c(-hp["lr"], gi) * (gi / a), g, avg)
        return upd, new
    return _with_prologue(hp, opts, core)


# ---------------------------------------------------------------------- Adagrad
def make_adagrad(hp, opts):
    """torch.optim.Adagrad: ``clr = lr / (1 + (step-1) * lr_decay)``, ``p -= clr * g / (sqrt(sum) + eps)``."""
    def core(g, state, params):
        steps = [s + 1 for s in state["step"]]
        sums = _map(lambda s, gi: s + gi * gi, state["sum"], g)
        upd = []
        for s, sm, gi in zip(steps, sums, g):
            clr = hp["lr"] / (1 + (_f64(s) - 1) * hp["lr_decay"])
            upd.append(_c(-clr, gi) * (gi / (jnp.sqrt(sm) + _c(hp["eps"], sm))))
        return upd, {"step": steps, "sum": sums}
    return _with_prologue(hp, opts, core)


# ---------------------------------------------------------------------- Adadelta
def make_adadelta(hp, opts):
    """torch.optim.Adadelta: ``delta = sqrt(acc + eps) / sqrt(sq + eps) * g``."""
    rho = hp["rho"]

    def core(g, state, params):
        sq = _map(lambda a, gi: a * _c(rho, a) + _c(1 - rho, gi) * gi * gi, state["square_avg"], g)
        std = [jnp.sqrt(s + _c(hp["eps"], s)) for s in sq]
        delta = _map(lambda a, sd, gi: jnp.sqrt(a + _c(hp["eps"], a)) / sd * gi, state["acc_delta"], std, g)
        acc = _map(lambda a, d: a * _c(rho, a) + _c(1 - rho, d) * d * d, state["acc_delta"], delta)
        upd = [_c(-hp["lr"], d) * d for d in delta]
        return upd, {"step": [s + 1 for s in state["step"]], "square_avg": sq, "acc_delta": acc}
    return _with_prologue(hp, opts, core)


# ---------------------------------------------------------------------- Adamax
def make_adamax(hp, opts):
    """torch.optim.Adamax: ``u = max(b2 * u, |g| + eps)``, ``p -= lr / bc1 * m / u``."""
    b1 = hp["beta1"]

    def core(g, state, params):
        steps = [s + 1 for s in state["step"]]
        m = _map(lambda mi, gi: lerp(mi, gi, 1 - b1), state["exp_avg"], g)
        u = _map(lambda ui, gi: jnp.maximum(ui * _c(hp["beta2"], ui), jnp.abs(gi) + _c(hp["eps"], gi)),
                 state["exp_inf"], g)
        upd = [_c(-(hp["lr"] / (1 - b1 ** _f64(s))), mi) * (mi / ui) for s, mi, ui in zip(steps, m, u)]
        return upd, {"step": steps, "exp_avg": m, "exp_inf": u}
    return _with_prologue(hp, opts, core)


# ---------------------------------------------------------------------- NAdam
def make_nadam(hp, opts):
    """torch.optim.NAdam: momentum schedule ``mu_t = b1 (1 - 0.5 * 0.96^(t * psi))``, running product."""
    b1, b2 = hp["beta1"], hp["beta2"]

    def core(g, state, params):
        steps = [s + 1 for s in state["step"]]
        m = _map(lambda mi, gi: lerp(mi, gi, 1 - b1), state["exp_avg"], g)
        v = _map(lambda vi, gi: vi * _c(b2, vi) + _c(1 - b2, gi) * gi * gi, state["exp_avg_sq"], g)
        prods, upd = [], []
        for s, mp, mi, vi, gi in zip(steps, state["mu_product"], m, v, g):
            t = _f64(s)
            mu = b1 * (1.0 - 0.5 * 0.96 ** (t * hp["momentum_decay"]))
            mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * hp["momentum_decay"]))
            mp = mp * _c(mu, mp)  # torch keeps mu_product as a float32 tensor
            prods.append(mp)
            mpd = _f64(mp)
            denom = jnp.sqrt(vi / _c(1 - b2 ** t, vi)) + _c(hp["eps"], vi)
            c1 = -hp["lr"] * (1.0 - mu) / (1.0 - mpd)
            c2 = (-hp["lr"] * mu_next) / (1.0 - mpd * mu_next)
            upd.append(_c(c1, gi) * (gi / denom) + _c(c2, mi) * (mi / denom))
        return (_decoupled(hp, opts, params, upd),
                {"step": steps, "mu_product": prods, "exp_avg": m, "exp_avg_sq": v})
    return _with_prologue(hp, opts, core)


# ---------------------------------------------------------------------- RAdam
def make_radam(hp, opts):
    """torch.optim.RAdam: rectified adaptive step when the SMA length ``rho_t > 5``, else plain momentum."""
    b1, b2 = hp["beta1"], hp["beta2"]

    def core(g, state, params):
        steps = [s + 1 for s in state["step"]]
        m = _map(lambda mi, gi: lerp(mi, gi, 1 - b1), state["exp_avg"], g)
        v = _map(lambda vi, gi: vi * _c(b2, vi) + _c(1 - b2, gi) * gi * gi, state["exp_avg_sq"], g)
        upd = []
        for s, mi, vi in zip(steps, m, v):
            t = _f64(s)
            bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
            mhat = mi / _c(bc1, mi)
            rho_inf = 2 / (1 - b2) - 1
            rho_t = rho_inf - 2 * t * (b2 ** t) / bc2
            rect = jnp.sqrt(jnp.maximum((rho_t - 4) * (rho_t - 2) * rho_inf
                                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t), 0.0))
            adaptive = _c(bc2 ** 0.5, vi) / (jnp.sqrt(vi) + _c(hp["eps"], vi))
            lr = _c(hp["lr"], mi)
            rectified = mhat * lr * adaptive * _c(rect, mi)
            upd.append(-jnp.where(rho_t > 5.0, rectified, mhat * lr))
        return _decoupled(hp, opts, params, upd), {"step": steps, "exp_avg": m, "exp_avg_sq": v}
    return _with_prologue(hp, opts, core)


# ---------------------------------------------------------------------- ASGD
def make_asgd(hp, opts):
    """torch.optim.ASGD: ``p = p (1 - lambd eta) - eta g``; averaged ``ax``; eta, mu from the step count."""
    def core(g, state, params):
        steps = [s + 1 for s in state["step"]]
        upd, axs, etas, mus = [], [], [], []
        for s, p, gi, ax, eta, mu in zip(steps, params, g, state["ax"], state["eta"], state["mu"]):
            e = _c(eta, p)
            u = -(_c(hp["lambd"], p) * e) * p - e * gi
            new_p = p + u
            axs.append(jnp.where(mu == 1, new_p, ax + (new_p - ax) * _c(mu, ax)))
            t = _f64(s)
            etas.append(_c(hp["lr"] / ((1 + hp["lambd"] * hp["lr"] * t) ** hp["alpha"]), eta))
            mus.append(_c(1 / jnp.maximum(1.0, t - hp["t0"]), mu))
            upd.append(u)
        return upd, {"step": steps, "eta": etas, "mu": mus, "ax": axs}
    return _with_prologue(hp, opts, core)


# ---------------------------------------------------------------------- Rprop
def make_rprop(hp, opts):
    """torch.optim.Rprop: per-element step sizes grown by etaplus / shrunk by etaminus on sign changes."""
    def core(g, state, params):
        sizes, prevs, upd = [], [], []
        for gi, prev, size in zip(g, state["prev"], state["step_size"]):
            sign = jnp.sign(gi * prev)
            etaminus = _c(hp["etaminus"], gi)
            factor = jnp.where(sign > 0, _c(hp["etaplus"], gi), jnp.where(sign < 0, etaminus, jnp.ones_like(gi)))
            size = jnp.clip(size * factor, _c(hp["step_size_min"], size), _c(hp["step_size_max"], size))
            gi = jnp.where(factor == etaminus, jnp.zeros_like(gi), gi)
            sizes.append(size)
            prevs.append(gi)
            upd.append(-(jnp.sign(gi) * size))
        return upd, {"step": [s + 1 for s in state["step"]], "prev": prevs, "step_size": sizes}
    return _with_prologue(hp, opts, core)


def step_fn(make, opts):
    """The pure group update ``(hp, params, grads, state) -> (new_params, new_state)``."""
    def fn(hp, params, grads, state):
        tx = make(hp, opts)
        updates, new_state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), new_state
    return fn

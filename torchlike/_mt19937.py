"""torch's CPU random stream: mt19937 plus torch's transforms to floats and integers, bit for bit.

The engine is numpy's MT19937 bit generator seeded with torch's ``init_genrand`` state (numpy's
own seeding differs). The transforms follow torch 2.13's CPU kernels, checked against torch in
``tests/test_rng_parity.py``:

- ``random64`` is two 32-bit draws, the *first* one the high half.
- uniform: float32/half/bfloat16 draw 32 bits and keep ``digits`` (24/11/8) of them, float64 draws
  64 bits and keeps 53; ``x * (to - from) + from`` in the dtype's accumulate type.
- normal, ``numel >= 16`` (contiguous): fill with uniforms, Box-Muller each block of 16 (first 8
  slots cosine, last 8 sine, ``u1 = 1 - data[j]``); a tail that is not a multiple of 16 redraws
  the last 16 slots. Below 16: one double Box-Muller per element from two 53-bit uniforms, the
  sine value cached for the next call (``next_double_normal``), as ``at::normal_distribution``.
- randint: 32-bit draw ``% range`` unless ``range >= 2**32`` (then 64-bit).
- randperm: Fisher-Yates with ``random() % (n - i)``; 64-bit draws from ``n >= 2**32 / 20``.
"""
from __future__ import annotations

import math
import struct

import numpy as np

_N = 624
_DIGITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}


class MT19937:
    def __init__(self, seed: int):
        self._bitgen = np.random.MT19937(0)
        st = self._bitgen.state
        key = np.zeros(_N, np.uint32)
        key[0] = seed & 0xFFFFFFFF
        prev = int(key[0])
        for i in range(1, _N):  # torch's (and the reference) init_genrand
            prev = (1812433253 * (prev ^ (prev >> 30)) + i) & 0xFFFFFFFF
            key[i] = prev
        st["state"]["key"] = key
        st["state"]["pos"] = _N
        self._bitgen.state = st
        self.next_double_normal = None
        self.next_float_normal = None

    # ------------------------------------------------------------------ raw draws
    def random32(self, n=None):
        if n is None:
            return int(self._bitgen.random_raw())
        return self._bitgen.random_raw(n).astype(np.uint64)

    def random64(self, n=None):
        if n is None:
            hi = self.random32()
            lo = self.random32()
            return (hi << 32) | lo
        raw = self.random32(2 * n).reshape(n, 2)
        return (raw[:, 0] << np.uint64(32)) | raw[:, 1]

    # ------------------------------------------------------------------ state
    def torch_state(self, initial_seed: int) -> bytes:
        """torch's 5056-byte CPU generator state (``torch.get_rng_state()``'s layout).

        mt19937 counts draws with ``left``/``next`` where numpy keeps ``pos``: a fresh seed is
        ``left=1, next=0`` (regenerate before the first draw), afterwards ``left + next == 625``.
        """
        st = self._bitgen.state["state"]
        pos = int(st["pos"])
        left, nxt = (1, 0) if pos >= _N else (_N + 1 - pos, pos)
        dn = self.next_double_normal
        fn = self.next_float_normal
        return (struct.pack("<QiiQ", initial_seed & (2**64 - 1), left, 1, nxt)
                + np.asarray(st["key"], np.uint32).astype("<u8").tobytes()
                + struct.pack("<dddi4x", 0.0, 0.0 if dn is None else dn, 0.0, dn is not None)
                + struct.pack("<f?3x", 0.0 if fn is None else fn, fn is not None))

    @classmethod
    def from_torch_state(cls, raw: bytes):
        """(generator, initial seed) from torch's 5056-byte state."""
        if len(raw) != 5056:
            raise RuntimeError(f"Expected either a THGeneratorState of size 5048 or a CPUGeneratorImplState of "
                               f"size 5056 but found the input RNG state size to be {len(raw)}")
        seed, left, _seeded, nxt = struct.unpack_from("<QiiQ", raw, 0)
        key = np.frombuffer(raw, "<u8", _N, 24).astype(np.uint32)
        _, normal_y, _, normal_valid = struct.unpack_from("<dddi", raw, 24 + 8 * _N)
        fsample, fvalid = struct.unpack_from("<f?", raw, 5048)
        self = cls.__new__(cls)
        self._bitgen = np.random.MT19937(0)
        st = self._bitgen.state
        st["state"]["key"] = key
        st["state"]["pos"] = _N if left == 1 else int(nxt)
        self._bitgen.state = st
        self.next_double_normal = float(normal_y) if normal_valid else None
        self.next_float_normal = float(fsample) if fvalid else None
        return self, seed

    # ------------------------------------------------------------------ uniform
    def _unit(self, n, name):
        """n uniforms in [0, 1) as torch's uniform_real_distribution<dtype> (exact, as float64)."""
        digits = 53 if name == "float64" else 24  # half/bfloat16 draw float32 uniforms, then round
        raw = self.random64(n) if name == "float64" else self.random32(n)
        return (raw & np.uint64((1 << digits) - 1)).astype(np.float64) * (1.0 / (1 << digits))

    def uniform(self, shape, np_dtype, low=0.0, high=1.0):
        dt = np.dtype(np_dtype)
        return self._uniform_flat(_numel(shape), dt, low, high).reshape(shape)

    def _uniform_flat(self, n, dt, low, high):
        name = _name(dt)
        x = self._unit(n, name)
        if name == "float64":
            return _fma64(x, np.float64(float(high) - float(low)), np.float64(low))
        if name == "float32":
            lo, hi = np.float32(low), np.float32(high)
            span = np.float64(np.float32(hi - lo))
            return (x * span + np.float64(lo)).astype(np.float32)  # fused multiply-add: one rounding
        # half/bfloat16: the float result (fused) rounded to the dtype; a value that rounds up to
        # ``high`` becomes ``low`` as torch's kernel does
        span = np.float64(np.float32(float(high) - float(low)))
        out = (x * span + np.float64(np.float32(low))).astype(np.float32).astype(dt)
        top = np.asarray(high, dt)
        return np.where(out >= top, np.asarray(low, dt), out).astype(dt)

    # ------------------------------------------------------------------ normal
    def _scalar_normal(self):
        if self.next_double_normal is not None:
            r, self.next_double_normal = self.next_double_normal, None
            return r
        u1 = float(self._unit(1, "float64")[0])
        u2 = float(self._unit(1, "float64")[0])
        radius = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        self.next_double_normal = radius * math.sin(theta)
        return radius * math.cos(theta)

    def normal(self, shape, np_dtype, mean=0.0, std=1.0):
        dt = np.dtype(np_dtype)
        name = _name(dt)
        n = _numel(shape)
        if n < 16:
            vals = np.array([self._scalar_normal() for _ in range(n)], np.float64)
            return _fma64(vals, float(std), float(mean)).astype(dt).reshape(shape)
        return self._normal_fill(n, name, dt, mean, std).reshape(shape)

    def _normal_fill(self, n, name, dt, mean, std):
        if name not in ("float32", "float64"):
            # half/bfloat16: float normals for ceil(n/16) whole blocks; the last 16 outputs are
            # the last block's values (torch's reduced-precision fill)
            nb = -(-n // 16)
            buf = self._uniform_flat(nb * 16, np.dtype(np.float32), 0.0, 1.0)
            buf = _box_muller16(buf.reshape(nb, 16), "float32", np.float32, mean, std).ravel()
            return np.concatenate([buf[:n - 16], buf[nb * 16 - 16:]]).astype(dt)
        data = self._uniform_flat(n, np.dtype(dt), 0.0, 1.0)
        nb = n // 16
        out = data.copy()
        if nb:
            out[:nb * 16] = _box_muller16(data[:nb * 16].reshape(nb, 16), name, dt, mean, std).ravel()
        if n % 16:
            tail = self._uniform_flat(16, np.dtype(dt), 0.0, 1.0)
            out[n - 16:] = _box_muller16(tail.reshape(1, 16), name, dt, mean, std).ravel()
        return out.astype(dt)

    # ------------------------------------------------------------------ integers
    def randint(self, low, high, shape):
        n = _numel(shape)
        span = int(high) - int(low)
        raw = self.random64(n) if span >= 1 << 32 else self.random32(n)
        return ((raw % np.uint64(span)).astype(np.int64) + np.int64(low)).reshape(shape)

    def random_bits(self, shape, np_dtype):
        """``Tensor.random_()`` without bounds: [0, 2**mantissa] for floats, [0, max] for integers."""
        dt = np.dtype(np_dtype)
        n = _numel(shape)
        name = _name(dt) if dt.kind == "f" or dt.name == "bfloat16" else dt.name
        if dt == np.bool_:
            return (self.random32(n) & np.uint64(1)).astype(np.bool_).reshape(shape)
        if name in ("float64", "int64"):
            raw = self.random64(n)
        else:
            raw = self.random32(n)
        if name in _DIGITS:
            mod = np.uint64((1 << _DIGITS[name]) + 1)
        else:
            mod = np.uint64(int(np.iinfo(dt).max) + 1)
        return (raw % mod).astype(dt).reshape(shape)

    def randperm(self, n):
        n = int(n)
        perm = np.arange(n, dtype=np.int64)
        if n <= 1:
            return perm
        if n < 0xFFFFFFFF // 20:
            raw = self.random32(n - 1)
        else:
            raw = self.random64(n - 1)
        z = (raw % np.arange(n, 1, -1, dtype=np.uint64)).astype(np.int64) + np.arange(n - 1, dtype=np.int64)
        p = perm.tolist()
        for i, j in enumerate(z.tolist()):
            p[i], p[j] = p[j], p[i]
        return np.array(p, np.int64)

    def exponential(self, shape, lambd):
        """``-1/lambd * log1p(-u)`` in double, u a 53-bit uniform (torch's exponential_distribution)."""
        u = self._unit(_numel(shape), "float64")
        return (-1.0 / float(lambd) * _glibc_log1p(-u).astype(np.float64)).reshape(shape)

    def bernoulli(self, probs, out_np_dtype):
        """``torch.bernoulli(p)``: uniform of p's precision (double: 53 bits, else 24) ``< p``."""
        probs = np.asarray(probs)
        name = "float64" if probs.dtype == np.float64 else "float32"
        u = self._unit(probs.size, name)
        if name == "float32":
            u = u.astype(np.float32)
            p = probs.astype(np.float32).ravel()
        else:
            p = probs.ravel()
        return (u < p).astype(out_np_dtype).reshape(probs.shape)


def _numel(shape):
    return int(np.prod(shape, dtype=np.int64)) if len(shape) else 1


def _name(dt):
    if dt == np.float64:
        return "float64"
    if dt == np.float16:
        return "float16"
    if dt.name == "bfloat16":
        return "bfloat16"
    return "float32"


def _fma64(a, b, c):
    """``a * b + c`` with one rounding (torch's CPU kernels are compiled with FMA contraction)."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    c = np.asarray(c, np.float64)
    p = a * b
    split = 134217729.0  # 2**27 + 1 (Dekker)
    ta = a * split
    ah = ta - (ta - a)
    al = a - ah
    tb = b * split
    bh = tb - (tb - b)
    bl = b - bh
    perr = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    bb = s - p
    serr = (p - (s - bb)) + (c - bb)
    return s + (perr + serr)


# ------------------------------------------------------------------------- Box-Muller blocks
_f32 = np.float32
_glibc_log = np.frompyfunc(math.log, 1, 1)
_glibc_log1p = np.frompyfunc(math.log1p, 1, 1)  # numpy's SIMD log differs from glibc's in the last bit


def _box_muller16(blocks, name, dt, mean, std):
    """torch's ``normal_fill_16`` on rows of 16 uniforms: slots 0-7 cosine, 8-15 sine."""
    if name == "float32":
        return _box_muller16_avx2(blocks, mean, std)
    if name == "float64":
        u1 = 1.0 - blocks[:, :8]
        u2 = blocks[:, 8:]
        radius = np.sqrt(-2.0 * _glibc_log(u1).astype(np.float64))
        theta = 2.0 * math.pi * u2
        s, m = float(std), float(mean)
        return np.concatenate([_fma64(radius * np.cos(theta), s, m), _fma64(radius * np.sin(theta), s, m)], 1)
    raise ValueError(name)


def _fma32(a, b, c):
    return (np.asarray(a, np.float64) * np.asarray(b, np.float64) + np.asarray(c, np.float64)).astype(_f32)


_LOG_P = tuple(_f32(v) for v in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1,
                                 1.4249322787E-1, -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1,
                                 3.3333331174E-1))
_LOG_Q1, _LOG_Q2 = _f32(-2.12194440e-4), _f32(0.693359375)
_DP = tuple(_f32(v) for v in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8))
_SINC = tuple(_f32(v) for v in (-1.9515295891E-4, 8.3321608736E-3, -1.6666654611E-1))
_COSC = tuple(_f32(v) for v in (2.443315711809948E-005, -1.388731625493765E-003, 4.166664568298827E-002))


def _log_avx2(x):
    """The cephes-style float log torch's AVX2 Box-Muller uses, with the FMAs GCC contracts."""
    x = np.maximum(x.astype(_f32), np.array(0x00800000, np.int32).view(_f32))
    bits = x.view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(_f32) + _f32(1)
    x = ((bits & ~0x7F800000) | np.array(0.5, _f32).view(np.int32)).view(_f32)
    mask = x < _f32(0.707106781186547524)
    tmp = np.where(mask, x, _f32(0)).astype(_f32)
    x = (x - _f32(1)).astype(_f32)
    e = (e - np.where(mask, _f32(1), _f32(0))).astype(_f32)
    x = (x + tmp).astype(_f32)
    z = (x * x).astype(_f32)
    y = np.full_like(x, _LOG_P[0])
    for p in _LOG_P[1:]:
        y = _fma32(y, x, p)
    y = (y * x).astype(_f32)
    y = _fma32(y, z, (e * _LOG_Q1).astype(_f32))
    y = _fma32(z, _f32(-0.5), y)
    x = (x + y).astype(_f32)
    return _fma32(e, _LOG_Q2, x)


def _sincos_avx2(x):
    x = x.astype(_f32)
    sign_sin = np.signbit(x)
    x = np.abs(x)
    j = (x * _f32(1.27323954473516)).astype(_f32).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(_f32)
    sign_sin = sign_sin ^ ((j & 4) != 0)
    sign_cos = (~(j - 2) & 4) != 0
    poly = (j & 2) == 0
    for d in _DP:
        x = _fma32(y, d, x)
    z = (x * x).astype(_f32)
    yc = _fma32(_fma32(np.full_like(x, _COSC[0]), z, _COSC[1]), z, _COSC[2])
    yc = (yc * z).astype(_f32)
    yc = (_fma32(yc, z, -(z * _f32(0.5)).astype(_f32)) + _f32(1)).astype(_f32)
    ys = _fma32(_fma32(np.full_like(x, _SINC[0]), z, _SINC[1]), z, _SINC[2])
    ys = _fma32((ys * z).astype(_f32), x, x)
    s = np.where(poly, ys, yc).astype(_f32)
    c = np.where(poly, yc, ys).astype(_f32)
    return np.where(sign_sin, -s, s), np.where(sign_cos, -c, c)


def _box_muller16_avx2(blocks, mean, std):
    u1 = (_f32(1) - blocks[:, :8]).astype(_f32)
    radius = np.sqrt((_f32(-2) * _log_avx2(u1)).astype(_f32)).astype(_f32)
    theta = (_f32(2.0 * math.pi) * blocks[:, 8:]).astype(_f32)
    s, c = _sincos_avx2(theta)
    sd, m = _f32(std), _f32(mean)
    return np.concatenate([_fma32((radius * c).astype(_f32), sd, m), _fma32((radius * s).astype(_f32), sd, m)], 1)

"""A Mersenne Twister (mt19937) stream with torch's CPU transforms to floats and integers.

Kept separate from the generator API so the exact bit recipes live in one place.
"""
from __future__ import annotations

import numpy as np

_N = 624


class MT19937:
    def __init__(self, seed: int):
        self._bitgen = np.random.MT19937(0)
        st = self._bitgen.state
        key = np.zeros(_N, np.uint32)
        key[0] = seed & 0xFFFFFFFF
        for i in range(1, _N):  # torch's (and the reference) init_genrand
            key[i] = (1812433253 * (int(key[i - 1]) ^ (int(key[i - 1]) >> 30)) + i) & 0xFFFFFFFF
        st["state"]["key"] = key
        st["state"]["pos"] = _N
        self._bitgen.state = st
        self._next_normal = None

    # raw draws
    def random32(self, n=None):
        if n is None:
            return int(self._bitgen.random_raw())
        return self._bitgen.random_raw(n).astype(np.uint64)

    def random64(self):
        lo = self.random32()
        hi = self.random32()
        return (hi << 32) | lo

    def state_bytes(self) -> bytes:
        st = self._bitgen.state["state"]
        return np.asarray(st["key"], np.uint32).tobytes() + np.int64(st["pos"]).tobytes()

    @classmethod
    def from_state_bytes(cls, raw: bytes):
        self = cls.__new__(cls)
        self._bitgen = np.random.MT19937(0)
        st = self._bitgen.state
        st["state"]["key"] = np.frombuffer(raw[:_N * 4], np.uint32).copy()
        st["state"]["pos"] = int(np.frombuffer(raw[_N * 4:_N * 4 + 8], np.int64)[0])
        self._bitgen.state = st
        self._next_normal = None
        return self

    # transforms (torch's CPU recipes)
    def uniform(self, shape, np_dtype, low, high):
        n = int(np.prod(shape, dtype=np.int64))
        if np.dtype(np_dtype) == np.float64:
            raw = self._raw64(n)
            u = (raw & ((1 << 53) - 1)).astype(np.float64) * (1.0 / (1 << 53))
        else:
            raw = self.random32(n)
            u = (raw & ((1 << 24) - 1)).astype(np.float64) * (1.0 / (1 << 24))
        out = u * (high - low) + low
        return out.reshape(shape).astype(np_dtype)

    def _raw64(self, n):
        raw = self.random32(2 * n).reshape(n, 2)
        return (raw[:, 1] << np.uint64(32)) | raw[:, 0] if n else np.zeros(0, np.uint64)

    def normal(self, shape, np_dtype, mean, std):
        n = int(np.prod(shape, dtype=np.int64))
        u1 = self.uniform((n,), np.float64, 0.0, 1.0)
        u2 = self.uniform((n,), np.float64, 0.0, 1.0)
        z = np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)
        return (z * std + mean).reshape(shape).astype(np_dtype)

    def randint(self, low, high, shape):
        n = int(np.prod(shape, dtype=np.int64))
        span = high - low
        if span >= 1 << 32:
            raw = self._raw64(n)
        else:
            raw = self.random32(n)
        return (raw % np.uint64(span)).astype(np.int64).reshape(shape) + low

    def randperm(self, n):
        perm = np.arange(n, dtype=np.int64)
        for i in range(n - 1):
            z = self.random32() % (n - i)
            perm[i], perm[z + i] = perm[z + i], perm[i]
        return perm

"""Random number generators.

A :class:`Generator` owns a host-side Mersenne Twister (mt19937) stream. Functions that torch
computes on the CPU from that stream (rand, randn, randint, randperm, normal_, uniform_, ...) draw
from it on the host; randomness inside compiled programs and for dropout comes from JAX keys
split off the same generator (``next_key``), so the key is state a compiled step threads through.

Bit-identical to torch 2.13 on an x86 CPU with AVX2 (checked in ``tests/test_rng_parity.py``):
``rand``/``rand_like``, ``randn``/``randn_like``, ``normal`` (float and tensor mean/std),
``randint``, ``randperm``, ``bernoulli``, ``multinomial``, ``Tensor.uniform_/normal_/random_/
exponential_/bernoulli_``, the ``nn.init`` functions built on them (hence layer construction),
DataLoader shuffling and ``random_split``, for float16/bfloat16/float32/float64 and every
integer dtype (``random_`` on bfloat16 excepted); ``get_rng_state()`` is torch's 5056-byte layout, and ``set_rng_state`` accepts a
state saved by torch. float32 ``randn`` with 16+ elements reproduces torch's AVX2 Box-Muller
(on CPUs without AVX2 torch itself computes different float32 normals). Not torch's numbers:
``dropout``/``rrelu``/``poisson`` and anything random inside ``torchlike.compile`` (JAX keys),
and torch's CUDA generators.
"""
from __future__ import annotations

import contextlib
import copy

import jax
import numpy as np

from . import _trace_hooks as _hooks
from ._mt19937 import MT19937


class Generator:
    """torch.Generator: ``manual_seed``, ``seed``, ``initial_seed``, ``get_state``/``set_state``."""

    def __init__(self, device="cpu"):
        from ._device import device as _device
        self.device = _device(device)
        self._initial = 67280421310721  # torch's default CPU seed
        self._mt = MT19937(self._initial)
        self._key_counter = 0

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            seed += 1 << 64
        if not 0 <= seed < 1 << 64:
            raise RuntimeError(f"Overflow when unpacking long long: seed {seed} out of range")
        self._initial = seed
        self._mt = MT19937(seed)
        self._key_counter = 0
        return self

    def seed(self):
        import secrets
        s = secrets.randbits(63)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._initial

    def get_state(self):
        """A uint8 tensor in torch's CPU generator layout (5056 bytes): torch can restore it too."""
        from ._above import above
        from . import _dtype as D
        return above.tensor(np.frombuffer(self._mt.torch_state(self._initial), np.uint8).copy(), dtype=D.uint8)

    def set_state(self, state):
        """Restore a state from :meth:`get_state` or from ``torch.get_rng_state()``."""
        if hasattr(state, "_value"):
            raw = np.asarray(state._value)
        elif hasattr(state, "numpy"):  # a torch tensor
            raw = state.detach().cpu().numpy()
        else:
            raw = np.asarray(state)
        if raw.dtype != np.uint8:
            raise RuntimeError(f"expected a torch.ByteTensor, but got {raw.dtype}")
        self._mt, self._initial = MT19937.from_torch_state(raw.tobytes())
        self._key_counter = 0
        return self

    def next_key(self):
        """A fresh jax PRNG key derived from this generator (advances the stream by 64 bits).
        Inside a compiled step the key comes from the program's key input instead."""
        if _hooks.rng is not None:
            return _hooks.rng.next_key()
        return jax.numpy.asarray(self.next_key_data())

    def next_key_data(self):
        """:meth:`next_key` as a host (numpy) array, for passing straight into a jitted program."""
        bits = self._mt.random64()
        seed = np.uint32(bits & 0xFFFFFFFF) ^ np.uint32(bits >> 32)
        if jax.config.jax_default_prng_impl == "threefry2x32":
            return np.array([0, seed], np.uint32)  # what PRNGKey(seed) computes, without a device dispatch
        return np.asarray(jax.random.key_data(jax.random.PRNGKey(seed)))

    def peek_key_data(self):
        """What :meth:`next_key_data` returns next, without advancing the stream: a compiled program
        traced for the first time takes this key, and the stream advances only if the trace drew
        random numbers (torch's stream is consumed only by code that is random)."""
        saved = copy.deepcopy(self._mt)
        try:
            return self.next_key_data()
        finally:
            self._mt = saved

    @staticmethod
    def unused_key_data():
        """Zeros shaped like a key: the key input of a compiled program that draws nothing."""
        return np.zeros_like(np.asarray(jax.random.key_data(jax.random.PRNGKey(0))))

    # host samplers used by the creation ops; each returns a numpy array
    def uniform(self, shape, np_dtype, low=0.0, high=1.0):
        if _hooks.rng is not None:
            return jax.random.uniform(_hooks.rng.next_key(), shape, np_dtype, low, high)
        return self._mt.uniform(shape, np_dtype, low, high)

    def normal(self, shape, np_dtype, mean=0.0, std=1.0):
        if _hooks.rng is not None:
            return jax.random.normal(_hooks.rng.next_key(), shape, np_dtype) * std + mean
        return self._mt.normal(shape, np_dtype, mean, std)

    def randint(self, low, high, shape):
        if _hooks.rng is not None:
            return jax.random.randint(_hooks.rng.next_key(), shape, low, high, jax.numpy.int64)
        return self._mt.randint(low, high, shape)

    def randperm(self, n):
        return self._mt.randperm(n)

    def random_bits(self, shape, np_dtype):
        return self._mt.random_bits(shape, np_dtype)

    def bernoulli(self, probs, out_np_dtype):
        return self._mt.bernoulli(probs, out_np_dtype)

    def exponential(self, shape, lambd=1.0):
        return self._mt.exponential(shape, lambd)

    def __reduce__(self):
        raise TypeError("cannot pickle 'torch._C.Generator' object")


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator (and return it), as torch.manual_seed."""
    default_generator.manual_seed(seed)
    return default_generator


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
    """Restore the default generator's state on exit."""
    if not enabled:
        yield
        return
    state = default_generator.get_state()
    try:
        yield
    finally:
        default_generator.set_state(state)

"""Samplers: the index orders a DataLoader walks, drawn from torchlike's generators.

Each random sampler makes the same generator calls as torch's, in the same order (a seed drawn
with ``empty((), dtype=int64).random_()`` from the default generator when none is given, then
``randperm``/``randint``/``multinomial`` on a generator seeded with it), so orders follow
``manual_seed`` and match torch's wherever the underlying stream does.
"""
from __future__ import annotations

from typing import Generic, TypeVar

_T_co = TypeVar("_T_co", covariant=True)

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]


def _draw_seed(generator=None):
    """torch's ``int(torch.empty((), dtype=torch.int64).random_(generator=g).item())``."""
    from ... import _dtype as D
    from ... import random as _random
    from ...ops.creation import empty
    t = empty((), dtype=D.int64)
    if hasattr(t, "random_"):
        return int(t.random_(generator=generator).item())
    g = _random.default_generator if generator is None else generator
    hi = g._mt.random32()  # torch's random64(): the first 32-bit draw is the high word
    lo = g._mt.random32()
    return ((hi << 32) | lo) % (1 << 63)  # random_() on int64: a 64-bit draw modulo 2**63


def _seeded_generator(seed):
    from ... import random as _random
    g = _random.Generator()
    g.manual_seed(seed)
    return g


class Sampler(Generic[_T_co]):
    """Base class: an iterable over dataset indices (or lists of indices); generic like torch's
    (``Sampler[int]``, ``Sampler[list[int]]``)."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh permutation per pass (or ``num_samples`` draws with replacement)."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        from ...ops.creation import randint, randperm
        n = len(self.data_source)
        generator = self.generator
        if generator is None:
            generator = _seeded_generator(_draw_seed())
        if self.replacement:
            for _ in range(self.num_samples // 32):
                yield from randint(high=n, size=(32,), generator=generator).tolist()
            yield from randint(high=n, size=(self.num_samples % 32,), generator=generator).tolist()
        else:
            for _ in range(self.num_samples // n):
                yield from randperm(n, generator=generator).tolist()
            yield from randperm(n, generator=generator).tolist()[:self.num_samples % n]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        from ...ops.creation import randperm
        for i in randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """Indices drawn with probability proportional to ``weights`` (torch.multinomial)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        import numpy as np
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        from ...ops.creation import as_tensor
        from ... import _dtype as D
        w = as_tensor(np.asarray(weights, dtype=np.float64) if not hasattr(weights, "_value") else weights,
                      dtype=D.float64)
        if w.dim() != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        from ...ops.creation import multinomial
        yield from multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator).tolist()

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups a sampler's indices into lists of ``batch_size``."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        it = iter(self.sampler)
        bs = self.batch_size
        while True:
            batch = []
            try:
                for _ in range(bs):
                    batch.append(next(it))
            except StopIteration:
                if batch and not self.drop_last:
                    yield batch
                return
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size

"""Registration points: what the layers above ``Tensor`` provide to it, set when they load.

``_tensor`` (and the autograd graph it sits on) import nothing above themselves; a module higher up
that Tensor needs at run time stores its function here on import instead:

- ``ops.creation``: ``tensor``, ``zeros`` (``Tensor(data)``, assigning non-Tensor values)
- ``ops.registry``: ``apply`` (re-deriving a view from its base)
- ``ops.indexing``: ``view_scatter`` (writing a view back into its base)
- ``autograd``: ``backward`` (``Tensor.backward``)
- ``_printing``: ``repr``; ``serialization.pickling``: ``reduce`` (pickling); ``multiprocessing``:
  ``warn_not_shared`` (``share_memory_``)

``import torchlike`` loads all of them, so every slot is filled before user code runs.
"""


class _Above:
    __slots__ = ("tensor", "zeros", "apply", "view_scatter", "backward", "repr", "reduce", "warn_not_shared")


above = _Above()

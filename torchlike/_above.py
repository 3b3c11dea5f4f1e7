"""Registration points: what the layers above ``Tensor`` provide to it, set when they load.

``_tensor`` (and the autograd graph it sits on) import nothing above themselves; a module higher up
that Tensor needs at run time stores its function here on import instead:

- ``_tensor``: ``Tensor`` (the autograd graph wraps gradients with it)
- ``ops.registry``: ``apply_backward_recorded``, ``recompute_vjp`` (graph nodes under ``create_graph``
  and saved-tensor hooks); ``view_chain`` (the registry module: ``split_chain``/``join_chain``/
  ``MAX_PROGRAMS``, with which Tensor re-reads a view)
- ``_meta``: ``meta_repr`` (``repr`` of a meta tensor); ``random`` reads ``tensor`` (``get_state``)

- ``ops.creation``: ``tensor``, ``zeros`` (``Tensor(data)``, assigning non-Tensor values)
- ``ops.registry``: ``apply`` (re-deriving a view from its base)
- ``ops.indexing``: ``view_scatter`` (writing a view back into its base)
- ``autograd``: ``backward`` (``Tensor.backward``)
- ``_printing``: ``repr``; ``serialization.pickling``: ``reduce`` (pickling); ``multiprocessing``:
  ``warn_not_shared`` (``share_memory_``)

``import torchlike`` loads all of them, so every slot is filled before user code runs.
"""


class _Above:
    __slots__ = ("tensor", "zeros", "apply", "view_scatter", "backward", "repr", "reduce", "warn_not_shared",
                 "Tensor", "apply_backward_recorded", "recompute_vjp", "view_chain", "meta_repr")


above = _Above()

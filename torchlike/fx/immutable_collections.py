"""torch.fx.immutable_collections: the list and dict types a Node's arguments are stored in.

As in torch, lists and dicts inside ``node.args``/``node.kwargs`` are immutable so that a graph's
use-def information cannot go stale behind its back; build new containers and assign them instead.
"""
from __future__ import annotations

__all__ = ["immutable_list", "immutable_dict"]


def _no_mutation(self, *args, **kwargs):
    raise TypeError(f"'{type(self).__name__}' object does not support mutation. "
                    "Construct a new container and assign it to node.args / node.kwargs instead.")


class immutable_list(list):
    """A list that refuses in-place changes (torch.fx.immutable_collections.immutable_list)."""

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _no_mutation
    append = extend = insert = pop = remove = clear = reverse = sort = _no_mutation

    def __hash__(self):
        return hash(tuple(self))

    def __reduce__(self):
        return (immutable_list, (list(self),))


class immutable_dict(dict):
    """A dict that refuses in-place changes (torch.fx.immutable_collections.immutable_dict)."""

    __setitem__ = __delitem__ = __ior__ = _no_mutation
    clear = pop = popitem = setdefault = update = _no_mutation

    def __hash__(self):
        return hash(tuple(self.items()))

    def __reduce__(self):
        return (immutable_dict, (dict(self),))

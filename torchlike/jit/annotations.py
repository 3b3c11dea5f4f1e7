"""torch.jit.annotations: the typing names TorchScript code imports from it (``from
torch.jit.annotations import List, Tuple``), plus ``BroadcastingList1/2/3`` (a list or a single value
that TorchScript broadcasts; for Python it is just ``List``). Reached as ``torch.jit.annotations``."""
from typing import Any, Callable, Dict, List, Optional, Tuple, Union  # noqa: F401

BroadcastingList1 = BroadcastingList2 = BroadcastingList3 = List

__all__ = ["Any", "Callable", "Dict", "List", "Optional", "Tuple", "Union", "BroadcastingList1",
           "BroadcastingList2", "BroadcastingList3"]

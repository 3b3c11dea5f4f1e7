"""torch.nn: Module, Parameter, layers, functional, init and utils (re-exports only)."""
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter
from .modules import *  # noqa: F401,F403
from . import functional, init, utils
from .modules.module import (register_module_forward_hook, register_module_forward_pre_hook,
                             register_module_full_backward_hook)
from .parallel import DataParallel  # also binds nn.parallel

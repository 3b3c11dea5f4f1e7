"""torchvision.models: classic ImageNet architectures with torchvision's parameter names, so
torchvision checkpoint files load with ``load_state_dict`` (see ``_api`` for the hub cache)."""
from ._api import Weights, WeightsEnum, get_dir, load_state_dict_from_url
from .densenet import *  # noqa: F401,F403
from .mobilenet import *  # noqa: F401,F403
from .resnet import *  # noqa: F401,F403
from .squeezenet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403
from . import densenet, mobilenet, resnet, squeezenet, vgg

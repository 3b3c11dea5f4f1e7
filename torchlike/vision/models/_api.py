"""Pretrained weights: torchvision's checkpoint file names, read from the torch hub cache
(``$TORCH_HOME/hub/checkpoints``) or downloaded there; ``pretrained=True`` and ``weights=`` both work."""
from __future__ import annotations

import enum
import os
import re
import warnings

_URL = "https://download.pytorch.org/models/"


class Weights:
    """One checkpoint: its file name under the hub cache and the number of classes it was trained for."""

    def __init__(self, filename, num_classes=1000):
        self.filename = filename
        self.url = _URL + filename
        self.meta = {"num_classes": num_classes, "categories": None}

    def get_state_dict(self, progress=True, check_hash=False):
        return load_state_dict_from_url(self.url, progress=progress, check_hash=check_hash)


class WeightsEnum(enum.Enum):
    @classmethod
    def verify(cls, obj):
        if obj is None or isinstance(obj, cls):
            return obj
        if isinstance(obj, str):
            name = obj.replace(cls.__name__ + ".", "")
            try:
                return cls[name]
            except KeyError:
                raise ValueError(f"Failed to find Weights {obj} in {cls.__name__}.") from None
        raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received {type(obj).__name__}.")

    @property
    def url(self):
        return self.value.url

    @property
    def meta(self):
        return self.value.meta

    def get_state_dict(self, progress=True, check_hash=False):
        return self.value.get_state_dict(progress, check_hash)


def get_dir():
    """torch.hub.get_dir(): ``$TORCH_HOME/hub`` (default ``~/.cache/torch/hub``)."""
    torch_home = os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(os.getenv("XDG_CACHE_HOME",
                                                                                     "~/.cache"), "torch")))
    return os.path.join(torch_home, "hub")


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True, check_hash=False,
                             file_name=None, weights_only=False):
    """The checkpoint for ``url`` from the hub cache, downloading it there if absent."""
    model_dir = model_dir or os.path.join(get_dir(), "checkpoints")
    filename = file_name or os.path.basename(url)
    path = os.path.join(model_dir, filename)
    if not os.path.isfile(path):
        os.makedirs(model_dir, exist_ok=True)
        try:
            from ..datasets.utils import _fetch
            print(f'Downloading: "{url}" to {path}')
            _fetch(url, path)
        except Exception as e:
            raise RuntimeError(f"Pretrained weights not found: looked for {path} and could not download {url} "
                               f"({e}). Put torchvision's checkpoint file at that path (or set $TORCH_HOME) to use "
                               "it offline.") from None
    from ... import serialization
    return serialization.load(path, map_location="cpu" if map_location is None else map_location,
                              weights_only=weights_only)


def handle_legacy(weights, pretrained, default):
    """torchvision's ``pretrained=True`` -> the default weights, with its deprecation warning."""
    if pretrained:
        warnings.warn("The parameter 'pretrained' is deprecated since 0.13 and may be removed in the future, please "
                      "use 'weights' instead.", UserWarning, stacklevel=3)
        if weights is None:
            weights = default
    return weights


_DENSENET_KEY = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|"
                           r"running_var))$")


def fetch_state(weights, progress=True):
    """The checkpoint for ``weights`` (None for none), read before the model is built so that a
    missing file fails fast."""
    return None if weights is None else weights.get_state_dict(progress=progress)


def load_weights(model, state, progress=True, fix_densenet=False):
    if state is None:
        return model
    if fix_densenet:
        for key in list(state.keys()):
            m = _DENSENET_KEY.match(key)
            if m:
                state[m.group(1) + m.group(2)] = state.pop(key)
    model.load_state_dict(state)
    return model


def override_num_classes(kwargs, weights):
    if weights is not None:
        n = weights.meta["num_classes"]
        if kwargs.get("num_classes", n) != n:
            raise ValueError(f"The parameter 'num_classes' expected value {n} but got {kwargs['num_classes']} instead.")
        kwargs["num_classes"] = n

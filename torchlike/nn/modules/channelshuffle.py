"""torch.nn.modules.channelshuffle: where torch defines ChannelShuffle; torchlike keeps it with the
pixel shuffles."""
from .pixelshuffle import ChannelShuffle  # noqa: F401

__all__ = ["ChannelShuffle"]

"""torch.nn's module classes, gathered from one file per family (re-exports only)."""
from .module import Module
from .container import Container, ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .activation import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .embedding import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .flatten import Flatten, Unflatten
from .padding import *  # noqa: F401,F403
from .distance import CosineSimilarity, PairwiseDistance
from .pixelshuffle import ChannelShuffle, PixelShuffle, PixelUnshuffle
from .upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .linear import Bilinear, Identity, LazyLinear, Linear
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
                      AdaptiveMaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d, LPPool1d, LPPool2d, LPPool3d, MaxPool1d,
                      MaxPool2d, MaxPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d, FractionalMaxPool2d)
from .fold import Fold, Unfold
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .activation_attention import MultiheadAttention
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,
                          TransformerEncoderLayer)
# torch's submodule paths (``torch.nn.modules.sparse.Embedding``, ``...batchnorm._BatchNorm``) as attributes
from . import batchnorm, channelshuffle, instancenorm, lazy, sparse, utils  # noqa: F401,E402

__all__ = [_n for _n, _v in list(globals().items()) if isinstance(_v, type) and not _n.startswith("_")]

"""torch.nn.modules.sparse: where torch defines Embedding and EmbeddingBag."""
from .embedding import Embedding, EmbeddingBag  # noqa: F401

__all__ = ["Embedding", "EmbeddingBag"]

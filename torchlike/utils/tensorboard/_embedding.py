"""The files ``SummaryWriter.add_embedding`` writes for TensorBoard's projector, laid out as torch's
writer lays them: ``<log_dir>/<step:05d>/<tag>/`` holding ``tensors.tsv``, ``metadata.tsv`` and
``sprite.png``, and ``<log_dir>/projector_config.pbtxt`` listing every embedding added so far."""
from __future__ import annotations

import io
import math
import os
import posixpath

import numpy as np

from ..._pillow import pillow


def encode_tag(tag):
    """A tag as one directory name: '%', '/' and '\\' escaped as torch escapes them."""
    return tag.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")


def write_metadata(metadata, save_path, header=None):
    if header:
        if len(header) != len(metadata[0]):
            raise AssertionError("len of header must be equal to the number of columns in metadata")
        rows = ["\t".join(str(e) for e in row) for row in [header] + list(metadata)]
    else:
        rows = [str(x) for x in metadata]
    _write(os.path.join(save_path, "metadata.tsv"), ("\n".join(rows) + "\n").encode())


def write_matrix(mat, save_path):
    buf = io.StringIO()
    for row in mat:
        buf.write("\t".join(str(v.item()) for v in row) + "\n")
    _write(os.path.join(save_path, "tensors.tsv"), buf.getvalue().encode())


def write_sprite(images, save_path):
    """The images (N, C, H, W in [0, 1]) tiled row by row on a square canvas of ceil(sqrt(N)) columns."""
    Image = pillow("Image")
    if images.shape[1] == 1:
        images = np.concatenate([images] * 3, 1)
    n, _, h, w = images.shape
    cols = min(n, int(math.ceil(n ** 0.5)))
    rows = int(math.ceil(n / cols))
    canvas = np.zeros((3, h * rows, w * cols), images.dtype)
    for i in range(n):
        y, x = divmod(i, cols)
        canvas[:, y * h:(y + 1) * h, x * w:(x + 1) * w] = images[i]
    square = np.zeros((canvas.shape[2], canvas.shape[2], 3))
    square[:canvas.shape[1]] = canvas.transpose(1, 2, 0)
    out = io.BytesIO()
    Image.fromarray(np.uint8((square * 255).clip(0, 255))).save(out, format="PNG")
    _write(os.path.join(save_path, "sprite.png"), out.getvalue())


def embedding_info(config_pb2, has_metadata, image_shape, subdir, step, tag):
    info = config_pb2.EmbeddingInfo()
    info.tensor_name = f"{tag}:{str(step).zfill(5)}"
    info.tensor_path = posixpath.join(subdir, "tensors.tsv")
    if has_metadata:
        info.metadata_path = posixpath.join(subdir, "metadata.tsv")
    if image_shape is not None:
        info.sprite.image_path = posixpath.join(subdir, "sprite.png")
        info.sprite.single_image_dim.extend([image_shape[3], image_shape[2]])
    return info


def _write(path, data):
    with open(path, "wb") as f:
        f.write(data)

"""SummaryWriter writing TensorBoard event files (through the ``tensorboard`` package, the same
writer torch.utils.tensorboard uses; install the ``tensorboard`` extra).

Matches torch's layout: ``log_dir`` defaults to ``runs/<Mon DD_HH-MM-SS>_<host><comment>``;
``add_scalars`` writes each series to ``<log_dir>/<main_tag>_<tag>``; ``add_hparams`` writes a run
in ``<log_dir>/<run_name or time>``; text goes to ``<tag>/text_summary`` for the text plugin.
``add_graph`` logs a text summary of the module (no TorchScript graph exists here). ``add_embedding``
and ``add_pr_curve`` write what torch's writer writes for the projector and PR-curve plugins.
"""
from __future__ import annotations

import io
import math
import os
import socket
import time
from datetime import datetime

import numpy as np

from ..._pillow import pillow

__all__ = ["SummaryWriter"]


def _tb():
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("torchlike.utils.tensorboard needs the 'tensorboard' package: "
                          "pip install 'torchlike[tensorboard]' (or pip install tensorboard)") from e
    return event_pb2, summary_pb2, EventFileWriter


def _np(x):
    """Tensor / array / scalar -> numpy array (float tensors stay float)."""
    from ..._tensor import Tensor
    if isinstance(x, Tensor):
        x = x.detach()
        if x.dtype.name == "bfloat16":
            x = x.float()
        return np.asarray(x.numpy())
    return np.asarray(x)


def _scalar(v) -> float:
    a = _np(v)
    if a.size != 1:
        raise AssertionError(f"scalar should be 0D, got shape {a.shape}")
    return float(a.reshape(()))


# ------------------------------------------------------------------ summary builders

def _scalar_summary(summary_pb2, tag, value):
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=_scalar(value))])


def _to_hwc(img, fmt):
    fmt = fmt.upper()
    if len(set(fmt)) != len(fmt):
        raise ValueError(f"You can not use the same dimension shordhand twice. input_format: {fmt}")
    if img.ndim != len(fmt):
        raise ValueError(f"size of input tensor and input format are different. tensor shape: {img.shape}, "
                         f"input_format: {fmt}")
    if fmt.startswith("N"):
        img = _grid(np.transpose(img, [fmt.index(c) for c in "NCHW"]) if "C" in fmt else
                    np.transpose(img, [fmt.index(c) for c in "NHW"])[:, None])
        return np.transpose(img, (1, 2, 0))
    if "C" not in fmt:
        img = np.transpose(img, [fmt.index(c) for c in "HW"])[..., None]
        return np.repeat(img, 3, axis=2)
    img = np.transpose(img, [fmt.index(c) for c in "HWC"])
    return np.repeat(img, 3, axis=2) if img.shape[2] == 1 else img


def _grid(nchw, ncols=8):
    """torch.utils.tensorboard's make_grid: N images (C=1 or 3) on a canvas, ``ncols`` per row."""
    if nchw.shape[1] == 1:
        nchw = np.repeat(nchw, 3, axis=1)
    n, c, h, w = nchw.shape
    ncols = min(n, ncols)
    nrows = int(math.ceil(n / ncols))
    canvas = np.zeros((c, h * nrows, w * ncols), dtype=nchw.dtype)
    for i in range(n):
        y, x = divmod(i, ncols)
        canvas[:, y * h:(y + 1) * h, x * w:(x + 1) * w] = nchw[i]
    return canvas


def _image_summary(summary_pb2, tag, img, dataformats):
    Image = pillow("Image")
    a = _np(img)
    hwc = _to_hwc(a, dataformats)
    scale = 1 if hwc.dtype == np.uint8 else 255
    hwc = np.clip(hwc.astype(np.float32) * scale, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(hwc).save(buf, format="PNG")
    h, w, c = hwc.shape
    image = summary_pb2.Summary.Image(height=h, width=w, colorspace=c, encoded_image_string=buf.getvalue())
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, image=image)])


def _histogram_summary(summary_pb2, tag, values, bins, max_bins=None):
    v = _np(values).astype(np.float64).reshape(-1)
    if v.size == 0:
        raise ValueError("The input has no element.")
    if isinstance(bins, str) and bins == "tensorflow":
        bins = 30  # torch uses TF's exponential buckets; any bucketing reads back the same way
    counts, limits = np.histogram(v, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        sub = len(counts) // max_bins + (len(counts) % max_bins > 0)
        counts = np.add.reduceat(counts, np.arange(0, len(counts), sub))
        limits = np.concatenate([limits[:-1:sub], limits[-1:]])
    nz = np.nonzero(counts)[0]
    if nz.size:  # trim empty buckets at both ends, as torch does
        start, end = max(nz[0] - 1, 0), min(nz[-1] + 2, len(counts))
        counts, limits = counts[start:end], limits[start:end + 1]
    hist = summary_pb2.HistogramProto(min=float(v.min()), max=float(v.max()), num=int(v.size), sum=float(v.sum()),
                                      sum_squares=float(np.dot(v, v)), bucket_limit=limits[1:].tolist(),
                                      bucket=counts.astype(np.float64).tolist())
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, histo=hist)])


def _text_summary(summary_pb2, tag, text):
    from tensorboard.compat.proto import tensor_pb2, tensor_shape_pb2
    from tensorboard.plugins.text import plugin_data_pb2
    meta = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(
        plugin_name="text", content=plugin_data_pb2.TextPluginData(version=0).SerializeToString()))
    tensor = tensor_pb2.TensorProto(dtype="DT_STRING", string_val=[text.encode("utf8")],
                                    tensor_shape=tensor_shape_pb2.TensorShapeProto(
                                        dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=1)]))
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag + "/text_summary", metadata=meta,
                                                                tensor=tensor)])


def _hparams_summaries(summary_pb2, hparam_dict, metric_dict, hparam_domain_discrete=None):
    from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2
    from google.protobuf import struct_pb2

    def wrap(tag, **content):
        data = plugin_data_pb2.HParamsPluginData(version=0, **content)
        meta = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(
            plugin_name="hparams", content=data.SerializeToString()))
        return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, metadata=meta)])

    if not isinstance(hparam_dict, dict) or not isinstance(metric_dict, dict):
        raise TypeError("hparam_dict and metric_dict should be dictionary.")
    ssi = plugin_data_pb2.SessionStartInfo()
    infos = []
    for k, v in hparam_dict.items():
        from ..._tensor import Tensor
        if isinstance(v, Tensor):
            v = _scalar(v)
        if isinstance(v, bool):
            ssi.hparams[k].bool_value = v
            kind = "DATA_TYPE_BOOL"
        elif isinstance(v, (int, float)):
            ssi.hparams[k].number_value = v
            kind = "DATA_TYPE_FLOAT64"
        elif isinstance(v, str):
            ssi.hparams[k].string_value = v
            kind = "DATA_TYPE_STRING"
        elif v is None:
            ssi.hparams[k].string_value = "None"
            kind = "DATA_TYPE_STRING"
        else:
            raise ValueError("value should be one of int, float, str, bool, or torch.Tensor")
        info = api_pb2.HParamInfo(name=k, type=api_pb2.DataType.Value(kind))
        if hparam_domain_discrete and k in hparam_domain_discrete:
            vals = [struct_pb2.Value(number_value=x) if isinstance(x, (int, float)) and not isinstance(x, bool)
                    else struct_pb2.Value(bool_value=x) if isinstance(x, bool) else struct_pb2.Value(string_value=x)
                    for x in hparam_domain_discrete[k]]
            info.domain_discrete.CopyFrom(struct_pb2.ListValue(values=vals))
        infos.append(info)
    metrics = [api_pb2.MetricInfo(name=api_pb2.MetricName(tag=k)) for k in metric_dict]
    exp = api_pb2.Experiment(hparam_infos=infos, metric_infos=metrics)
    sei = plugin_data_pb2.SessionEndInfo(status=api_pb2.Status.Value("STATUS_SUCCESS"))
    return (wrap("_hparams_/experiment", experiment=exp), wrap("_hparams_/session_start_info", session_start_info=ssi),
            wrap("_hparams_/session_end_info", session_end_info=sei))


# ------------------------------------------------------------------ the writer

class SummaryWriter:
    """torch.utils.tensorboard.SummaryWriter (scalars, images, histograms, text, hparams, figures)."""

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120,
                 filename_suffix=""):
        if not log_dir:
            current_time = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", current_time + "_" + socket.gethostname() + comment)
        self.log_dir = os.fspath(log_dir)
        self.purge_step = purge_step
        self.max_queue, self.flush_secs, self.filename_suffix = max_queue, flush_secs, filename_suffix
        self._event_pb2, self._summary_pb2, self._EventFileWriter = _tb()
        self._writer = None
        self._all_writers = {}
        self._get_file_writer()

    def _get_file_writer(self):
        if self._writer is None:
            self._writer = self._EventFileWriter(self.log_dir, self.max_queue, self.flush_secs, self.filename_suffix)
            self._all_writers[self.log_dir] = self._writer
            if self.purge_step is not None:
                # a START session log at purge_step makes readers drop events at later steps
                self._writer.add_event(self._event_pb2.Event(step=self.purge_step, file_version="brain.Event:2"))
                self._writer.add_event(self._event_pb2.Event(step=self.purge_step, session_log=self._event_pb2.SessionLog(
                    status=self._event_pb2.SessionLog.START)))
                self.purge_step = None
        return self._writer

    def get_logdir(self):
        return self.log_dir

    def _add(self, summary, global_step=None, walltime=None, writer=None):
        ev = self._event_pb2.Event(summary=summary, wall_time=time.time() if walltime is None else walltime)
        if global_step is not None:
            ev.step = int(_scalar(global_step))
        (writer or self._get_file_writer()).add_event(ev)

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        self._add(_scalar_summary(self._summary_pb2, tag, scalar_value), global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Each ``tag`` goes to its own run ``<log_dir>/<main_tag>_<tag>`` under the name ``main_tag``."""
        walltime = time.time() if walltime is None else walltime
        for tag, value in tag_scalar_dict.items():
            path = os.path.join(self.log_dir, main_tag.replace("/", "_") + "_" + tag)
            w = self._all_writers.get(path)
            if w is None:
                w = self._all_writers[path] = self._EventFileWriter(path, self.max_queue, self.flush_secs,
                                                                     self.filename_suffix)
            self._add(_scalar_summary(self._summary_pb2, main_tag, value), global_step, walltime, writer=w)

    def add_tensor(self, tag, tensor, global_step=None, walltime=None):
        from tensorboard.util import tensor_util
        summary = self._summary_pb2.Summary(value=[self._summary_pb2.Summary.Value(
            tag=tag, tensor=tensor_util.make_tensor_proto(_np(tensor)))])
        self._add(summary, global_step, walltime)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None, max_bins=None):
        self._add(_histogram_summary(self._summary_pb2, tag, values, bins, max_bins), global_step, walltime)

    def add_histogram_raw(self, tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts,
                          global_step=None, walltime=None):
        if len(bucket_limits) != len(bucket_counts):
            raise ValueError("len(bucket_limits) != len(bucket_counts), see the document.")
        hist = self._summary_pb2.HistogramProto(min=min, max=max, num=num, sum=sum, sum_squares=sum_squares,
                                                bucket_limit=list(bucket_limits), bucket=list(bucket_counts))
        self._add(self._summary_pb2.Summary(value=[self._summary_pb2.Summary.Value(tag=tag, histo=hist)]),
                  global_step, walltime)

    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """An image in [0, 1] (float) or [0, 255] (uint8), laid out as ``dataformats``."""
        self._add(_image_summary(self._summary_pb2, tag, img_tensor, dataformats), global_step, walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        """A batch of images, tiled into one grid image (8 per row) as torch does."""
        self._add(_image_summary(self._summary_pb2, tag, img_tensor, dataformats), global_step, walltime)

    def add_figure(self, tag, figure, global_step=None, close=True, walltime=None):
        """A matplotlib figure (or list of figures), rendered to PNG."""
        figs = figure if isinstance(figure, list) else [figure]
        imgs = []
        for fig in figs:
            Image = pillow("Image")
            buf = io.BytesIO()
            fig.savefig(buf, format="png")
            buf.seek(0)
            imgs.append(np.asarray(Image.open(buf).convert("RGB")).transpose(2, 0, 1))
            if close:
                import matplotlib.pyplot as plt
                plt.close(fig)
        if isinstance(figure, list):
            self.add_images(tag, np.stack(imgs), global_step, walltime, dataformats="NCHW")
        else:
            self.add_image(tag, imgs[0], global_step, walltime, dataformats="CHW")

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        self._add(_text_summary(self._summary_pb2, tag, text_string), global_step, walltime)

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """Logs the module's structure as text under ``graph`` (no TorchScript graph is produced)."""
        text = repr(model)
        if input_to_model is not None:
            from ..._tensor import Tensor
            shapes = [tuple(t.shape) for t in (input_to_model if isinstance(input_to_model, (list, tuple))
                                               else [input_to_model]) if isinstance(t, Tensor)]
            text += f"\n\ninput shapes: {shapes}"
        self.add_text("graph", "```\n" + text + "\n```")

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None,
                    global_step=None):
        """An hparams-plugin session in ``<log_dir>/<run_name or time.time()>`` plus one scalar per metric."""
        exp, ssi, sei = _hparams_summaries(self._summary_pb2, hparam_dict, metric_dict, hparam_domain_discrete)
        logdir = os.path.join(self.get_logdir(), run_name or str(time.time()))
        with SummaryWriter(log_dir=logdir) as w:
            w._add(exp)
            w._add(ssi)
            w._add(sei)
            for k, v in metric_dict.items():
                w.add_scalar(k, v, global_step)

    def add_pr_curve(self, tag, labels, predictions, global_step=None, num_thresholds=127, weights=None,
                     walltime=None):
        """A precision-recall curve of ``predictions`` (probabilities) against binary ``labels``."""
        from . import _pr_curve
        self._add(_pr_curve.summary(self._summary_pb2, tag, _np(labels), _np(predictions), num_thresholds,
                                    weights), global_step, walltime)

    def add_embedding(self, mat, metadata=None, label_img=None, global_step=None, tag="default",
                      metadata_header=None):
        """Data points (rows of ``mat``) for TensorBoard's projector, with optional labels and thumbnail
        images, written where torch's writer puts them (see ``_embedding``)."""
        from google.protobuf import text_format
        from tensorboard.plugins.projector import projector_config_pb2

        from . import _embedding as E
        mat = _np(mat)
        step = 0 if global_step is None else global_step
        subdir = f"{str(step).zfill(5)}/{E.encode_tag(tag)}"
        save_path = os.path.join(self.get_logdir(), subdir)
        if os.path.exists(save_path):
            if not os.path.isdir(save_path):
                raise NotADirectoryError(f"Path: `{save_path}` exists, but is a file. Cannot proceed.")
            print("warning: Embedding dir exists, did you set global_step for add_embedding()?")
        else:
            os.makedirs(save_path)
        if metadata is not None:
            if mat.shape[0] != len(metadata):
                raise AssertionError("#labels should equal with #data points")
            E.write_metadata(metadata, save_path, metadata_header)
        images = None
        if label_img is not None:
            images = _np(label_img)
            if mat.shape[0] != images.shape[0]:
                raise AssertionError("#images should equal with #data points")
            E.write_sprite(images, save_path)
        if mat.ndim != 2:
            raise AssertionError("mat should be 2D, where mat.size(0) is the number of data points")
        E.write_matrix(mat, save_path)
        if not hasattr(self, "_projector_config"):
            self._projector_config = projector_config_pb2.ProjectorConfig()
        self._projector_config.embeddings.extend([E.embedding_info(
            projector_config_pb2, metadata is not None, None if images is None else images.shape, subdir, step,
            tag)])
        E._write(os.path.join(self.get_logdir(), "projector_config.pbtxt"),
                 text_format.MessageToString(self._projector_config).encode())

    def flush(self):
        for w in self._all_writers.values():
            w.flush()

    def close(self):
        for w in self._all_writers.values():
            w.flush()
            w.close()
        self._all_writers = {}
        self._writer = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

"""The summary ``SummaryWriter.add_pr_curve`` writes for TensorBoard's PR-curve plugin: a 6 x T float
tensor (true/false positives, true/false negatives, precision, recall at T thresholds), computed
from histograms of the predictions as torch's writer computes it."""
from __future__ import annotations

import numpy as np

_MIN_COUNT = 1e-7


def curve(labels, predictions, num_thresholds, weights=None):
    weights = 1.0 if weights is None else weights
    buckets = np.int32(np.floor(predictions * (num_thresholds - 1)))
    positive = labels.astype(np.float64)
    bins = dict(bins=num_thresholds, range=(0, num_thresholds - 1))
    tp_buckets, _ = np.histogram(buckets, weights=positive * weights, **bins)
    fp_buckets, _ = np.histogram(buckets, weights=(1.0 - positive) * weights, **bins)
    tp = np.cumsum(tp_buckets[::-1])[::-1]  # predictions at or above each threshold
    fp = np.cumsum(fp_buckets[::-1])[::-1]
    tn = fp[0] - fp
    fn = tp[0] - tp
    precision = tp / np.maximum(_MIN_COUNT, tp + fp)
    recall = tp / np.maximum(_MIN_COUNT, tp + fn)
    return np.stack((tp, fp, tn, fn, precision, recall))


def summary(summary_pb2, tag, labels, predictions, num_thresholds=127, weights=None):
    from tensorboard.compat.proto.tensor_pb2 import TensorProto
    from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
    from tensorboard.plugins.pr_curve.plugin_data_pb2 import PrCurvePluginData
    num_thresholds = min(num_thresholds, 127)
    data = curve(labels, predictions, num_thresholds, weights)
    content = PrCurvePluginData(version=0, num_thresholds=num_thresholds).SerializeToString()
    meta = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(
        plugin_name="pr_curves", content=content))
    tensor = TensorProto(dtype="DT_FLOAT", float_val=data.reshape(-1).tolist(), tensor_shape=TensorShapeProto(
        dim=[TensorShapeProto.Dim(size=data.shape[0]), TensorShapeProto.Dim(size=data.shape[1])]))
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, metadata=meta, tensor=tensor)])

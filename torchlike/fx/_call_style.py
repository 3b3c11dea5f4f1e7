"""How torch's Python-level functions forward their arguments when a Proxy reaches them.

``torch.nn.functional.relu(x)`` traced by torch records ``args=(x,), kwargs={'inplace': False}``:
its Python body hands the call to ``__torch_function__`` with some parameters positional and the
rest as keywords, defaults filled in. This table records, per function, which parameters go
positionally and which as keywords (read off torch 2.x's public signatures); functions not listed
(torch's C functions such as ``torch.relu`` or ``F.gelu``) are recorded with the arguments exactly
as the caller wrote them.
"""
from __future__ import annotations

import inspect

CALL_STYLE: dict[str, tuple[str, str]] = {
    "torch.nn.functional.fractional_max_pool2d_with_indices": ("input kernel_size", "output_size output_ratio return_indices _random_samples"),
    "torch.nn.functional.fractional_max_pool3d_with_indices": ("input kernel_size", "output_size output_ratio return_indices _random_samples"),
    "torch.nn.functional.max_pool1d_with_indices": ("input kernel_size", "stride padding dilation ceil_mode return_indices"),
    "torch.nn.functional.max_pool2d_with_indices": ("input kernel_size", "stride padding dilation ceil_mode return_indices"),
    "torch.nn.functional.max_pool3d_with_indices": ("input kernel_size", "stride padding dilation ceil_mode return_indices"),
    "torch.nn.functional.max_unpool1d": ("input indices kernel_size", "stride padding output_size"),
    "torch.nn.functional.max_unpool2d": ("input indices kernel_size", "stride padding output_size"),
    "torch.nn.functional.max_unpool3d": ("input indices kernel_size", "stride padding output_size"),
    "torch.nn.functional.lp_pool3d": ("input norm_type kernel_size", "stride ceil_mode"),
    "torch.nn.functional.lp_pool2d": ("input norm_type kernel_size", "stride ceil_mode"),
    "torch.nn.functional.lp_pool1d": ("input norm_type kernel_size", "stride ceil_mode"),
    "torch.nn.functional.adaptive_max_pool1d_with_indices": ("input output_size", "return_indices"),
    "torch.nn.functional.adaptive_max_pool2d_with_indices": ("input output_size", "return_indices"),
    "torch.nn.functional.adaptive_max_pool3d_with_indices": ("input output_size", "return_indices"),
    "torch.nn.functional.adaptive_avg_pool2d": ("input output_size", ""),
    "torch.nn.functional.adaptive_avg_pool3d": ("input output_size", ""),
    "torch.nn.functional.dropout": ("input", "p training inplace"),
    "torch.nn.functional.alpha_dropout": ("input", "p training inplace"),
    "torch.nn.functional.dropout1d": ("input", "p training inplace"),
    "torch.nn.functional.dropout2d": ("input", "p training inplace"),
    "torch.nn.functional.dropout3d": ("input", "p training inplace"),
    "torch.nn.functional.feature_alpha_dropout": ("input", "p training inplace"),
    "torch.nn.functional.relu": ("input", "inplace"),
    "torch.nn.functional.glu": ("input", "dim"),
    "torch.nn.functional.hardtanh": ("input", "min_val max_val inplace"),
    "torch.nn.functional.relu6": ("input", "inplace"),
    "torch.nn.functional.elu": ("input", "alpha inplace"),
    "torch.nn.functional.selu": ("input", "inplace"),
    "torch.nn.functional.celu": ("input", "alpha inplace"),
    "torch.nn.functional.leaky_relu": ("input", "negative_slope inplace"),
    "torch.nn.functional.rrelu": ("input", "lower upper training inplace"),
    "torch.nn.functional.tanhshrink": ("input", ""),
    "torch.nn.functional.softsign": ("input", ""),
    "torch.nn.functional.softmin": ("input", "dim _stacklevel dtype"),
    "torch.nn.functional.softmax": ("input", "dim _stacklevel dtype"),
    "torch.nn.functional.gumbel_softmax": ("logits", "tau hard eps dim"),
    "torch.nn.functional.log_softmax": ("input", "dim _stacklevel dtype"),
    "torch.nn.functional.hardsigmoid": ("input", "inplace"),
    "torch.nn.functional.silu": ("input", "inplace"),
    "torch.nn.functional.mish": ("input", "inplace"),
    "torch.nn.functional.hardswish": ("input", "inplace"),
    "torch.nn.functional.embedding": ("input weight", "padding_idx max_norm norm_type scale_grad_by_freq sparse"),
    "torch.nn.functional.embedding_bag": ("input weight", "offsets max_norm norm_type scale_grad_by_freq mode sparse per_sample_weights include_last_offset padding_idx"),
    "torch.nn.functional.batch_norm": ("input running_mean running_var", "weight bias training momentum eps"),
    "torch.nn.functional.instance_norm": ("input", "running_mean running_var weight bias use_input_stats momentum eps"),
    "torch.nn.functional.layer_norm": ("input normalized_shape", "weight bias eps"),
    "torch.nn.functional.rms_norm": ("input normalized_shape", "weight eps"),
    "torch.nn.functional.group_norm": ("input num_groups", "weight bias eps"),
    "torch.nn.functional.local_response_norm": ("input size", "alpha beta k"),
    "torch.nn.functional.ctc_loss": ("log_probs targets input_lengths target_lengths", "blank reduction zero_infinity"),
    "torch.nn.functional.nll_loss": ("input target", "weight size_average ignore_index reduce reduction"),
    "torch.nn.functional.poisson_nll_loss": ("input target", "log_input full size_average eps reduce reduction"),
    "torch.nn.functional.gaussian_nll_loss": ("input target var", "full eps reduction"),
    "torch.nn.functional.kl_div": ("input target", "size_average reduce reduction log_target"),
    "torch.nn.functional.cross_entropy": ("input target", "weight size_average ignore_index reduce reduction label_smoothing"),
    "torch.nn.functional.binary_cross_entropy": ("input target", "weight size_average reduce reduction"),
    "torch.nn.functional.binary_cross_entropy_with_logits": ("input target", "weight size_average reduce reduction pos_weight"),
    "torch.nn.functional.linear_cross_entropy": ("input linear_weight target", "linear_bias weight reduction ignore_index label_smoothing options"),
    "torch.nn.functional.smooth_l1_loss": ("input target", "size_average reduce reduction beta"),
    "torch.nn.functional.huber_loss": ("input target", "reduction delta weight"),
    "torch.nn.functional.l1_loss": ("input target", "size_average reduce reduction"),
    "torch.nn.functional.mse_loss": ("input target", "size_average reduce reduction weight"),
    "torch.nn.functional.margin_ranking_loss": ("input1 input2 target", "margin size_average reduce reduction"),
    "torch.nn.functional.hinge_embedding_loss": ("input target", "margin size_average reduce reduction"),
    "torch.nn.functional.multilabel_margin_loss": ("input target", "size_average reduce reduction"),
    "torch.nn.functional.soft_margin_loss": ("input target", "size_average reduce reduction"),
    "torch.nn.functional.multilabel_soft_margin_loss": ("input target", "weight size_average reduce reduction"),
    "torch.nn.functional.cosine_embedding_loss": ("input1 input2 target", "margin size_average reduce reduction"),
    "torch.nn.functional.multi_margin_loss": ("input target", "p margin weight size_average reduce reduction"),
    "torch.nn.functional.interpolate": ("input", "size scale_factor mode align_corners recompute_scale_factor antialias"),
    "torch.nn.functional.grid_sample": ("input grid", "mode padding_mode align_corners"),
    "torch.nn.functional.affine_grid": ("theta size", "align_corners"),
    "torch.nn.functional.pad": ("input pad", "mode value"),
    "torch.nn.functional.triplet_margin_loss": ("anchor positive negative", "margin p eps swap size_average reduce reduction"),
    "torch.nn.functional.triplet_margin_with_distance_loss": ("anchor positive negative", "distance_function margin swap reduction"),
    "torch.nn.functional.normalize": ("input", "p dim eps out"),
    "torch.nn.functional.unfold": ("input kernel_size", "dilation padding stride"),
    "torch.nn.functional.fold": ("input output_size kernel_size", "dilation padding stride"),
    "torch.nn.functional.multi_head_attention_forward": ("query key value embed_dim_to_check num_heads in_proj_weight in_proj_bias bias_k bias_v add_zero_attn dropout_p out_proj_weight out_proj_bias", "training key_padding_mask need_weights attn_mask is_causal use_separate_proj_weight q_proj_weight k_proj_weight v_proj_weight static_k static_v average_attn_weights"),
    "torch.functional.split": ("tensor split_size_or_sections", "dim"),
    "torch.functional.stft": ("input n_fft", "hop_length win_length window center pad_mode normalized onesided return_complex align_to_window"),
    "torch.functional.tensordot": ("a b", "dims out"),
    "torch.functional.cdist": ("x1 x2", "p compute_mode"),
    "torch.functional.norm": ("input", "p dim keepdim out dtype"),
    "torch.functional.unravel_index": ("indices", "shape"),
}


def normalize(qual: str, fn, args: tuple, kwargs: dict):
    """``(args, kwargs)`` as torch would record them for ``qual`` (unchanged if not in the table or
    if torchlike's signature cannot be matched to torch's parameter names)."""
    style = CALL_STYLE.get(qual)
    if style is None:
        return args, kwargs
    pos, kws = style[0].split(), style[1].split()
    try:
        sig = inspect.signature(fn)
        bound = sig.bind(*args, **kwargs)
    except (TypeError, ValueError):
        return args, kwargs
    bound.apply_defaults()
    values = dict(bound.arguments)
    for name, p in sig.parameters.items():
        if p.kind is p.VAR_KEYWORD:
            values.update(values.pop(name, {}))
    if not all(n in values for n in pos + kws):
        return args, kwargs
    return tuple(values[n] for n in pos), {k: values[k] for k in kws}

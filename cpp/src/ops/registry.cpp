#include "ops/registry.h"

namespace onyxrt::ops {

// Each family registers its operators here. The explicit list (not static self-registration)
// keeps the linker from dropping families and is the switch for an op-subset build.
void register_elementwise(Registry& r);
void register_variadic(Registry& r);
void register_cast(Registry& r);
void register_shape_ops(Registry& r);
void register_transpose(Registry& r);
void register_concat(Registry& r);
void register_gather(Registry& r);
void register_constant(Registry& r);
void register_gemm(Registry& r);
void register_conv(Registry& r);
void register_pool(Registry& r);
void register_normalization(Registry& r);
void register_softmax(Registry& r);
void register_if(Registry& r);
void register_loop(Registry& r);
void register_scan(Registry& r);
void register_sequence_ops(Registry& r);
void register_split_concat_sequence(Registry& r);
void register_sequence_map(Registry& r);
void register_optional_ops(Registry& r);
void register_reductions(Registry& r);
void register_scatter(Registry& r);
void register_gather_nd(Registry& r);
void register_unique(Registry& r);
void register_einsum(Registry& r);
void register_det(Registry& r);
void register_bitcast(Registry& r);
void register_pad(Registry& r);
void register_space_depth(Registry& r);
void register_trilu_eye(Registry& r);
void register_select(Registry& r);
void register_rms_norm(Registry& r);
void register_group_norm(Registry& r);
void register_lp_pool(Registry& r);
void register_losses(Registry& r);
void register_string_concat(Registry& r);
void register_string_split(Registry& r);
void register_string_normalizer(Registry& r);
void register_regex_full_match(Registry& r);
void register_tfidf_vectorizer(Registry& r);
void register_recurrent(Registry& r);
void register_grid_sample(Registry& r);
void register_affine_grid(Registry& r);
void register_col2im(Registry& r);
void register_center_crop_pad(Registry& r);

void register_quantize_linear(Registry& r);
void register_dequantize_linear(Registry& r);
void register_dynamic_quantize(Registry& r);
void register_integer_matmul_conv(Registry& r);
void register_qlinear_matmul(Registry& r);
void register_qlinear_conv(Registry& r);
void register_dft(Registry& r);
void register_stft(Registry& r);
void register_windows(Registry& r);
void register_mel_weight_matrix(Registry& r);
void register_training_optimizers(Registry& r);

const Registry& builtin_registry() {
  static const Registry registry = [] {
    Registry r;
    register_elementwise(r);
    register_variadic(r);
    register_cast(r);
    register_shape_ops(r);
    register_transpose(r);
    register_concat(r);
    register_gather(r);
    register_constant(r);
    register_gemm(r);
    register_conv(r);
    register_pool(r);
    register_normalization(r);
    register_softmax(r);
    register_if(r);
    register_loop(r);
    register_scan(r);
    register_sequence_ops(r);
    register_split_concat_sequence(r);
    register_sequence_map(r);
    register_optional_ops(r);
    register_reductions(r);
    register_scatter(r);
    register_gather_nd(r);
    register_unique(r);
    register_einsum(r);
    register_det(r);
    register_bitcast(r);
    register_pad(r);
    register_space_depth(r);
    register_trilu_eye(r);
    register_select(r);
    register_rms_norm(r);
    register_group_norm(r);
    register_lp_pool(r);
    register_losses(r);
    register_string_concat(r);
    register_string_split(r);
    register_string_normalizer(r);
    register_regex_full_match(r);
    register_tfidf_vectorizer(r);
    register_recurrent(r);
    register_grid_sample(r);
    register_affine_grid(r);
    register_col2im(r);
    register_center_crop_pad(r);
    register_quantize_linear(r);
    register_dequantize_linear(r);
    register_dynamic_quantize(r);
    register_integer_matmul_conv(r);
    register_qlinear_matmul(r);
    register_qlinear_conv(r);
    register_dft(r);
    register_stft(r);
    register_windows(r);
    register_mel_weight_matrix(r);
    register_training_optimizers(r);
    return r;
  }();
  return registry;
}

}  // namespace onyxrt::ops

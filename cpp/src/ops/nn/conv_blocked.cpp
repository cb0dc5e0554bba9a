// ai.onyxrt operators of the channel-blocked layout (kernels/conv_blocked.h), which the
// optimizer's layout stage (optimizer/layout_blocked.cpp) writes around chains of float
// convolutions on CPUs with the vector kernel; they are not part of any saved model.
//   ReorderToBlocked(X [N, C, H, W])                      -> [N, ceil(C / 16), H, W, 16]
//   ReorderFromBlocked(X [N, CB, H, W, 16]; channels = C)  -> [N, C, H, W]
//   BlockedConv(X blocked, W [M, C, KH, KW], B?, Z?)       -> Y [N, ceil(M / 16), OH, OW, 16]
// BlockedConv has FusedConv's attributes (group 1; activation none, Relu or Clip): Y =
// activation(Conv(X, W, B) + Z), Z in Y's blocked layout; W and B are constants, packed here once.
#include <limits>
#include <string>
#include <vector>

#include "ops/nn/conv_blocked.h"

#include "base/mapped_file.h"
#include "kernels/conv_blocked.h"
#include "ops/nn/conv_activation.h"
#include "ops/registry.h"
#include "ops/window_geometry.h"

namespace onyxrt::ops {
namespace {

using kernels::channel_blocks;
using kernels::kChannelBlock;

void require_float(const KernelContext& ctx, const Tensor& t, const char* what) {
  if (t.dtype() != DataType::Float)
    ctx.fail(ErrorCode::InvalidArgument, what, " must be float, got ", data_type_name(t.dtype()));
}

// Checks a blocked tensor: [N, blocks, H, W, 16].
void require_blocked(const KernelContext& ctx, const Tensor& t, const char* what) {
  require_float(ctx, t, what);
  if (t.rank() != 5 || t.dim(4) != kChannelBlock)
    ctx.fail(ErrorCode::InvalidArgument, what, " must be channel-blocked [N, blocks, H, W, 16], got shape ",
             shape_to_string(t.shape()));
}

class ReorderToBlocked final : public OpKernel {
 public:
  explicit ReorderToBlocked(const KernelInfo&) {}
  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    require_float(ctx, x, "X");
    if (x.rank() != 4)
      ctx.fail(ErrorCode::InvalidArgument, "X must be [N, C, H, W], got shape ", shape_to_string(x.shape()));
    const int64_t n = x.dim(0), c = x.dim(1);
    Tensor& y = ctx.output(0, DataType::Float, {n, channel_blocks(c), x.dim(2), x.dim(3), kChannelBlock});
    kernels::reorder_to_blocked_f32(x.data<float>(), n, c, x.dim(2) * x.dim(3), y.data<float>(), ctx.threads());
  }
};

class ReorderFromBlocked final : public OpKernel {
 public:
  explicit ReorderFromBlocked(const KernelInfo& info) : channels_(info.attr_int("channels", -1)) {
    if (channels_ < 0) info.fail(ErrorCode::InvalidGraph, "attribute 'channels' must be given and not negative");
  }
  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    require_blocked(ctx, x, "X");
    if (x.dim(1) != channel_blocks(channels_))
      ctx.fail(ErrorCode::InvalidArgument, "X has ", x.dim(1), " channel blocks; ", channels_, " channels take ",
               channel_blocks(channels_));
    const int64_t n = x.dim(0);
    Tensor& y = ctx.output(0, DataType::Float, {n, channels_, x.dim(2), x.dim(3)});
    kernels::reorder_from_blocked_f32(x.data<float>(), n, channels_, x.dim(2) * x.dim(3), y.data<float>(),
                                      ctx.threads());
  }

 private:
  int64_t channels_;
};

class BlockedConv final : public OpKernel {
 public:
  explicit BlockedConv(const KernelInfo& info)
      : window_(parse_window_attributes(info)), activation_(parse_conv_activation(info)) {
    using Kind = ConvActivation::Kind;
    if (info.attr_int("group", 1) != 1) info.fail(ErrorCode::InvalidGraph, "BlockedConv takes group 1 only");
    if (activation_.kind != Kind::None && activation_.kind != Kind::Relu && activation_.kind != Kind::Clip)
      info.fail(ErrorCode::InvalidGraph, "BlockedConv's activation must be Relu or Clip, if any");
    const Tensor* w = info.constant_input(1);
    const Tensor* b = info.has_input(2) ? info.constant_input(2) : nullptr;
    if (w == nullptr || (info.has_input(2) && b == nullptr))
      info.fail(ErrorCode::InvalidGraph, "BlockedConv needs W and B (when given) as constants");
    if (w->dtype() != DataType::Float || w->rank() != 4)
      info.fail(ErrorCode::InvalidGraph, "W must be a float [M, C, KH, KW] constant, got ", data_type_name(w->dtype()),
                " ", shape_to_string(w->shape()));
    if (b != nullptr && (b->dtype() != DataType::Float || b->rank() != 1 || b->dim(0) != w->dim(0)))
      info.fail(ErrorCode::InvalidGraph, "B must be float [", w->dim(0), "], got ", data_type_name(b->dtype()), " ",
                shape_to_string(b->shape()));
    if (!window_.kernel_shape.empty() &&
        (window_.kernel_shape.size() != 2 || window_.kernel_shape[0] != w->dim(2) || window_.kernel_shape[1] != w->dim(3)))
      info.fail(ErrorCode::InvalidGraph, "attribute 'kernel_shape' disagrees with W's shape ",
                shape_to_string(w->shape()));
    weights_ = kernels::pack_conv_blocked_weights(w->data<float>(), b != nullptr ? b->data<float>() : nullptr,
                                                  w->dim(0), w->dim(1), w->dim(2), w->dim(3));
    release_mapped_pages(w->raw(), w->nbytes());  // the packed copy is what runs read
    info.release_constant(1);
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    require_blocked(ctx, x, "X");
    if (x.dim(1) != channel_blocks(weights_.c))
      ctx.fail(ErrorCode::InvalidArgument, "X has ", x.dim(1), " channel blocks; W's ", weights_.c,
               " input channels take ", channel_blocks(weights_.c));
    const WindowPlan plan =
        resolve_window(window_, ctx, Shape{x.dim(0), weights_.c, x.dim(2), x.dim(3)}, {weights_.kh, weights_.kw});
    const kernels::ConvGeometry& g = plan.geometry;
    kernels::ConvBlockedShape s;
    s.batch = x.dim(0), s.c = weights_.c, s.m = weights_.m;
    s.ih = g.input[0], s.iw = g.input[1], s.oh = g.output[0], s.ow = g.output[1];
    s.kh = weights_.kh, s.kw = weights_.kw, s.sh = g.stride[0], s.sw = g.stride[1];
    s.dh = g.dilation[0], s.dw = g.dilation[1], s.ph = g.pad_begin[0], s.pw = g.pad_begin[1];
    Tensor& y = ctx.output(0, DataType::Float, {s.batch, channel_blocks(s.m), s.oh, s.ow, kChannelBlock});
    kernels::ConvBlockedEpilogue e;
    if (ctx.has_input(3)) {
      const Tensor& z = ctx.input(3);
      require_blocked(ctx, z, "Z");
      if (z.shape() != y.shape())
        ctx.fail(ErrorCode::InvalidArgument, "Z has shape ", shape_to_string(z.shape()), "; Y's is ",
                 shape_to_string(y.shape()));
      e.z = z.data<float>();
    }
    if (activation_.kind == ConvActivation::Kind::Relu) {
      e.clamp = true, e.lo = 0.0f, e.hi = std::numeric_limits<float>::infinity();
    } else if (activation_.kind == ConvActivation::Kind::Clip) {
      e.clamp = true, e.lo = activation_.p0, e.hi = activation_.p1;
    }
    if (y.size() == 0) return;
    kernels::conv_blocked_f32(s, weights_, x.data<float>(), y.data<float>(), e, ctx.threads());
  }

 private:
  WindowAttributes window_;
  ConvActivation activation_;
  kernels::ConvBlockedWeights weights_;
};

}  // namespace

bool conv_blocked_fast() { return kernels::conv_blocked_f32_fast(); }

void register_conv_blocked(Registry& r) {
  r.add({"ai.onyxrt", "ReorderToBlocked", 1, {DataType::Float}, make_kernel<ReorderToBlocked>});
  r.add({"ai.onyxrt", "ReorderFromBlocked", 1, {DataType::Float}, make_kernel<ReorderFromBlocked>});
  r.add({"ai.onyxrt", "BlockedConv", 1, {DataType::Float}, make_kernel<BlockedConv>});
}

}  // namespace onyxrt::ops

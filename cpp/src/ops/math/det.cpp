#include <cmath>
#include <iterator>
#include <utility>
#include <vector>

#include "ops/elementwise_types.h"
#include "ops/op_table.h"

// Det: determinants of the trailing square matrices, by LU with partial pivoting in double.
namespace onyxrt::ops {
namespace {

class DetKernel final : public OpKernel {
 public:
  explicit DetKernel(const KernelInfo&) {}

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const size_t r = x.rank();
    if (r < 2 || x.dim(r - 1) != x.dim(r - 2))
      ctx.fail(ErrorCode::InvalidArgument, "input of shape ", shape_to_string(x.shape()),
               " is not a batch of square matrices");
    const int64_t n = x.dim(r - 1);
    Shape out_shape(x.shape().begin(), x.shape().end() - 2);
    int64_t batch = 1;
    for (int64_t d : out_shape) batch *= d;
    bool supported = visit_type(x.dtype(), FloatTypeList{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* src = x.data<T>();
      Tensor& y = ctx.output(0, x.dtype(), out_shape);
      T* dst = y.data<T>();
      std::vector<double> m(static_cast<size_t>(n * n));
      for (int64_t b = 0; b < batch; ++b) {
        for (int64_t i = 0; i < n * n; ++i) m[static_cast<size_t>(i)] = static_cast<double>(to_compute(src[b * n * n + i]));
        double det = 1.0;
        for (int64_t c = 0; c < n && det != 0.0; ++c) {
          int64_t p = c;
          for (int64_t i = c + 1; i < n; ++i)
            if (std::fabs(m[static_cast<size_t>(i * n + c)]) > std::fabs(m[static_cast<size_t>(p * n + c)])) p = i;
          const double pivot = m[static_cast<size_t>(p * n + c)];
          if (pivot == 0.0) {
            det = 0.0;
            break;
          }
          if (p != c) {
            for (int64_t j = 0; j < n; ++j) std::swap(m[static_cast<size_t>(p * n + j)], m[static_cast<size_t>(c * n + j)]);
            det = -det;
          }
          det *= pivot;
          for (int64_t i = c + 1; i < n; ++i) {
            const double f = m[static_cast<size_t>(i * n + c)] / pivot;
            if (f == 0.0) continue;
            for (int64_t j = c + 1; j < n; ++j) m[static_cast<size_t>(i * n + j)] -= f * m[static_cast<size_t>(c * n + j)];
          }
        }
        dst[b] = from_compute<T>(static_cast<compute_t<T>>(det));
      }
    });
    if (!supported) ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(x.dtype()), " is not supported");
  }
};

constexpr OpRow kDetRows[] = {
    {"Det", 11, kIeeeFloatTypes, make_kernel<DetKernel>},
    {"Det", 22, kFloatTypes, make_kernel<DetKernel>},
};
static_assert(std::size(kDetRows) == 2, "update the row count together with the table");

}  // namespace

void register_det(Registry& r) { register_rows(r, kDetRows); }

}  // namespace onyxrt::ops

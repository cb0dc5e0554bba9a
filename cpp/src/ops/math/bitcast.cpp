#include <cstring>
#include <iterator>

#include "ops/elementwise_types.h"
#include "ops/op_table.h"

// BitCast: the same bytes (little endian) read as another element type of the same width.
namespace onyxrt::ops {
namespace {

class BitCastKernel final : public OpKernel {
 public:
  explicit BitCastKernel(const KernelInfo& info) {
    const int64_t to = info.required_int("to");
    if (to != static_cast<int32_t>(to) || !data_type_is_valid(static_cast<int32_t>(to)) ||
        static_cast<DataType>(to) == DataType::String)
      info.fail(ErrorCode::InvalidGraph, "attribute 'to' is ", to, ", not a non-string element type");
    to_ = static_cast<DataType>(to);
  }

  void compute(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.dtype() == DataType::String || data_type_bits(x.dtype()) != data_type_bits(to_))
      ctx.fail(ErrorCode::InvalidArgument, "cannot bit-cast ", data_type_name(x.dtype()), " (", data_type_bits(x.dtype()),
               " bits) to ", data_type_name(to_), " (", data_type_bits(to_), " bits)");
    Tensor& y = ctx.output(0, to_, x.shape());
    if (x.nbytes() != y.nbytes()) ctx.fail(ErrorCode::InvalidArgument, "storage sizes differ");
    if (x.nbytes() > 0) std::memcpy(y.raw(), x.raw(), x.nbytes());
  }

 private:
  DataType to_ = DataType::Undefined;
};

constexpr OpRow kBitCastRows[] = {
    {"BitCast", 26, TypeSet::all(), make_kernel<BitCastKernel>},
};
static_assert(std::size(kBitCastRows) == 1, "update the row count together with the table");

}  // namespace

void register_bitcast(Registry& r) { register_rows(r, kBitCastRows); }

}  // namespace onyxrt::ops

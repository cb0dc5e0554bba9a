#include "ops/tensor/cast_small.h"

#include <vector>

#include "ops/elementwise_types.h"
#include "ops/tensor/cast_string.h"

// Small types go through one wide intermediate per element: int64 when both sides are integers
// (exact, so int64 -> int4 keeps the low bits), double otherwise (exact for every source, one
// rounding into the target, as ml_dtypes does). Small tensors are rare, so clarity wins here.
namespace onyxrt::ops {
namespace {

bool is_small_int(DataType t) {
  return t == DataType::Int4 || t == DataType::UInt4 || t == DataType::Int2 || t == DataType::UInt2;
}
bool is_signed_small_int(DataType t) { return t == DataType::Int4 || t == DataType::Int2; }

bool is_integer_like(DataType t) { return is_small_int(t) || t == DataType::Bool || kIntTypes.contains(t); }

// Packed elements of `bits` bits (4 or 2), element i in the low bits first.
unsigned read_bits(const uint8_t* data, int64_t i, int bits) {
  const int64_t per_byte = 8 / bits;
  const unsigned shift = static_cast<unsigned>((i % per_byte) * bits);
  return (data[i / per_byte] >> shift) & ((1u << bits) - 1);
}

void write_bits(uint8_t* data, int64_t i, int bits, unsigned value) {
  const int64_t per_byte = 8 / bits;
  const unsigned shift = static_cast<unsigned>((i % per_byte) * bits), mask = (1u << bits) - 1;
  uint8_t& byte = data[i / per_byte];
  byte = static_cast<uint8_t>((byte & ~(mask << shift)) | ((value & mask) << shift));
}

int64_t read_small_int(const Tensor& t, int64_t i) {
  const int bits = data_type_bits(t.dtype());
  const unsigned v = read_bits(t.data<uint8_t>(), i, bits);
  const bool negative = is_signed_small_int(t.dtype()) && (v >> (bits - 1)) != 0;
  return negative ? static_cast<int64_t>(v) - (int64_t{1} << bits) : static_cast<int64_t>(v);
}

// One source element as double (any source type).
double read_double(const KernelContext& ctx, const Tensor& x, int64_t i) {
  const DataType t = x.dtype();
  if (is_small_int(t)) return static_cast<double>(read_small_int(x, i));
  if (t == DataType::Float8E8M0) return e8m0_decode(x.data<uint8_t>()[i]);
  if (const MiniFloatFormat* f = minifloat_format(t)) {
    const uint8_t raw = data_type_bits(t) == 4 ? static_cast<uint8_t>(read_bits(x.data<uint8_t>(), i, 4))
                                               : x.data<uint8_t>()[i];
    return minifloat_decode(*f, raw);
  }
  if (t == DataType::String) {
    double v = 0;
    if (!parse_number(x.data<std::string>()[i], v))
      ctx.fail(ErrorCode::InvalidArgument, "element ", i, " (\"", x.data<std::string>()[i].substr(0, 64),
               "\") is not a number");
    return v;
  }
  double v = 0;
  visit_type(t, NumericBoolTypeList{}, [&](auto tag) {
    using S = typename decltype(tag)::type;
    v = static_cast<double>(to_compute(x.data<S>()[i]));
  });
  return v;
}

int64_t read_integer(const Tensor& x, int64_t i) {
  if (is_small_int(x.dtype())) return read_small_int(x, i);
  int64_t v = 0;
  visit_type(x.dtype(), decltype(IntTypeList{} + BoolTypeList{}){}, [&](auto tag) {
    using S = typename decltype(tag)::type;
    v = static_cast<int64_t>(x.data<S>()[i]);
  });
  return v;
}

void write_integer(Tensor& y, int64_t i, int64_t v) {
  const DataType t = y.dtype();
  if (is_small_int(t)) {
    write_bits(y.data<uint8_t>(), i, data_type_bits(t), static_cast<unsigned>(static_cast<uint64_t>(v)));
    return;
  }
  visit_type(t, decltype(IntTypeList{} + BoolTypeList{}){}, [&](auto tag) {
    using D = typename decltype(tag)::type;
    if constexpr (std::is_same_v<D, bool>) {
      y.data<D>()[i] = v != 0;
    } else {
      y.data<D>()[i] = static_cast<D>(static_cast<uint64_t>(v));  // wraps, as the spec says
    }
  });
}

void write_double(Tensor& y, int64_t i, double v, const CastOptions& options) {
  const DataType t = y.dtype();
  if (is_small_int(t)) {
    write_integer(y, i, float_to_integer<int64_t>(v));  // truncate, then wrap (ml_dtypes)
  } else if (t == DataType::Float8E8M0) {
    y.data<uint8_t>()[i] = e8m0_encode(static_cast<float>(v), options.saturate, options.e8m0_rounding);
  } else if (const MiniFloatFormat* f = minifloat_format(t)) {
    const uint8_t bits = minifloat_encode(*f, v, options.saturate);
    if (data_type_bits(t) == 4) {
      write_bits(y.data<uint8_t>(), i, 4, bits);
    } else {
      y.data<uint8_t>()[i] = bits;
    }
  } else if (t == DataType::String) {
    y.data<std::string>()[i] = to_numpy_string(static_cast<float>(v));
  } else {
    visit_type(t, NumericBoolTypeList{}, [&](auto tag) {
      using D = typename decltype(tag)::type;
      if constexpr (std::is_same_v<D, bool>) {
        y.data<D>()[i] = v != 0;
      } else if constexpr (std::is_integral_v<D>) {
        y.data<D>()[i] = float_to_integer<D>(v);
      } else {
        y.data<D>()[i] = from_compute<D>(static_cast<compute_t<D>>(v));
      }
    });
  }
}

}  // namespace

bool is_small_type(DataType type) {
  return is_small_int(type) || type == DataType::Float8E8M0 || minifloat_format(type) != nullptr;
}

void cast_small(const KernelContext& ctx, const Tensor& x, Tensor& y, const CastOptions& options) {
  const int64_t n = x.size();
  if (is_integer_like(x.dtype()) && is_integer_like(y.dtype())) {
    for (int64_t i = 0; i < n; ++i) write_integer(y, i, read_integer(x, i));
  } else {
    for (int64_t i = 0; i < n; ++i) write_double(y, i, read_double(ctx, x, i), options);
  }
}

}  // namespace onyxrt::ops

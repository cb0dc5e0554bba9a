#include <algorithm>
#include <cstring>
#include <iterator>

#include "base/parallel.h"
#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/tensor/tensor_args.h"

namespace onyxrt::ops {
namespace {

// A dense tensor from a sparse_value attribute: `values` (nnz) at `indices` (nnz linear
// positions, or [nnz, rank] coordinates) in `dims`, zeros elsewhere. Indices are checked.
Tensor densify(const KernelInfo& info, const ir::SparseTensor& sparse) {
  const Tensor& values = sparse.values;
  const Tensor& idx = sparse.indices;
  const int64_t nnz = values.size();
  const size_t rank = sparse.dims.size();
  const bool linear = idx.rank() == 1;
  if (values.rank() != 1 || idx.dtype() != DataType::Int64 ||
      !((linear && idx.size() == nnz) || (idx.rank() == 2 && idx.dim(0) == nnz && idx.dim(1) == int64_t(rank))))
    info.fail(ErrorCode::InvalidGraph, "attribute 'sparse_value' has values of shape ",
              shape_to_string(values.shape()), " and ", data_type_name(idx.dtype()), " indices of shape ",
              shape_to_string(idx.shape()), ", which do not describe a sparse tensor of shape ",
              shape_to_string(sparse.dims));
  Tensor dense(values.dtype(), sparse.dims);
  const int64_t* ix = idx.data<int64_t>();
  bool supported = visit_element_width(values.dtype(), [&](auto tag) {
    using W = typename decltype(tag)::type;
    for (int64_t k = 0; k < nnz; ++k) {
      int64_t offset = 0;
      if (linear) {
        offset = ix[k];
      } else {
        for (size_t d = 0; d < rank && offset >= 0; ++d) {
          int64_t i = ix[k * int64_t(rank) + int64_t(d)];
          offset = (i < 0 || i >= sparse.dims[d]) ? -1 : offset * sparse.dims[d] + i;
        }
      }
      if (offset < 0 || offset >= dense.size())
        info.fail(ErrorCode::InvalidGraph, "attribute 'sparse_value': the index of value ", k, " is out of range");
      dense.data<W>()[offset] = values.data<W>()[k];
    }
  });
  if (!supported)
    info.fail(ErrorCode::NotImplemented, "sparse_value of element type ", data_type_name(values.dtype()),
              " is not supported");
  return dense;
}

template <class T>
Tensor tensor_of(DataType type, const std::vector<T>& values, bool scalar) {
  Tensor t(type, scalar ? Shape{} : Shape{static_cast<int64_t>(values.size())});
  std::copy(values.begin(), values.end(), t.data<T>());
  return t;
}

// Constant: its one value attribute, made a tensor once at session creation and shared by
// every run (no copy).
class ConstantKernel final : public OpKernel {
 public:
  explicit ConstantKernel(const KernelInfo& info) {
    const ir::Node& node = info.node();
    int given = 0;
    for (const ir::Attribute& a : node.attributes) {
      ++given;
      if (a.name == "value") {
        value_ = info.required_tensor("value");
      } else if (a.name == "sparse_value") {
        if (a.type != ir::AttrType::SparseTensor)
          info.fail(ErrorCode::InvalidGraph, "attribute 'sparse_value' has type ", ir::attr_type_name(a.type));
        value_ = densify(info, a.sparse_tensor);
      } else if (a.name == "value_float") {
        value_ = tensor_of(DataType::Float, std::vector<float>{info.attr_float("value_float", 0)}, true);
      } else if (a.name == "value_floats") {
        value_ = tensor_of(DataType::Float, info.attr_floats("value_floats"), false);
      } else if (a.name == "value_int") {
        value_ = tensor_of(DataType::Int64, std::vector<int64_t>{info.attr_int("value_int", 0)}, true);
      } else if (a.name == "value_ints") {
        value_ = tensor_of(DataType::Int64, info.attr_ints("value_ints"), false);
      } else if (a.name == "value_string") {
        value_ = tensor_of(DataType::String, std::vector<std::string>{info.attr_string("value_string", "")}, true);
      } else if (a.name == "value_strings") {
        value_ = tensor_of(DataType::String, info.attr_strings("value_strings"), false);
      } else {
        --given;  // an attribute Constant does not know; ignored like other runtimes do
      }
    }
    if (given != 1) info.fail(ErrorCode::InvalidGraph, "needs exactly one value attribute, got ", given);
  }

  void compute(KernelContext& ctx) const override { ctx.set_output(0, value_); }

 private:
  Tensor value_;
};

// ConstantOfShape: a tensor of the `shape` input filled with the one element of 'value'
// (float 0 by default).
class ConstantOfShapeKernel final : public OpKernel {
 public:
  explicit ConstantOfShapeKernel(const KernelInfo& info) {
    const Tensor* value = info.attr_tensor("value");
    if (value == nullptr) {
      value_ = Tensor(DataType::Float, {1});
    } else {
      if (value->size() != 1)
        info.fail(ErrorCode::InvalidGraph, "attribute 'value' must hold one element, got shape ",
                  shape_to_string(value->shape()));
      value_ = *value;
    }
  }

  void compute(KernelContext& ctx) const override {
    Shape shape = read_int64_list(ctx, 0, "shape");
    for (int64_t d : shape)
      if (d < 0) ctx.fail(ErrorCode::InvalidArgument, "shape ", shape_to_string(shape), " has a negative dim");
    checked_output_size(ctx, shape);
    Tensor& out = ctx.output(0, value_.dtype(), shape);
    bool supported = visit_element_width(value_.dtype(), [&](auto tag) {
      using W = typename decltype(tag)::type;
      const W v = value_.data<W>()[0];
      W* dst = out.data<W>();
      parallel_for(out.size(), 65536, ctx.threads(), [&](int64_t begin, int64_t end) { std::fill(dst + begin, dst + end, v); });
    });
    if (!supported)
      ctx.fail(ErrorCode::NotImplemented, "value of element type ", data_type_name(value_.dtype()), " is not supported");
  }

 private:
  Tensor value_;
};

// Constant's later versions only add attribute forms and types, all served by one kernel.
// ConstantOfShape's first input is the int64 shape (what the executor checks).
constexpr OpRow kConstantRows[] = {
    {"Constant", 1, TypeSet::all(), make_kernel<ConstantKernel>},
    {"ConstantOfShape", 9, TypeSet{DataType::Int64}, make_kernel<ConstantOfShapeKernel>},
};
static_assert(std::size(kConstantRows) == 2, "update the row count together with the table");

}  // namespace

void register_constant(Registry& r) { register_rows(r, kConstantRows); }

}  // namespace onyxrt::ops

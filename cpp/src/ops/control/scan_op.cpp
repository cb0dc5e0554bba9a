// Scan: runs a body once per slice of its scan inputs, threading state variables through the
// iterations and stacking the body's per-iteration scan outputs.
//   Scan-8:  (sequence_lens?, states..., scans...) with a batch axis 0 and the sequence on axis 1;
//            each batch row is scanned on its own, for sequence_lens[b] steps, outputs zero-padded.
//   Scan-9+: (states..., scans...) with no batch axis; per-input axes and directions, per-output
//            axes and directions (prepend). Versions 11..25 add negative axes and element types;
//            negative axes are accepted from 9 as well, as onnxruntime does.
#include <algorithm>

#include "ops/axis_copy.h"
#include "ops/registry.h"
#include "ops/value_text.h"

namespace onyxrt::ops {
namespace {

// The body and the input/output counts shared by both versions: N states, M scan inputs and
// K scan outputs; `leading` inputs (Scan-8's sequence_lens) come before the states.
struct ScanLayout {
  std::unique_ptr<Subgraph> body;
  size_t states = 0, scan_inputs = 0, scan_outputs = 0;

  ScanLayout(const KernelInfo& info, size_t leading) : body(info.compile_subgraph("body")) {
    const int64_t m = info.required_int("num_scan_inputs");
    const size_t variadic = info.input_count() > leading ? info.input_count() - leading : 0;
    if (m < 1 || m > static_cast<int64_t>(variadic))
      info.fail(ErrorCode::InvalidGraph, "num_scan_inputs is ", m, " but the node has ", variadic,
                " state and scan inputs");
    scan_inputs = static_cast<size_t>(m);
    states = variadic - scan_inputs;
    if (body->inputs().size() != states + scan_inputs)
      info.fail(ErrorCode::InvalidGraph, "the body takes ", body->inputs().size(), " inputs but the node passes ",
                states + scan_inputs, " (", states, " states, ", scan_inputs, " scan inputs)");
    if (body->outputs().size() < states)
      info.fail(ErrorCode::InvalidGraph, "the body has ", body->outputs().size(), " outputs, fewer than the ", states,
                " state variables");
    scan_outputs = body->outputs().size() - states;
    if (info.output_count() > states + scan_outputs)
      info.fail(ErrorCode::InvalidGraph, "the node has ", info.output_count(), " outputs but the body yields ",
                states + scan_outputs);
  }

  const std::string& scan_output_name(size_t k) const { return body->outputs()[states + k].name; }

  // The declared per-iteration shape of scan output k (unknown dims as 0) and its type: what a
  // scan output is built from when the body never ran.
  Shape declared_item_shape(size_t k) const {
    Shape s;
    for (const Dim& d : body->outputs()[states + k].type.dims) s.push_back(d.is_fixed() ? d.value : 0);
    return s;
  }
  DataType declared_item_type(size_t k) const {
    DataType t = body->outputs()[states + k].type.elem_type;
    return t == DataType::Undefined ? DataType::Float : t;
  }
};

// A list attribute of `count` flags (0 when absent), each 0 or 1.
std::vector<int64_t> read_directions(const KernelInfo& info, const char* name, size_t count) {
  std::vector<int64_t> d = info.attr_ints(name, std::vector<int64_t>(count, 0));
  if (d.size() != count)
    info.fail(ErrorCode::InvalidGraph, "attribute '", name, "' has ", d.size(), " entries, expected ", count);
  for (int64_t v : d)
    if (v != 0 && v != 1) info.fail(ErrorCode::InvalidGraph, "attribute '", name, "' holds ", v, "; use 0 or 1");
  return d;
}

const Tensor& scan_output_item(const KernelContext& ctx, const ScanLayout& layout, size_t k, const Value& v,
                               const std::vector<Tensor>& earlier) {
  if (!v.is_tensor())
    ctx.fail(ErrorCode::InvalidArgument, "scan output '", layout.scan_output_name(k), "' must be a tensor, got ",
             describe_value(v));
  const Tensor& t = v.tensor();
  if (!earlier.empty() && (t.shape() != earlier[0].shape() || t.dtype() != earlier[0].dtype()))
    ctx.fail(ErrorCode::InvalidArgument, "scan output '", layout.scan_output_name(k), "' changes between iterations: ",
             describe_value(Value(earlier[0])), " then ", describe_value(v));
  return t;
}

// ---- Scan-9 and later ------------------------------------------------------------------------

class Scan9 final : public OpKernel {
 public:
  explicit Scan9(const KernelInfo& info) : layout_(info, 0) {
    input_axes_ = info.attr_ints("scan_input_axes", std::vector<int64_t>(layout_.scan_inputs, 0));
    output_axes_ = info.attr_ints("scan_output_axes", std::vector<int64_t>(layout_.scan_outputs, 0));
    if (input_axes_.size() != layout_.scan_inputs)
      info.fail(ErrorCode::InvalidGraph, "attribute 'scan_input_axes' has ", input_axes_.size(), " entries, expected ",
                layout_.scan_inputs);
    if (output_axes_.size() != layout_.scan_outputs)
      info.fail(ErrorCode::InvalidGraph, "attribute 'scan_output_axes' has ", output_axes_.size(),
                " entries, expected ", layout_.scan_outputs);
    input_directions_ = read_directions(info, "scan_input_directions", layout_.scan_inputs);
    output_directions_ = read_directions(info, "scan_output_directions", layout_.scan_outputs);
  }

  void compute(KernelContext& ctx) const override {
    const size_t n = layout_.states, m = layout_.scan_inputs, k_count = layout_.scan_outputs;
    std::vector<Tensor> scans;
    std::vector<int64_t> axes;
    int64_t length = -1;
    for (size_t i = 0; i < m; ++i) {
      const Tensor& x = ctx.input(n + i);
      const int64_t rank = static_cast<int64_t>(x.rank());
      const int64_t axis = input_axes_[i];
      if (rank == 0 || axis < -rank || axis >= rank)
        ctx.fail(ErrorCode::InvalidArgument, "scan_input_axes[", i, "] = ", axis, " is out of range for scan input '",
                 ctx.node().inputs[n + i], "' of shape ", shape_to_string(x.shape()));
      axes.push_back(axis < 0 ? axis + rank : axis);
      const int64_t len = x.dim(static_cast<size_t>(axes.back()));
      if (length >= 0 && len != length)
        ctx.fail(ErrorCode::InvalidArgument, "scan inputs differ in sequence length: '", ctx.node().inputs[n], "' has ",
                 length, " along its scan axis but '", ctx.node().inputs[n + i], "' has ", len);
      length = len;
      scans.push_back(x);
    }
    if (too_many_pieces(length, scans[0].size()))
      ctx.fail(ErrorCode::InvalidArgument, "scanning shape ", shape_to_string(scans[0].shape()), " would take ", length,
               " steps, more than the input has elements");

    std::vector<Value> body_inputs(n + m);
    for (size_t i = 0; i < n; ++i) body_inputs[i] = ctx.has_input(i) ? ctx.input_value(i) : Value();
    std::vector<std::vector<Tensor>> items(k_count);
    for (int64_t t = 0; t < length; ++t) {
      for (size_t i = 0; i < m; ++i)
        body_inputs[n + i] = take_along_axis(scans[i], axes[i], input_directions_[i] ? length - 1 - t : t);
      std::vector<Value> outputs = ctx.run_subgraph(*layout_.body, body_inputs);
      for (size_t i = 0; i < n; ++i) body_inputs[i] = std::move(outputs[i]);
      for (size_t k = 0; k < k_count; ++k)
        items[k].push_back(scan_output_item(ctx, layout_, k, outputs[n + k], items[k]));
    }

    for (size_t i = 0; i < n; ++i) ctx.set_output(i, std::move(body_inputs[i]));
    for (size_t k = 0; k < k_count; ++k) {
      // Prepending each item is appending and reversing at the end.
      if (output_directions_[k]) std::reverse(items[k].begin(), items[k].end());
      const Shape item_shape = items[k].empty() ? layout_.declared_item_shape(k) : items[k][0].shape();
      const int64_t out_rank = static_cast<int64_t>(item_shape.size()) + 1;
      int64_t axis = output_axes_[k];
      if (axis < -out_rank || axis >= out_rank)
        ctx.fail(ErrorCode::InvalidArgument, "scan_output_axes[", k, "] = ", axis, " is out of range for scan output '",
                 layout_.scan_output_name(k), "' of rank ", out_rank);
      if (axis < 0) axis += out_rank;
      ctx.set_output(n + k, stack_along_new_axis(items[k], axis, item_shape, layout_.declared_item_type(k)));
    }
  }

 private:
  ScanLayout layout_;
  std::vector<int64_t> input_axes_, output_axes_, input_directions_, output_directions_;
};

// ---- Scan-8 ----------------------------------------------------------------------------------

class Scan8 final : public OpKernel {
 public:
  explicit Scan8(const KernelInfo& info) : layout_(info, 1) {
    directions_ = read_directions(info, "directions", layout_.scan_inputs);
  }

  void compute(KernelContext& ctx) const override {
    const size_t n = layout_.states, m = layout_.scan_inputs, k_count = layout_.scan_outputs;
    // Every state and scan input has the batch on axis 0; scan inputs have the sequence on axis 1.
    int64_t batch = -1, max_length = -1;
    std::vector<Tensor> states, scans;
    for (size_t i = 0; i < n + m; ++i) {
      const Tensor& x = ctx.input(1 + i);
      const bool is_scan = i >= n;
      if (x.rank() < (is_scan ? 2u : 1u))
        ctx.fail(ErrorCode::InvalidArgument, is_scan ? "scan input '" : "state '", ctx.node().inputs[1 + i],
                 "' has shape ", shape_to_string(x.shape()), "; it needs a batch axis",
                 is_scan ? " and a sequence axis" : "");
      if (batch >= 0 && x.dim(0) != batch)
        ctx.fail(ErrorCode::InvalidArgument, "input '", ctx.node().inputs[1 + i], "' has batch size ", x.dim(0),
                 " but an earlier input has ", batch);
      batch = x.dim(0);
      if (is_scan && max_length >= 0 && x.dim(1) != max_length)
        ctx.fail(ErrorCode::InvalidArgument, "scan inputs differ in sequence length: '", ctx.node().inputs[1 + n],
                 "' has ", max_length, " but '", ctx.node().inputs[1 + i], "' has ", x.dim(1));
      if (is_scan) max_length = x.dim(1);
      (is_scan ? scans : states).push_back(x);
    }
    int64_t steps = 0;
    if (__builtin_mul_overflow(batch, std::max<int64_t>(max_length, 1), &steps) ||
        too_many_pieces(steps, scans[0].size()))
      ctx.fail(ErrorCode::InvalidArgument, "scanning shape ", shape_to_string(scans[0].shape()), " would take ",
               batch, " x ", max_length, " steps, more than the input has elements");
    const std::vector<int64_t> lengths = read_lengths(ctx, batch, max_length);

    // Per batch row: the final states and the scan items, in iteration order.
    std::vector<std::vector<Tensor>> final_states(n);
    std::vector<std::vector<std::vector<Tensor>>> items(k_count, std::vector<std::vector<Tensor>>(batch));
    std::vector<Value> body_inputs(n + m);
    for (int64_t b = 0; b < batch; ++b) {
      for (size_t i = 0; i < n; ++i) body_inputs[i] = take_along_axis(states[i], 0, b);
      std::vector<Tensor> rows;
      for (size_t i = 0; i < m; ++i) rows.push_back(take_along_axis(scans[i], 0, b));
      const int64_t length = lengths[b];
      for (int64_t t = 0; t < length; ++t) {
        // A reverse scan starts at the row's last valid step, skipping the padding.
        for (size_t i = 0; i < m; ++i)
          body_inputs[n + i] = take_along_axis(rows[i], 0, directions_[i] ? length - 1 - t : t);
        std::vector<Value> outputs = ctx.run_subgraph(*layout_.body, body_inputs);
        for (size_t i = 0; i < n; ++i) body_inputs[i] = std::move(outputs[i]);
        for (size_t k = 0; k < k_count; ++k) {
          const std::vector<Tensor>& seen = first_items(items[k]);
          items[k][b].push_back(scan_output_item(ctx, layout_, k, outputs[n + k], seen));
        }
      }
      for (size_t i = 0; i < n; ++i) final_states[i].push_back(state_tensor(ctx, i, body_inputs[i], final_states[i]));
    }

    for (size_t i = 0; i < n; ++i) {
      const Shape row_shape(states[i].shape().begin() + 1, states[i].shape().end());
      ctx.set_output(i, stack_along_new_axis(final_states[i], 0, row_shape, states[i].dtype()));
    }
    for (size_t k = 0; k < k_count; ++k) ctx.set_output(n + k, padded_scan_output(k, items[k], batch, max_length));
  }

 private:
  std::vector<int64_t> read_lengths(const KernelContext& ctx, int64_t batch, int64_t max_length) const {
    if (!ctx.has_input(0)) return std::vector<int64_t>(static_cast<size_t>(batch), max_length);
    const Tensor& lens = ctx.input(0);
    if (lens.dtype() != DataType::Int64 || lens.rank() != 1 || lens.dim(0) != batch)
      ctx.fail(ErrorCode::InvalidArgument, "sequence_lens must be a 1-D int64 tensor of the batch size ", batch,
               ", got ", describe_value(Value(lens)));
    std::vector<int64_t> out(lens.data<int64_t>(), lens.data<int64_t>() + batch);
    for (int64_t b = 0; b < batch; ++b)
      if (out[b] < 0 || out[b] > max_length)
        ctx.fail(ErrorCode::InvalidArgument, "sequence_lens[", b, "] = ", out[b], " is outside [0, ", max_length,
                 "], the scan inputs' sequence length");
    return out;
  }

  // The items of the first batch row that has any: what later rows must match.
  static const std::vector<Tensor>& first_items(const std::vector<std::vector<Tensor>>& rows) {
    for (const auto& r : rows)
      if (!r.empty()) return r;
    return rows.front();
  }

  const Tensor& state_tensor(const KernelContext& ctx, size_t i, const Value& v,
                             const std::vector<Tensor>& earlier) const {
    const std::string& name = layout_.body->outputs()[i].name;
    if (!v.is_tensor())
      ctx.fail(ErrorCode::InvalidArgument, "state output '", name, "' must be a tensor, got ", describe_value(v));
    if (!earlier.empty() && (v.tensor().shape() != earlier[0].shape() || v.tensor().dtype() != earlier[0].dtype()))
      ctx.fail(ErrorCode::InvalidArgument, "state output '", name, "' differs between batch rows: ",
               describe_value(Value(earlier[0])), " then ", describe_value(v));
    return v.tensor();
  }

  // [batch, max_length, item...]: row b holds its items first, zeros after.
  Tensor padded_scan_output(size_t k, const std::vector<std::vector<Tensor>>& rows, int64_t batch,
                            int64_t max_length) const {
    const std::vector<Tensor>* first = batch > 0 ? &first_items(rows) : nullptr;
    const bool any = first != nullptr && !first->empty();
    Shape item_shape = any ? (*first)[0].shape() : layout_.declared_item_shape(k);
    DataType type = any ? (*first)[0].dtype() : layout_.declared_item_type(k);
    Shape shape{batch, max_length};
    shape.insert(shape.end(), item_shape.begin(), item_shape.end());
    Tensor out(type, shape);  // zero-filled: the padding
    const int64_t item_size = shape_size(item_shape);
    for (int64_t b = 0; b < batch; ++b)
      for (size_t t = 0; t < rows[b].size(); ++t)
        copy_elements(rows[b][t], 0, out, (b * max_length + static_cast<int64_t>(t)) * item_size, item_size);
    return out;
  }

  ScanLayout layout_;
  std::vector<int64_t> directions_;
};

}  // namespace

void register_scan(Registry& r) {
  r.add({"", "Scan", 8, TypeSet::all(), make_kernel<Scan8>});
  r.add({"", "Scan", 9, TypeSet::all(), make_kernel<Scan9>});
}

}  // namespace onyxrt::ops

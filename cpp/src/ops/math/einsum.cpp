#include <algorithm>
#include <array>
#include <iterator>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/gemm.h"
#include "ops/elementwise_types.h"
#include "ops/op_table.h"
#include "ops/shape_check.h"
#include "ops/tensor/strided_copy.h"

// Einsum: the equation is parsed once (labels a-z, A-Z and '...'), each input's dims are mapped
// to labels at run time (the ellipsis takes the dims the letters leave), and the product is a
// loop over every label: output labels outside, contracted labels inside. A label repeated in an
// input reads its diagonal (the strides add up); a dim of 1 broadcasts (stride 0).
namespace onyxrt::ops {
namespace {

constexpr int kLetters = 52;
constexpr int kEllipsis = -1;  // a term's marker for '...'

int letter_id(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;  // numpy's implicit order: uppercase first
  if (c >= 'A' && c <= 'Z') return c - 'A';
  return -2;
}

class EinsumKernel final : public OpKernel {
 public:
  explicit EinsumKernel(const KernelInfo& info) {
    std::string eq;
    for (char c : info.attr_string("equation", "")) if (c != ' ') eq += c;
    if (eq.empty()) info.fail(ErrorCode::InvalidGraph, "attribute 'equation' is missing or empty");
    const size_t arrow = eq.find("->");
    const std::string lhs = eq.substr(0, arrow);
    size_t start = 0;
    while (true) {
      const size_t comma = lhs.find(',', start);
      inputs_.push_back(parse_term(info, lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (inputs_.size() != info.input_count())
      info.fail(ErrorCode::InvalidGraph, "equation '", eq, "' has ", inputs_.size(), " operands, the node has ",
                info.input_count(), " inputs");
    if (arrow != std::string::npos) {
      output_ = parse_term(info, eq.substr(arrow + 2));
      std::array<int, kLetters> seen{};
      for (int id : output_) {
        if (id == kEllipsis) continue;
        if (seen[static_cast<size_t>(id)]++) info.fail(ErrorCode::InvalidGraph, "output label repeated in '", eq, "'");
        bool found = false;
        for (const auto& term : inputs_) found = found || std::find(term.begin(), term.end(), id) != term.end();
        if (!found) info.fail(ErrorCode::InvalidGraph, "output label not in any input of '", eq, "'");
      }
    } else {  // implicit: the ellipsis, then labels used once, in alphabetical order
      std::array<int, kLetters> count{};
      for (const auto& term : inputs_)
        for (int id : term) if (id != kEllipsis) ++count[static_cast<size_t>(id)];
      output_.push_back(kEllipsis);
      for (int id = 0; id < kLetters; ++id) if (count[static_cast<size_t>(id)] == 1) output_.push_back(id);
    }
  }

  void compute(KernelContext& ctx) const override {
    const size_t n_in = inputs_.size();
    // Ellipsis rank of each input, and the widest (right-aligned, broadcasting).
    size_t ell = 0;
    std::vector<size_t> ell_of(n_in, 0);
    for (size_t i = 0; i < n_in; ++i) {
      const Tensor& t = ctx.input(i);
      const size_t letters = inputs_[i].size() - (has_ellipsis(inputs_[i]) ? 1 : 0);
      if (t.rank() < letters || (!has_ellipsis(inputs_[i]) && t.rank() != letters))
        ctx.fail(ErrorCode::InvalidArgument, "input ", i, " of shape ", shape_to_string(t.shape()),
                 " does not match its term of ", letters, " labels");
      ell_of[i] = t.rank() - letters;
      ell = std::max(ell, ell_of[i]);
      if (t.dtype() != ctx.input(0).dtype())
        ctx.fail(ErrorCode::InvalidArgument, "input ", i, " has element type ", data_type_name(t.dtype()));
    }
    // Label ids: letters 0..51, ellipsis dim e -> 52 + e.
    const size_t n_labels = kLetters + ell;
    std::vector<int64_t> size(n_labels, -1);
    // Per input, per dim: its label.
    std::vector<std::vector<size_t>> dim_labels(n_in);
    for (size_t i = 0; i < n_in; ++i) {
      const Tensor& t = ctx.input(i);
      for (int id : inputs_[i]) {
        if (id == kEllipsis) {
          for (size_t e = 0; e < ell_of[i]; ++e) dim_labels[i].push_back(kLetters + ell - ell_of[i] + e);
        } else {
          dim_labels[i].push_back(static_cast<size_t>(id));
        }
      }
      for (size_t d = 0; d < t.rank(); ++d) {
        int64_t& s = size[dim_labels[i][d]];
        const int64_t v = t.dim(d);
        if (s == -1 || s == 1) {
          s = v;
        } else if (v != s && v != 1) {
          ctx.fail(ErrorCode::InvalidArgument, "dim ", d, " of input ", i, " (", v, ") conflicts with the other uses of its label");
        }
      }
    }
    // Output labels, then the contracted ones.
    std::vector<size_t> out_labels;
    for (int id : output_) {
      if (id == kEllipsis) {
        for (size_t e = 0; e < ell; ++e) out_labels.push_back(kLetters + e);
      } else {
        out_labels.push_back(static_cast<size_t>(id));
      }
    }
    std::vector<bool> is_out(n_labels, false);
    for (size_t l : out_labels) is_out[l] = true;
    std::vector<size_t> loop = out_labels;
    for (size_t l = 0; l < n_labels; ++l) if (size[l] >= 0 && !is_out[l]) loop.push_back(l);
    for (size_t l : out_labels) if (size[l] < 0) size[l] = 1;  // an ellipsis dim no input has
    Shape out_shape;
    for (size_t l : out_labels) out_shape.push_back(size[l]);
    checked_output_size(ctx, out_shape);
    // strides[i][k]: input i's step for loop label k (0 when broadcast or absent).
    std::vector<std::vector<int64_t>> strides(n_in, std::vector<int64_t>(loop.size(), 0));
    for (size_t i = 0; i < n_in; ++i) {
      const Tensor& t = ctx.input(i);
      int64_t s = 1;
      for (size_t d = t.rank(); d-- > 0;) {
        if (t.dim(d) != 1) {
          const size_t k = static_cast<size_t>(std::find(loop.begin(), loop.end(), dim_labels[i][d]) - loop.begin());
          strides[i][k] += s;
        }
        s *= t.dim(d);
      }
    }
    const size_t n_out = out_labels.size();
    int64_t out_count = 1, inner_count = 1;
    for (size_t k = 0; k < loop.size(); ++k) (k < n_out ? out_count : inner_count) *= size[loop[k]];
    const DataType type = ctx.input(0).dtype();
    Tensor& out = ctx.output(0, type, out_shape);
    if (type == DataType::Float && n_in == 2 && matmul_path(ctx, dim_labels, size, out_labels, out)) return;
    bool supported = visit_type(type, NumericTypeList{}, [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      using Acc = std::conditional_t<std::is_floating_point_v<C>, double, C>;
      std::vector<const T*> src(n_in);
      for (size_t i = 0; i < n_in; ++i) src[i] = ctx.input(i).template data<T>();
      T* dst = out.data<T>();
      std::vector<int64_t> index(loop.size(), 0), offset(n_in, 0);
      for (int64_t o = 0; o < out_count; ++o) {
        Acc acc = Acc(0);
        for (int64_t r = 0; r < inner_count; ++r) {
          Acc p = Acc(1);
          for (size_t i = 0; i < n_in; ++i) {
            const Acc v = static_cast<Acc>(to_compute(src[i][offset[i]]));
            if constexpr (std::is_floating_point_v<Acc>) p *= v;
            else p = wrapping_mul(p, v);
          }
          if constexpr (std::is_floating_point_v<Acc>) acc += p;
          else acc = wrapping_add(acc, p);
          // Next position, innermost label first (the contracted ones, then the output ones).
          for (size_t k = loop.size(); k-- > 0;) {
            for (size_t i = 0; i < n_in; ++i) offset[i] += strides[i][k];
            if (++index[k] < size[loop[k]]) break;
            for (size_t i = 0; i < n_in; ++i) offset[i] -= strides[i][k] * size[loop[k]];
            index[k] = 0;
          }
        }
        if (inner_count == 0) {  // nothing contracted into this element: advance the output labels
          for (size_t k = n_out; k-- > 0;) {
            for (size_t i = 0; i < n_in; ++i) offset[i] += strides[i][k];
            if (++index[k] < size[loop[k]]) break;
            for (size_t i = 0; i < n_in; ++i) offset[i] -= strides[i][k] * size[loop[k]];
            index[k] = 0;
          }
        }
        dst[o] = from_compute<T>(static_cast<C>(acc));
      }
    });
    if (!supported) ctx.fail(ErrorCode::NotImplemented, "element type ", data_type_name(type), " is not supported");
  }

 private:
  // Two float operands whose labels are each batch (both inputs and the output), M (first input
  // and output), N (second input and output) or K (both inputs, summed): transposed into
  // [batch, M, K] x [batch, K, N], one GEMM per batch, transposed into the output. False (the
  // general loop runs) for diagonals, broadcast dims, labels summed within one input, empty sizes.
  static bool matmul_path(KernelContext& ctx, const std::vector<std::vector<size_t>>& dim_labels,
                          const std::vector<int64_t>& size, const std::vector<size_t>& out_labels, Tensor& out) {
    const size_t n_labels = size.size();
    std::vector<int> where(n_labels, 0);  // bit 0: input 0, bit 1: input 1, bit 2: output
    std::vector<std::vector<int64_t>> stride(2, std::vector<int64_t>(n_labels, 0));
    for (size_t i = 0; i < 2; ++i) {
      const Tensor& t = ctx.input(i);
      int64_t s = 1;
      for (size_t d = t.rank(); d-- > 0;) {
        const size_t l = dim_labels[i][d];
        if ((where[l] & (1 << i)) != 0 || t.dim(d) != size[l]) return false;  // a diagonal or a broadcast
        where[l] |= 1 << i;
        stride[i][l] = s;
        s *= t.dim(d);
      }
    }
    for (size_t l : out_labels) where[l] |= 4;
    std::vector<size_t> batch, m, n, k;
    for (size_t l : out_labels) {
      if (where[l] == 7) batch.push_back(l);
      else if (where[l] == 5) m.push_back(l);
      else if (where[l] == 6) n.push_back(l);
      else return false;
    }
    for (size_t l : dim_labels[0])
      if (where[l] == 3) k.push_back(l);
      else if ((where[l] & 4) == 0) return false;
    for (size_t l : dim_labels[1])
      if ((where[l] & 4) == 0 && where[l] != 3) return false;
    auto product = [&](const std::vector<size_t>& ls) {
      int64_t p = 1;
      for (size_t l : ls) p *= size[l];
      return p;
    };
    const int64_t nb = product(batch), nm = product(m), nn = product(n), nk = product(k);
    if (nb == 0 || nm == 0 || nn == 0 || nk == 0) return false;
    // Gathers input i into the order of `groups` (contiguous).
    auto gather = [&](size_t i, std::initializer_list<const std::vector<size_t>*> groups) {
      Shape shape;
      std::vector<int64_t> strides;
      for (const auto* g : groups)
        for (size_t l : *g) {
          shape.push_back(size[l]);
          strides.push_back(stride[i][l]);
        }
      std::vector<float> buf(static_cast<size_t>(ctx.input(i).size()));
      strided_copy(ctx.input(i).data<float>(), shape, strides, buf.data(), ctx.threads());
      return buf;
    };
    const std::vector<float> a = gather(0, {&batch, &m, &k});
    const std::vector<float> b = gather(1, {&batch, &k, &n});
    std::vector<float> c(static_cast<size_t>(nb * nm * nn));
    for (int64_t p = 0; p < nb; ++p)
      kernels::gemm_f32(false, false, nm, nn, nk, 1.0f, a.data() + p * nm * nk, nk, b.data() + p * nk * nn, nn, 0.0f,
                        c.data() + p * nm * nn, nn, ctx.threads());
    // c is [batch..., m..., n...]: read it in the output's label order.
    std::vector<int64_t> c_stride(n_labels, 0);
    int64_t s = 1;
    for (const auto* g : {&n, &m, &batch})
      for (size_t j = g->size(); j-- > 0;) {
        c_stride[(*g)[j]] = s;
        s *= size[(*g)[j]];
      }
    std::vector<int64_t> strides;
    for (size_t l : out_labels) strides.push_back(c_stride[l]);
    strided_copy(c.data(), out.shape(), strides, out.data<float>(), ctx.threads());
    return true;
  }

  static bool has_ellipsis(const std::vector<int>& term) {
    return std::find(term.begin(), term.end(), kEllipsis) != term.end();
  }

  static std::vector<int> parse_term(const KernelInfo& info, const std::string& s) {
    std::vector<int> term;
    bool ellipsis = false;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s.compare(i, 3, "...") == 0) {
        if (ellipsis) info.fail(ErrorCode::InvalidGraph, "term '", s, "' has two ellipses");
        ellipsis = true;
        term.push_back(kEllipsis);
        i += 2;
        continue;
      }
      const int id = letter_id(s[i]);
      if (id < 0) info.fail(ErrorCode::InvalidGraph, "term '", s, "' has the character '", s[i], "', expected a letter or '...'");
      term.push_back(id);
    }
    return term;
  }

  std::vector<std::vector<int>> inputs_;
  std::vector<int> output_;
};

constexpr OpRow kEinsumRows[] = {
    {"Einsum", 12, kNumericTypesNoBf16, make_kernel<EinsumKernel>},
    {"Einsum", 28, kNumericTypes, make_kernel<EinsumKernel>},
};
static_assert(std::size(kEinsumRows) == 2, "update the row count together with the table");

}  // namespace

void register_einsum(Registry& r) { register_rows(r, kEinsumRows); }

}  // namespace onyxrt::ops

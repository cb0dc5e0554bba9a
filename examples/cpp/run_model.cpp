// Loads an ONNX model, feeds every input with a fixed pattern (symbolic dimensions set to 1),
// runs it and prints each output's shape and first values.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <onyxrt/onyxrt.hpp>

namespace {

onyxrt::Tensor make_feed(const onyxrt::ValueInfo& info) {
  onyxrt::Shape shape;
  for (const onyxrt::Dim& d : info.type.dims) shape.push_back(d.is_fixed() ? d.value : 1);
  onyxrt::Tensor t(info.type.elem_type, shape);
  if (t.dtype() == onyxrt::DataType::Float) {
    float* p = t.data<float>();
    for (int64_t i = 0; i < t.size(); ++i) p[i] = static_cast<float>(i % 17) / 17.0f - 0.5f;
  } else if (t.dtype() == onyxrt::DataType::Int64) {
    std::fill(t.data<int64_t>(), t.data<int64_t>() + t.size(), 1);
  }  // other types stay zero-filled
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s MODEL.onnx\n", argv[0]);
    return 2;
  }
  try {
    onyxrt::SessionOptions options;
    options.intra_op_num_threads = 1;
    onyxrt::Session session(argv[1], options);

    std::vector<std::string> names;
    std::vector<onyxrt::Value> feeds;
    for (const onyxrt::ValueInfo& in : session.inputs()) {
      names.push_back(in.name);
      feeds.emplace_back(make_feed(in));
    }
    auto start = std::chrono::steady_clock::now();
    std::vector<onyxrt::Value> outputs = session.run(names, feeds);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

    for (size_t i = 0; i < outputs.size(); ++i) {
      const onyxrt::Tensor& t = outputs[i].tensor();
      std::printf("%s: %s %s", session.outputs()[i].name.c_str(), onyxrt::data_type_name(t.dtype()),
                  onyxrt::shape_to_string(t.shape()).c_str());
      if (t.dtype() == onyxrt::DataType::Float)
        for (int64_t k = 0; k < std::min<int64_t>(t.size(), 4); ++k) std::printf(" %.6f", t.data<float>()[k]);
      std::printf("\n");
    }
    std::printf("latency: %.3f ms\n", ms);
  } catch (const onyxrt::Error& e) {
    std::fprintf(stderr, "onyxrt error (%s): %s\n", onyxrt::error_code_name(e.code()), e.what());
    return 1;
  }
  return 0;
}

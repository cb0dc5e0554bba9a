// Loading from files: external data resolution, path confinement, the Hugging Face symlink
// layout, and the file-level errors (missing, empty).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "check.h"
#include "format/external_data.h"
#include "format/onnx_loader.h"
#include "onnx_builders.h"

using namespace onnx_build;
using onyxrt::ErrorCode;
using onyxrt::Tensor;
namespace fs = std::filesystem;
namespace ir = onyxrt::ir;

namespace {

// A fresh folder under the system temp folder, removed when the test ends.
class TempFolder {
 public:
  TempFolder() {
    std::string pattern = (fs::temp_directory_path() / "onyxrt_extdata_XXXXXX").string();
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) std::abort();
    path_ = buf.data();
  }
  ~TempFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

const std::string kFloats = bytes_of_values<float>({1.0f, 2.0f, 3.0f, 4.0f});

// A model whose initializer "w" (4 floats) lives in external data described by `entries`.
std::string external_model(const std::vector<std::pair<std::string, std::string>>& entries) {
  return model_with_initializer(tensor_external("w", FLOAT, {4}, entries), "w");
}

std::vector<float> floats_of(const Tensor& t) {
  return std::vector<float>(t.data<float>(), t.data<float>() + t.size());
}

}  // namespace

TEST(external_data_loads_zero_copy) {
  TempFolder dir;
  write_file(dir / "w.data", std::string(8, 'x') + kFloats);
  write_file(dir / "m.onnx", external_model({{"location", "w.data"}, {"offset", "8"}, {"length", "16"}}));
  auto model = onyxrt::format::load_model_file(dir / "m.onnx");
  const Tensor& w = model->graph.initializers.at(0).tensor;
  CHECK(floats_of(w) == std::vector<float>({1, 2, 3, 4}));
  // The mapping is page-aligned and the offset 8: the tensor points into it, owned by the mapping.
  CHECK_EQ(model->backing.size(), 2u);  // the model file and the one data file
  CHECK(w.owner().get() == model->backing.at(1).get());
}

TEST(one_mapping_per_data_file) {
  TempFolder dir;
  write_file(dir / "sub/w.data", kFloats + kFloats);
  ProtoWriter g;
  g.bytes(2, "g");
  g.message(5, tensor_external("a", FLOAT, {4}, {{"location", "sub/w.data"}}));
  g.message(5, tensor_external("b", FLOAT, {4}, {{"location", "./sub/../sub/w.data"}, {"offset", "16"}}));
  write_file(dir / "m.onnx", model(g));
  auto m = onyxrt::format::load_model_file(dir / "m.onnx");
  CHECK_EQ(m->backing.size(), 2u);
  CHECK(floats_of(m->graph.initializers.at(1).tensor) == std::vector<float>({1, 2, 3, 4}));
  CHECK(m->graph.initializers.at(0).tensor.owner() == m->graph.initializers.at(1).tensor.owner());
}

TEST(external_data_in_constants_and_subgraphs) {
  TempFolder dir;
  write_file(dir / "w.data", kFloats);
  ProtoWriter constant = node("Constant", {}, {"c"}, "const0");
  ProtoWriter value = tensor_external("cv", FLOAT, {4}, {{"location", "w.data"}});
  constant.message(5, ProtoWriter().bytes(1, "value").varint(20, 4).message(5, value));
  ProtoWriter body;
  body.message(1, constant).bytes(2, "body");
  body.message(5, tensor_external("k", FLOAT, {2}, {{"location", "w.data"}, {"offset", "8"}}));
  ProtoWriter loop = node("Loop", {"n", "cond"}, {"out"}, "loop0");
  loop.message(5, ProtoWriter().bytes(1, "body").varint(20, 5).message(6, body));
  write_file(dir / "m.onnx", model(ProtoWriter().message(1, loop).bytes(2, "main")));
  auto m = onyxrt::format::load_model_file(dir / "m.onnx");
  const ir::Graph& g = *m->graph.nodes.at(0).find_attribute("body")->g;
  CHECK(floats_of(g.initializers.at(0).tensor) == std::vector<float>({3, 4}));
  CHECK(floats_of(g.nodes.at(0).find_attribute("value")->t) == std::vector<float>({1, 2, 3, 4}));
  CHECK_EQ(m->backing.size(), 2u);
}

TEST(external_data_from_bytes_with_folder) {
  TempFolder dir;
  write_file(dir / "w.data", kFloats);
  Buffer b = aligned_copy(external_model({{"location", "w.data"}}));
  auto m = onyxrt::format::load_model_bytes(b.owner, b.data, b.size, dir.path());
  CHECK(floats_of(m->graph.initializers.at(0).tensor) == std::vector<float>({1, 2, 3, 4}));
}

TEST(locations_outside_the_folder_refused) {
  TempFolder dir;
  write_file(dir / "inner/m.onnx", "");
  write_file(dir / "x", kFloats);
  auto load_with = [&](const std::string& location) {
    write_file(dir / "inner/m.onnx", external_model({{"location", location}}));
    return onyxrt::format::load_model_file(dir / "inner/m.onnx");
  };
  CHECK_THROWS(load_with("../x"), ErrorCode::InvalidGraph, "'../x' points outside the model's folder");
  CHECK_THROWS(load_with("a/../../x"), ErrorCode::InvalidGraph, "points outside");
  CHECK_THROWS(load_with("/etc/passwd"), ErrorCode::InvalidGraph, "'/etc/passwd' is absolute");
  CHECK_THROWS(load_with(""), ErrorCode::InvalidGraph, "is empty");
  CHECK_THROWS(load_with(std::string("w\0.data", 7)), ErrorCode::InvalidGraph, "NUL");
  CHECK_THROWS(load_with("."), ErrorCode::InvalidGraph, "names no file");
  // A symlink inside the folder that leads out of it.
  fs::create_symlink(dir / "x", dir / "inner/escape");
  CHECK_THROWS(load_with("escape"), ErrorCode::InvalidGraph, "outside the model's folder");
  CHECK_THROWS(load_with("missing.data"), ErrorCode::NoSuchFile, "missing.data");
}

TEST(hugging_face_symlink_layout_loads) {
  // snapshots/rev/{model.onnx, model.onnx_data} -> ../../blobs/<hash>
  TempFolder dir;
  write_file(dir / "blobs/aaa", external_model({{"location", "model.onnx_data"}}));
  write_file(dir / "blobs/bbb", kFloats);
  fs::create_directories(dir / "snapshots/rev");
  fs::create_symlink("../../blobs/aaa", dir / "snapshots/rev/model.onnx");
  fs::create_symlink("../../blobs/bbb", dir / "snapshots/rev/model.onnx_data");
  auto m = onyxrt::format::load_model_file(dir / "snapshots/rev/model.onnx");
  CHECK(floats_of(m->graph.initializers.at(0).tensor) == std::vector<float>({1, 2, 3, 4}));
  // The blobs folder is trusted only through the model's own symlink: not when loading bytes.
  Buffer b = aligned_copy(external_model({{"location", "model.onnx_data"}}));
  CHECK_THROWS(onyxrt::format::load_model_bytes(b.owner, b.data, b.size, dir / "snapshots/rev"),
               ErrorCode::InvalidGraph, "outside the model's folder");
}

TEST(offsets_and_lengths_checked) {
  TempFolder dir;
  write_file(dir / "w.data", kFloats);
  auto load_with = [&](const std::vector<std::pair<std::string, std::string>>& entries) {
    write_file(dir / "m.onnx", external_model(entries));
    return onyxrt::format::load_model_file(dir / "m.onnx");
  };
  CHECK_THROWS(load_with({{"location", "w.data"}, {"offset", "12a"}}), ErrorCode::InvalidGraph,
               "external data offset of tensor 'w' '12a' is not a non-negative decimal integer");
  CHECK_THROWS(load_with({{"location", "w.data"}, {"offset", "-4"}}), ErrorCode::InvalidGraph, "not a non-negative");
  CHECK_THROWS(load_with({{"location", "w.data"}, {"offset", ""}}), ErrorCode::InvalidGraph, "is empty");
  CHECK_THROWS(load_with({{"location", "w.data"}, {"offset", "99999999999999999999999"}}), ErrorCode::InvalidGraph,
               "too large");
  CHECK_THROWS(load_with({{"location", "w.data"}, {"offset", "4"}}), ErrorCode::InvalidGraph,
               "external data at offset 4 with length 16 runs past the end of 'w.data' (16 bytes)");
  CHECK_THROWS(load_with({{"location", "w.data"}, {"length", "12"}}), ErrorCode::InvalidGraph,
               "external data length 12 does not match the 16 bytes");
  CHECK_THROWS(load_with({{"offset", "0"}}), ErrorCode::InvalidGraph, "has external data but no location");
  // Unknown keys and the checksum are ignored.
  auto ok = load_with({{"location", "w.data"}, {"checksum", "abc"}, {"basepath", "x"}});
  CHECK_EQ(ok->graph.initializers.size(), 1u);
}

TEST(model_file_errors) {
  TempFolder dir;
  CHECK_THROWS(onyxrt::format::load_model_file(dir / "nope.onnx"), ErrorCode::NoSuchFile, "nope.onnx");
  write_file(dir / "empty.onnx", "");
  CHECK_THROWS(onyxrt::format::load_model_file(dir / "empty.onnx"), ErrorCode::NoModel,
               "'" + (dir / "empty.onnx") + "' is empty");
  write_file(dir / "garbage.onnx", "\x08\x96\x01garbage bytes that are not a model");
  CHECK_THROWS(onyxrt::format::load_model_file(dir / "garbage.onnx"), ErrorCode::InvalidProtobuf, "garbage.onnx");
  CHECK_THROWS(onyxrt::format::load_model_file(dir.path()), ErrorCode::NoSuchFile, "not a regular file");
}

TEST(path_helpers) {
  using onyxrt::format::normalize_relative_path;
  using onyxrt::format::parse_decimal;
  CHECK_EQ(normalize_relative_path("a/./b/../c", "p"), "a/c");
  CHECK_EQ(normalize_relative_path("a//b/", "p"), "a/b");
  CHECK_THROWS(normalize_relative_path("a/../..", "p"), ErrorCode::InvalidGraph, "outside");
  CHECK_EQ(parse_decimal("0", "n"), 0u);
  CHECK_EQ(parse_decimal("18446744073709551615", "n"), UINT64_MAX);
  CHECK_THROWS(parse_decimal("18446744073709551616", "n"), ErrorCode::InvalidGraph, "too large");
  CHECK_THROWS(parse_decimal(" 1", "n"), ErrorCode::InvalidGraph, "not a non-negative");
  CHECK_THROWS(parse_decimal("0x10", "n"), ErrorCode::InvalidGraph, "not a non-negative");
}

int main() {
  return check::run_all();
}

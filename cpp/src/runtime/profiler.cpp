#include "runtime/profiler.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "base/error.h"

namespace onyxrt::runtime {
namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// onnxruntime's element type names in "output_type_shape" ("float", "int64", ...).
std::string type_shape_of(const Value& v) {
  if (!v.is_tensor()) return "{}";
  const Tensor& t = v.tensor();
  std::string name = data_type_name(t.dtype());
  std::string dims;
  for (int64_t d : t.shape()) dims += (dims.empty() ? "" : ",") + std::to_string(d);
  return "{" + json_string(name) + ":[" + dims + "]}";
}

uint64_t this_thread_number() { return std::hash<std::thread::id>{}(std::this_thread::get_id()) % 1000000; }

}  // namespace

Profiler::Profiler()
    : start_(Clock::now()),
      start_ns_(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count())) {}

void Profiler::add(Event event) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!finished_) events_.push_back(std::move(event));
}

void Profiler::record_session(const char* name, Clock::time_point begin) {
  const auto end = Clock::now();
  add({"Session", name, "{}", std::chrono::duration_cast<std::chrono::microseconds>(begin - start_).count(),
       std::chrono::duration_cast<std::chrono::microseconds>(end - begin).count(), this_thread_number()});
}

Profiler::NodeInputs Profiler::describe_inputs(const std::vector<const Value*>& inputs,
                                               const std::vector<bool>& is_parameter) {
  NodeInputs described;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value* v = inputs[i];
    described.type_shapes += (i == 0 ? "" : ",") + (v != nullptr ? type_shape_of(*v) : "{}");
    const size_t bytes = v != nullptr && v->is_tensor() ? v->tensor().nbytes() : 0;
    (is_parameter[i] ? described.parameter_bytes : described.activation_bytes) += bytes;
  }
  return described;
}

void Profiler::record_node(const ir::Node& node, Clock::time_point begin, const NodeInputs& inputs,
                           const std::vector<const Value*>& outputs) {
  const auto end = Clock::now();
  std::string shapes;
  size_t output_bytes = 0;
  for (const Value* v : outputs) {
    shapes += (shapes.empty() ? "" : ",") + (v != nullptr ? type_shape_of(*v) : "{}");
    if (v != nullptr && v->is_tensor()) output_bytes += v->tensor().nbytes();
  }
  // onnxruntime writes the sizes as strings.
  std::string args = "{\"op_name\":" + json_string(node.op_type) + ",\"provider\":\"CPUExecutionProvider\"" +
                     ",\"activation_size\":\"" + std::to_string(inputs.activation_bytes) + "\"" +
                     ",\"parameter_size\":\"" + std::to_string(inputs.parameter_bytes) + "\"" +
                     ",\"output_size\":\"" + std::to_string(output_bytes) + "\"" +
                     ",\"input_type_shape\":[" + inputs.type_shapes + "]" + ",\"output_type_shape\":[" + shapes + "]}";
  add({"Node", (node.name.empty() ? node.op_type : node.name) + "_kernel_time", std::move(args),
       std::chrono::duration_cast<std::chrono::microseconds>(begin - start_).count(),
       std::chrono::duration_cast<std::chrono::microseconds>(end - begin).count(), this_thread_number()});
}

bool Profiler::finished() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return finished_;
}

std::string Profiler::finish(const std::string& prefix) {
  std::vector<Event> events;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    events.swap(events_);
  }
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d_%H-%M-%S", &local);
  const std::string path = prefix + "_" + stamp + ".json";
  std::ostringstream json;
  json << "[\n";
  const long pid = static_cast<long>(getpid());
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    json << "{\"cat\":" << json_string(e.category) << ",\"pid\":" << pid << ",\"tid\":" << e.thread
         << ",\"dur\":" << e.duration_us << ",\"ts\":" << e.begin_us << ",\"ph\":\"X\",\"name\":" << json_string(e.name)
         << ",\"args\":" << e.args << "}" << (i + 1 < events.size() ? ",\n" : "\n");
  }
  json << "]\n";
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file || !(file << json.str()) || !file.flush())
    fail(ErrorCode::Fail, "cannot write the profile to '", path, "'");
  return path;
}

}  // namespace onyxrt::runtime

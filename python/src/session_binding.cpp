// onyxrt::SessionOptions and onyxrt::Session as onyxrt._C.NativeSessionOptions / _C.Session. The
// onnxruntime-shaped API (InferenceSession, NodeArg, ...) is written in Python over these.
#include <pybind11/stl.h>

#include <vector>

#include "bindings.h"
#include "value_conversion.h"

namespace onyxrt::python {
namespace {

// A declared dim as onnxruntime's NodeArg.shape shows it: int, symbolic name, or None.
py::object dim_to_python(const Dim& dim) {
  if (dim.is_fixed()) return py::int_(dim.value);
  if (!dim.param.empty()) return py::str(dim.param);
  return py::none();
}

// (name, "tensor(float)", [dims], doc); an unknown rank or a sequence / map has shape [], and an
// optional tensor shows its tensor's shape, as in onnxruntime.
py::tuple value_info_to_python(const ValueInfo& info) {
  py::list shape;
  const TypeInfo& type = info.type.kind == TypeInfo::Kind::Optional && info.type.inner ? *info.type.inner : info.type;
  if ((type.kind == TypeInfo::Kind::Tensor || type.kind == TypeInfo::Kind::SparseTensor) && type.has_shape)
    for (const Dim& dim : type.dims) shape.append(dim_to_python(dim));
  return py::make_tuple(info.name, info.type.to_string(), shape, info.doc_string);
}

py::list value_infos_to_python(const std::vector<ValueInfo>& infos) {
  py::list out;
  for (const ValueInfo& info : infos) out.append(value_info_to_python(info));
  return out;
}

py::dict metadata_to_python(const ModelMetadata& m) {
  py::dict d;
  d["producer_name"] = m.producer_name;
  d["producer_version"] = m.producer_version;
  d["graph_name"] = m.graph_name;
  d["domain"] = m.domain;
  d["description"] = m.description;
  d["graph_description"] = m.graph_description;
  d["version"] = m.version;
  d["ir_version"] = m.ir_version;
  d["custom_metadata_map"] = m.custom_metadata_map;
  d["opset_imports"] = m.opset_imports;
  return d;
}

// The declared type of a feed name: a graph input or an overridable initializer; null otherwise.
const TypeInfo* declared_type_of(const Session& session, const std::string& name) {
  for (const auto* infos : {&session.inputs(), &session.overridable_initializers()})
    for (const ValueInfo& info : *infos)
      if (info.name == name) return &info.type;
  return nullptr;
}

py::list run(const Session& session, const std::vector<std::string>& output_names, const py::dict& feeds) {
  std::vector<std::string> input_names;
  std::vector<Value> inputs;
  input_names.reserve(feeds.size());
  inputs.reserve(feeds.size());
  for (auto item : feeds) {
    if (!py::isinstance<py::str>(item.first))
      throw py::type_error("input names are str, got " + type_name_of(item.first));
    std::string name = py::cast<std::string>(item.first);
    inputs.push_back(value_from_python(item.second, declared_type_of(session, name), "input '" + name + "'"));
    input_names.push_back(std::move(name));
  }
  std::vector<Value> results;
  {
    // Conversions above and below need the GIL; the model runs without it, so other Python
    // threads (and other run() calls on this session) proceed meanwhile.
    py::gil_scoped_release release;
    results = session.run(input_names, inputs, output_names);
  }
  // Converted while `inputs` still holds the feeds: an output that aliases a feed is then seen
  // as shared and copied rather than handed over.
  py::list out;
  for (size_t i = 0; i < results.size(); ++i) {
    const std::string& name = output_names.empty() ? session.outputs()[i].name : output_names[i];
    out.append(value_to_python(results[i], "output '" + name + "'"));
  }
  return out;
}

Session session_from_path(const std::string& path, const SessionOptions& options) {
  py::gil_scoped_release release;  // loading and preparing can take a while
  return Session(path, options);
}

Session session_from_bytes(const py::buffer& model, const SessionOptions& options, const std::string& folder) {
  py::buffer_info info = model.request();
  const size_t size = static_cast<size_t>(info.size) * static_cast<size_t>(info.itemsize);
  py::gil_scoped_release release;  // `model` (an argument) keeps the bytes alive meanwhile
  return Session(info.ptr, size, options, folder);
}

void register_options(py::module_& m) {
  py::class_<SessionOptions>(m, "NativeSessionOptions", "onyxrt::SessionOptions, filled in by onyxrt.SessionOptions.")
      .def(py::init<>())
      .def_readwrite("intra_op_num_threads", &SessionOptions::intra_op_num_threads)
      .def_readwrite("inter_op_num_threads", &SessionOptions::inter_op_num_threads)
      .def_property(
          "graph_optimization_level",
          [](const SessionOptions& o) { return static_cast<int>(o.graph_optimization_level); },
          [](SessionOptions& o, int level) { o.graph_optimization_level = static_cast<GraphOptimizationLevel>(level); })
      .def_property(
          "execution_mode", [](const SessionOptions& o) { return static_cast<int>(o.execution_mode); },
          [](SessionOptions& o, int mode) { o.execution_mode = static_cast<ExecutionMode>(mode); })
      .def_readwrite("log_severity_level", &SessionOptions::log_severity_level)
      .def_readwrite("enable_profiling", &SessionOptions::enable_profiling)
      .def_readwrite("profile_file_prefix", &SessionOptions::profile_file_prefix)
      .def_readwrite("optimized_model_filepath", &SessionOptions::optimized_model_filepath)
      .def_readwrite("enable_cpu_mem_arena", &SessionOptions::enable_cpu_mem_arena)
      .def_readwrite("enable_mem_pattern", &SessionOptions::enable_mem_pattern)
      .def_readwrite("config_entries", &SessionOptions::config_entries);
}

}  // namespace

void register_session(py::module_& m) {
  register_options(m);
  py::class_<Session>(m, "Session", "A loaded, prepared model (onyxrt::Session).")
      .def(py::init(&session_from_path), py::arg("path"), py::arg("options"))
      .def_static("from_bytes", &session_from_bytes, py::arg("model"), py::arg("options"),
                  py::arg("external_data_folder") = std::string())
      .def("inputs", [](const Session& s) { return value_infos_to_python(s.inputs()); })
      .def("outputs", [](const Session& s) { return value_infos_to_python(s.outputs()); })
      .def("end_profiling", &Session::end_profiling, py::call_guard<py::gil_scoped_release>())
      .def("profiling_start_time_ns", &Session::profiling_start_time_ns)
      .def("overridable_initializers",
           [](const Session& s) { return value_infos_to_python(s.overridable_initializers()); })
      .def("metadata", [](const Session& s) { return metadata_to_python(s.metadata()); })
      .def("run", &run, py::arg("output_names"), py::arg("feeds"),
           "Runs the model; output_names empty means every output. Releases the GIL while running.");
}

}  // namespace onyxrt::python

// One Python exception class per onyxrt::ErrorCode, named as onnxruntime names them, all deriving
// from OnyxrtError, itself a plain Exception as onnxruntime's classes are. An onyxrt::Error that
// reaches Python is raised as the class of its code, with its message unchanged.
#include <array>

#include "bindings.h"

namespace onyxrt::python {
namespace {

constexpr ErrorCode kCodes[] = {
    ErrorCode::Fail,           ErrorCode::InvalidArgument,  ErrorCode::NoSuchFile,      ErrorCode::NoModel,
    ErrorCode::EngineError,    ErrorCode::RuntimeException, ErrorCode::InvalidProtobuf, ErrorCode::ModelLoaded,
    ErrorCode::NotImplemented, ErrorCode::InvalidGraph,     ErrorCode::EPFail,
};
constexpr int kMaxCode = static_cast<int>(ErrorCode::EPFail);

// The classes live as long as the process: the module holds a reference and so do these slots,
// which are never released (no destructor runs after the interpreter is gone).
std::array<PyObject*, kMaxCode + 1> g_class_of_code{};

// The module the classes say they come from; it re-exports them, so pickling finds them there.
constexpr const char* kPublicModule = "onyxrt.capi.onnxruntime_pybind11_state";

PyObject* class_of(ErrorCode code) {
  int index = static_cast<int>(code);
  if (index < 1 || index > kMaxCode || g_class_of_code[index] == nullptr) index = static_cast<int>(ErrorCode::Fail);
  return g_class_of_code[index];
}

PyObject* new_class(py::module_& m, const std::string& name, PyObject* base, const char* doc) {
  std::string qualified = std::string(kPublicModule) + "." + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, base, nullptr);
  if (cls == nullptr) throw py::error_already_set();
  m.add_object(name.c_str(), py::handle(cls));  // the module takes its own reference
  return cls;
}

}  // namespace

[[noreturn]] void throw_error(ErrorCode code, const std::string& message) {
  PyErr_SetString(class_of(code), message.c_str());
  throw py::error_already_set();
}

void register_errors(py::module_& m) {
  PyObject* base = new_class(m, "OnyxrtError", PyExc_Exception,
                             "Base of every error onyxrt raises from its engine (one subclass per error code).");
  for (ErrorCode code : kCodes) {
    std::string doc = std::string("onyxrt error code ") + std::to_string(static_cast<int>(code)) + ".";
    g_class_of_code[static_cast<int>(code)] = new_class(m, error_code_name(code), base, doc.c_str());
  }
  py::register_exception_translator([](std::exception_ptr thrown) {
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const Error& e) {
      PyErr_SetString(class_of(e.code()), e.what());
    }
  });
}

}  // namespace onyxrt::python

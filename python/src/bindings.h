// Declarations shared by the files of the onyxrt._C module. The bindings see only the public API
// (cpp/include/onyxrt), as any embedding program would.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>

#include "onyxrt/onyxrt.hpp"

namespace onyxrt::python {

namespace py = pybind11;

// errors.cpp: the exception classes and the onyxrt::Error -> Python translator.
void register_errors(py::module_& m);
// Raises a Python exception of the class that mirrors `code`, from code running with the GIL.
[[noreturn]] void throw_error(ErrorCode code, const std::string& message);

// "int", "dict", "numpy.ndarray": for messages about a Python object of the wrong kind.
inline std::string type_name_of(py::handle object) {
  return Py_TYPE(object.ptr())->tp_name;
}

// session_binding.cpp: SessionOptions (native) and Session.
void register_session(py::module_& m);

}  // namespace onyxrt::python

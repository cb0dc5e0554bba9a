// onyxrt._C: the compiled half of the onyxrt package.
#include "bindings.h"

PYBIND11_MODULE(_C, m) {
  using namespace onyxrt::python;
  m.doc() = "onyxrt's C++ core; use the onyxrt package, not this module directly.";
  register_errors(m);
  register_session(m);
  m.def("version", [] { return std::string(onyxrt::version()); }, "The onyxrt library's version.");
}

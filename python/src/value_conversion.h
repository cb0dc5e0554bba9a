// Python objects <-> onyxrt Values (tensor, sequence, map, none), guided by the declared type.
#pragma once

#include "bindings.h"

namespace onyxrt::python {

// A feed. `declared` is the model's type for the input, or null for a name the model lacks (the
// session then reports the name). Lists and tuples are sequences where the model declares a
// sequence, and tensors (numpy.asarray, to the declared element type) otherwise; dicts are maps;
// None is an absent optional.
Value value_from_python(py::handle object, const TypeInfo* declared, const std::string& what);

// A result: arrays, lists for sequences, dicts for maps, None for an absent optional.
py::object value_to_python(const Value& value, const std::string& what);

}  // namespace onyxrt::python

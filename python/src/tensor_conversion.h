// numpy arrays <-> onyxrt Tensors, at the edge of Session::run. All functions need the GIL.
#pragma once

#include "bindings.h"

namespace onyxrt::python {

// A feed. A C-contiguous array in native byte order is wrapped without a copy: the Tensor's
// owner keeps the array alive. Other arrays are first made contiguous. Strings are copied into
// std::string elements; int4 / int2 / float4 (one element per byte in numpy) are packed.
// `what` names the feed in errors ("input 'x'").
Tensor tensor_from_array(const py::array& array, const std::string& what);

// Any Python object given as a tensor feed: arrays as above, everything else through
// numpy.asarray, with `dtype` when it is not None (the element type the model declares).
Tensor tensor_from_object(py::handle object, const py::object& dtype, const std::string& what);

// A result. Its buffer is handed to numpy without a copy when nothing else holds it; a buffer
// shared with the session (a constant, a view of a feed or of another output) is copied, so that
// every returned array is writable and its own. Strings become an object array of str (bytes
// for an element that is not valid UTF-8); packed types are unpacked.
py::object array_from_tensor(const Tensor& tensor, const std::string& what);

}  // namespace onyxrt::python

// numpy dtypes <-> onyxrt element types. The types numpy lacks (bfloat16, float8, int4, int2,
// float4) come from ml_dtypes when it is importable, as the onnx package does.
#pragma once

#include "bindings.h"

namespace onyxrt::python {

// The element type an array of `dtype` holds, or Undefined when onyxrt has no such type.
// Unicode, bytes and object arrays hold strings. Byte order is the caller's concern.
DataType data_type_of(const py::dtype& dtype);

// The numpy dtype for `type`; raises NotImplemented naming `what` ("output 'y'") when numpy has
// none (ml_dtypes missing) and InvalidArgument for codes that are not element types.
py::dtype numpy_dtype_of(DataType type, const std::string& what);

// The numpy dtype for `type`, or None when there is none (Undefined, ml_dtypes missing).
py::object numpy_dtype_or_none(DataType type);

// True when ml_dtypes could be imported (the types it adds are then available).
bool have_ml_dtypes();

}  // namespace onyxrt::python

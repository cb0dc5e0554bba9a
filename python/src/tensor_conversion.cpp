#include "tensor_conversion.h"

#include <cstring>
#include <vector>

#include "numpy_types.h"

namespace onyxrt::python {
namespace {

py::module_ numpy() {
  return py::module_::import("numpy");
}

Shape shape_of(const py::array& array) {
  return Shape(array.shape(), array.shape() + array.ndim());
}

std::vector<py::ssize_t> numpy_shape_of(const Tensor& tensor) {
  return std::vector<py::ssize_t>(tensor.shape().begin(), tensor.shape().end());
}

// C order and element alignment, copying only when the array lacks one of them (an array built
// over a buffer at an odd offset is not aligned; kernels may rely on element alignment).
py::array c_contiguous(const py::array& array) {
  constexpr int kWanted = py::detail::npy_api::NPY_ARRAY_C_CONTIGUOUS_ | py::detail::npy_api::NPY_ARRAY_ALIGNED_;
  if ((array.flags() & kWanted) == kWanted) return array;
  return array.attr("copy")("C");
}

// Keeps a numpy array alive for as long as a Tensor borrows its buffer. The last reference may
// be dropped on a thread that does not hold the GIL (inside Session::run), hence the acquire.
std::shared_ptr<void> owner_of(const py::array& array) {
  auto* held = new py::object(array);
  return std::shared_ptr<void>(held, [](void* p) {
    auto* object = static_cast<py::object*>(p);
    if (!Py_IsInitialized()) {  // interpreter gone: leak rather than touch it
      object->release();
      delete object;
      return;
    }
    py::gil_scoped_acquire gil;
    delete object;
  });
}

std::string string_of(py::handle item) {
  if (PyUnicode_Check(item.ptr())) {
    Py_ssize_t size = 0;
    const char* utf8 = PyUnicode_AsUTF8AndSize(item.ptr(), &size);
    if (utf8 == nullptr) throw py::error_already_set();
    return std::string(utf8, static_cast<size_t>(size));
  }
  if (PyBytes_Check(item.ptr())) return std::string(PyBytes_AS_STRING(item.ptr()), PyBytes_GET_SIZE(item.ptr()));
  return string_of(py::str(item));  // onnxruntime turns other objects into their str() as well
}

Tensor string_tensor(const py::array& array, Shape shape) {
  Tensor tensor(DataType::String, std::move(shape));
  // ravel() visits elements in C order whatever the strides; tolist() yields str / bytes / objects.
  py::list items = array.attr("ravel")().attr("tolist")();
  auto* out = tensor.data<std::string>();
  for (size_t i = 0; i < items.size(); ++i) out[i] = string_of(items[i]);
  return tensor;
}

// int4 / uint4 / int2 / uint2 / float4: numpy holds one element per byte, its low bits the code;
// a Tensor packs them, the first element in the lowest bits of the first byte.
Tensor packed_tensor(const py::array& array, DataType type, Shape shape) {
  const int bits = data_type_bits(type);
  const int per_byte = 8 / bits;
  const uint8_t mask = static_cast<uint8_t>((1u << bits) - 1u);
  py::array contiguous = c_contiguous(array);
  const auto* in = static_cast<const uint8_t*>(contiguous.data());
  Tensor tensor(type, std::move(shape));  // zeroed
  auto* out = static_cast<uint8_t*>(tensor.raw());
  for (int64_t i = 0; i < tensor.size(); ++i)
    out[i / per_byte] |= static_cast<uint8_t>((in[i] & mask) << ((i % per_byte) * bits));
  return tensor;
}

py::array unpacked_array(const Tensor& tensor, const py::dtype& dtype) {
  const int bits = data_type_bits(tensor.dtype());
  const int per_byte = 8 / bits;
  const uint8_t mask = static_cast<uint8_t>((1u << bits) - 1u);
  py::array array(dtype, numpy_shape_of(tensor));
  const auto* in = static_cast<const uint8_t*>(tensor.raw());
  auto* out = static_cast<uint8_t*>(array.mutable_data());
  for (int64_t i = 0; i < tensor.size(); ++i) out[i] = (in[i / per_byte] >> ((i % per_byte) * bits)) & mask;
  return array;
}

py::object string_array(const Tensor& tensor) {
  const auto* in = tensor.data<std::string>();
  py::list items(static_cast<size_t>(tensor.size()));
  for (int64_t i = 0; i < tensor.size(); ++i) {
    const std::string& s = in[i];
    PyObject* item = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "strict");
    if (item == nullptr) {  // not text: hand over the bytes rather than fail the whole run
      PyErr_Clear();
      item = PyBytes_FromStringAndSize(s.data(), static_cast<Py_ssize_t>(s.size()));
      if (item == nullptr) throw py::error_already_set();
    }
    PyList_SET_ITEM(items.ptr(), static_cast<Py_ssize_t>(i), item);
  }
  py::tuple shape(tensor.rank());
  for (size_t axis = 0; axis < tensor.rank(); ++axis) shape[axis] = py::int_(tensor.dim(axis));
  return numpy().attr("array")(items, py::arg("dtype") = "object").attr("reshape")(shape);
}

// Nothing but this Tensor holds the buffer: it can become numpy's without a copy. A null owner
// means memory somebody else guarantees (e.g. the model file), so it is never handed over.
bool buffer_is_exclusive(const Tensor& tensor) {
  const std::shared_ptr<void>& owner = tensor.owner();
  return owner != nullptr && owner.use_count() == 1;
}

}  // namespace

Tensor tensor_from_array(const py::array& array, const std::string& what) {
  py::dtype dtype = array.dtype();
  const DataType type = data_type_of(dtype);
  if (type == DataType::Undefined)
    throw_error(ErrorCode::InvalidArgument,
                what + " has numpy dtype " + std::string(py::str(dtype)) + ", which no ONNX element type matches");
  Shape shape = shape_of(array);
  if (type == DataType::String) return string_tensor(array, std::move(shape));
  if (data_type_bits(type) < 8) return packed_tensor(array, type, std::move(shape));
  py::array native = array;
  if (!dtype.attr("isnative").cast<bool>()) native = array.attr("astype")(dtype.attr("newbyteorder")("="));
  native = c_contiguous(native);
  // Read-only arrays are fine: kernels never write to their inputs.
  void* data = const_cast<void*>(native.data());
  return Tensor(type, std::move(shape), data, owner_of(native));
}

Tensor tensor_from_object(py::handle object, const py::object& dtype, const std::string& what) {
  if (py::isinstance<py::array>(object)) return tensor_from_array(py::reinterpret_borrow<py::array>(object), what);
  py::object array;
  try {
    array =
        dtype.is_none() ? numpy().attr("asarray")(object) : numpy().attr("asarray")(object, py::arg("dtype") = dtype);
  } catch (py::error_already_set& e) {
    if (!e.matches(PyExc_ValueError) && !e.matches(PyExc_TypeError) && !e.matches(PyExc_OverflowError)) throw;
    std::string target = dtype.is_none() ? std::string("an array") : "an array of " + std::string(py::str(dtype));
    throw_error(ErrorCode::InvalidArgument,
                what + ": cannot convert " + type_name_of(object) + " to " + target + " (" + e.what() + ")");
  }
  return tensor_from_array(py::reinterpret_borrow<py::array>(array), what);
}

py::object array_from_tensor(const Tensor& tensor, const std::string& what) {
  if (tensor.dtype() == DataType::String) return string_array(tensor);
  py::dtype dtype = numpy_dtype_of(tensor.dtype(), what);
  if (data_type_bits(tensor.dtype()) < 8) return unpacked_array(tensor, dtype);
  if (tensor.size() > 0 && buffer_is_exclusive(tensor)) {
    // The capsule owns a handle on the buffer; numpy frees it with the array.
    auto* keep = new Tensor(tensor);
    py::capsule base(keep, [](void* p) { delete static_cast<Tensor*>(p); });
    return py::array(dtype, numpy_shape_of(tensor), tensor.raw(), base);
  }
  py::array copy(dtype, numpy_shape_of(tensor));
  if (tensor.nbytes() > 0) std::memcpy(copy.mutable_data(), tensor.raw(), tensor.nbytes());
  return copy;
}

}  // namespace onyxrt::python

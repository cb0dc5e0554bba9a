"""onnxruntime.capi._pybind_state re-exports the native module; so does this."""

from onyxrt.capi.onnxruntime_pybind11_state import *

"""Mirrors onnxruntime.capi, so `from onyxrt.capi.onnxruntime_pybind11_state import InvalidArgument`
works where `from onnxruntime.capi.onnxruntime_pybind11_state import InvalidArgument` did."""

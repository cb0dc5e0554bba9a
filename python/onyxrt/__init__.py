"""onyxrt: an ONNX inference runtime whose Python API is a drop-in for onnxruntime's.

    import onyxrt as ort
    session = ort.InferenceSession("model.onnx", providers=["CPUExecutionProvider"])
    outputs = session.run(None, {session.get_inputs()[0].name: x})
"""

from onyxrt import (
    _C,
    capi,  # noqa: F401 - onyxrt.capi.onnxruntime_pybind11_state, as in onnxruntime
)
from onyxrt._C import (
    EngineError,
    EPFail,
    Fail,
    InvalidArgument,
    InvalidGraph,
    InvalidProtobuf,
    ModelLoaded,
    NoModel,
    NoSuchFile,
    NotImplemented,
    OnyxrtError,
    RuntimeException,
)
from onyxrt.capi import onnxruntime_pybind11_state  # noqa: F401
from onyxrt.enums import ExecutionMode, ExecutionOrder, GraphOptimizationLevel
from onyxrt.inference_session import InferenceSession
from onyxrt.logging_config import set_default_logger_severity, set_default_logger_verbosity
from onyxrt.model_info import ModelMetadata, NodeArg
from onyxrt.paths import get_cmake_dir, get_include, get_library_dir
from onyxrt.providers import get_all_providers, get_available_providers, get_device
from onyxrt.session_options import RunOptions, SessionOptions

__version__ = _C.version()


def get_version_string() -> str:
    return __version__


# NotImplemented stays out of __all__: a star import would shadow the builtin constant.
__all__ = [
    "EPFail",
    "EngineError",
    "ExecutionMode",
    "ExecutionOrder",
    "Fail",
    "GraphOptimizationLevel",
    "InferenceSession",
    "InvalidArgument",
    "InvalidGraph",
    "InvalidProtobuf",
    "ModelLoaded",
    "ModelMetadata",
    "NoModel",
    "NoSuchFile",
    "NodeArg",
    "NotImplemented",
    "OnyxrtError",
    "RunOptions",
    "RuntimeException",
    "SessionOptions",
    "__version__",
    "get_all_providers",
    "get_available_providers",
    "get_cmake_dir",
    "get_device",
    "get_include",
    "get_library_dir",
    "get_version_string",
    "set_default_logger_severity",
    "set_default_logger_verbosity",
]

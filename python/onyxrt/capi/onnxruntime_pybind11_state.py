"""The names onnxruntime.capi.onnxruntime_pybind11_state offers that onyxrt has: the exception
classes (whose __module__ names this module) and the option and info classes."""

from onyxrt._C import (  # noqa: F401
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
from onyxrt.enums import ExecutionMode, ExecutionOrder, GraphOptimizationLevel  # noqa: F401
from onyxrt.model_info import ModelMetadata, NodeArg  # noqa: F401
from onyxrt.session_options import RunOptions, SessionOptions  # noqa: F401

"""SessionOptions and RunOptions with onnxruntime's attributes and defaults.

Some are accepted but not acted on yet (docs/python_api.md lists them).
"""

from __future__ import annotations

from typing import Any

from . import _C
from ._option_fields import bool_field, check_config_entry, enum_field, int_field, str_field
from .enums import ExecutionMode, ExecutionOrder, GraphOptimizationLevel
from .logging_config import default_logger_severity


class SessionOptions:
    """Options for an InferenceSession (onnxruntime.SessionOptions)."""

    __slots__ = ("_config", "_values")

    intra_op_num_threads = int_field(0, "Threads for one operator; 0 follows the process's CPU affinity.")
    inter_op_num_threads = int_field(0, "Accepted, not yet acted on: nodes run one after another.")
    graph_optimization_level = enum_field(GraphOptimizationLevel, GraphOptimizationLevel.ORT_ENABLE_ALL)
    execution_mode = enum_field(ExecutionMode, ExecutionMode.ORT_SEQUENTIAL, "Accepted, not yet acted on.")
    execution_order = enum_field(ExecutionOrder, ExecutionOrder.DEFAULT, "Accepted, not yet acted on.")
    log_severity_level = int_field(-1, "-1: the default set by set_default_logger_severity().")
    log_verbosity_level = int_field(0)
    logid = str_field("")
    enable_profiling = bool_field(False, "Record each run and node; end_profiling() writes the profile.")
    profile_file_prefix = str_field("onnxruntime_profile_")
    optimized_model_filepath = str_field("", "Where the session writes the optimized graph as an ONNX model when it is "
                                             "created; empty writes nothing.")
    enable_cpu_mem_arena = bool_field(True, "Recycle buffers across operators and runs (off: system allocations).")
    enable_mem_pattern = bool_field(True, "Serve repeated input shapes from one block laid out by the first run's lifetimes.")
    enable_mem_reuse = bool_field(True, "Accepted, not yet acted on.")
    use_deterministic_compute = bool_field(False, "Accepted, not yet acted on.")
    use_per_session_threads = bool_field(True, "Accepted, not yet acted on.")

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        self._config: dict[str, str] = {}

    def add_session_config_entry(self, key: str, value: str) -> None:
        check_config_entry(key, value)
        self._config[key] = value

    def get_session_config_entry(self, key: str) -> str:
        try:
            return self._config[key]
        except KeyError:
            raise RuntimeError(f"SessionOptions does not have configuration with key: {key}") from None

    def register_custom_ops_library(self, library_path: str) -> None:
        raise _C.NotImplemented(
            f"cannot register custom operators from '{library_path}': onyxrt does not load custom operator "
            "libraries yet"
        )

    def _copy(self) -> SessionOptions:
        other = SessionOptions()
        other._values = dict(self._values)
        other._config = dict(self._config)
        return other

    def _to_native(self) -> _C.NativeSessionOptions:
        native = _C.NativeSessionOptions()
        native.intra_op_num_threads = max(self.intra_op_num_threads, 0)
        native.inter_op_num_threads = max(self.inter_op_num_threads, 0)
        native.graph_optimization_level = int(self.graph_optimization_level)
        native.execution_mode = int(self.execution_mode)
        severity = self.log_severity_level
        native.log_severity_level = default_logger_severity() if severity < 0 else severity
        native.enable_profiling = self.enable_profiling
        native.profile_file_prefix = self.profile_file_prefix
        native.optimized_model_filepath = self.optimized_model_filepath
        native.enable_cpu_mem_arena = self.enable_cpu_mem_arena
        native.enable_mem_pattern = self.enable_mem_pattern
        native.config_entries = dict(self._config)
        return native


class RunOptions:
    """Options for one InferenceSession.run call (onnxruntime.RunOptions)."""

    __slots__ = ("_config", "_values")

    log_severity_level = int_field(-1)
    log_verbosity_level = int_field(0)
    logid = str_field("", "A tag naming this run in logs.")
    terminate = bool_field(False, "When set before run() starts, run() fails at once; a run in progress "
                                  "is not interrupted yet.")
    only_execute_path_to_fetches = bool_field(False, "Accepted; onyxrt always runs the whole graph.")

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        self._config: dict[str, str] = {}

    def add_run_config_entry(self, key: str, value: str) -> None:
        check_config_entry(key, value)
        self._config[key] = value

    def get_run_config_entry(self, key: str) -> str:
        try:
            return self._config[key]
        except KeyError:
            raise RuntimeError(f"RunOptions does not have configuration with key: {key}") from None

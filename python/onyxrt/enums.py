"""The option enums, with onnxruntime's member names and values."""

from __future__ import annotations

import enum


class _OrtStyleEnum(enum.IntEnum):
    # str() reads "GraphOptimizationLevel.ORT_ENABLE_ALL" as onnxruntime's (IntEnum would print 99).
    __str__ = enum.Enum.__str__


class GraphOptimizationLevel(_OrtStyleEnum):
    ORT_DISABLE_ALL = 0
    ORT_ENABLE_BASIC = 1
    ORT_ENABLE_EXTENDED = 2
    # onnxruntime's layout level; onyxrt has no layout-only rules yet, so it runs what EXTENDED runs.
    ORT_ENABLE_LAYOUT = 3
    ORT_ENABLE_ALL = 99


class ExecutionMode(_OrtStyleEnum):
    ORT_SEQUENTIAL = 0
    ORT_PARALLEL = 1


class ExecutionOrder(_OrtStyleEnum):
    DEFAULT = 0
    PRIORITY_BASED = 1
    MEMORY_EFFICIENT = 2

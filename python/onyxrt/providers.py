"""Execution providers, resolved as onnxruntime resolves them: a provider this build lacks (CUDA,
or a name nobody knows) is dropped with a warning and the session runs on the CPU."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

CPU = "CPUExecutionProvider"

# onnxruntime's list, so that code probing for a provider by name behaves the same way.
_ALL_PROVIDERS = [
    "TensorrtExecutionProvider", "CUDAExecutionProvider", "MIGraphXExecutionProvider",
    "OpenVINOExecutionProvider", "DnnlExecutionProvider", "VitisAIExecutionProvider", "QNNExecutionProvider",
    "NnapiExecutionProvider", "VSINPUExecutionProvider", "JsExecutionProvider", "CoreMLExecutionProvider",
    "DmlExecutionProvider", "RknpuExecutionProvider", "WebNNExecutionProvider", "WebGpuExecutionProvider",
    "XnnpackExecutionProvider", "CANNExecutionProvider", "AzureExecutionProvider", CPU,
]


def get_all_providers() -> list[str]:
    """Every provider name onnxruntime knows of (most are not available here)."""
    return list(_ALL_PROVIDERS)


def get_available_providers() -> list[str]:
    return [CPU]


def get_device() -> str:
    return "CPU"


def _split(entry: Any, default_options: Any) -> tuple[str, dict[str, str]]:
    if isinstance(entry, str):
        name, options = entry, default_options
    elif isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str):
        name, options = entry
    else:
        raise TypeError(f"a provider is a name or a (name, options dict) tuple, got {entry!r}")
    if options is None:
        options = {}
    if not isinstance(options, Mapping):
        raise TypeError(f"options of provider '{name}' must be a dict, got {type(options).__name__}")
    return name, {str(k): str(v) for k, v in options.items()}


def resolve_providers(
    providers: Sequence[Any] | str | None, provider_options: Sequence[Any] | None
) -> tuple[list[str], list[dict[str, str]]]:
    """The providers a session uses and their options, in the caller's order of preference."""
    if providers is None:
        return [CPU], [{}]
    if isinstance(providers, str):  # a lone name; onnxruntime would iterate its letters
        providers = [providers]
    if provider_options is not None and len(provider_options) != len(providers):
        warnings.warn("'providers' and 'provider_options' should be the same length if both are given; "
                      f"falling back to ['{CPU}']", stacklevel=3)
        return [CPU], [{}]
    names: list[str] = []
    options: list[dict[str, str]] = []
    available = get_available_providers()
    for i, entry in enumerate(providers):
        name, entry_options = _split(entry, provider_options[i] if provider_options is not None else None)
        if name in names:
            warnings.warn(f"Duplicate provider '{name}' encountered, ignoring.", stacklevel=3)
            continue
        if name not in available:
            warnings.warn(f"Specified provider '{name}' is not in available provider names."
                          f"Available providers: '{', '.join(available)}'", stacklevel=3)
            continue
        names.append(name)
        options.append(entry_options)
    if not names:
        return [CPU], [{}]
    return names, options


def reported_provider_options(names: list[str]) -> dict[str, dict[str, str]]:
    """get_provider_options(): the CPU provider takes no options (onnxruntime reports {} too)."""
    return {name: {} for name in names}

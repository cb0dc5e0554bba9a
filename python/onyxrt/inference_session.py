"""InferenceSession: onnxruntime's Python session API over onyxrt._C.Session."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from typing import Any

from . import _C
from .model_info import ModelMetadata, NodeArg
from .providers import reported_provider_options, resolve_providers
from .session_options import RunOptions, SessionOptions


def _warn_about_options_not_acted_on(options: SessionOptions, disabled_optimizers: Any) -> None:
    # Options that promise an artifact or a behaviour onyxrt does not deliver yet say so, rather
    # than leave the caller looking for a file that never appears.
    if disabled_optimizers:
        warnings.warn("onyxrt cannot disable single optimizers yet: disabled_optimizers is ignored", stacklevel=3)


# onnxruntime's config key for where a model loaded from bytes finds its external data.
EXTERNAL_DATA_FOLDER_KEY = "session.model_external_initializers_file_folder_path"


class InferenceSession:
    """A model ready to run (onnxruntime.InferenceSession).

    path_or_bytes: a path (str or os.PathLike) to an .onnx file, or the model's bytes. External
    data files are found beside a model loaded from a path; a model loaded from bytes finds them
    in the folder named by the session config entry
    "session.model_external_initializers_file_folder_path" (as in onnxruntime), and cannot use
    external data without it.
    """

    def __init__(
        self,
        path_or_bytes: str | bytes | os.PathLike,
        sess_options: SessionOptions | None = None,
        providers: Sequence[Any] | None = None,
        provider_options: Sequence[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        if sess_options is not None and not isinstance(sess_options, SessionOptions):
            raise TypeError(f"sess_options must be an onyxrt.SessionOptions, got {type(sess_options).__name__}")
        self._sess_options = sess_options._copy() if sess_options is not None else SessionOptions()
        self._providers, self._provider_options = resolve_providers(providers, provider_options)
        _warn_about_options_not_acted_on(self._sess_options, kwargs.get("disabled_optimizers"))
        native_options = self._sess_options._to_native()

        if isinstance(path_or_bytes, (str, os.PathLike)):
            self._model_path: str | None = os.fsdecode(os.fspath(path_or_bytes))
            self._sess = _C.Session(self._model_path, native_options)
        elif isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
            self._model_path = None
            folder = self._sess_options._config.get(EXTERNAL_DATA_FOLDER_KEY, "")
            self._sess = _C.Session.from_bytes(path_or_bytes, native_options, folder)
        else:
            raise TypeError(f"Unable to load from type '{type(path_or_bytes)}'")

        self._inputs = [NodeArg(name, type_, shape) for name, type_, shape, _ in self._sess.inputs()]
        self._outputs = [NodeArg(name, type_, shape) for name, type_, shape, _ in self._sess.outputs()]
        self._overridable = [
            NodeArg(name, type_, shape) for name, type_, shape, _ in self._sess.overridable_initializers()
        ]
        self._metadata = ModelMetadata(self._sess.metadata())

    # --- what the model declares -------------------------------------------------------------
    def get_inputs(self) -> list[NodeArg]:
        return list(self._inputs)

    def get_outputs(self) -> list[NodeArg]:
        return list(self._outputs)

    def get_overridable_initializers(self) -> list[NodeArg]:
        return list(self._overridable)

    def get_modelmeta(self) -> ModelMetadata:
        return self._metadata

    # --- how it runs ---------------------------------------------------------------------------
    def get_providers(self) -> list[str]:
        return list(self._providers)

    def get_provider_options(self) -> dict[str, dict[str, str]]:
        return reported_provider_options(self._providers)

    def set_providers(self, providers: Sequence[Any] | None = None,
                      provider_options: Sequence[dict[str, Any]] | None = None) -> None:
        # Only the CPU provider exists, so the prepared session stays as it is.
        self._providers, self._provider_options = resolve_providers(providers, provider_options)

    def disable_fallback(self) -> None:
        """Accepted for compatibility: there is no provider to fall back from."""

    def enable_fallback(self) -> None:
        """Accepted for compatibility: there is no provider to fall back from."""

    def get_session_options(self) -> SessionOptions:
        return self._sess_options._copy()

    def get_profiling_start_time_ns(self) -> int:
        """When profiling started (ns since the epoch); 0 when the session does not profile."""
        return self._sess.profiling_start_time_ns()

    def end_profiling(self) -> str:
        """Writes the profile (onnxruntime's JSON trace format) to
        '<profile_file_prefix>_<date>_<time>.json', stops profiling and returns the file's name;
        '' when the session does not profile or the profile was already written."""
        return self._sess.end_profiling()

    # --- running -------------------------------------------------------------------------------
    def run(self, output_names: Sequence[str] | None, input_feed: dict[str, Any],
            run_options: RunOptions | None = None) -> list[Any]:
        """Runs the model on `input_feed` (name -> numpy array, or list / dict / None for
        sequence, map and optional inputs) and returns the outputs named in `output_names`
        (None or [] for all, in graph order). Safe to call from many threads at once."""
        if isinstance(output_names, (str, bytes)):
            raise TypeError("output_names must be a list of output names (or None), not a single string")
        if not hasattr(input_feed, "keys"):
            raise TypeError(f"input_feed must be a dict of input name -> value, got {type(input_feed).__name__}")
        feeds = dict(input_feed)
        missing = [arg.name for arg in self._inputs if arg.name not in feeds]
        if missing:  # onnxruntime checks this in Python, with this class and wording
            raise ValueError(f"Required inputs ({missing}) are missing from input feed ({list(feeds)}).")
        if run_options is not None and run_options.terminate:
            raise _C.Fail("run() was not started: RunOptions.terminate is set")
        return self._sess.run(list(output_names) if output_names else [], feeds)

"""enable_profiling / end_profiling: the profile is onnxruntime's JSON trace, read side by side
with the one onnxruntime writes for the same model."""

from __future__ import annotations

import json
import time
import warnings

import numpy as np
import onnxruntime
import pytest

import onyxrt
from tests import helpers


def profiled_session(module, tmp_path, prefix="profile"):
    options = module.SessionOptions()
    options.enable_profiling = True
    options.profile_file_prefix = str(tmp_path / f"{module.__name__}_{prefix}")
    return module.InferenceSession(helpers.to_bytes(helpers.add_relu()), options, providers=["CPUExecutionProvider"])


def feeds():
    return {"X": np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)}


def test_the_profile_has_onnxruntimes_events(tmp_path):
    profiles = {}
    for module in (onyxrt, onnxruntime):
        session = profiled_session(module, tmp_path)
        for _ in range(2):
            session.run(None, feeds())
        path = session.end_profiling()
        assert path.startswith(str(tmp_path / f"{module.__name__}_profile")) and path.endswith(".json")
        with open(path) as f:
            profiles[module.__name__] = json.load(f)
    ours, theirs = profiles["onyxrt"], profiles["onnxruntime"]
    assert [e["name"] for e in ours if e["cat"] == "Session"] == ["session_initialization", "model_run", "model_run"]
    assert {e["name"] for e in theirs if e["cat"] == "Session"} >= {"session_initialization", "model_run"}

    def node_events(profile):
        return [e for e in profile if e["cat"] == "Node" and e["name"].endswith("_kernel_time")]

    for event in node_events(ours):
        assert set(event) >= {"cat", "pid", "tid", "dur", "ts", "ph", "name", "args"}
        assert event["ph"] == "X" and event["dur"] >= 0 and event["ts"] >= 0
        assert event["args"]["provider"] == "CPUExecutionProvider"
        assert event["args"]["output_type_shape"] == [{"float": [3, 4]}]
    # Two runs of Add and Relu; onnxruntime may fuse them, so compare the op names it kept.
    assert sorted(e["args"]["op_name"] for e in node_events(ours)) == ["Add", "Add", "Relu", "Relu"]
    assert {e["args"]["op_name"] for e in node_events(theirs)} <= {"Add", "Relu"}
    # What each node read and wrote, as onnxruntime describes it: Add reads X (an activation,
    # 48 bytes) and the initializer B (16 bytes, a parameter).
    described = ("input_type_shape", "output_type_shape", "activation_size", "parameter_size", "output_size")
    for event in node_events(theirs):
        mine = next(e for e in node_events(ours) if e["args"]["op_name"] == event["args"]["op_name"])
        assert {k: mine["args"][k] for k in described} == {k: event["args"][k] for k in described}
    add = next(e for e in node_events(ours) if e["args"]["op_name"] == "Add")["args"]
    assert add["input_type_shape"] == [{"float": [3, 4]}, {"float": [4]}]
    assert (add["activation_size"], add["parameter_size"], add["output_size"]) == ("48", "16", "48")


def test_start_time_and_a_second_end(tmp_path):
    before = time.time_ns()
    session = profiled_session(onyxrt, tmp_path)
    assert before - 10**9 <= session.get_profiling_start_time_ns() <= time.time_ns()
    assert session.end_profiling() != ""
    assert session.end_profiling() == ""  # already written: profiling has stopped
    session.run(None, feeds())  # runs on without recording


def test_no_profiling_writes_nothing(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        session = onyxrt.InferenceSession(helpers.to_bytes(helpers.add_relu()))
    session.run(None, feeds())
    assert session.get_profiling_start_time_ns() == 0
    assert session.end_profiling() == ""


def test_an_unwritable_profile_path_names_it(tmp_path):
    session = profiled_session(onyxrt, tmp_path / "missing" / "folder")
    with pytest.raises(onyxrt.Fail, match="cannot write the profile to '.*missing"):
        session.end_profiling()

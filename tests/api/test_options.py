"""SessionOptions, RunOptions and the enums against onnxruntime's: names, defaults, round trips,
type checks; and the warnings for options that are accepted but not acted on yet."""

from __future__ import annotations

import warnings

import numpy as np
import onnx
import onnxruntime
import pytest

import onyxrt
from tests import helpers

SESSION_ATTRIBUTES = {
    # attribute: a value other than the default
    "intra_op_num_threads": 3, "inter_op_num_threads": 2, "log_severity_level": 3, "log_verbosity_level": 1,
    "logid": "tag", "enable_profiling": True, "profile_file_prefix": "prof_", "optimized_model_filepath": "opt.onnx",
    "enable_cpu_mem_arena": False, "enable_mem_pattern": False, "enable_mem_reuse": False,
    "use_deterministic_compute": True, "use_per_session_threads": False,
    "graph_optimization_level": "ORT_ENABLE_BASIC", "execution_mode": "ORT_PARALLEL",
    "execution_order": "PRIORITY_BASED",
}
ENUM_ATTRIBUTES = {"graph_optimization_level": "GraphOptimizationLevel", "execution_mode": "ExecutionMode",
                   "execution_order": "ExecutionOrder"}
RUN_ATTRIBUTES = {"log_severity_level": 2, "log_verbosity_level": 1, "logid": "run-7", "terminate": True,
                  "only_execute_path_to_fetches": True}


def as_plain(value):
    return (type(value).__name__, value.name) if hasattr(value, "name") else value


@pytest.mark.parametrize("enum_name", sorted(set(ENUM_ATTRIBUTES.values())))
def test_enums_mirror_onnxruntime(enum_name):
    ours, theirs = getattr(onyxrt, enum_name), getattr(onnxruntime, enum_name)
    assert {k: int(v) for k, v in ours.__members__.items()} == {k: int(v) for k, v in theirs.__members__.items()}
    for name, member in theirs.__members__.items():
        assert str(getattr(ours, name)) == str(member)
        assert getattr(ours, name) == int(member)


@pytest.mark.parametrize("attribute", sorted(SESSION_ATTRIBUTES))
def test_session_option_defaults_and_round_trip(attribute):
    ours, theirs = onyxrt.SessionOptions(), onnxruntime.SessionOptions()
    assert as_plain(getattr(ours, attribute)) == as_plain(getattr(theirs, attribute))
    value = SESSION_ATTRIBUTES[attribute]
    if attribute in ENUM_ATTRIBUTES:
        value = getattr(getattr(onyxrt, ENUM_ATTRIBUTES[attribute]), value)
    setattr(ours, attribute, value)
    assert getattr(ours, attribute) == value


@pytest.mark.parametrize("attribute", sorted(RUN_ATTRIBUTES))
def test_run_option_defaults_and_round_trip(attribute):
    ours, theirs = onyxrt.RunOptions(), onnxruntime.RunOptions()
    assert getattr(ours, attribute) == getattr(theirs, attribute)
    setattr(ours, attribute, RUN_ATTRIBUTES[attribute])
    assert getattr(ours, attribute) == RUN_ATTRIBUTES[attribute]


@pytest.mark.parametrize("attribute, value", [("intra_op_num_threads", 2.5), ("intra_op_num_threads", "2"),
                                              ("enable_profiling", "yes"), ("logid", 3),
                                              ("graph_optimization_level", "ORT_ENABLE_ALL"),
                                              ("graph_optimization_level", 42)])
def test_session_option_type_errors(attribute, value):
    with pytest.raises(TypeError):
        setattr(onyxrt.SessionOptions(), attribute, value)


def test_unknown_option_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError):
        onyxrt.SessionOptions().no_such_option = 1
    with pytest.raises(AttributeError):
        onyxrt.RunOptions().no_such_option = 1


def test_graph_optimization_level_accepts_members_and_their_ints():
    options = onyxrt.SessionOptions()
    options.graph_optimization_level = onyxrt.GraphOptimizationLevel.ORT_DISABLE_ALL
    assert options.graph_optimization_level is onyxrt.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.graph_optimization_level = 2
    assert options.graph_optimization_level is onyxrt.GraphOptimizationLevel.ORT_ENABLE_EXTENDED


def test_config_entries():
    for options, add, get, kind in ((onyxrt.SessionOptions(), "add_session_config_entry", "get_session_config_entry",
                                     "SessionOptions"),
                                    (onyxrt.RunOptions(), "add_run_config_entry", "get_run_config_entry", "RunOptions")):
        getattr(options, add)("session.intra_op.allow_spinning", "0")
        assert getattr(options, get)("session.intra_op.allow_spinning") == "0"
        with pytest.raises(RuntimeError, match=f"{kind} does not have configuration with key: missing"):
            getattr(options, get)("missing")
        with pytest.raises(TypeError):
            getattr(options, add)("key", 1)


def test_register_custom_ops_library_is_not_implemented():
    with pytest.raises(onyxrt.NotImplemented, match="custom operator"):
        onyxrt.SessionOptions().register_custom_ops_library("/nonexistent/libcustom.so")


def test_session_keeps_its_own_copy_of_the_options():
    options = onyxrt.SessionOptions()
    options.intra_op_num_threads = 2
    options.graph_optimization_level = onyxrt.GraphOptimizationLevel.ORT_ENABLE_BASIC
    session = onyxrt.InferenceSession(helpers.to_bytes(helpers.add_relu()), options)
    options.intra_op_num_threads = 5
    kept = session.get_session_options()
    assert kept is not options and kept.intra_op_num_threads == 2
    assert kept.graph_optimization_level == onyxrt.GraphOptimizationLevel.ORT_ENABLE_BASIC


@pytest.mark.parametrize("level", list(onyxrt.GraphOptimizationLevel))
@pytest.mark.parametrize("threads", [0, 1, 2])
def test_every_level_and_thread_count_gives_the_same_outputs(level, threads):
    options = onyxrt.SessionOptions()
    options.graph_optimization_level = level
    options.intra_op_num_threads = threads
    session = onyxrt.InferenceSession(helpers.to_bytes(helpers.add_relu()), options)
    x = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)
    expected = np.maximum(x + np.linspace(-1, 1, 4, dtype=np.float32), 0)
    np.testing.assert_allclose(session.run(None, {"X": x})[0], expected, rtol=1e-6)


def test_optimized_model_filepath_writes_the_model_without_warning(tmp_path):
    # tests/optimizer/test_optimized_model_file.py checks what the file holds.
    options = onyxrt.SessionOptions()
    options.optimized_model_filepath = tmp_path / "optimized.onnx"  # os.PathLike is accepted
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        onyxrt.InferenceSession(helpers.to_bytes(helpers.add_relu()), options)
    assert onnx.load(str(tmp_path / "optimized.onnx")).producer_name == "onyxrt"


def test_default_options_warn_about_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        session = onyxrt.InferenceSession(helpers.to_bytes(helpers.add_relu()), onyxrt.SessionOptions())
        assert session.end_profiling() == ""


def test_terminate_set_before_run_fails_the_run():
    session = onyxrt.InferenceSession(helpers.to_bytes(helpers.add_relu()))
    run_options = onyxrt.RunOptions()
    run_options.terminate = True
    with pytest.raises(onyxrt.Fail, match="terminate"):
        session.run(None, {"X": np.zeros((1, 4), np.float32)}, run_options)
    run_options.terminate = False
    assert session.run(None, {"X": np.zeros((1, 4), np.float32)}, run_options)[0].shape == (1, 4)


def test_default_logger_severity():
    onyxrt.set_default_logger_severity(3)
    onyxrt.set_default_logger_severity(2)
    with pytest.raises(RuntimeError):
        onyxrt.set_default_logger_severity(5)

"""Bad models and bad feeds: each raises the documented class with a message naming the culprit.
Where onnxruntime raises a different class, the test says so (docs/python_api.md lists them)."""

from __future__ import annotations

import numpy as np
import onnxruntime
import pytest

import onyxrt
from tests import helpers


def both_raise(make, ours, theirs=None, match=None):
    """`make(module)` raises `ours` in onyxrt (message matching `match`) and `theirs` in onnxruntime."""
    with pytest.raises(ours, match=match) as info:
        make(onyxrt)
    if theirs is not None:
        with pytest.raises(theirs):
            make(onnxruntime)
    return str(info.value)


# --- loading -------------------------------------------------------------------------------------
def test_missing_file(tmp_path):
    path = tmp_path / "absent.onnx"
    both_raise(lambda m: m.InferenceSession(str(path)), onyxrt.NoSuchFile,
               onnxruntime.capi.onnxruntime_pybind11_state.NoSuchFile, match="absent.onnx")


@pytest.mark.parametrize("content", [np.random.default_rng(0).bytes(1000), b"garbage bytes here"],
                         ids=["random_bytes", "short_garbage"])
def test_not_a_model_from_bytes(content):
    both_raise(lambda m: m.InferenceSession(content), onyxrt.InvalidProtobuf,
               onnxruntime.capi.onnxruntime_pybind11_state.InvalidProtobuf, match="model")


def test_text_file(tmp_path):
    path = tmp_path / "notes.onnx"
    path.write_text("This is a text file, not a protobuf.\n" * 20)
    message = both_raise(lambda m: m.InferenceSession(str(path)), onyxrt.InvalidProtobuf,
                         onnxruntime.capi.onnxruntime_pybind11_state.InvalidProtobuf)
    assert "notes.onnx" in message


@pytest.mark.parametrize("keep", [5, 0.5, -3], ids=["5_bytes", "half", "all_but_3"])
def test_truncated_model(tmp_path, keep):
    data = helpers.to_bytes(helpers.add_relu())
    cut = data[: int(len(data) * keep) if isinstance(keep, float) else keep]
    path = tmp_path / "truncated.onnx"
    path.write_bytes(cut)
    message = both_raise(lambda m: m.InferenceSession(str(path)), onyxrt.InvalidProtobuf,
                         onnxruntime.capi.onnxruntime_pybind11_state.InvalidProtobuf)
    assert "truncated.onnx" in message and "past the end" in message


def test_empty_file(tmp_path):
    # onnxruntime raises InvalidArgument ("No graph was found"); onyxrt says NoModel, its code for
    # "there is no model here".
    path = tmp_path / "empty.onnx"
    path.write_bytes(b"")
    message = both_raise(lambda m: m.InferenceSession(str(path)), onyxrt.NoModel,
                         onnxruntime.capi.onnxruntime_pybind11_state.InvalidArgument)
    assert "empty.onnx" in message and "empty" in message
    with pytest.raises(onyxrt.NoModel, match="empty"):
        onyxrt.InferenceSession(b"")


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(onyxrt.NoSuchFile, match=str(tmp_path)):
        onyxrt.InferenceSession(str(tmp_path))


def test_unknown_operator_names_node_op_and_opset():
    # onnxruntime raises InvalidGraph; the brief for onyxrt is NotImplemented (the model may be
    # valid, onyxrt lacks the operator).
    model = helpers.to_bytes(helpers.single_node("NoSuchOp", node_name="weird_node"))
    message = both_raise(lambda m: m.InferenceSession(model), onyxrt.NotImplemented,
                         onnxruntime.capi.onnxruntime_pybind11_state.InvalidGraph)
    assert "weird_node" in message and "NoSuchOp" in message and str(helpers.OPSET) in message


def test_unknown_domain_names_the_domain():
    model = helpers.to_bytes(helpers.single_node("Relu", domain="com.example", extra_opsets={"com.example": 1}))
    message = both_raise(lambda m: m.InferenceSession(model), onyxrt.NotImplemented,
                         onnxruntime.capi.onnxruntime_pybind11_state.Fail)
    assert "com.example" in message and "culprit" in message


def test_domain_not_imported():
    model = helpers.to_bytes(helpers.single_node("Relu", domain="com.example"))
    message = both_raise(lambda m: m.InferenceSession(model), onyxrt.InvalidGraph,
                         onnxruntime.capi.onnxruntime_pybind11_state.InvalidGraph)
    assert "com.example" in message and "opset_import" in message


def test_opset_newer_than_supported():
    model = helpers.to_bytes(helpers.make_model([], [helpers.tensor("X", shape=[1])], [helpers.tensor("X", shape=[1])],
                                                opset=99))
    message = both_raise(lambda m: m.InferenceSession(model), onyxrt.InvalidGraph,
                         onnxruntime.capi.onnxruntime_pybind11_state.Fail)
    assert "99" in message


# --- feeds ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def session_pair():
    return helpers.sessions(helpers.add_relu(batch="N"))


GOOD = np.ones((2, 4), np.float32)


def feed_error(session_pair, feeds, ours, theirs=None, match=None, output_names=None):
    expected, actual = session_pair
    with pytest.raises(ours, match=match) as info:
        actual.run(output_names, feeds)
    if theirs is not None:
        with pytest.raises(theirs):
            expected.run(output_names, feeds)
    return str(info.value)


def test_unknown_input_name(session_pair):
    message = feed_error(session_pair, {"X": GOOD, "Z": GOOD}, onyxrt.InvalidArgument,
                         onnxruntime.capi.onnxruntime_pybind11_state.InvalidArgument, match="'Z'")
    assert "'X'" in message  # and says which inputs exist


def test_missing_input_is_a_value_error_worded_as_onnxruntime(session_pair):
    expected, actual = session_pair
    with pytest.raises(ValueError) as ours:
        actual.run(None, {"Z": GOOD})
    with pytest.raises(ValueError) as theirs:
        expected.run(None, {"Z": GOOD})
    assert str(ours.value) == str(theirs.value) == "Required inputs (['X']) are missing from input feed (['Z'])."


def test_wrong_element_type_names_input_expected_and_actual(session_pair):
    message = feed_error(session_pair, {"X": GOOD.astype(np.int64)}, onyxrt.InvalidArgument,
                         onnxruntime.capi.onnxruntime_pybind11_state.InvalidArgument)
    assert "'X'" in message and "int64" in message and "float" in message


def test_wrong_rank_names_input_and_ranks(session_pair):
    message = feed_error(session_pair, {"X": GOOD[None]}, onyxrt.InvalidArgument,
                         onnxruntime.capi.onnxruntime_pybind11_state.InvalidArgument)
    assert "'X'" in message and "rank 3" in message and "rank 2" in message


def test_wrong_static_dimension_names_input_and_dimension(session_pair):
    message = feed_error(session_pair, {"X": np.ones((2, 5), np.float32)}, onyxrt.InvalidArgument,
                         onnxruntime.capi.onnxruntime_pybind11_state.InvalidArgument)
    assert "'X'" in message and "dimension 1" in message and "4" in message and "5" in message


@pytest.mark.parametrize("value", [np.ones((2, 4), "datetime64[s]"), np.ones((2, 4), np.longdouble)],
                         ids=["datetime64", "longdouble"])
def test_numpy_dtype_without_onnx_type(session_pair, value):
    if value.dtype.itemsize == 8 and value.dtype.kind == "f":
        pytest.skip("longdouble is float64 on this platform")
    message = feed_error(session_pair, {"X": value}, onyxrt.InvalidArgument)
    assert "'X'" in message and str(value.dtype) in message


@pytest.mark.parametrize("value", ["hello", {"a": 1.0}, None], ids=["str", "dict", "None"])
def test_feed_of_the_wrong_kind(session_pair, value):
    message = feed_error(session_pair, {"X": value}, onyxrt.InvalidArgument)
    assert "'X'" in message


def test_unknown_output_name(session_pair):
    message = feed_error(session_pair, {"X": GOOD}, onyxrt.InvalidArgument,
                         onnxruntime.capi.onnxruntime_pybind11_state.InvalidArgument, match="'nope'",
                         output_names=["nope"])
    assert "'Y'" in message


def test_feeds_must_be_a_dict_of_names(session_pair):
    with pytest.raises(TypeError, match="input names are str"):
        session_pair[1].run(None, {"X": GOOD, 3: GOOD})
    with pytest.raises(TypeError, match="dict"):
        session_pair[1].run(None, [GOOD])
    with pytest.raises(TypeError, match="list of output names"):
        session_pair[1].run("Y", {"X": GOOD})

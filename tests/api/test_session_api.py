"""The session API against onnxruntime on the same models: declared inputs and outputs, outputs,
output selection, loading, metadata, providers and the exception classes."""

from __future__ import annotations

import pathlib
import warnings

import numpy as np
import onnxruntime
import onyxrt
import pytest

from tests import helpers

DECLARATION_MODELS = {
    "static": helpers.static_add,
    "dynamic_batch": helpers.add_relu,
    "fixed_batch": lambda: helpers.add_relu(batch=5),
    "unknown_batch": lambda: helpers.add_relu(batch=None),
    "multi_io": helpers.multi_io,
    "mixed_dims": helpers.mixed_dims,
    "overridable_initializer": helpers.overridable_initializer,
}


@pytest.mark.parametrize("name", sorted(DECLARATION_MODELS))
def test_node_args_match_onnxruntime(name):
    expected, actual = helpers.sessions(DECLARATION_MODELS[name]())
    assert helpers.node_args(actual.get_inputs()) == helpers.node_args(expected.get_inputs())
    assert helpers.node_args(actual.get_outputs()) == helpers.node_args(expected.get_outputs())
    assert (helpers.node_args(actual.get_overridable_initializers())
            == helpers.node_args(expected.get_overridable_initializers()))


def test_node_arg_reads_like_onnxruntime():
    arg = onyxrt.InferenceSession(helpers.to_bytes(helpers.mixed_dims())).get_inputs()[0]
    assert str(arg) == "NodeArg(name='X', type='tensor(float)', shape=['batch', None, 3])"
    arg.shape.append(7)  # a copy: editing it leaves the session's declaration alone
    assert arg.shape == ["batch", None, 3]


def feeds_for(model_name: str, batch: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    if model_name == "multi_io":
        return {"A": rng.standard_normal((batch, 3)).astype(np.float32), "C": np.arange(batch * 2, dtype=np.int64)}
    if model_name == "static":
        return {"X": rng.standard_normal((2, 3)).astype(np.float32)}
    if model_name == "mlp":
        return {"x": rng.standard_normal((batch, 16)).astype(np.float32)}
    return {"X": rng.standard_normal((batch, 4)).astype(np.float32)}


RUN_MODELS = {"static": helpers.static_add, "dynamic_batch": helpers.add_relu, "multi_io": helpers.multi_io,
              "mlp": helpers.mlp, "mlp_matmul": lambda: helpers.mlp(use_gemm=False)}


@pytest.mark.parametrize("name", sorted(RUN_MODELS))
@pytest.mark.parametrize("batch", [1, 4])
def test_outputs_match_onnxruntime(name, batch):
    expected_session, session = helpers.sessions(RUN_MODELS[name]())
    feeds = feeds_for(name.replace("_matmul", ""), batch)
    expected = expected_session.run(None, feeds)
    actual = session.run(None, feeds)
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert isinstance(a, np.ndarray) and a.dtype == e.dtype and a.shape == e.shape
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("names", [["twice"], ["square", "relu"], ["relu", "twice", "square"], ["square", "square"]])
def test_output_names_select_and_order(names):
    expected_session, session = helpers.sessions(helpers.multi_io())
    feeds = feeds_for("multi_io")
    expected = expected_session.run(names, feeds)
    actual = session.run(names, feeds)
    assert [a.dtype for a in actual] == [e.dtype for e in expected]
    for a, e in zip(actual, expected):
        np.testing.assert_array_equal(a, e)


@pytest.mark.parametrize("all_outputs", [None, []])
def test_none_and_empty_output_names_mean_all_outputs(all_outputs):
    session = onyxrt.InferenceSession(helpers.to_bytes(helpers.multi_io()))
    results = session.run(all_outputs, feeds_for("multi_io"))
    assert len(results) == 3 and results[1].dtype == np.int64


def test_output_names_as_tuple():
    session = onyxrt.InferenceSession(helpers.to_bytes(helpers.multi_io()))
    assert len(session.run(("relu",), feeds_for("multi_io"))) == 1


def test_overridable_initializer_default_and_override():
    expected_session, session = helpers.sessions(helpers.overridable_initializer())
    x = np.arange(3, dtype=np.float32)
    for feeds in ({"X": x}, {"X": x, "W": np.ones(3, np.float32)}):
        np.testing.assert_array_equal(session.run(None, feeds)[0], expected_session.run(None, feeds)[0])


@pytest.mark.parametrize("source", ["str", "pathlib", "bytes", "bytearray"])
def test_loading_from_path_or_bytes(tmp_path, source):
    model = helpers.add_relu()
    path = helpers.save(model, tmp_path)
    argument = {"str": str(path), "pathlib": pathlib.Path(path), "bytes": path.read_bytes(),
                "bytearray": bytearray(path.read_bytes())}[source]
    session = onyxrt.InferenceSession(argument)
    feeds = feeds_for("dynamic_batch")
    expected = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)
    np.testing.assert_allclose(session.run(None, feeds)[0], expected[0], rtol=1e-6)


def test_loading_from_another_type_is_a_type_error():
    with pytest.raises(TypeError, match="Unable to load from type"):
        onyxrt.InferenceSession(12)


def test_python_lists_and_scalars_are_fed_through_numpy():
    expected_session, session = helpers.sessions(helpers.add_relu())
    as_list = [[0.5, -1.0, 2.0, 0.0]]  # float64 in Python: converted to the declared float32
    expected = expected_session.run(None, {"X": as_list})[0]
    actual = session.run(None, {"X": as_list})[0]
    assert actual.dtype == np.float32
    np.testing.assert_array_equal(actual, expected)
    scalar_session = onyxrt.InferenceSession(helpers.to_bytes(helpers.mixed_dims()))
    feeds = {"X": np.zeros((1, 1, 3), np.float32), "R": np.zeros(2, np.int32), "S": 2.5}
    assert scalar_session.run(["T"], feeds)[0] == np.float32(2.5)


def test_metadata_matches_onnxruntime():
    expected_session, session = helpers.sessions(helpers.with_metadata())
    expected, actual = expected_session.get_modelmeta(), session.get_modelmeta()
    for field in ("producer_name", "graph_name", "domain", "description", "graph_description", "version",
                  "custom_metadata_map"):
        assert getattr(actual, field) == getattr(expected, field), field


def test_providers():
    assert onyxrt.get_available_providers() == ["CPUExecutionProvider"]
    assert "CPUExecutionProvider" in onyxrt.get_all_providers()
    assert "CUDAExecutionProvider" in onyxrt.get_all_providers()
    assert onyxrt.get_device() == "CPU"
    model = helpers.to_bytes(helpers.add_relu())
    for providers in (None, ["CPUExecutionProvider"], [("CPUExecutionProvider", {"arena_extend_strategy": "x"})]):
        session = onyxrt.InferenceSession(model, providers=providers)
        assert session.get_providers() == ["CPUExecutionProvider"]
        expected = onnxruntime.InferenceSession(model, providers=providers or ["CPUExecutionProvider"])
        assert session.get_provider_options() == expected.get_provider_options()


@pytest.mark.parametrize("providers", [["CUDAExecutionProvider"], ["CUDAExecutionProvider", "CPUExecutionProvider"],
                                       ["NoSuchExecutionProvider"]])
def test_unavailable_providers_warn_and_fall_back_to_cpu(providers):
    model = helpers.to_bytes(helpers.add_relu())
    with pytest.warns(UserWarning, match=f"Specified provider '{providers[0]}' is not in available provider names"):
        session = onyxrt.InferenceSession(model, providers=providers)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # onnxruntime warns (and prints) too; only its choice matters here
        expected = onnxruntime.InferenceSession(model, providers=providers)
    assert session.get_providers() == [p for p in expected.get_providers() if p != "AzureExecutionProvider"]


def test_exception_classes_mirror_onnxruntime():
    from onnxruntime.capi import onnxruntime_pybind11_state as ort_state
    from onyxrt.capi import onnxruntime_pybind11_state as state
    from onyxrt.capi.onnxruntime_pybind11_state import InvalidArgument

    names = ["Fail", "InvalidArgument", "NoSuchFile", "NoModel", "EngineError", "RuntimeException",
             "InvalidProtobuf", "ModelLoaded", "NotImplemented", "InvalidGraph", "EPFail"]
    for name in names:
        assert issubclass(getattr(ort_state, name), Exception)
        cls = getattr(state, name)
        assert cls is getattr(onyxrt, name)
        assert issubclass(cls, onyxrt.OnyxrtError) and issubclass(cls, Exception)
        assert cls.__name__ == name and cls.__module__ == "onyxrt.capi.onnxruntime_pybind11_state"
    assert InvalidArgument is onyxrt.InvalidArgument
    with pytest.raises(InvalidArgument):
        onyxrt.InferenceSession(helpers.to_bytes(helpers.add_relu())).run(["nope"], feeds_for("dynamic_batch"))


def test_version_and_paths():
    assert onyxrt.__version__ == onyxrt.get_version_string()
    assert pathlib.Path(onyxrt.get_include(), "onyxrt", "onyxrt.hpp").is_file()
    assert pathlib.Path(onyxrt.get_cmake_dir(), "onyxrtConfig.cmake").is_file()
    assert pathlib.Path(onyxrt.__file__).parent.joinpath("data", "mlp.onnx").is_file()

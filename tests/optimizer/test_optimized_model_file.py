"""SessionOptions.optimized_model_filepath: the session writes the graph as its optimizer left it,
as an ONNX model that passes onnx.checker, that onnxruntime loads and runs to the original's
results, that has no more nodes than the original, and that onyxrt loads again (round trip)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

import onyxrt
from tests.conformance.backend_cases import BackendCase, assert_similar, cache_root, load_data_sets
from tests.helpers import make_model, tensor
from tests.optimizer.levels import LEVELS, optimized_model, optimized_op_types

LIGHT_DIR = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
LIGHT = ["bvlc_alexnet", "densenet121", "inception_v1", "inception_v2", "resnet50", "shufflenet", "squeezenet",
         "vgg19", "zfnet512"]
# Hundreds of MiB of weights each once folded: written at two levels, not four.
HEAVY = {"bvlc_alexnet", "vgg19", "zfnet512", "densenet121"}
BENCH_DIR = Path(__file__).resolve().parents[2] / ".cache" / "bench-models"
BENCH = ["mobilenetv2", "lstm", "resnet50"]  # torch exports, small enough for a test


def write_optimized(source: str | onnx.ModelProto, path: Path, level: str, **config: str) -> onyxrt.InferenceSession:
    options = onyxrt.SessionOptions()
    options.graph_optimization_level = getattr(onyxrt.GraphOptimizationLevel, level)
    options.optimized_model_filepath = str(path)
    for key, value in config.items():
        options.add_session_config_entry(key, value)
    return onyxrt.InferenceSession(source if isinstance(source, str) else source.SerializeToString(), options)


def onnxruntime_session(source: str | bytes) -> onnxruntime.InferenceSession:
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])


def random_feeds(model: onnx.ModelProto) -> dict:
    initializers = {t.name for t in model.graph.initializer}
    rng = np.random.default_rng(3)
    feeds = {}
    for value in model.graph.input:
        if value.name in initializers:
            continue
        shape = [d.dim_value if d.HasField("dim_value") else 1 for d in value.type.tensor_type.shape.dim]
        feeds[value.name] = rng.standard_normal(shape).astype(np.float32)
    return feeds


def assert_file_is_the_optimized_model(source: str, written: Path, level: str, rtol: float, atol: float) -> None:
    onnx.checker.check_model(str(written), full_check=True)
    original = onnx.load(source, load_external_data=False)
    model = onnx.load(str(written), load_external_data=False)
    assert model.producer_name == "onyxrt"
    assert model.ir_version == original.ir_version
    # The original imports stay; fusions may add one for the domain of the ops they make.
    imports = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    assert {o.domain or "ai.onnx": o.version for o in original.opset_import}.items() <= imports.items()
    assert {n.domain or "ai.onnx" for n in model.graph.node} <= imports.keys()
    assert len(model.graph.node) <= len(original.graph.node)
    assert [o.name for o in model.graph.output] == [o.name for o in original.graph.output]
    feeds = random_feeds(original)
    expected = onnxruntime_session(source).run(None, feeds)
    for actual in (onnxruntime_session(str(written)).run(None, feeds),
                   write_optimized(str(written), written.with_suffix(".again.onnx"), level).run(None, feeds)):
        for a, e in zip(actual, expected):
            np.testing.assert_allclose(a, e, rtol=rtol, atol=atol)
    # Optimizing what was already optimized finds nothing more to remove.
    again = onnx.load(str(written.with_suffix(".again.onnx")), load_external_data=False)
    assert len(again.graph.node) == len(model.graph.node)


LIGHT_CASES = [(name, level) for name in LIGHT for level in LEVELS
               if name not in HEAVY or level in ("ORT_DISABLE_ALL", "ORT_ENABLE_ALL")]


@pytest.mark.parametrize(("name", "level"), LIGHT_CASES)
def test_light_models(name, level, tmp_path):
    source = str(LIGHT_DIR / f"light_{name}.onnx")
    written = tmp_path / "optimized.onnx"
    write_optimized(source, written, level)
    assert_file_is_the_optimized_model(source, written, level, rtol=2e-3, atol=1e-4)


@pytest.mark.parametrize("name", BENCH)
def test_torch_exported_models(name, tmp_path):
    source = BENCH_DIR / f"{name}.onnx"
    if not source.exists():
        pytest.skip(f"{source} is not built (python bench/models.py builds it)")
    written = tmp_path / "optimized.onnx"
    write_optimized(str(source), written, "ORT_ENABLE_ALL")
    assert_file_is_the_optimized_model(str(source), written, "ORT_ENABLE_ALL", rtol=1e-3, atol=1e-4)


# Subgraphs (If, Loop, Scan, SequenceMap), sequences, optionals, strings, maps, sparse constants.
BACKEND_CASES = [
    "test_if", "test_if_seq", "test_if_opt", "test_loop11", "test_loop13_seq", "test_loop16_seq_none", "test_scan9_sum",
    "test_scan_sum", "test_sequence_map_add_2_sequences", "test_sequence_map_extract_shapes",
    "test_sequence_insert_at_back", "test_split_to_sequence_1", "test_optional_get_element_optional_sequence",
    "test_optional_has_element_empty_optional_input", "test_identity_opt", "test_string_concat_broadcasting",
    "test_strnormalizer_export_monday_casesensintive_upper", "test_regex_full_match_email_domain",
    "test_string_split_basic", "test_constant_pad", "test_ai_onnx_ml_label_encoder_string_int",
    "test_ai_onnx_ml_tree_ensemble_set_membership", "test_ai_onnx_ml_label_encoder_tensor_mapping", "test_equal_string_broadcast",
    "test_range_float_type_positive_delta_expanded",
]


@pytest.mark.parametrize("name", BACKEND_CASES)
@pytest.mark.parametrize("level", ["ORT_DISABLE_ALL", "ORT_ENABLE_ALL"])
def test_models_with_subgraphs_sequences_and_strings(name, level, tmp_path):
    folder = cache_root() / "node" / name
    if not folder.exists():
        pytest.skip(f"{name} is not in this onnx version's backend cases")
    source = str(folder / "model.onnx")
    original = onnx.load(source)
    written = tmp_path / "optimized.onnx"
    write_optimized(source, written, level)
    onnx.checker.check_model(str(written))
    model = onnx.load(str(written))
    assert len(model.graph.node) <= len(original.graph.node)
    case = BackendCase("node", name, folder, 1e-5, 1e-6)
    output_names = [o.name for o in original.graph.output]
    try:
        oracle = onnxruntime_session(source)
    except Exception:  # noqa: BLE001 - onnxruntime lacks a few of these (StringNormalizer's locale)
        oracle = None
    from_file = onnxruntime_session(str(written)) if oracle is not None else None
    again = onyxrt.InferenceSession(str(written))
    for feeds, expected in load_data_sets(case, original):
        for k, actual in enumerate(again.run(output_names, feeds)):
            assert_similar(actual, expected[k], 1e-5, 1e-6, where=f"onyxrt on the written model, output {k}")
        if from_file is not None:
            for k, actual in enumerate(from_file.run(output_names, feeds)):
                assert_similar(actual, expected[k], 1e-5, 1e-6, where=f"onnxruntime on the written model, output {k}")


@pytest.mark.parametrize("level", ["ORT_DISABLE_ALL", "ORT_ENABLE_BASIC"])
def test_a_sparse_constant(level, tmp_path):
    sparse = helper.make_sparse_tensor(numpy_helper.from_array(np.array([1.5, -2], np.float32), "values"),
                                       numpy_helper.from_array(np.array([1, 4], np.int64)), [2, 3])
    model = make_model([helper.make_node("Constant", [], ["C"], sparse_value=sparse),
                        helper.make_node("Add", ["X", "C"], ["Y"])], [tensor("X", shape=[2, 3])],
                       [tensor("Y", shape=[2, 3])])
    written = tmp_path / "optimized.onnx"
    write_optimized(model, written, level)
    onnx.checker.check_model(str(written), full_check=True)
    x = np.ones((2, 3), np.float32)
    expected = x + np.array([[0, 1.5, 0], [0, -2, 0]], np.float32)
    for session in (onnxruntime_session(str(written)), onyxrt.InferenceSession(str(written))):
        np.testing.assert_array_equal(session.run(None, {"X": x})[0], expected)


def every_attribute_kind() -> list[onnx.AttributeProto]:
    body = helper.make_graph([helper.make_node("Neg", ["a"], ["b"])], "body", [tensor("a", shape=[2])],
                             [tensor("b", shape=[2])])
    sparse = helper.make_sparse_tensor(numpy_helper.from_array(np.array([1.5, -2], np.float32)),
                                       numpy_helper.from_array(np.array([1, 4], np.int64)), [2, 3])
    seq_type = helper.make_sequence_type_proto(helper.make_tensor_type_proto(TensorProto.INT64, ["n", 2, None]))
    return [
        helper.make_attribute("f", -0.25), helper.make_attribute("i", -7), helper.make_attribute("s", b"text\x00\xff"),
        helper.make_attribute("t", numpy_helper.from_array(np.arange(6, dtype=np.float16).reshape(2, 3))),
        helper.make_attribute("g", body), helper.make_attribute("floats", [1.0, -0.5, 3e38]),
        helper.make_attribute("ints", [0, -1, 2**62]), helper.make_attribute("strings", [b"a", b"", b"\xc3\xa9"]),
        helper.make_attribute("tensors", [numpy_helper.from_array(np.array(["x", "yz"], dtype=object)),
                                          numpy_helper.from_array(np.array([True, False]))]),
        helper.make_attribute("graphs", [body, body]), helper.make_attribute("sparse", sparse),
        helper.make_attribute("sparses", [sparse]), helper.make_attribute("tp", seq_type),
        helper.make_attribute("tps", [seq_type, helper.make_optional_type_proto(seq_type)]),
        helper.make_attribute_ref("ref", onnx.AttributeProto.INT),
    ]


def test_attributes_of_every_kind_and_functions_are_written_back(tmp_path):
    """A model-local function nobody calls keeps a body node with an attribute of every kind:
    the written function must equal the original, field for field."""
    node = helper.make_node("Anything", ["x"], ["y"], domain="test.custom")
    node.attribute.extend(every_attribute_kind())
    function = helper.make_function("test.local", "Unused", ["x"], ["y"], [node],
                                    [helper.make_opsetid("", 17), helper.make_opsetid("test.custom", 1)],
                                    attributes=["ref"], doc_string="never called")
    model = make_model([helper.make_node("Relu", ["X"], ["Y"])], [tensor("X", shape=["batch", 2])],
                       [tensor("Y", shape=["batch", 2])], extra_opsets={"test.local": 1, "test.custom": 1},
                       functions=[function])
    helper.set_model_props(model, {"author": "tests", "empty": ""})
    model.doc_string, model.domain, model.model_version = "doc", "ai.onyxrt.test", 42
    written = tmp_path / "optimized.onnx"
    write_optimized(model, written, "ORT_ENABLE_ALL")
    result = onnx.load(str(written))
    assert list(result.functions) == list(model.functions)
    assert list(result.metadata_props) == list(model.metadata_props)
    assert (result.doc_string, result.domain, result.model_version) == ("doc", "ai.onyxrt.test", 42)
    assert result.graph.input == model.graph.input and result.graph.output == model.graph.output


def test_types_and_symbolic_dims_are_kept(tmp_path):
    seq = helper.make_sequence_type_proto(helper.make_tensor_type_proto(TensorProto.FLOAT, ["n", None]))
    opt = helper.make_optional_type_proto(helper.make_tensor_type_proto(TensorProto.STRING, []))
    model = make_model(
        [helper.make_node("Identity", ["S"], ["S2"]), helper.make_node("Identity", ["O"], ["O2"]),
         helper.make_node("Abs", ["X"], ["A"]), helper.make_node("Neg", ["A"], ["Y"])],
        [helper.make_value_info("S", seq), helper.make_value_info("O", opt),
         tensor("X", TensorProto.INT8, ["batch", 3, None])],
        [helper.make_value_info("S2", seq), helper.make_value_info("O2", opt),
         tensor("Y", TensorProto.INT8, ["batch", 3, None])], opset=18, ir_version=9)
    model.graph.value_info.append(tensor("A", TensorProto.INT8, ["batch", 3, None]))
    written = tmp_path / "optimized.onnx"
    write_optimized(model, written, "ORT_DISABLE_ALL")
    result = onnx.load(str(written))
    assert result.graph.input == model.graph.input and result.graph.output == model.graph.output
    assert list(result.graph.value_info) == list(model.graph.value_info)
    onnx.checker.check_model(result, full_check=True)


def test_ir3_models_list_new_initializers_as_inputs(tmp_path):
    """Before IR 4 an initializer had to be a graph input; folding makes new ones."""
    model = make_model([helper.make_node("ConstantOfShape", ["shape"], ["w"], value=numpy_helper.from_array(
                            np.array([0.5], np.float32))), helper.make_node("Add", ["X", "w"], ["Y"])],
                       [tensor("X", shape=[2, 3]), tensor("shape", TensorProto.INT64, [2])], [tensor("Y", shape=[2, 3])],
                       [numpy_helper.from_array(np.array([2, 3], np.int64), "shape")], opset=9, ir_version=3)
    written = tmp_path / "optimized.onnx"
    write_optimized(model, written, "ORT_ENABLE_BASIC")
    result = onnx.load(str(written))
    assert [n.op_type for n in result.graph.node] == ["Add"]
    assert {i.name for i in result.graph.initializer} <= {i.name for i in result.graph.input}
    onnx.checker.check_model(result, full_check=True)
    x = np.ones((2, 3), np.float32)
    np.testing.assert_array_equal(onnxruntime_session(str(written)).run(None, {"X": x})[0], x + 0.5)


def test_large_initializers_go_to_the_named_data_file(tmp_path):
    weights = numpy_helper.from_array(np.arange(4096, dtype=np.float32).reshape(64, 64), "W")
    small = numpy_helper.from_array(np.ones(4, np.float32), "b")
    model = make_model([helper.make_node("MatMul", ["X", "W"], ["M"]), helper.make_node("Add", ["M", "b"], ["Y"])],
                       [tensor("X", shape=[1, 64])], [tensor("Y", shape=[1, 64])], [weights, small])
    model.graph.node[1].input[1] = "b64"
    model.graph.initializer[1].CopyFrom(numpy_helper.from_array(np.ones(64, np.float32), "b64"))
    written = tmp_path / "optimized.onnx"
    write_optimized(model, written, "ORT_ENABLE_ALL",
                    **{"session.optimized_model_external_initializers_file_name": "weights.bin",
                       "session.optimized_model_external_initializers_min_size_in_bytes": "1000"})
    assert (tmp_path / "weights.bin").stat().st_size == 4096 * 4
    stored = {t.name: t for t in onnx.load(str(written), load_external_data=False).graph.initializer}
    assert stored["W"].data_location == TensorProto.EXTERNAL and stored["b64"].data_location == TensorProto.DEFAULT
    x = np.random.default_rng(0).standard_normal((1, 64)).astype(np.float32)
    expected = x @ numpy_helper.to_array(weights) + 1
    for session in (onnxruntime_session(str(written)), onyxrt.InferenceSession(str(written))):
        np.testing.assert_allclose(session.run(None, {"X": x})[0], expected, rtol=1e-5)


@pytest.mark.parametrize("name", ["../outside.bin", "/tmp/absolute.bin"])
def test_a_data_file_outside_the_model_folder_is_refused(name, tmp_path):
    model = make_model([helper.make_node("Relu", ["X"], ["Y"])], [tensor("X", shape=[2])], [tensor("Y", shape=[2])])
    with pytest.raises(onyxrt.InvalidArgument, match="relative path inside the model's folder"):
        write_optimized(model, tmp_path / "m.onnx", "ORT_ENABLE_ALL",
                        **{"session.optimized_model_external_initializers_file_name": name})


def test_a_path_that_cannot_be_written_raises_naming_it(tmp_path):
    model = make_model([helper.make_node("Relu", ["X"], ["Y"])], [tensor("X", shape=[2])], [tensor("Y", shape=[2])])
    target = tmp_path / "no_such_folder" / "optimized.onnx"
    with pytest.raises(onyxrt.Fail, match=f"cannot write the model to '{target}'.*No such file"):
        write_optimized(model, target, "ORT_ENABLE_ALL")
    if os.geteuid() != 0:  # root writes anywhere
        (tmp_path / "locked").mkdir(mode=0o500)
        with pytest.raises(onyxrt.Fail, match="Permission denied"):
            write_optimized(model, tmp_path / "locked" / "m.onnx", "ORT_ENABLE_ALL")


def test_optimized_op_types_names_the_domain_outside_the_default_one():
    model = make_model([helper.make_node("Identity", ["X"], ["I"]), helper.make_node("Relu", ["I"], ["R"]),
                        helper.make_node("LabelEncoder", ["R"], ["Y"], domain="ai.onnx.ml", keys_floats=[0.0],
                                         values_int64s=[1])],
                       [tensor("X", shape=[2])], [tensor("Y", TensorProto.INT64, [2])],
                       extra_opsets={"ai.onnx.ml": 4})
    assert optimized_op_types(model, "ORT_DISABLE_ALL") == ["Identity", "Relu", "ai.onnx.ml:LabelEncoder"]
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Relu", "ai.onnx.ml:LabelEncoder"]
    assert optimized_model(model, "ORT_ENABLE_BASIC").producer_name == "onyxrt"

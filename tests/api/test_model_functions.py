"""Model-local functions (FunctionProto in model.functions) run as onnxruntime runs them: each
call is replaced by the function's body at load time. Calls made twice, attributes the body takes
from the caller (given or defaulted), functions calling functions, an omitted optional input,
an unused output and a call inside an If branch, against onnxruntime and numpy; a recursive
function and a call with too many inputs are refused with a clear error; an If inside a body reads
the body's names."""

from __future__ import annotations

import numpy as np
import onnxruntime
import pytest
from onnx import AttributeProto, TensorProto, helper

import onyxrt

F = TensorProto.FLOAT
LOCAL = "local.functions"
OPSETS = [helper.make_opsetid("", 18), helper.make_opsetid(LOCAL, 1)]


def add_relu():
    # Internal name "t" appears once per call: the copies must not clash.
    return helper.make_function(LOCAL, "AddRelu", ["a", "b"], ["y"],
                                [helper.make_node("Add", ["a", "b"], ["t"]), helper.make_node("Relu", ["t"], ["y"])],
                                OPSETS[:1])


def leaky_scaled():
    # alpha comes from the caller (default 0.5); Mul by a constant made inside the body.
    return helper.make_function(
        LOCAL, "LeakyScaled", ["x"], ["y", "unused"],
        [_with_ref(helper.make_node("LeakyRelu", ["x"], ["l"]), "alpha", "alpha", AttributeProto.FLOAT),
         helper.make_node("Constant", [], ["two"], value_float=2.0),
         helper.make_node("Mul", ["l", "two"], ["y"]),
         helper.make_node("Neg", ["x"], ["unused"])],
        OPSETS[:1], attribute_protos=[helper.make_attribute("alpha", 0.5)])


def _with_ref(node, name, ref, attr_type):
    node.attribute.append(helper.make_attribute_ref(name, attr_type))
    node.attribute[-1].ref_attr_name = ref
    return node


def nested():
    # Calls AddRelu, then LeakyScaled with the caller's alpha passed on.
    return helper.make_function(
        LOCAL, "Block", ["x", "r"], ["y"],
        [helper.make_node("AddRelu", ["x", "r"], ["s"], domain=LOCAL),
         _with_ref(helper.make_node("LeakyScaled", ["s"], ["y", ""], domain=LOCAL), "alpha", "slope",
                   AttributeProto.FLOAT)],
        OPSETS, attributes=["slope"])


def make_model(nodes, inputs, outputs, functions):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(n, F, [2, 3]) for n in inputs],
                              [helper.make_tensor_value_info(n, F, None) for n in outputs])
    model = helper.make_model(graph, opset_imports=OPSETS, functions=functions)
    model.ir_version = 9
    return model.SerializeToString()


def run_both(model, feeds):
    got = onyxrt.InferenceSession(model).run(None, feeds)
    want = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, feeds)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)
    return got


def feeds(*names):
    rng = np.random.default_rng(len(names))
    return {n: rng.standard_normal((2, 3)).astype(np.float32) for n in names}


def test_a_function_called_twice():
    model = make_model([helper.make_node("AddRelu", ["X", "Y"], ["P"], domain=LOCAL),
                        helper.make_node("AddRelu", ["P", "X"], ["Q"], domain=LOCAL)],
                       ["X", "Y"], ["Q"], [add_relu()])
    f = feeds("X", "Y")
    (q,) = run_both(model, f)
    np.testing.assert_allclose(q, np.maximum(np.maximum(f["X"] + f["Y"], 0) + f["X"], 0), rtol=1e-6)


def test_caller_attributes_given_and_defaulted_and_an_unused_output():
    model = make_model([helper.make_node("LeakyScaled", ["X"], ["A", ""], domain=LOCAL, alpha=0.1),
                        helper.make_node("LeakyScaled", ["X"], ["B", ""], domain=LOCAL)],
                       ["X"], ["A", "B"], [leaky_scaled()])
    f = feeds("X")
    a, b = run_both(model, f)
    x = f["X"]
    np.testing.assert_allclose(a, 2 * np.where(x < 0, 0.1 * x, x), rtol=1e-6)
    np.testing.assert_allclose(b, 2 * np.where(x < 0, 0.5 * x, x), rtol=1e-6)


def test_a_function_calling_functions():
    model = make_model([helper.make_node("Block", ["X", "R"], ["Y"], domain=LOCAL, slope=0.25)],
                       ["X", "R"], ["Y"], [add_relu(), leaky_scaled(), nested()])
    f = feeds("X", "R")
    (y,) = run_both(model, f)
    s = np.maximum(f["X"] + f["R"], 0)
    np.testing.assert_allclose(y, 2 * np.where(s < 0, 0.25 * s, s), rtol=1e-6)


def test_a_call_inside_an_if_branch():
    branch = lambda name, op: helper.make_graph(
        [helper.make_node(op, ["X", "X"], [name], domain=LOCAL if op == "AddRelu" else "")], name, [],
        [helper.make_tensor_value_info(name, F, None)])
    model = make_model([helper.make_node("ReduceSum", ["X"], ["s"], keepdims=0),
                        helper.make_node("Constant", [], ["zero"], value_float=0.0),
                        helper.make_node("Greater", ["s", "zero"], ["c"]),
                        helper.make_node("If", ["c"], ["Y"], then_branch=branch("t", "AddRelu"),
                                         else_branch=branch("e", "Sub"))],
                       ["X"], ["Y"], [add_relu()])
    x = np.abs(feeds("X")["X"])
    (y,) = run_both(model, {"X": x})
    np.testing.assert_allclose(y, 2 * x, rtol=1e-6)


def test_an_omitted_optional_input_stays_omitted():
    clip = helper.make_function(LOCAL, "ClipLow", ["x", "lo", "hi"], ["y"], [helper.make_node("Clip", ["x", "lo", "hi"], ["y"])],
                                OPSETS[:1])
    graph = helper.make_graph([helper.make_node("ClipLow", ["X", "L"], ["Y"], domain=LOCAL)], "g",
                              [helper.make_tensor_value_info("X", F, [2, 3]), helper.make_tensor_value_info("L", F, [])],
                              [helper.make_tensor_value_info("Y", F, None)])
    model = helper.make_model(graph, opset_imports=OPSETS, functions=[clip])
    model.ir_version = 9
    x = feeds("X")["X"]
    (y,) = run_both(model.SerializeToString(), {"X": x, "L": np.array(0.1, np.float32)})
    np.testing.assert_allclose(y, np.maximum(x, 0.1))


def test_a_recursive_function_is_refused():
    loop = helper.make_function(LOCAL, "Forever", ["x"], ["y"], [helper.make_node("Forever", ["x"], ["y"], domain=LOCAL)],
                                OPSETS)
    model = make_model([helper.make_node("Forever", ["X"], ["Y"], domain=LOCAL)], ["X"], ["Y"], [loop])
    with pytest.raises(onyxrt.InvalidGraph, match="calls itself"):
        onyxrt.InferenceSession(model)


def test_a_call_with_too_many_inputs_is_refused():
    model = make_model([helper.make_node("AddRelu", ["X", "Y", "X"], ["P"], domain=LOCAL)], ["X", "Y"], ["P"],
                       [add_relu()])
    with pytest.raises(onyxrt.InvalidGraph, match="function 'AddRelu' declares 2"):
        onyxrt.InferenceSession(model)


def test_an_if_inside_a_function_body_reads_the_body_s_names():
    # The branches read the function's formal inputs a and b: renamed per call with the body.
    then_branch = helper.make_graph([helper.make_node("Add", ["a", "b"], ["r"])], "then", [],
                                    [helper.make_tensor_value_info("r", F, None)])
    else_branch = helper.make_graph([helper.make_node("Sub", ["a", "b"], ["r"])], "else", [],
                                    [helper.make_tensor_value_info("r", F, None)])
    pick = helper.make_function(LOCAL, "Pick", ["c", "a", "b"], ["y"],
                                [helper.make_node("If", ["c"], ["y"], then_branch=then_branch, else_branch=else_branch)],
                                OPSETS[:1])
    graph = helper.make_graph([helper.make_node("Pick", ["C", "X", "Y"], ["Z"], domain=LOCAL),
                               helper.make_node("Pick", ["C", "Z", "Y"], ["W"], domain=LOCAL)], "g",
                              [helper.make_tensor_value_info("C", TensorProto.BOOL, []),
                               helper.make_tensor_value_info("X", F, [3]), helper.make_tensor_value_info("Y", F, [3])],
                              [helper.make_tensor_value_info("W", F, None)])
    model = helper.make_model(graph, opset_imports=OPSETS, functions=[pick])
    model.ir_version = 9
    x, y = np.arange(3, dtype=np.float32), np.ones(3, np.float32)
    for c, want in ((True, x + 2 * y), (False, x - 2 * y)):
        (w,) = run_both(model.SerializeToString(), {"C": np.array(c), "X": x, "Y": y})
        np.testing.assert_allclose(w, want)

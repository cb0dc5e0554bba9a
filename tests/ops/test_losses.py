"""NegativeLogLikelihoodLoss (12, 13, 22) and SoftmaxCrossEntropyLoss (12, 13): reduction modes,
ignore_index, class weights, 3-D input, the optional log_prob output and 16-bit floats, checked
against onnx.reference; an out-of-range target fails with InvalidArgument naming the node."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

import onyxrt

NP_TO_ONNX = {
    np.float32: TensorProto.FLOAT,
    np.float64: TensorProto.DOUBLE,
    np.float16: TensorProto.FLOAT16,
    np.int32: TensorProto.INT32,
    np.int64: TensorProto.INT64,
}


def loss_model(op, opset, x, target, weight, n_outputs, **attrs) -> onnx.ModelProto:
    inputs = ["x", "t"] + (["w"] if weight is not None else [])
    outputs = ["loss", "log_prob"][:n_outputs]
    node = helper.make_node(op, inputs, outputs, name="loss_node", **attrs)
    vi = [
        helper.make_tensor_value_info("x", NP_TO_ONNX[x.dtype.type], list(x.shape)),
        helper.make_tensor_value_info("t", NP_TO_ONNX[target.dtype.type], list(target.shape)),
    ]
    if weight is not None:
        vi.append(helper.make_tensor_value_info("w", NP_TO_ONNX[weight.dtype.type], list(weight.shape)))
    outs = [helper.make_tensor_value_info(o, NP_TO_ONNX[x.dtype.type], None) for o in outputs]
    graph = helper.make_graph([node], "g", vi, outs)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def feeds(x, target, weight):
    f = {"x": x, "t": target}
    if weight is not None:
        f["w"] = weight
    return f


def run_both(m, f):
    got = onyxrt.InferenceSession(m.SerializeToString()).run(None, f)
    want = ReferenceEvaluator(m).run(None, f)
    return got, want


CASES = [
    # (input shape, reduction, ignore_index, weighted)
    ((4, 5), "none", None, False),
    ((4, 5), "sum", None, False),
    ((4, 5), "mean", None, False),
    ((4, 5), "mean", None, True),
    ((4, 5), "mean", 2, True),
    ((4, 5), "sum", -1, True),
    ((3, 5, 2), "none", 1, True),
    ((3, 5, 2), "mean", 0, False),
    ((2, 4, 3, 2), "mean", 3, True),
    ((2, 4, 3, 2), "none", None, False),
]


def make_inputs(shape, ignore_index, weighted, dtype=np.float32, tdtype=np.int64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    target_shape = (shape[0],) + tuple(shape[2:])
    target = rng.integers(0, shape[1], size=target_shape).astype(tdtype)
    if ignore_index is not None:
        target.flat[0] = ignore_index  # at least one ignored element
    weight = rng.uniform(0.5, 2.0, size=(shape[1],)).astype(dtype) if weighted else None
    return x, target, weight


def attrs_for(reduction, ignore_index):
    a = {"reduction": reduction}
    if ignore_index is not None:
        a["ignore_index"] = ignore_index
    return a


@pytest.mark.parametrize("opset", [12, 13, 22])
@pytest.mark.parametrize("shape,reduction,ignore_index,weighted", CASES)
def test_nll_loss(opset, shape, reduction, ignore_index, weighted):
    x, target, weight = make_inputs(shape, ignore_index, weighted)
    m = loss_model("NegativeLogLikelihoodLoss", opset, x, target, weight, 1, **attrs_for(reduction, ignore_index))
    got, want = run_both(m, feeds(x, target, weight))
    assert got[0].shape == want[0].shape
    np.testing.assert_allclose(got[0], want[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("opset", [12, 13])
@pytest.mark.parametrize("n_outputs", [1, 2])
@pytest.mark.parametrize("shape,reduction,ignore_index,weighted", CASES)
def test_softmax_cross_entropy(opset, n_outputs, shape, reduction, ignore_index, weighted):
    x, target, weight = make_inputs(shape, ignore_index, weighted, tdtype=np.int32)
    m = loss_model("SoftmaxCrossEntropyLoss", opset, x, target, weight, n_outputs,
                   **attrs_for(reduction, ignore_index))
    got, want = run_both(m, feeds(x, target, weight))
    assert len(got) == n_outputs
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_other_float_types(dtype):
    x, target, weight = make_inputs((3, 4, 2), 1, True, dtype=dtype)
    tol = 1e-2 if dtype == np.float16 else 1e-10
    for op, n_out in (("NegativeLogLikelihoodLoss", 1), ("SoftmaxCrossEntropyLoss", 2)):
        m = loss_model(op, 13, x, target, weight, n_out, reduction="mean", ignore_index=1)
        got, want = run_both(m, feeds(x, target, weight))
        for g, w in zip(got, want):
            assert g.dtype == dtype
            np.testing.assert_allclose(g.astype(np.float64), w.astype(np.float64), rtol=tol, atol=tol)


def test_bfloat16_runs():
    # onnx.reference has no bfloat16 numpy type: compare against the float result.
    x, target, weight = make_inputs((4, 3), None, True)
    node = helper.make_node("SoftmaxCrossEntropyLoss", ["xc", "t", "w"], ["loss"], reduction="sum")
    to_bf = helper.make_node("Cast", ["x"], ["xc"], to=TensorProto.BFLOAT16)
    w_bf = helper.make_node("Cast", ["wf"], ["w"], to=TensorProto.BFLOAT16)
    back = helper.make_node("Cast", ["loss"], ["y"], to=TensorProto.FLOAT)
    graph = helper.make_graph(
        [to_bf, w_bf, node, back], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape)),
         helper.make_tensor_value_info("t", TensorProto.INT64, list(target.shape)),
         helper.make_tensor_value_info("wf", TensorProto.FLOAT, list(weight.shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    got = onyxrt.InferenceSession(m.SerializeToString()).run(None, {"x": x, "t": target, "wf": weight})[0]
    ref = loss_model("SoftmaxCrossEntropyLoss", 13, x, target, weight, 1, reduction="sum")
    want = ReferenceEvaluator(ref).run(None, feeds(x, target, weight))[0]
    np.testing.assert_allclose(got, want, rtol=3e-2, atol=3e-2)


@pytest.mark.parametrize("op", ["NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss"])
@pytest.mark.parametrize("bad", [5, -2])
def test_out_of_range_target(op, bad):
    x, target, _ = make_inputs((3, 5), -1, False)
    target[2] = bad
    m = loss_model(op, 13, x, target, None, 1, reduction="mean", ignore_index=-1)
    sess = onyxrt.InferenceSession(m.SerializeToString())
    with pytest.raises(onyxrt.InvalidArgument, match="loss_node"):
        sess.run(None, feeds(x, target, None))

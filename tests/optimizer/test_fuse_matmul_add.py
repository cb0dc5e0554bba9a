"""fuse_matmul_add (ORT_ENABLE_EXTENDED and up): MatMul of a 2-D A by a constant B followed by Add
of a constant row becomes Gemm(A, B, c). Other ranks of A are left alone (Gemm is 2-D only and
onnxruntime has no contrib op for a batched MatMul with bias). Compared with onnxruntime and with
the unoptimized run at every level; the rule's firing read from the session log."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

from tests.helpers import make_model, tensor
from tests.optimizer.levels import LEVELS, assert_levels_agree, assert_same_everywhere, rules_fired

RULE = "fuse_matmul_add"
K, N = 12, 7


def matmul_add(a_shape=("batch", K), c_shape=(N,), *, swapped=False, fed_b=False, extra_reader=False,
               dtype=np.float32, opset=17) -> onnx.ModelProto:
    rng = np.random.default_rng(2)
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    inits = [numpy_helper.from_array(rng.standard_normal(c_shape).astype(dtype), "c")]
    inputs = [tensor("a", elem, None if a_shape is None else list(a_shape))]
    b = rng.standard_normal((K, N)).astype(dtype)
    if fed_b:
        inputs.append(tensor("b", elem, [K, N]))
    else:
        inits.append(numpy_helper.from_array(b, "b"))
    nodes = [helper.make_node("MatMul", ["a", "b"], ["p"], name="mm"),
             helper.make_node("Add", ["c", "p"] if swapped else ["p", "c"], ["y"])]
    outputs = [tensor("y", elem, None)]
    if extra_reader:
        nodes.append(helper.make_node("Neg", ["p"], ["neg"]))
        outputs.append(tensor("neg", elem, None))
    return make_model(nodes, inputs, outputs, inits, opset=opset)


def feeds(a_shape=(3, K), fed_b=False, dtype=np.float32) -> dict:
    rng = np.random.default_rng(4)
    out = {"a": rng.standard_normal(a_shape).astype(dtype)}
    if fed_b:
        out["b"] = rng.standard_normal((K, N)).astype(dtype)
    return out


def fired(model, capfd, level="ORT_ENABLE_ALL") -> int:
    return rules_fired(model, level, capfd).get(RULE, 0)


@pytest.mark.parametrize("c_shape", [(N,), (1, N), (1,), ()], ids=str)
@pytest.mark.parametrize("swapped", [False, True], ids=["p_plus_c", "c_plus_p"])
def test_row_bias_fuses_to_gemm(c_shape, swapped, capfd):
    model = matmul_add(c_shape=c_shape, swapped=swapped)
    assert fired(model, capfd) == 1
    assert_same_everywhere(model, feeds(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("opset", [7, 9, 13])
def test_older_opsets(opset, capfd):
    model = matmul_add(a_shape=(3, K), opset=opset)
    assert fired(model, capfd) == 1
    assert_same_everywhere(model, feeds(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("a_shape,fed", [((2, 3, K), (2, 3, K)), ((K,), (K,)), (None, (3, K))],
                         ids=["3d", "1d", "unknown_rank"])
def test_a_not_proven_2d_is_left_alone(a_shape, fed, capfd):
    model = matmul_add(a_shape=a_shape)
    assert fired(model, capfd) == 0
    assert_same_everywhere(model, feeds(fed), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("c_shape", [(3, N), (3, 1), (1, 1, N)], ids=str)
def test_bias_that_is_not_a_row_is_left_alone(c_shape, capfd):
    model = matmul_add(a_shape=(3, K), c_shape=c_shape)
    assert fired(model, capfd) == 0
    assert_same_everywhere(model, feeds(), rtol=1e-5, atol=1e-5)


def test_fed_b_is_left_alone(capfd):
    model = matmul_add(fed_b=True)
    assert fired(model, capfd) == 0
    assert_same_everywhere(model, feeds(fed_b=True), rtol=1e-5, atol=1e-5)


def test_product_read_elsewhere_is_left_alone(capfd):
    model = matmul_add(extra_reader=True)
    assert fired(model, capfd) == 0
    assert_same_everywhere(model, feeds(), rtol=1e-5, atol=1e-5)


def test_double_is_left_alone(capfd):
    model = matmul_add(dtype=np.float64)
    assert fired(model, capfd) == 0
    assert_levels_agree(model, feeds(dtype=np.float64), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("level", LEVELS)
def test_the_rule_fires_from_extended_up(level, capfd):
    expected = level in ("ORT_ENABLE_EXTENDED", "ORT_ENABLE_ALL")
    assert fired(matmul_add(), capfd, level) == (1 if expected else 0)


def test_empty_batch(capfd):
    model = matmul_add()
    assert fired(model, capfd) == 1
    assert_same_everywhere(model, feeds((0, K)), rtol=1e-5, atol=1e-5)

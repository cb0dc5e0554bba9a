"""cancel_transposes (ORT_ENABLE_BASIC and up, as onnxruntime's transpose optimizer): two Transposes
in a row that compose to the identity go; otherwise they become one; an identity Transpose goes."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

import onyxrt
from tests.helpers import make_model, tensor
from tests.optimizer.levels import LEVELS, assert_same_everywhere, onyxrt_session, optimized_op_types

X = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)


def transposes(*perms, shape=(2, 3, 4, 5), extra_reader=False, last_is_output=False):
    """X -> Transpose(perms[0]) -> ... -> Neg -> Y; a perm of None leaves the attribute out."""
    nodes, name = [], "X"
    for k, perm in enumerate(perms):
        out = "Y" if last_is_output and k == len(perms) - 1 else f"t{k}"
        attrs = {} if perm is None else {"perm": perm}
        nodes.append(helper.make_node("Transpose", [name], [out], **attrs))
        name = out
    outputs = [tensor("Y", shape=None)]
    if not last_is_output:
        nodes.append(helper.make_node("Neg", [name], ["Y"]))
    if extra_reader:
        nodes.append(helper.make_node("Abs", ["t0"], ["Z"]))
        outputs.append(tensor("Z", shape=None))
    return make_model(nodes, [tensor("X", shape=list(shape))], outputs)


@pytest.mark.parametrize("perms", [([0, 2, 3, 1], [0, 3, 1, 2]), ([3, 2, 1, 0], [3, 2, 1, 0]), (None, None),
                                   (None, [3, 2, 1, 0]), ([3, 2, 1, 0], None), ([0, 1, 2, 3],)],
                         ids=["nchw_nhwc_nchw", "reversal_twice", "default_twice", "default_then_reversal",
                              "reversal_then_default", "identity"])
def test_transposes_that_cancel_are_removed(perms):
    model = transposes(*perms)
    assert_same_everywhere(model, {"X": X}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_DISABLE_ALL") == ["Transpose"] * len(perms) + ["Neg"]
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Neg"]


@pytest.mark.parametrize("perms", [([0, 2, 3, 1], [0, 2, 3, 1]), ([1, 0, 2, 3], [0, 1, 3, 2]), (None, [0, 2, 1, 3]),
                                   ([1, 2, 3, 0], [2, 0, 3, 1], [3, 1, 0, 2])],
                         ids=["twice_nhwc", "swaps", "default_then_perm", "three"])
def test_transposes_that_do_not_cancel_become_one(perms):
    model = transposes(*perms)
    assert_same_everywhere(model, {"X": X}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Transpose", "Neg"]


def test_a_transpose_with_another_reader_stays_for_it():
    model = transposes([0, 2, 3, 1], [0, 3, 1, 2], extra_reader=True)
    assert_same_everywhere(model, {"X": X}, rtol=0, atol=0)
    assert optimized_op_types(model, "ORT_ENABLE_BASIC") == ["Transpose", "Neg", "Abs"]


def test_a_graph_output_keeps_its_transpose():
    cancelling = transposes([0, 2, 3, 1], [0, 3, 1, 2], last_is_output=True)
    merging = transposes([1, 0, 2, 3], [0, 1, 3, 2], last_is_output=True)
    assert_same_everywhere(cancelling, {"X": X}, rtol=0, atol=0)
    assert_same_everywhere(merging, {"X": X}, rtol=0, atol=0)
    assert optimized_op_types(cancelling, "ORT_ENABLE_ALL") == ["Transpose", "Transpose"]
    assert optimized_op_types(merging, "ORT_ENABLE_ALL") == ["Transpose"]


def test_an_invalid_perm_is_left_for_the_kernel_to_report():
    model = transposes([0, 2, 3, 3], [0, 3, 1, 2])
    for level in LEVELS:
        with pytest.raises(onyxrt.InvalidGraph, match=r"'perm' \{0,2,3,3\} is not a permutation"):
            onyxrt_session(model, level)

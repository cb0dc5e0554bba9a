"""eliminate_identity (ORT_ENABLE_BASIC and up): Identity, and inference Dropout whose mask nobody
reads, are bypassed; every read of their output, subgraphs' included, moves to their input."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper

from tests.helpers import make_model, tensor
from tests.optimizer.levels import assert_same_everywhere, run_at_every_level


def test_dropout_with_a_named_but_unread_mask():
    """As the light_* models write it: Dropout(x) -> (y, mask) with mask read by nobody."""
    nodes = [helper.make_node("Relu", ["X"], ["r"]), helper.make_node("Dropout", ["r"], ["d", "mask"], ratio=0.5),
             helper.make_node("Neg", ["d"], ["Y"])]
    model = make_model(nodes, [tensor("X", shape=[2, 3])], [tensor("Y", shape=[2, 3])], opset=9)
    assert_same_everywhere(model, {"X": np.arange(6, dtype=np.float32).reshape(2, 3) - 3})


def test_a_loop_body_returning_an_identity_output_of_the_outer_graph():
    """onnxruntime refuses a subgraph returning an outer value directly; onyxrt runs it, alike
    at every level."""
    body = helper.make_graph(
        [helper.make_node("Add", ["y", "i_float"], ["scan_out"]), helper.make_node("Cast", ["i"], ["i_float"], to=1),
         helper.make_node("Identity", ["cond"], ["cond_out"])],
        "body", [tensor("i", TensorProto.INT64, []), tensor("cond", TensorProto.BOOL, [])],
        [tensor("cond_out", TensorProto.BOOL, []), tensor("scan_out", shape=[2]), tensor("y", shape=[2])])
    nodes = [helper.make_node("Identity", ["x"], ["y"]),
             helper.make_node("Loop", ["M", ""], ["sums", "ys"], body=body)]
    model = make_model(nodes, [tensor("M", TensorProto.INT64, []), tensor("x", shape=[2])],
                       [tensor("sums", shape=None), tensor("ys", shape=None)], opset=13)
    x = np.array([1, 2], np.float32)
    results = run_at_every_level(model, {"M": np.array(3, np.int64), "x": x})
    for level, (sums, ys) in results.items():
        np.testing.assert_array_equal(sums, np.stack([x, x + 1, x + 2]), err_msg=level)
        np.testing.assert_array_equal(ys, np.stack([x, x, x]), err_msg=level)

"""If (11, 13, 16, 21) and Loop (11, 13, 16, 21) across their operator versions, with outer-scope
reads, nested subgraphs, loop-carried sequences and optionals, zero iterations and concurrent
runs; checked against onnx.reference and onnxruntime where they run the model. The last section
checks the errors for malformed models and bad feeds: the error class and the node named in the
message. Scan is in test_scan.py, the sequence and optional operators in
test_sequence_optional.py."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import onnx
import pytest
from onnx import helper

import onyxrt
from tests.ops.graph_check import (
    BOOL,
    FLOAT,
    INT64,
    body,
    check,
    const,
    expect_error,
    model,
    opt_tensor,
    seq,
    tensor,
)

# ---- If ----------------------------------------------------------------------------------------


def if_model(opset: int) -> onnx.ModelProto:
    # Each branch reads an outer value ('x', 'bias'); then_branch holds a nested If that reads
    # 'x' two scopes up.
    inner = helper.make_node(
        "If",
        ["inner_cond"],
        ["inner_out"],
        name="inner_if",
        then_branch=body(
            [helper.make_node("Mul", ["x", "two"], ["t2"])], [], [tensor("t2", FLOAT, [3])], "inner_then"
        ),
        else_branch=body(
            [helper.make_node("Neg", ["x"], ["e2"])], [], [tensor("e2", FLOAT, [3])], "inner_else"
        ),
    )
    then_branch = body(
        [
            const("inner_cond", np.array(True)),
            inner,
            helper.make_node("Add", ["inner_out", "bias"], ["then_out"]),
        ],
        [],
        [tensor("then_out", FLOAT, [3])],
        "then",
    )
    else_branch = body(
        [helper.make_node("Sub", ["x", "bias"], ["else_out"])], [], [tensor("else_out", FLOAT, [3])], "else"
    )
    node = helper.make_node(
        "If", ["cond"], ["y"], name="outer_if", then_branch=then_branch, else_branch=else_branch
    )
    return model(
        [node],
        [tensor("cond", BOOL, []), tensor("x", FLOAT, [3])],
        [tensor("y", FLOAT, [3])],
        opset,
        initializers=[("bias", np.float32([1, 2, 3])), ("two", np.float32(2))],
    )


@pytest.mark.parametrize("opset", [11, 13, 16, 21])
@pytest.mark.parametrize("cond", [True, False])
def test_if_outer_scope_and_nested(opset, cond):
    x = np.float32([1, -2, 5])
    bias = np.float32([1, 2, 3])
    check(if_model(opset), {"cond": np.array(cond), "x": x}, [x * 2 + bias if cond else x - bias])


def test_if_condition_of_shape_one():
    x = np.float32([1, 2, 3])
    m = if_model(13)
    m.graph.input[0].CopyFrom(tensor("cond", BOOL, [1]))
    check(m, {"cond": np.array([False]), "x": x}, [x - np.float32([1, 2, 3])])


@pytest.mark.parametrize("cond", [True, False])
def test_if_sequence_output(cond):
    then_branch = body(
        [helper.make_node("SequenceConstruct", ["x", "x"], ["s_then"])], [], [seq("s_then")], "then"
    )
    else_branch = body(
        [helper.make_node("SequenceEmpty", [], ["s_else"], dtype=FLOAT)], [], [seq("s_else")], "else"
    )
    node = helper.make_node("If", ["cond"], ["s"], then_branch=then_branch, else_branch=else_branch)
    m = model([node], [tensor("cond", BOOL, []), tensor("x", FLOAT, [2])], [seq("s")], 13)
    x = np.float32([1, 2])
    check(m, {"cond": np.array(cond), "x": x}, [[x, x] if cond else []])


@pytest.mark.parametrize("cond", [True, False])
def test_if_optional_output(cond):
    then_branch = body([helper.make_node("Optional", ["x"], ["o_then"])], [], [opt_tensor("o_then")], "then")
    else_branch = body(
        [helper.make_node("Optional", [], ["o_else"], type=helper.make_tensor_type_proto(FLOAT, None))],
        [],
        [opt_tensor("o_else")],
        "else",
    )
    node = helper.make_node("If", ["cond"], ["o"], then_branch=then_branch, else_branch=else_branch)
    has = helper.make_node("OptionalHasElement", ["o"], ["has"])
    m = model(
        [node, has],
        [tensor("cond", BOOL, []), tensor("x", FLOAT, [2])],
        [opt_tensor("o"), tensor("has", BOOL)],
        16,
    )
    x = np.float32([1, 2])
    check(m, {"cond": np.array(cond), "x": x}, [x if cond else None, np.array(cond)], reference=False)


# ---- Loop --------------------------------------------------------------------------------------


def counting_loop(opset: int, with_cond_stop: bool = False) -> onnx.ModelProto:
    """Loop(M, cond, acc): acc += x * i (x read from the outer scope); scan output acc; with
    `with_cond_stop` the body also stops once i reaches `limit` (an outer value)."""
    nodes = [
        helper.make_node("Cast", ["i"], ["fi"], to=FLOAT),
        helper.make_node("Mul", ["x", "fi"], ["step"]),
        helper.make_node("Add", ["acc", "step"], ["acc_out"]),
        helper.make_node("Identity", ["acc_out"], ["scan_out"]),
    ]
    if with_cond_stop:
        nodes.append(helper.make_node("Less", ["i", "limit"], ["cond_out"]))
    else:
        nodes.append(helper.make_node("Identity", ["cond"], ["cond_out"]))
    loop_body = body(
        nodes,
        [tensor("i", INT64, []), tensor("cond", BOOL, []), tensor("acc", FLOAT, [2])],
        [tensor("cond_out", BOOL, []), tensor("acc_out", FLOAT, [2]), tensor("scan_out", FLOAT, [2])],
    )
    node = helper.make_node(
        "Loop", ["M", "cond0", "acc0"], ["acc_final", "scans"], name="counting", body=loop_body
    )
    return model(
        [node],
        [
            tensor("M", INT64, []),
            tensor("cond0", BOOL, []),
            tensor("acc0", FLOAT, [2]),
            tensor("x", FLOAT, [2]),
        ],
        [tensor("acc_final", FLOAT, None), tensor("scans", FLOAT, None)],
        opset,
        initializers=[("limit", np.int64(3))] if with_cond_stop else (),
    )


def loop_feeds(m: int, cond: bool = True) -> dict:
    return {
        "M": np.array(m, np.int64),
        "cond0": np.array(cond),
        "acc0": np.float32([0.5, -1]),
        "x": np.float32([1, 2]),
    }


@pytest.mark.parametrize("opset", [11, 13, 16, 21])
@pytest.mark.parametrize("trips", [1, 4])
def test_loop_trip_count_outer_scope_and_scan_output(opset, trips):
    feeds = loop_feeds(trips)
    acc, rows = feeds["acc0"].copy(), []
    for i in range(trips):
        acc = acc + feeds["x"] * i
        rows.append(acc)
    check(counting_loop(opset), feeds, [acc, np.stack(rows)])


@pytest.mark.parametrize("opset", [11, 16])
def test_loop_zero_iterations(opset):
    # M = 0, or the condition false from the start: the carried values come back unchanged and
    # each scan output is empty, shaped [0, declared item dims...] as onnxruntime makes it.
    for feeds in (loop_feeds(0), loop_feeds(5, cond=False)):
        got = check(counting_loop(opset), feeds, reference=False)
        assert got[1].shape == (0, 2)
        np.testing.assert_array_equal(got[0], feeds["acc0"])


def test_loop_huge_trip_count_stopped_by_condition():
    # M = 1e18: nothing may be sized by M; the body's condition ends the loop after i = 3.
    got = check(counting_loop(13, with_cond_stop=True), loop_feeds(10**18))
    assert got[1].shape == (4, 2)


def test_loop_without_trip_count():
    m = counting_loop(13, with_cond_stop=True)
    m.graph.node[0].input[0] = ""
    m.graph.input.pop(0)
    feeds = loop_feeds(0)
    del feeds["M"]
    got = check(m, feeds)
    assert got[1].shape == (4, 2)


def test_loop_body_condition_honoured_without_condition_input():
    # Loop(M, ""): the spec's pseudo-code calls the body's condition "ignored" here, but
    # onnxruntime stops on it, and so does onyxrt.
    loop_body = body(
        [
            helper.make_node("Less", ["i", "two"], ["cond_out"]),
            helper.make_node("Identity", ["i"], ["scan_out"]),
        ],
        [tensor("i", INT64, []), tensor("cond", BOOL, [])],
        [tensor("cond_out", BOOL, []), tensor("scan_out", INT64, [])],
    )
    node = helper.make_node("Loop", ["M", ""], ["ys"], body=loop_body)
    m = model(
        [node], [tensor("M", INT64, [])], [tensor("ys", INT64, None)], 13, initializers=[("two", np.int64(2))]
    )
    check(m, {"M": np.array(6, np.int64)}, [np.int64([0, 1, 2])], reference=False)


def test_loop11_carried_and_outer_value_as_direct_outputs():
    # The body returns its carried input unchanged and an outer-scope value as a scan output.
    loop_body = body(
        [helper.make_node("Identity", ["cond"], ["cond_out"])],
        [tensor("i", INT64, []), tensor("cond", BOOL, []), tensor("v", FLOAT, [2])],
        [tensor("cond_out", BOOL, []), tensor("v", FLOAT, [2]), tensor("outer", FLOAT, [3])],
    )
    node = helper.make_node("Loop", ["M", "", "v0"], ["v_final", "scans"], body=loop_body)
    m = model(
        [node],
        [tensor("M", INT64, []), tensor("v0", FLOAT, [2]), tensor("outer", FLOAT, [3])],
        [tensor("v_final", FLOAT, None), tensor("scans", FLOAT, None)],
        11,
    )
    outer = np.float32([7, 8, 9])
    # onnx.reference runs no iteration when the condition input is omitted and onnxruntime refuses
    # a body returning an outer value directly: only the expected values check this one.
    check(
        m,
        {"M": np.array(3, np.int64), "v0": np.float32([1, 2]), "outer": outer},
        [np.float32([1, 2]), np.stack([outer] * 3)],
        reference=False,
        ort=False,
    )


@pytest.mark.parametrize(
    "level", [onyxrt.GraphOptimizationLevel.ORT_DISABLE_ALL, onyxrt.GraphOptimizationLevel.ORT_ENABLE_ALL]
)
def test_loop_body_reads_and_returns_values_made_by_outer_nodes(level):
    # The body reads 'y' (an Identity's output), 'z' (an Add's) and 'c' (a Constant's) from the
    # outer graph, and returns 'y' itself as a scan output: the optimizer must keep them reachable.
    loop_body = body(
        [
            helper.make_node("Add", ["y", "z"], ["yz"]),
            helper.make_node("Add", ["yz", "c"], ["scan_out"]),
            helper.make_node("Identity", ["cond"], ["cond_out"]),
        ],
        [tensor("i", INT64, []), tensor("cond", BOOL, [])],
        [tensor("cond_out", BOOL, []), tensor("scan_out", FLOAT, [2]), tensor("y", FLOAT, [2])],
    )
    nodes = [
        helper.make_node("Identity", ["x"], ["y"]),
        helper.make_node("Add", ["x", "x"], ["z"]),
        const("c", np.float32([10, 20])),
        helper.make_node("Loop", ["M", ""], ["sums", "ys"], body=loop_body),
    ]
    m = model(
        nodes,
        [tensor("M", INT64, []), tensor("x", FLOAT, [2])],
        [tensor("sums", FLOAT, None), tensor("ys", FLOAT, None)],
        13,
    )
    options = onyxrt.SessionOptions()
    options.graph_optimization_level = level
    x = np.float32([1, 2])
    got = onyxrt.InferenceSession(m.SerializeToString(), options).run(
        None, {"M": np.array(2, np.int64), "x": x}
    )
    np.testing.assert_array_equal(got[0], np.stack([3 * x + [10, 20]] * 2))
    np.testing.assert_array_equal(got[1], np.stack([x, x]))


def test_loop13_carried_sequence():
    # Each iteration appends x * i to a carried sequence (SequenceInsert at the back), fed as a list.
    loop_body = body(
        [
            helper.make_node("Cast", ["i"], ["fi"], to=FLOAT),
            helper.make_node("Mul", ["x", "fi"], ["item"]),
            helper.make_node("SequenceInsert", ["s", "item"], ["s_out"]),
            helper.make_node("Identity", ["cond"], ["cond_out"]),
        ],
        [tensor("i", INT64, []), tensor("cond", BOOL, []), seq("s")],
        [tensor("cond_out", BOOL, []), seq("s_out")],
    )
    node = helper.make_node("Loop", ["M", "", "s0"], ["s_final"], body=loop_body)
    m = model([node], [tensor("M", INT64, []), seq("s0"), tensor("x", FLOAT, [2])], [seq("s_final")], 13)
    x = np.float32([1, -1])
    first = np.float32([5, 5])
    # (onnx.reference's Loop drops the items inserted by the body here: onnxruntime is the check.)
    check(
        m,
        {"M": np.array(3, np.int64), "s0": [first], "x": x},
        [[first, x * 0, x * 1, x * 2]],
        reference=False,
    )
    check(m, {"M": np.array(2, np.int64), "s0": [], "x": x}, [[x * 0, x * 1]], reference=False)


def test_loop16_carried_optional_starting_empty():
    # The carried optional starts as None (a fed None) and is filled on the first iteration; the
    # carried sequence collects whether it held an element on entry.
    loop_body = body(
        [
            helper.make_node("OptionalHasElement", ["o"], ["had"]),
            helper.make_node("Optional", ["x"], ["o_out"]),
            helper.make_node("Identity", ["cond"], ["cond_out"]),
            helper.make_node("SequenceInsert", ["flags", "had"], ["flags_out"]),
        ],
        [tensor("i", INT64, []), tensor("cond", BOOL, []), opt_tensor("o"), seq("flags", BOOL)],
        [tensor("cond_out", BOOL, []), opt_tensor("o_out"), seq("flags_out", BOOL)],
    )
    node = helper.make_node("Loop", ["M", "", "o0", "flags0"], ["o_final", "flags_final"], body=loop_body)
    empty_flags = helper.make_node("SequenceEmpty", [], ["flags0"], dtype=BOOL)
    m = model(
        [empty_flags, node],
        [tensor("M", INT64, []), opt_tensor("o0"), tensor("x", FLOAT, [2])],
        [opt_tensor("o_final"), seq("flags_final", BOOL)],
        16,
    )
    x = np.float32([3, 4])
    check(
        m,
        {"M": np.array(3, np.int64), "o0": None, "x": x},
        [x, [np.array(False), np.array(True), np.array(True)]],
        reference=False,
    )
    # Zero iterations: the empty optional comes back as None and the sequence stays empty.
    check(m, {"M": np.array(0, np.int64), "o0": None, "x": x}, [None, []], reference=False)


def test_loop_with_nested_if_reading_outer_scope():
    # The If inside the body reads 'x' (top-level graph) and 'i' (the body's own input).
    is_even = [
        helper.make_node("Mod", ["i", "two"], ["rem"]),
        helper.make_node("Equal", ["rem", "zero"], ["even"]),
    ]
    branch_if = helper.make_node(
        "If",
        ["even"],
        ["delta"],
        then_branch=body(
            [helper.make_node("Identity", ["x"], ["then_d"])], [], [tensor("then_d", FLOAT, [2])], "t"
        ),
        else_branch=body(
            [helper.make_node("Neg", ["x"], ["else_d"])], [], [tensor("else_d", FLOAT, [2])], "e"
        ),
    )
    loop_body = body(
        is_even
        + [
            branch_if,
            helper.make_node("Add", ["acc", "delta"], ["acc_out"]),
            helper.make_node("Identity", ["cond"], ["cond_out"]),
        ],
        [tensor("i", INT64, []), tensor("cond", BOOL, []), tensor("acc", FLOAT, [2])],
        [tensor("cond_out", BOOL, []), tensor("acc_out", FLOAT, [2]), tensor("delta", FLOAT, [2])],
    )
    node = helper.make_node("Loop", ["M", "", "acc0"], ["acc_final", "deltas"], body=loop_body)
    m = model(
        [node],
        [tensor("M", INT64, []), tensor("acc0", FLOAT, [2]), tensor("x", FLOAT, [2])],
        [tensor("acc_final", FLOAT, None), tensor("deltas", FLOAT, None)],
        13,
        initializers=[("two", np.int64(2)), ("zero", np.int64(0))],
    )
    x = np.float32([1, 10])
    check(
        m,
        {"M": np.array(5, np.int64), "acc0": np.float32([0, 0]), "x": x},
        [x, np.stack([x, -x, x, -x, x])],
        reference=False,
    )


def test_loop_nested_in_loop_reads_both_scopes():
    # The inner Loop runs i + 1 times (i: the outer body's iteration number) and adds x (top-level
    # graph) each time: the outer scan output is x * [1, 2, 3].
    inner_body = body(
        [
            helper.make_node("Add", ["inner_acc", "x"], ["inner_acc_out"]),
            helper.make_node("Identity", ["inner_cond"], ["inner_cond_out"]),
        ],
        [tensor("j", INT64, []), tensor("inner_cond", BOOL, []), tensor("inner_acc", FLOAT, [2])],
        [tensor("inner_cond_out", BOOL, []), tensor("inner_acc_out", FLOAT, [2])],
        "inner_body",
    )
    outer_body = body(
        [
            helper.make_node("Add", ["i", "one"], ["trips"]),
            helper.make_node("Loop", ["trips", "true", "zeros"], ["total"], body=inner_body),
            helper.make_node("Identity", ["cond"], ["cond_out"]),
        ],
        [tensor("i", INT64, []), tensor("cond", BOOL, [])],
        [tensor("cond_out", BOOL, []), tensor("total", FLOAT, [2])],
        "outer_body",
    )
    node = helper.make_node("Loop", ["M", "true"], ["totals"], body=outer_body)
    m = model(
        [node],
        [tensor("M", INT64, []), tensor("x", FLOAT, [2])],
        [tensor("totals", FLOAT, None)],
        13,
        initializers=[("one", np.int64(1)), ("true", np.array(True)), ("zeros", np.zeros(2, np.float32))],
    )
    x = np.float32([1, -2])
    check(m, {"M": np.array(3, np.int64), "x": x}, [np.stack([x, 2 * x, 3 * x])])


def test_loop_concurrent_runs_share_nothing():
    session = onyxrt.InferenceSession(counting_loop(13).SerializeToString())

    def run(trips: int):
        return session.run(None, loop_feeds(trips))

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, [t % 5 for t in range(40)]))
    for t, got in enumerate(results):
        want = run(t % 5)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


# ---- errors ------------------------------------------------------------------------------------


def test_loop_body_of_wrong_arity():
    loop_body = body(
        [helper.make_node("Identity", ["cond"], ["cond_out"])],
        [tensor("i", INT64, []), tensor("cond", BOOL, [])],  # no input for the carried value
        [tensor("cond_out", BOOL, [])],
    )
    node = helper.make_node("Loop", ["M", "", "v0"], ["v"], name="bad_loop", body=loop_body)
    m = model([node], [tensor("M", INT64, []), tensor("v0", FLOAT, [1])], [tensor("v", FLOAT, None)], 13)
    expect_error(
        m,
        {"M": np.array(1, np.int64), "v0": np.float32([1])},
        onyxrt.InvalidGraph,
        "bad_loop",
        "body takes 2 inputs",
    )


def test_loop_non_bool_condition():
    m = counting_loop(13)
    m.graph.node[0].name = "loop_with_float_cond"
    m.graph.input[1].type.tensor_type.elem_type = FLOAT
    feeds = loop_feeds(2)
    feeds["cond0"] = np.array(1.0, np.float32)
    expect_error(m, feeds, onyxrt.InvalidArgument, "loop_with_float_cond", "bool")


def test_loop_body_condition_output_not_bool():
    loop_body = body(
        [helper.make_node("Cast", ["cond"], ["cond_out"], to=FLOAT)],
        [tensor("i", INT64, []), tensor("cond", BOOL, [])],
        [tensor("cond_out", FLOAT, [])],
    )
    node = helper.make_node("Loop", ["M", ""], [], name="float_cond_body", body=loop_body)
    m = model(
        [node, helper.make_node("Identity", ["M"], ["out"])],
        [tensor("M", INT64, [])],
        [tensor("out", INT64, None)],
        13,
    )
    expect_error(m, {"M": np.array(2, np.int64)}, onyxrt.InvalidArgument, "float_cond_body", "cond_out")


def test_if_non_bool_condition():
    m = if_model(13)
    m.graph.input[0].type.tensor_type.elem_type = INT64
    expect_error(
        m,
        {"cond": np.array(1, np.int64), "x": np.float32([1, 2, 3])},
        onyxrt.InvalidArgument,
        "outer_if",
        "bool",
    )


def test_if_branch_output_count_mismatch():
    m = if_model(13)
    m.graph.node[0].attribute[1].g.output.append(tensor("x", FLOAT, [3]))
    expect_error(
        m, {"cond": np.array(True), "x": np.float32([1, 2, 3])}, onyxrt.InvalidGraph, "outer_if", "outputs"
    )

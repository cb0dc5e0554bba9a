"""The sequence operators (SequenceEmpty / Construct / Insert / At / Erase / Length,
SplitToSequence, ConcatFromSequence, SequenceMap), the optional operators (Optional,
OptionalHasElement, OptionalGetElement) and Identity on both, with sequences fed and returned as
lists and empty optionals as None; then their errors."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper

import onyxrt
from tests.ops.graph_check import (
    BOOL,
    FLOAT,
    INT64,
    body,
    check,
    expect_error,
    model,
    opt_seq,
    opt_tensor,
    run_onyxrt,
    seq,
    tensor,
)

# ---- sequences ---------------------------------------------------------------------------------


def test_sequence_construct_insert_erase_at_length():
    nodes = [
        helper.make_node("SequenceConstruct", ["a", "b"], ["s1"]),
        helper.make_node("SequenceInsert", ["s1", "c", "pos_front"], ["s2"]),  # c a b
        helper.make_node("SequenceInsert", ["s2", "a", "pos_neg"], ["s3"]),  # c a a b
        helper.make_node("SequenceErase", ["s3", "pos_one"], ["s4"]),  # c a b
        helper.make_node("SequenceErase", ["s4"], ["s5"]),  # c a
        helper.make_node("SequenceAt", ["s3", "pos_neg"], ["at_neg"]),  # b
        helper.make_node("SequenceLength", ["s3"], ["len3"]),
    ]
    m = model(
        nodes,
        [tensor("a", FLOAT, None), tensor("b", FLOAT, None), tensor("c", FLOAT, None)],
        [seq("s3"), seq("s5"), tensor("at_neg", FLOAT, None), tensor("len3", INT64, [])],
        11,
        initializers=[("pos_front", np.int64(0)), ("pos_neg", np.int32(-1)), ("pos_one", np.int64(1))],
    )
    a, b, c = np.float32([1]), np.float32([[2, 3]]), np.float32([])
    check(m, {"a": a, "b": b, "c": c}, [[c, a, a, b], [c, a], b, np.int64(4)])


def test_sequence_empty_typed_and_fed_sequences():
    # SequenceEmpty(dtype=int64) then an insert: the sequence keeps its element type; a fed empty
    # list declared seq(tensor(float)) has length 0.
    nodes = [
        helper.make_node("SequenceEmpty", [], ["e"], dtype=INT64),
        helper.make_node("SequenceLength", ["e"], ["e_len"]),
        helper.make_node("SequenceInsert", ["e", "k"], ["e1"]),
        helper.make_node("SequenceLength", ["fed"], ["fed_len"]),
        helper.make_node("Identity", ["fed"], ["fed_copy"]),
    ]
    m = model(
        nodes,
        [tensor("k", INT64, [2]), seq("fed")],
        [tensor("e_len", INT64, []), seq("e1", INT64), tensor("fed_len", INT64, []), seq("fed_copy")],
        14,
    )
    k = np.int64([4, 5])
    check(m, {"k": k, "fed": []}, [np.int64(0), [k], np.int64(0), []])
    x = [np.float32([1]), np.float32([2, 3])]
    check(m, {"k": k, "fed": x}, [np.int64(0), [k], np.int64(2), x])


@pytest.mark.parametrize("opset", [11, 24])
def test_split_to_sequence_variants(opset):
    x = np.arange(14, dtype=np.float32).reshape(2, 7)
    nodes = [
        helper.make_node("SplitToSequence", ["x", "scalar"], ["by_scalar"], axis=1),
        helper.make_node("SplitToSequence", ["x", "sizes"], ["by_sizes"], axis=-1),
        helper.make_node("SplitToSequence", ["x"], ["ones_kept"], axis=0),
        helper.make_node("SplitToSequence", ["x"], ["ones_dropped"], axis=1, keepdims=0),
    ]
    m = model(
        nodes,
        [tensor("x", FLOAT, [2, 7])],
        [seq(n) for n in ("by_scalar", "by_sizes", "ones_kept", "ones_dropped")],
        opset,
        initializers=[("scalar", np.int64(3)), ("sizes", np.int32([2, 0, 5]))],
    )
    want = [
        [x[:, 0:3], x[:, 3:6], x[:, 6:7]],
        [x[:, 0:2], x[:, 2:2], x[:, 2:7]],
        [x[0:1], x[1:2]],
        [x[:, i] for i in range(7)],
    ]
    check(m, {"x": x}, want)


@pytest.mark.parametrize("axis,new_axis", [(0, 0), (1, 0), (-1, 0), (0, 1), (2, 1), (-1, 1), (-3, 1)])
def test_concat_from_sequence(axis, new_axis):
    node = helper.make_node("ConcatFromSequence", ["s"], ["y"], axis=axis, new_axis=new_axis)
    m = model([node], [seq("s")], [tensor("y", FLOAT, None)], 11)
    rng = np.random.default_rng(1)
    items = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(3)]
    want = np.stack(items, axis=axis) if new_axis else np.concatenate(items, axis=axis)
    check(m, {"s": items}, [want])


def test_concat_from_sequence_strings_and_uneven_axis():
    node = helper.make_node("ConcatFromSequence", ["s"], ["y"], axis=1)
    m = model([node], [seq("s", TP.STRING)], [tensor("y", TP.STRING, None)], 11)
    items = [np.array([["a"], ["b"]], dtype=object), np.array([["c", "d"], ["e", "f"]], dtype=object)]
    got = run_onyxrt(m, {"s": items})[0]
    assert got.tolist() == [["a", "c", "d"], ["b", "e", "f"]]


def test_sequence_map_with_tensor_and_sequence_inputs():
    # out1 = item + bias (bias a tensor input), out2 = Shape(other item): the second input is a
    # sequence, zipped with the first.
    map_body = body(
        [
            helper.make_node("Add", ["item", "bias"], ["plus"]),
            helper.make_node("Shape", ["other"], ["shape"]),
        ],
        [tensor("item", FLOAT, None), tensor("bias", FLOAT, None), tensor("other", FLOAT, None)],
        [tensor("plus", FLOAT, None), tensor("shape", INT64, None)],
    )
    node = helper.make_node("SequenceMap", ["xs", "bias", "others"], ["plus_seq", "shape_seq"], body=map_body)
    m = model(
        [node],
        [seq("xs"), tensor("bias", FLOAT, [1]), seq("others")],
        [seq("plus_seq"), seq("shape_seq", INT64)],
        17,
    )
    xs = [np.float32([1, 2]), np.float32([3])]
    others = [np.zeros((2, 3), np.float32), np.zeros((4,), np.float32)]
    bias = np.float32([10])
    check(
        m,
        {"xs": xs, "bias": bias, "others": others},
        [[xs[0] + 10, xs[1] + 10], [np.int64([2, 3]), np.int64([4])]],
        reference=False,
    )
    # Empty input sequences: empty outputs, still typed.
    check(m, {"xs": [], "bias": bias, "others": []}, [[], []], reference=False)


def test_identity_on_sequence_and_optional():
    nodes = [helper.make_node("Identity", ["s"], ["s_copy"]), helper.make_node("Identity", ["o"], ["o_copy"])]
    m = model(nodes, [seq("s"), opt_tensor("o")], [seq("s_copy"), opt_tensor("o_copy")], 16)
    s = [np.float32([1, 2])]
    check(m, {"s": s, "o": None}, [s, None], reference=False)
    check(m, {"s": s, "o": np.float32([3])}, [s, np.float32([3])], reference=False)


# ---- optionals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("opset", [15, 18])
def test_optional_ops(opset):
    nodes = [
        helper.make_node("Optional", ["x"], ["ox"]),
        helper.make_node("Optional", [], ["empty"], type=helper.make_tensor_type_proto(FLOAT, None)),
        helper.make_node("OptionalHasElement", ["ox"], ["has_x"]),
        helper.make_node("OptionalHasElement", ["empty"], ["has_empty"]),
        helper.make_node("OptionalHasElement", ["fed"], ["has_fed"]),
        helper.make_node("OptionalGetElement", ["ox"], ["x_back"]),
    ]
    m = model(
        nodes,
        [tensor("x", FLOAT, [2]), opt_tensor("fed")],
        [
            opt_tensor("empty"),
            tensor("has_x", BOOL, []),
            tensor("has_empty", BOOL, []),
            tensor("has_fed", BOOL, []),
            tensor("x_back", FLOAT, None),
        ],
        opset,
    )
    x = np.float32([1, 2])
    check(
        m, {"x": x, "fed": None}, [None, np.array(True), np.array(False), np.array(False), x], reference=False
    )
    check(m, {"x": x, "fed": x}, [None, np.array(True), np.array(False), np.array(True), x], reference=False)


def test_optional_sequence_and_plain_inputs_from_18():
    nodes = [
        helper.make_node("OptionalGetElement", ["os"], ["s"]),
        helper.make_node("OptionalHasElement", ["plain"], ["has_plain"]),
        helper.make_node("OptionalHasElement", [], ["has_nothing"]),
        helper.make_node("OptionalGetElement", ["plain"], ["plain_back"]),
    ]
    m = model(
        nodes,
        [opt_seq("os"), tensor("plain", FLOAT, [1])],
        [
            seq("s"),
            tensor("has_plain", BOOL, []),
            tensor("has_nothing", BOOL, []),
            tensor("plain_back", FLOAT, None),
        ],
        18,
    )
    s = [np.float32([1]), np.float32([2, 3])]
    check(
        m,
        {"os": s, "plain": np.float32([4])},
        [s, np.array(True), np.array(False), np.float32([4])],
        reference=False,
    )


# ---- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("position", [2, -3])
def test_sequence_at_out_of_range(position):
    nodes = [helper.make_node("SequenceAt", ["s", "p"], ["y"], name="pick")]
    m = model(nodes, [seq("s"), tensor("p", INT64, [])], [tensor("y", FLOAT, None)], 11)
    expect_error(
        m,
        {"s": [np.float32([1]), np.float32([2])], "p": np.array(position, np.int64)},
        onyxrt.InvalidArgument,
        "pick",
        "out of range",
    )


def test_sequence_errors():
    cases = [
        (
            helper.make_node("SequenceInsert", ["s", "t"], ["y"], name="ins"),
            [seq("s"), tensor("t", INT64, None)],
            {"s": [np.float32([1])], "t": np.int64([1])},
            "ins",
            "cannot insert",
        ),
        (
            helper.make_node("SequenceErase", ["s"], ["y"], name="erase"),
            [seq("s")],
            {"s": []},
            "erase",
            "empty",
        ),
        (
            helper.make_node("ConcatFromSequence", ["s"], ["y"], name="cat", axis=0),
            [seq("s")],
            {"s": [np.zeros((2, 3), np.float32), np.zeros((2, 4), np.float32)]},
            "cat",
            "does not match",
        ),
        (
            helper.make_node("ConcatFromSequence", ["s"], ["y"], name="cat_empty", axis=0),
            [seq("s")],
            {"s": []},
            "cat_empty",
            "empty",
        ),
        (
            helper.make_node("SplitToSequence", ["x", "split"], ["y"], name="split"),
            [tensor("x", FLOAT, None), tensor("split", INT64, None)],
            {"x": np.zeros(5, np.float32), "split": np.int64([2, 2])},
            "split",
            "adds up to",
        ),
        (
            helper.make_node("SplitToSequence", ["x", "split"], ["y"], name="split0"),
            [tensor("x", FLOAT, None), tensor("split", INT64, None)],
            {"x": np.zeros(5, np.float32), "split": np.array(0, np.int64)},
            "split0",
            "positive",
        ),
        (
            helper.make_node("SplitToSequence", ["x"], ["y"], name="split_huge"),
            [tensor("x", FLOAT, None)],
            {"x": np.zeros((10**12, 0), np.float32)},
            "split_huge",
            "parts",
        ),
        (
            helper.make_node("OptionalGetElement", ["o"], ["y"], name="get"),
            [opt_tensor("o")],
            {"o": None},
            "get",
            "empty optional",
        ),
    ]
    for node, inputs, feeds, name, fragment in cases:
        out = (
            seq("y")
            if node.op_type in ("SequenceInsert", "SequenceErase", "SplitToSequence")
            else tensor("y")
        )
        m = model([node], inputs, [out], 18)
        expect_error(m, feeds, onyxrt.InvalidArgument, name, fragment)


def test_optional_without_input_or_type():
    m = model([helper.make_node("Optional", [], ["o"], name="no_type")], [], [opt_tensor("o")], 15)
    expect_error(m, {}, onyxrt.InvalidGraph, "no_type", "'type'")

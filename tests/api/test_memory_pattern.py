"""Memory patterns (SessionOptions.enable_mem_pattern): after a first run with a set of input
shapes, runs with those shapes are served from one block laid out by that run's buffer
lifetimes. Whatever the pattern does, outputs match the oracle: for repeated shapes, for more
shape sets than the session keeps patterns for, for sizes the data decides (NonZero, a Loop's trip
count), for concurrent runs, and for outputs the caller holds while later runs reuse the block."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

import onyxrt
from tests import helpers


def branchy_net() -> bytes:
    """Conv + Relu, then two convolutions of it side by side, Concat, MaxPool, x * sigmoid(x),
    GlobalAveragePool, Flatten, Gemm; dynamic batch and image size. Several intermediates are
    alive at once, and the first Relu is also a graph output (it outlives the run, so it never
    lives in the block)."""
    rng = np.random.default_rng(1)
    weights = {
        "w1": rng.standard_normal((8, 3, 3, 3)) * 0.3, "b1": rng.standard_normal(8),
        "wa": rng.standard_normal((8, 8, 1, 1)) * 0.3, "ba": rng.standard_normal(8),
        "wb": rng.standard_normal((8, 8, 3, 3)) * 0.2, "bb": rng.standard_normal(8),
        "wf": rng.standard_normal((24, 5)), "bf": rng.standard_normal(5),
    }
    inits = [numpy_helper.from_array(v.astype(np.float32), k) for k, v in weights.items()]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["features"]),
        helper.make_node("Conv", ["features", "wa", "ba"], ["a"]),
        helper.make_node("Conv", ["features", "wb", "bb"], ["b"], pads=[1, 1, 1, 1]),
        helper.make_node("Concat", ["a", "b", "features"], ["joined"], axis=1),
        helper.make_node("MaxPool", ["joined"], ["m"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Sigmoid", ["m"], ["gate"]),
        helper.make_node("Mul", ["m", "gate"], ["swished"]),
        helper.make_node("GlobalAveragePool", ["swished"], ["p"]),
        helper.make_node("Flatten", ["p"], ["f"]),
        helper.make_node("Gemm", ["f", "wf", "bf"], ["logits"]),
    ]
    model = helpers.make_model(nodes, [helpers.tensor("x", shape=["n", 3, "h", "w"])],
                               [helpers.tensor("logits", shape=["n", 5]),
                                helpers.tensor("features", shape=["n", 8, "h", "w"])], inits)
    return helpers.to_bytes(model)


def sessions(model: bytes, pattern: bool = True, threads: int = 1):
    options = onyxrt.SessionOptions()
    options.enable_mem_pattern = pattern
    options.intra_op_num_threads = threads
    oracle = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    return oracle, onyxrt.InferenceSession(model, options)


def image(seed: int, n: int, side: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, 3, side, side)).astype(np.float32)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("pattern", [True, False])
def test_repeated_and_changing_shapes_match_onnxruntime_and_held_outputs_stay_put(pattern, threads):
    oracle, session = sessions(branchy_net(), pattern, threads)
    # Eleven shape sets, more than a session keeps patterns for, each run several times over.
    shapes = [(n, side) for n in (1, 2, 3) for side in (5, 9, 12)] + [(4, 16), (1, 33)]
    plan = [shape for _ in range(3) for shape in shapes for _ in range(2)]
    held = []
    for run, (n, side) in enumerate(plan):
        x = image(run, n, side)
        got = session.run(None, {"x": x})
        expected = oracle.run(None, {"x": x})
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-4)
        held.append((got, expected))
    for got, expected in held:  # later runs wrote their intermediates; the outputs kept theirs
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-4)


def nonzero_model() -> bytes:
    """The positive entries of x, doubled, beside relu(x): the length of everything after NonZero
    is decided by the data, not the shape."""
    two = numpy_helper.from_array(np.array(2.0, np.float32), "two")
    zero = numpy_helper.from_array(np.array(0.0, np.float32), "zero")
    nodes = [
        helper.make_node("Greater", ["x", "zero"], ["positive"]),
        helper.make_node("NonZero", ["positive"], ["where"]),
        helper.make_node("Reshape", ["where", "minus_one"], ["index"]),
        helper.make_node("Gather", ["x", "index"], ["picked"]),
        helper.make_node("Mul", ["picked", "two"], ["doubled"]),
        helper.make_node("Exp", ["doubled"], ["y"]),
        helper.make_node("Relu", ["x"], ["r"]),
    ]
    minus_one = numpy_helper.from_array(np.array([-1], np.int64), "minus_one")
    model = helpers.make_model(nodes, [helpers.tensor("x", shape=[4096])],
                               [helpers.tensor("y", shape=["k"]), helpers.tensor("r", shape=[4096])],
                               [two, zero, minus_one])
    return helpers.to_bytes(model)


def test_sizes_decided_by_the_data_follow_the_data():
    _, session = sessions(nonzero_model())
    rng = np.random.default_rng(5)
    for run in range(12):
        # The share of positive entries changes every run: 0 %, then growing, then shrinking.
        x = rng.standard_normal(4096).astype(np.float32) - (3.0 if run == 0 else 2.0 - abs(6 - run) * 0.5)
        y, r = session.run(None, {"x": x})
        np.testing.assert_allclose(y, np.exp(2 * x[x > 0]), rtol=1e-6)
        np.testing.assert_array_equal(r, np.maximum(x, 0))


def loop_model() -> bytes:
    """A Loop run `trips` times (a feed of fixed shape: its value decides the buffers), whose body
    adds x to a running sum and scans out each sum."""
    body = helper.make_graph(
        [helper.make_node("Add", ["sum_in", "x"], ["sum_out"]),
         helper.make_node("Identity", ["cond_in"], ["cond_out"]),
         helper.make_node("Relu", ["sum_out"], ["scanned"])],
        "body",
        [helpers.tensor("i", TensorProto.INT64, []), helpers.tensor("cond_in", TensorProto.BOOL, []),
         helpers.tensor("sum_in", shape=[256])],
        [helpers.tensor("cond_out", TensorProto.BOOL, []), helpers.tensor("sum_out", shape=[256]),
         helpers.tensor("scanned", shape=[256])])
    true = numpy_helper.from_array(np.array(True), "true")
    zeros = numpy_helper.from_array(np.zeros(256, np.float32), "zeros")
    nodes = [helper.make_node("Loop", ["trips", "true", "zeros"], ["total", "sums"], body=body),
             helper.make_node("Neg", ["sums"], ["y"])]
    model = helpers.make_model(nodes, [helpers.tensor("x", shape=[256]), helpers.tensor("trips", TensorProto.INT64, [])],
                               [helpers.tensor("total", shape=[256]), helpers.tensor("y", shape=["t", 256])],
                               [true, zeros])
    return helpers.to_bytes(model)


def test_a_loop_whose_trip_count_changes_matches_onnxruntime():
    oracle, session = sessions(loop_model())
    x = np.random.default_rng(2).standard_normal(256).astype(np.float32)
    for trips in (3, 3, 3, 7, 7, 1, 1, 12, 3, 3):
        feeds = {"x": x, "trips": np.array(trips, np.int64)}
        for g, e in zip(session.run(None, feeds), oracle.run(None, feeds)):
            np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-6)


def test_concurrent_runs_of_mixed_shapes_match_onnxruntime():
    oracle, session = sessions(branchy_net(), threads=2)
    cases = [image(seed, 1 + seed % 3, (5, 9, 12)[seed % 3]) for seed in range(12)]
    expected = [oracle.run(None, {"x": x}) for x in cases]

    def worker(offset: int) -> None:
        for k in range(36):
            index = (k + offset) % len(cases)
            for g, e in zip(session.run(None, {"x": cases[index]}), expected[index]):
                np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-4)

    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(worker, offset) for offset in range(4)]:
            future.result()

"""Elementwise operators write their output into the buffer of an input they read last
(KernelContext::output_in_place_of): never into a feed, a constant, a graph output, a value read
again later or through a view, or an enclosing graph's value; and a chain of them over a large
tensor keeps one buffer, not two."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

import onyxrt

F = TensorProto.FLOAT


def model(nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(n, F, s) for n, s in inputs],
                              [helper.make_tensor_value_info(n, F, None) for n in outputs], list(initializers))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m.SerializeToString()


def test_a_feed_is_never_written():
    session = onyxrt.InferenceSession(model([helper.make_node("Neg", ["X"], ["Y"])], [("X", [3])], ["Y"]))
    x = np.array([1.0, -2.0, 3.0], np.float32)
    y = session.run(None, {"X": x})[0]
    np.testing.assert_array_equal(x, [1.0, -2.0, 3.0])
    np.testing.assert_array_equal(y, -x)


def test_a_constant_is_never_written():
    c = numpy_helper.from_array(np.array([1.0, 2.0, 3.0], np.float32), "C")
    nodes = [helper.make_node("Add", ["C", "X"], ["Y"])]
    session = onyxrt.InferenceSession(model(nodes, [("X", [3])], ["Y"], [c]))
    for _ in range(3):  # a written constant would drift from run to run
        np.testing.assert_array_equal(session.run(None, {"X": np.ones(3, np.float32)})[0], [2.0, 3.0, 4.0])


def test_a_value_read_again_later_or_also_a_graph_output_keeps_its_contents():
    nodes = [helper.make_node("Exp", ["X"], ["t"]),
             helper.make_node("Neg", ["t"], ["u"]),      # t is read again below
             helper.make_node("Add", ["u", "t"], ["v"]),  # u read last here, t too
             helper.make_node("Relu", ["v"], ["w"]),      # v is also a graph output
             helper.make_node("Sigmoid", ["w"], ["Y"])]
    session = onyxrt.InferenceSession(model(nodes, [("X", [2, 5])], ["v", "Y"]))
    x = np.random.default_rng(0).standard_normal((2, 5)).astype(np.float32)
    v, y = session.run(None, {"X": x})
    np.testing.assert_allclose(v, -np.exp(x) + np.exp(x), atol=1e-6)
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-np.maximum(v, 0))), rtol=1e-6)
    assert not np.shares_memory(v, y)


def test_a_buffer_still_seen_through_a_view_is_not_taken():
    # r is a view of t's buffer (Reshape shares storage): Neg reads t last but must not write it.
    shape = numpy_helper.from_array(np.array([10], np.int64), "shape")
    nodes = [helper.make_node("Exp", ["X"], ["t"]),
             helper.make_node("Reshape", ["t", "shape"], ["r"]),
             helper.make_node("Neg", ["t"], ["u"]),
             helper.make_node("Reshape", ["u", "shape"], ["u_flat"]),
             helper.make_node("Add", ["u_flat", "r"], ["Y"])]
    session = onyxrt.InferenceSession(model(nodes, [("X", [2, 5])], ["Y"], [shape]))
    x = np.random.default_rng(1).standard_normal((2, 5)).astype(np.float32)
    np.testing.assert_allclose(session.run(None, {"X": x})[0], np.zeros(10, np.float32), atol=1e-6)


def test_an_enclosing_value_read_in_a_loop_body_keeps_its_contents():
    body = helper.make_graph(
        [helper.make_node("Neg", ["outer"], ["negated"]), helper.make_node("Identity", ["cond_in"], ["cond_out"])],
        "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond_in", TensorProto.BOOL, [])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("negated", F, None)])
    count = numpy_helper.from_array(np.array(3, np.int64), "count")
    nodes = [helper.make_node("Exp", ["X"], ["outer"]),
             helper.make_node("Loop", ["count", ""], ["Y"], body=body)]
    session = onyxrt.InferenceSession(model(nodes, [("X", [4])], ["Y"], [count]))
    x = np.array([0.0, 1.0, -1.0, 2.0], np.float32)
    y = session.run(None, {"X": x})[0]
    np.testing.assert_allclose(y, np.tile(-np.exp(x), (3, 1)), rtol=1e-6)


def test_broadcast_inputs_and_type_changes_get_their_own_buffer():
    b = numpy_helper.from_array(np.arange(5, dtype=np.float32), "B")
    nodes = [helper.make_node("Exp", ["X"], ["t"]),
             helper.make_node("Exp", ["R"], ["row"]),
             helper.make_node("Add", ["row", "t"], ["s"]),     # row [5] broadcasts: t is the one of Y's shape
             helper.make_node("Mul", ["s", "B"], ["m"]),
             helper.make_node("Less", ["m", "B"], ["flags"]),  # bool output: not in a float buffer
             helper.make_node("Cast", ["flags"], ["Y"], to=F)]
    session = onyxrt.InferenceSession(model(nodes, [("X", [3, 5]), ("R", [5])], ["Y", "m"], [b]))
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 5)).astype(np.float32)
    r = rng.standard_normal(5).astype(np.float32)
    y, m = session.run(None, {"X": x, "R": r})
    expected_m = (np.exp(r) + np.exp(x)) * np.arange(5, dtype=np.float32)
    np.testing.assert_allclose(m, expected_m, rtol=1e-6)
    np.testing.assert_array_equal(y, (expected_m < np.arange(5)).astype(np.float32))


CHAIN_PEAK = """
import os, threading, time
import numpy as np
from onnx import helper, TensorProto
import onyxrt

n = 16 * 1024 * 1024  # 64 MiB of float
nodes = [helper.make_node("Relu", ["X"], ["a"]), helper.make_node("Neg", ["a"], ["b"]),
         helper.make_node("Sigmoid", ["b"], ["c"]), helper.make_node("Neg", ["c"], ["Y"])]
graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [n])],
                          [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [n])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
options = onyxrt.SessionOptions()
options.intra_op_num_threads = 1
session = onyxrt.InferenceSession(model.SerializeToString(), options)
x = np.random.default_rng(0).standard_normal(n, dtype=np.float32)
page = os.sysconf("SC_PAGE_SIZE")
resident = lambda: int(open("/proc/self/statm").read().split()[1]) * page
base = resident()
peak, running = [base], [True]
def watch():  # the run releases the GIL: sample the resident set while it goes
    while running[0]:
        peak[0] = max(peak[0], resident())
        time.sleep(0.0002)
watcher = threading.Thread(target=watch)
watcher.start()
y = session.run(None, {"X": x})[0]
running[0] = False
watcher.join()
print((max(peak[0], resident()) - base) / 2**20)
np.testing.assert_allclose(y, -1 / (1 + np.exp(np.maximum(x, 0))), rtol=1e-5)
"""


def test_an_elementwise_chain_keeps_one_buffer():
    # Without in-place writes each step needs its input and its output alive at once: two 64 MiB
    # buffers. In a fresh process, so that no earlier test's freed memory hides the growth; the
    # resident set is sampled during the run (a high-water mark would include what importing
    # the libraries touched).
    package_root = os.path.dirname(os.path.dirname(onyxrt.__file__))  # the onyxrt under test, first
    path = os.pathsep.join([package_root, *sys.path])
    out = subprocess.run([sys.executable, "-c", CHAIN_PEAK], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": path}).stdout.split()
    grown_mib = float(out[0])
    assert 48 < grown_mib < 96, grown_mib

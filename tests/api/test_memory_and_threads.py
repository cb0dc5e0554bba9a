"""Outputs are fresh, writable numpy arrays that share memory with nothing the session or the
caller keeps; one session serves many threads at once with the GIL released; steady runs reuse
their buffers."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import onyxrt
from tests import helpers


def test_outputs_are_writable_and_not_shared_between_runs():
    session = onyxrt.InferenceSession(helpers.to_bytes(helpers.add_relu()))
    x = np.ones((2, 4), np.float32)
    first = session.run(None, {"X": x})[0]
    second = session.run(None, {"X": x})[0]
    assert first.flags.writeable and second.flags.writeable
    assert not np.shares_memory(first, second)
    first[...] = -5
    np.testing.assert_array_equal(session.run(None, {"X": x})[0], second)


def test_outputs_take_over_the_result_buffer_without_a_copy():
    session = onyxrt.InferenceSession(helpers.to_bytes(helpers.add_relu()))
    out = session.run(None, {"X": np.ones((64, 4), np.float32)})[0]
    # numpy does not own the memory: a capsule holding the engine's buffer does.
    assert not out.flags.owndata and type(out.base).__name__ == "PyCapsule"


def test_outputs_aliasing_a_feed_or_a_constant_are_copies():
    session = onyxrt.InferenceSession(helpers.to_bytes(helpers.constant_and_passthrough()))
    x = np.arange(4, dtype=np.float32)
    same, const = session.run(None, {"X": x})
    assert not np.shares_memory(same, x)
    same[0] = 100
    const[0] = 100  # must not write into the session's constant (nor the model's bytes)
    assert x[0] == 0
    again_same, again_const = session.run(None, {"X": x})
    np.testing.assert_array_equal(again_const, np.arange(4, dtype=np.float32))
    np.testing.assert_array_equal(again_same, x)


def test_feeds_are_not_modified():
    session = onyxrt.InferenceSession(helpers.to_bytes(helpers.add_relu()))
    x = np.linspace(-3, 3, 8, dtype=np.float32).reshape(2, 4)
    before = x.copy()
    session.run(None, {"X": x})
    np.testing.assert_array_equal(x, before)


def test_outputs_outlive_the_session():
    session = onyxrt.InferenceSession(helpers.to_bytes(helpers.add_relu()))
    out = session.run(None, {"X": np.ones((3, 4), np.float32)})[0]
    expected = out.copy()
    del session
    np.testing.assert_array_equal(out, expected)


def test_one_session_many_threads_match_serial_runs():
    session = onyxrt.InferenceSession(helpers.to_bytes(helpers.mlp(use_gemm=False)))
    rng = np.random.default_rng(3)
    feeds = [rng.standard_normal((1 + i % 5, 16)).astype(np.float32) for i in range(64)]
    serial = [session.run(None, {"x": x})[0] for x in feeds]
    start = threading.Barrier(8)

    def run(index: int) -> np.ndarray:
        if index < 8:
            start.wait()  # the first eight begin together
        return session.run(None, {"x": feeds[index]})[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(run, range(len(feeds))))
    for a, e in zip(parallel, serial):
        np.testing.assert_array_equal(a, e)


def test_run_releases_the_gil():
    # A thread looping in Python records times; while the GIL is released, some of them fall well
    # inside a run() of the main thread. With the GIL held they could only fall at its edges.
    session = onyxrt.InferenceSession(helpers.to_bytes(helpers.add_relu(features=1 << 20)))
    x = np.ones((8, 1 << 20), np.float32)
    session.run(None, {"X": x})  # warm-up
    done = threading.Event()
    ticks: list[float] = []

    def spin():
        while not done.is_set():
            ticks.append(time.perf_counter())

    spinner = threading.Thread(target=spin)
    spinner.start()
    runs = []
    try:
        for _ in range(5):
            start = time.perf_counter()
            session.run(None, {"X": x})
            runs.append((start, time.perf_counter()))
    finally:
        done.set()
        spinner.join()
    inside = [t for start, end in runs for t in ticks
              if start + 0.25 * (end - start) < t < end - 0.25 * (end - start)]
    assert inside, "no Python thread ran during run(): is the GIL released?"


def resident_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_ten_thousand_runs_do_not_grow_the_resident_set():
    session = onyxrt.InferenceSession(helpers.to_bytes(helpers.mlp(sizes=(64, 32, 8))))
    feeds = [{"x": np.ones((1 + i % 4, 64), np.float32)} for i in range(4)]
    for i in range(500):  # warm-up: allocator pools, lazily built tables
        session.run(None, feeds[i % 4])
    before = resident_bytes()
    for i in range(10_000):
        session.run(None, feeds[i % 4])
    growth = resident_bytes() - before
    assert growth < 2 << 20, f"resident set grew by {growth} bytes over 10,000 runs"


def test_session_create_destroy_cycles_do_not_grow_the_resident_set():
    model = helpers.to_bytes(helpers.mlp(sizes=(64, 32, 8)))
    x = {"x": np.ones((2, 64), np.float32)}
    for _ in range(50):
        onyxrt.InferenceSession(model).run(None, x)
    before = resident_bytes()
    for _ in range(500):
        onyxrt.InferenceSession(model).run(None, x)
    growth = resident_bytes() - before
    assert growth < 2 << 20, f"resident set grew by {growth} bytes over 500 sessions"


STEADY_RUN_FAULTS = """
import resource, sys
import numpy as np
import onnx
from onnx import helper, TensorProto
import onyxrt

n = 10_000_000
graph = helper.make_graph([helper.make_node("Relu", ["X"], ["r"]), helper.make_node("Neg", ["r"], ["Y"])], "g",
                          [helper.make_tensor_value_info("X", TensorProto.FLOAT, [n])],
                          [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [n])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
x = np.random.default_rng(0).standard_normal(n).astype(np.float32)
for arena, pattern in ((True, True), (True, False), (False, False)):
    options = onyxrt.SessionOptions()
    options.enable_cpu_mem_arena = arena
    options.enable_mem_pattern = pattern
    session = onyxrt.InferenceSession(model.SerializeToString(), options)
    for _ in range(2):
        session.run(None, {"X": x})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        y = session.run(None, {"X": x})[0]
        del y
    print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def test_steady_runs_reuse_buffers_instead_of_paging_in_new_memory():
    # 40 MiB intermediates and outputs: above glibc's largest mmap threshold, so without buffer
    # reuse every run maps fresh memory and faults each page in. Measured in a fresh process:
    # what other tests loaded (and how they tuned malloc) stays out of the page-fault count.
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", STEADY_RUN_FAULTS], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}).stdout.split()
    faults = {"pattern": int(out[0]), "cache": int(out[1]), "system": int(out[2])}
    runs = 10
    # Without reuse every run pages its 40 MiB buffers in again: one fault per 4 KiB page (about
    # 10,000 a buffer), or at least one per 2 MiB where the allocator gets transparent huge pages
    # (base/allocator.cpp; 59 a run measured). With reuse, a few a run at most (the interpreter's
    # own; 14 in all under the sanitizers' allocator, 2 without), whether the run's intermediate
    # comes from the cache or from the memory pattern's block.
    assert faults["pattern"] < 5 * runs, faults
    assert faults["cache"] < 5 * runs, faults
    assert faults["system"] >= 20 * runs, faults


def resident_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_resident_set_holds_one_copy_of_a_mapped_models_weights(tmp_path):
    # A 40 MiB initializer whose raw_data sits at an offset that is not a multiple of 4 is copied
    # to an aligned buffer; the mapped file's pages it was read from are then given back. The
    # same weights also feed a MatMul (packed, originals released) and an Add that reads them at
    # run time: both must still see the right values.
    from onnx import helper, numpy_helper

    rows, cols = 2500, 4000
    w = np.random.default_rng(1).standard_normal((rows, cols)).astype(np.float32)
    for pad in range(1, 9):
        name = "w" * pad
        model = helpers.make_model(
            [helper.make_node("Add", ["X", name], ["S"]), helper.make_node("MatMul", ["V", name], ["P"])],
            [helpers.tensor("X", shape=[rows, cols]), helpers.tensor("V", shape=[1, rows])],
            [helpers.tensor("S", shape=[rows, cols]), helpers.tensor("P", shape=[1, cols])],
            [numpy_helper.from_array(w, name)])
        data = model.SerializeToString()
        if data.find(w.tobytes()[:64]) % 4 != 0:
            break
    path = tmp_path / "model.onnx"
    path.write_bytes(data)
    del data, model
    before = resident_mib()
    session = onyxrt.InferenceSession(str(path))
    grown = resident_mib() - before
    weight_mib = w.nbytes / 2**20
    assert grown < 2.5 * weight_mib, (grown, weight_mib)  # the copy and the packed copy, no more
    x = np.zeros((rows, cols), np.float32)
    v = np.zeros((1, rows), np.float32)
    v[0, 7] = 1
    s, p = session.run(None, {"X": x, "V": v})
    np.testing.assert_array_equal(s, w)
    np.testing.assert_array_equal(p[0], w[7])


def write_with_misaligned_weight(tmp_path, w, build):
    # build(name) makes the model with weight w named `name`; names of growing length shift its
    # raw data until it sits at an offset that is not a multiple of 4, so the loader decodes it
    # into a copy of its own (an aligned one would stay a view of the mapped file).
    for pad in range(1, 9):
        data = build("w" * pad).SerializeToString()
        if data.find(w.tobytes()[:64]) % 4 != 0:
            break
    path = tmp_path / "model.onnx"
    path.write_bytes(data)
    return path


def test_resident_set_holds_only_the_packed_copy_of_a_packed_weight(tmp_path):
    # Read by MatMul alone, the weight lives on only in its packed form once the session is built
    # (the model's own copy is dropped as soon as its last reader has packed it).
    from onnx import helper, numpy_helper

    rows, cols = 2500, 4000
    w = np.random.default_rng(2).standard_normal((rows, cols)).astype(np.float32)
    path = write_with_misaligned_weight(tmp_path, w, lambda name: helpers.make_model(
        [helper.make_node("MatMul", ["V", name], ["P"])], [helpers.tensor("V", shape=[2, rows])],
        [helpers.tensor("P", shape=[2, cols])], [numpy_helper.from_array(w, name)]))
    before = resident_mib()
    session = onyxrt.InferenceSession(str(path))
    grown = resident_mib() - before
    assert grown < 1.5 * w.nbytes / 2**20, grown
    v = np.zeros((2, rows), np.float32)
    v[0, 3], v[1, 2499] = 1, 2
    for _ in range(2):
        p = session.run(None, {"V": v})[0]
        np.testing.assert_array_equal(p[0], w[3])
        np.testing.assert_array_equal(p[1], 2 * w[2499])


def test_resident_set_holds_only_the_packed_copy_of_a_conv_weight(tmp_path):
    # Conv packs its float weights at session creation and reads only their shape afterwards:
    # the model's copy is dropped once the session is built, and runs still give the right values.
    from onnx import helper, numpy_helper

    m, c = 2500, 4000
    w = np.random.default_rng(3).standard_normal((m, c, 1, 1)).astype(np.float32)
    path = write_with_misaligned_weight(tmp_path, w, lambda name: helpers.make_model(
        [helper.make_node("Conv", ["X", name], ["Y"])], [helpers.tensor("X", shape=[1, c, 2, 3])],
        [helpers.tensor("Y", shape=[1, m, 2, 3])], [numpy_helper.from_array(w, name)]))
    before = resident_mib()
    session = onyxrt.InferenceSession(str(path))
    grown = resident_mib() - before
    assert grown < 1.5 * w.nbytes / 2**20, grown
    x = np.random.default_rng(4).standard_normal((1, c, 2, 3)).astype(np.float32)
    want = np.einsum("mc,cp->mp", w[:, :, 0, 0].astype(np.float64), x[0].reshape(c, 6).astype(np.float64))
    for _ in range(2):
        y = session.run(None, {"X": x})[0]
        np.testing.assert_allclose(y[0].reshape(m, 6), want, rtol=1e-4, atol=1e-3)


def test_resident_set_of_a_run_reuses_larger_idle_buffers_for_smaller_requests():
    # A chain of Pads grows a value through six size classes (each released after the next is
    # built), then a second chain of three sizes, each between two of the first chain's classes,
    # runs. Served by exact size class only, the second chain pages in ~18 MiB more beside what
    # the first left idle; with best fit it reuses those buffers.
    from onnx import helper, numpy_helper

    n, q = 1_000_000, 1_150_000
    nodes, initializers, previous = [], [], "X"
    for k in range(1, 7):  # 1.2M .. 2.2M floats: classes 5, 5.5, 6.5, 7, 8, 9 MiB
        initializers.append(numpy_helper.from_array(np.array([0, 200_000], np.int64), f"pa{k}"))
        nodes.append(helper.make_node("Pad", [previous, f"pa{k}"], [f"P{k}"]))
        previous = f"P{k}"
    nodes.append(helper.make_node("ReduceSum", ["P6"], ["R"], keepdims=0))
    nodes.append(helper.make_node("Add", ["Q", "R"], ["B0"]))  # 1.15M floats: class 4.5 MiB
    initializers += [numpy_helper.from_array(np.array([0, 350_000], np.int64), "pb1"),
                     numpy_helper.from_array(np.array([0, 400_000], np.int64), "pb2")]
    nodes.append(helper.make_node("Pad", ["B0", "pb1"], ["B1"]))  # 1.5M: class 6 MiB
    nodes.append(helper.make_node("Pad", ["B1", "pb2"], ["B2"]))  # 1.9M: class 7.5 MiB
    nodes.append(helper.make_node("ReduceSum", ["B2"], ["Y"], keepdims=0))
    model = helpers.make_model(nodes, [helpers.tensor("X", shape=[n]), helpers.tensor("Q", shape=[q])],
                               [helpers.tensor("Y", shape=[])], initializers)
    feeds = {"X": np.ones(n, np.float32), "Q": np.ones(q, np.float32)}
    options = onyxrt.SessionOptions()
    options.intra_op_num_threads = 1
    session = onyxrt.InferenceSession(helpers.to_bytes(model), options)
    before = resident_mib()
    y = session.run(None, feeds)[0]
    grown = resident_mib() - before
    np.testing.assert_allclose(y, q * (n + 1.0), rtol=1e-4)
    # Measured: the first chain's size + 15 MiB with best fit, + 33 MiB by exact class only.
    first_chain = sum(4 * (n + 200_000 * k) for k in range(1, 7)) / 2**20
    assert grown < first_chain + 24, (grown, first_chain)


def test_resident_set_while_building_holds_no_folded_weight_read_after_the_largest(tmp_path):
    # vgg19's pattern: ConstantOfShape makes every weight (folded at session creation), the
    # largest is packed first and smaller ones are read after it. Folded splats read after the
    # largest are dropped until their own reader is built, so the creation peak is the largest
    # weight and its packed copy, without the later weights beside them.
    from onnx import helper, numpy_helper

    n, m = 5120, 2048  # w0: 100 MiB; w1: 40 MiB, w2: 16 MiB
    nodes, initializers = [], []
    for name, shape in (("w0", [n, n]), ("w1", [m, n]), ("w2", [m, m])):
        initializers.append(numpy_helper.from_array(np.array(shape, np.int64), f"{name}_shape"))
        nodes.append(helper.make_node("ConstantOfShape", [f"{name}_shape"], [name],
                                      value=numpy_helper.from_array(np.array([0.5], np.float32))))
    nodes += [helper.make_node("Gemm", ["X", "w0"], ["h0"], transB=1),
              helper.make_node("Gemm", ["h0", "w1"], ["h1"], transB=1),
              helper.make_node("Gemm", ["h1", "w2"], ["Y"], transB=1)]
    model = helpers.make_model(nodes, [helpers.tensor("X", shape=["batch", n])],
                               [helpers.tensor("Y", shape=["batch", m])], initializers)
    path = tmp_path / "model.onnx"
    path.write_bytes(helpers.to_bytes(model))
    script = f"""
import resource, numpy as np, onyxrt
options = onyxrt.SessionOptions()
options.intra_op_num_threads = 1
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
session = onyxrt.InferenceSession({str(path)!r}, options)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
y = session.run(None, {{"X": np.full((2, {n}), 0.25, np.float32)}})[0]
print((peak - base) / 1024, float(y.min()), float(y.max()))
"""
    import subprocess
    import sys

    package_root = os.path.dirname(os.path.dirname(onyxrt.__file__))  # the onyxrt under test, first
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join([package_root, *sys.path])}).stdout.split()
    grown, low, high = float(out[0]), float(out[1]), float(out[2])
    want = 0.25 * 0.5 * n * 0.5 * n * 0.5 * m  # every element: the weights are splats of 0.5
    np.testing.assert_allclose([low, high], [want, want], rtol=1e-5)
    w0 = n * n * 4 / 2**20
    # The peak's growth: w0 and its packed copy (less what packing has already given back) with
    # w1 and w2 dropped while w0 is packed; 56 MiB more with them kept.
    assert grown < 2 * w0 - 12, (grown, w0)

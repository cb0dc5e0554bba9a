"""The Winograd F(4x4, 3x3) convolution (kernels/winograd.h), which serves a constant 3x3 W with
stride and dilation 1, one group, 32+ input and 32+ output channels up to 256 x 256 (when the
plane is known before the run, on planes of 14 x 14 or more, 24 x 24 for under 96 output
channels, and for calls with positions enough to pay for its weights' reads, which with the batch
open each run decides): against onnxruntime over partial
tiles at the right and bottom edges, asymmetric and no padding, a single row, output channels
that leave a partial vector, batches (with bands that hold several images' tiles), both thread
counts, the fused bias / Relu / Clip / LeakyRelu and a residual added in place
(Relu(Conv(X) + B + T)), and each ISA tier's transforms.

Winograd rounds differently from the direct sum: its error grows with the output's magnitude
(up to a few 1e-6 of the largest output where the direct sum stays below 1e-6), so the bound
is relative to that magnitude."""

from __future__ import annotations

import numpy as np
import onnxruntime
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import onyxrt
from tests.ops.op_check import run_at_isa, run_python

# max |onyxrt - onnxruntime| / max |onnxruntime|: F(4x4, 3x3) measured at most 2.6e-6 here
# (8.2e-6 with the usual interpolation points 0, 1, -1, 2, -2).
WINOGRAD_BOUND = 1e-5

GEOMETRIES = {
    "resnet_stage1": ((1, 64, 56, 56), 64, {"pads": [1, 1, 1, 1]}),
    "edge_tiles_batch2": ((2, 48, 13, 17), 40, {"pads": [1, 1, 1, 1]}),
    "no_padding_odd_m": ((1, 32, 9, 7), 33, {}),
    "asymmetric_pads": ((1, 32, 5, 6), 32, {"pads": [2, 1, 0, 2]}),
    "single_row": ((1, 40, 1, 30), 36, {"pads": [1, 1, 1, 1]}),
    "single_tile": ((1, 32, 4, 4), 32, {"pads": [1, 1, 1, 1]}),
    "widest": ((1, 256, 14, 14), 256, {"pads": [1, 1, 1, 1]}),
    "same_upper": ((1, 32, 10, 11), 48, {"auto_pad": "SAME_UPPER"}),
    "unequal_channels": ((3, 128, 28, 28), 32, {"pads": [1, 1, 1, 1]}),
    "few_inputs": ((1, 32, 30, 29), 64, {"pads": [1, 1, 1, 1]}),
    # Bands hold the tile rows of several images (kernels/winograd.h). 256 x 256 channels ask for
    # 128 tiles a band: one band of all three images, which at 2 threads the threads share (the
    # input transform by input channels, GEMMs and output transform by output channels).
    "images_share_bands": ((3, 256, 13, 17), 256, {"pads": [1, 1, 1, 1]}),
    # 64 x 64 channels ask for 32 tiles (11 rows of 3): five 2-row images in two bands of five
    # rows, the middle image split between them; a band per thread at 2 threads.
    "many_small_images": ((5, 64, 7, 9), 64, {"pads": [1, 1, 1, 1]}),
}


def conv_model(x_shape, m, attrs, tail, x_dims=None):
    """Conv(X, W, B) followed by `tail`: none, relu, clip, leaky_relu, or residual (Relu(Conv + T), T an
    intermediate that nothing reads afterwards, so the conv writes over it). `x_dims`: X's declared
    shape, when not the default below."""
    rng = np.random.default_rng(x_shape[1] * 1000 + m)
    c = x_shape[1]
    w = (rng.standard_normal((m, c, 3, 3)) / np.sqrt(9 * c)).astype(np.float32)
    b = rng.standard_normal(m).astype(np.float32)
    inits = [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B")]
    nodes = [helper.make_node("Conv", ["X", "W", "B"], ["C"], **attrs)]
    if tail == "relu":
        nodes.append(helper.make_node("Relu", ["C"], ["Y"]))
    elif tail == "clip":
        inits += [numpy_helper.from_array(np.float32(-2.0), "lo"), numpy_helper.from_array(np.float32(2.0), "hi")]
        nodes.append(helper.make_node("Clip", ["C", "lo", "hi"], ["Y"]))
    elif tail == "leaky_relu":  # a pass after the kernel, over every image
        nodes.append(helper.make_node("LeakyRelu", ["C"], ["Y"], alpha=0.1))
    elif tail == "residual":
        # T: the same grid as the conv's output (a 3x3 'same' conv of X has one), so Add lines up.
        wt = (rng.standard_normal((m, c, 3, 3)) / np.sqrt(9 * c)).astype(np.float32)
        inits.append(numpy_helper.from_array(wt, "WT"))
        nodes.insert(0, helper.make_node("Conv", ["X", "WT"], ["T"], **attrs))
        nodes += [helper.make_node("Add", ["C", "T"], ["S"]), helper.make_node("Relu", ["S"], ["Y"])]
    else:
        nodes[0].output[0] = "Y"
    # H and W symbolic, so that small planes take the Winograd kernel too (with X's plane known,
    # conv_core.cpp's winograd_forms keeps the direct kernel for some). The residual needs X's
    # shape known: only then does the optimizer prove T the conv's shape and fuse the Add.
    if x_dims is None:
        x_dims = list(x_shape) if tail == "residual" else [x_shape[0], x_shape[1], "h", "w"]
    graph = helper.make_graph(
        nodes,
        "winograd",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, x_dims)],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model.SerializeToString()


def check_winograd(x_shape, m, attrs, tail="none", threads=1, bound=WINOGRAD_BOUND, optimized_path=None):
    model = conv_model(x_shape, m, attrs, tail)
    x = np.random.default_rng(7).standard_normal(x_shape).astype(np.float32)
    options = onyxrt.SessionOptions()
    options.intra_op_num_threads = threads
    if optimized_path is not None:
        options.optimized_model_filepath = str(optimized_path)
    got = onyxrt.InferenceSession(model, options).run(None, {"X": x})[0]
    def reference(model_bytes):
        return onnxruntime.InferenceSession(model_bytes, providers=["CPUExecutionProvider"]).run(None, {"X": x})[0]

    want = reference(model)
    assert got.shape == want.shape
    assert np.isfinite(got).all()
    # The magnitude the error scales with is the convolution's, which a clip can hide.
    magnitude = max(np.abs(want).max(), np.abs(reference(conv_model(x_shape, m, attrs, "none"))).max())
    error = np.abs(got - want).max() / magnitude
    assert error <= bound, f"{x_shape} -> {m} {attrs} {tail}: relative error {error:.2e}"


@pytest.mark.parametrize("name", sorted(GEOMETRIES))
@pytest.mark.parametrize("threads", [1, 2])
def test_winograd_geometry(name, threads):
    x_shape, m, attrs = GEOMETRIES[name]
    check_winograd(x_shape, m, attrs, threads=threads)


@pytest.mark.parametrize("tail", ["relu", "clip", "leaky_relu"])
@pytest.mark.parametrize("name", ["edge_tiles_batch2", "no_padding_odd_m", "resnet_stage1", "images_share_bands"])
def test_winograd_fused_tail(name, tail):
    x_shape, m, attrs = GEOMETRIES[name]
    check_winograd(x_shape, m, attrs, tail=tail, threads=2)


# Geometries whose known shape still takes the Winograd kernel (winograd_forms).
@pytest.mark.parametrize("name", ["resnet_stage1", "images_share_bands", "unequal_channels"])
@pytest.mark.parametrize("threads", [1, 2])
def test_winograd_residual_in_place(name, threads, tmp_path):
    x_shape, m, attrs = GEOMETRIES[name]
    optimized = tmp_path / "optimized.onnx"
    check_winograd(x_shape, m, attrs, tail="residual", threads=threads, optimized_path=optimized)
    fused = [n for n in onnx.load(str(optimized)).graph.node if n.op_type == "FusedConv"]
    assert any(len(n.input) == 4 for n in fused), "the Add was not fused into the Winograd conv as its Z"


@pytest.mark.parametrize("isa", ["generic", "avx2"])
def test_winograd_isa_tiers(isa):
    code = (
        "from tests.ops.test_conv_winograd import GEOMETRIES, check_winograd\n"
        "for name in ['edge_tiles_batch2', 'no_padding_odd_m', 'asymmetric_pads', 'single_row', 'many_small_images']:\n"
        "    check_winograd(*GEOMETRIES[name])\n"
        "check_winograd(*GEOMETRIES['unequal_channels'], tail='residual', threads=2)\n"
        # One band shared by both threads: output channels split 32 / 1 (AVX-512) or 16 / 17.
        "check_winograd(*GEOMETRIES['no_padding_odd_m'], tail='relu', threads=2)\n"
    )
    run_at_isa(code, isa)


def test_winograd_off_keeps_the_direct_rounding():
    # ONYXRT_WINOGRAD=0 (read once per process) sends the same convolutions to the direct
    # kernels, whose error stays near float rounding of the plain sum: at most 8e-7 here, where
    # Winograd's reaches 2.1e-6 to 2.6e-6 on these three.
    code = (
        "from tests.ops.test_conv_winograd import GEOMETRIES, check_winograd\n"
        "for name in ['resnet_stage1', 'unequal_channels', 'widest']:\n"
        "    check_winograd(*GEOMETRIES[name], bound=1.2e-6)\n"
    )
    run_python(code, ONYXRT_WINOGRAD="0")


def direct_outputs(model_path, feeds, tmp_path):
    """Y for each feed as the direct kernels compute it (ONYXRT_WINOGRAD=0, read once per process,
    so in a subprocess): keyed like `feeds`, each feeding X."""
    np.savez(tmp_path / "feeds.npz", **feeds)
    run_python(
        "import numpy as np, onyxrt\n"
        f"feeds = np.load(r'{tmp_path / 'feeds.npz'}')\n"
        f"s = onyxrt.InferenceSession(r'{model_path}')\n"
        f"np.savez(r'{tmp_path / 'direct.npz'}', **{{k: s.run(None, {{'X': feeds[k]}})[0] for k in feeds}})\n",
        ONYXRT_WINOGRAD="0",
    )
    return np.load(tmp_path / "direct.npz")


def test_open_batch_picks_the_form_per_run(tmp_path):
    # A 14 x 14 plane known before the run and the batch open: one image does not pay for
    # Winograd's weights (conv_core.cpp's winograd_pays), eight do. So batch 1 must give the direct
    # kernel's bits exactly and batch 8 Winograd's, which differ from them but stay within its
    # bound of onnxruntime. With the batch fixed at 1 in the model, the direct kernel serves alone.
    open_path, fixed_path = tmp_path / "open.onnx", tmp_path / "fixed.onnx"
    same = {"pads": [1, 1, 1, 1]}
    open_path.write_bytes(conv_model((1, 128, 14, 14), 160, same, "relu", x_dims=["n", 128, 14, 14]))
    fixed_path.write_bytes(conv_model((1, 128, 14, 14), 160, same, "relu", x_dims=[1, 128, 14, 14]))
    rng = np.random.default_rng(4)
    feeds = {str(n): rng.standard_normal((n, 128, 14, 14)).astype(np.float32) for n in (1, 8)}
    direct = direct_outputs(open_path, feeds, tmp_path)
    session = onyxrt.InferenceSession(str(open_path))
    np.testing.assert_array_equal(session.run(None, {"X": feeds["1"]})[0], direct["1"])
    np.testing.assert_array_equal(onyxrt.InferenceSession(str(fixed_path)).run(None, {"X": feeds["1"]})[0], direct["1"])
    got = session.run(None, {"X": feeds["8"]})[0]
    assert not np.array_equal(got, direct["8"]), "batch 8 did not take the Winograd kernel"
    want = onnxruntime.InferenceSession(str(open_path), providers=["CPUExecutionProvider"]).run(None, {"X": feeds["8"]})[0]
    assert np.abs(got - want).max() / np.abs(want).max() <= WINOGRAD_BOUND


def test_input_channels_bound(tmp_path):
    # Under 32 input channels the direct kernel serves (its bits exactly); at 32, Winograd. The
    # plane is open, so nothing else keeps Winograd away.
    rng = np.random.default_rng(5)
    for c, winograd in ((16, False), (24, False), (32, True)):
        path = tmp_path / f"c{c}.onnx"
        path.write_bytes(conv_model((1, c, 30, 29), 64, {"pads": [1, 1, 1, 1]}, "relu"))
        feeds = {"x": rng.standard_normal((1, c, 30, 29)).astype(np.float32)}
        direct = direct_outputs(path, feeds, tmp_path)
        got = onyxrt.InferenceSession(str(path)).run(None, {"X": feeds["x"]})[0]
        assert np.array_equal(got, direct["x"]) != winograd, f"{c} input channels"

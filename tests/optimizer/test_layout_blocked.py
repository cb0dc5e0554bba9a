"""The channel-blocked layout stage (session config entry onyxrt.channel_blocked_layout = 1, level
"all"): chains of float convolutions run as ai.onyxrt BlockedConv between reorders. Compared with
onnxruntime; which operators ran is read from the session's profile."""

from __future__ import annotations

import json
import os

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

import onyxrt

KEY = "onyxrt.channel_blocked_layout"


def has_avx512() -> bool:
    try:
        with open("/proc/cpuinfo") as f:
            return "avx512f" in f.read()
    except OSError:
        return False


def conv(rng, name, src, dst, cin, cout, k=1, **attrs):
    w = (rng.standard_normal((cout, cin, k, k)) / np.sqrt(cin * k * k)).astype(np.float32)
    b = (rng.standard_normal(cout) * 0.1).astype(np.float32)
    inits = [numpy_helper.from_array(w, f"{name}_w"), numpy_helper.from_array(b, f"{name}_b")]
    return helper.make_node("Conv", [src, f"{name}_w", f"{name}_b"], [dst], name=name, **attrs), inits


def model(nodes_and_inits, cin, outputs, shape=(2, None, 9, 13)) -> bytes:
    nodes, inits = [], []
    for n, i in nodes_and_inits:
        nodes.append(n)
        inits += i
    batch, _, h, w = shape
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", cin, h, w])],
                          [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def run_both(data: bytes, x: np.ndarray, enabled: bool = True):
    so = onyxrt.SessionOptions()
    so.enable_profiling = True
    so.intra_op_num_threads = 2
    if enabled:
        so.add_session_config_entry(KEY, "1")
    sess = onyxrt.InferenceSession(data, so)
    ours = sess.run(None, {"x": x})
    ops = {e["args"].get("op_name") for e in json.load(open(sess.end_profiling())) if e.get("cat") == "Node"}
    ref = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"]).run(None, {"x": x})
    for a, b in zip(ours, ref):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    return ops


def residual_chain(rng, c=32):
    """1x1 -> Relu -> 3x3 -> + x -> Relu -> 3x3 stride 2 -> 1x1 (48 out), the block's output also a
    graph output."""
    return [
        conv(rng, "a", "x", "a", c, c),
        (helper.make_node("Relu", ["a"], ["ar"]), []),
        conv(rng, "b", "ar", "b", c, c, 3, pads=[1, 1, 1, 1]),
        (helper.make_node("Add", ["b", "x"], ["s"]), []),
        (helper.make_node("Relu", ["s"], ["sr"]), []),
        conv(rng, "c", "sr", "c", c, c, 3, pads=[1, 1, 1, 1], strides=[2, 2]),
        conv(rng, "d", "c", "d", c, 48),
    ]


def test_residual_chain_runs_blocked_and_matches_onnxruntime():
    rng = np.random.default_rng(0)
    data = model(residual_chain(rng), 32, ["d", "sr"])
    x = rng.standard_normal((2, 32, 9, 13)).astype(np.float32)
    ops = run_both(data, x)
    if has_avx512():
        assert {"BlockedConv", "ReorderToBlocked", "ReorderFromBlocked"} <= ops
        assert "Conv" not in ops and "FusedConv" not in ops
    else:
        assert "BlockedConv" not in ops


def test_off_by_default():
    rng = np.random.default_rng(1)
    data = model(residual_chain(rng), 32, ["d"])
    ops = run_both(data, rng.standard_normal((1, 32, 9, 13)).astype(np.float32), enabled=False)
    assert "BlockedConv" not in ops


@pytest.mark.parametrize("attrs", [
    {"pads": [2, 2, 2, 2], "dilations": [2, 2]},
    {"auto_pad": "SAME_UPPER", "strides": [2, 2]},
    {"pads": [0, 1, 2, 1], "strides": [1, 2]},
])
def test_windows_and_clip(attrs):
    rng = np.random.default_rng(2)
    chain = [
        conv(rng, "a", "x", "a", 16, 32, 3, **attrs),
        (helper.make_node("Clip", ["a", "lo", "hi"], ["ac"]),
         [numpy_helper.from_array(np.array(-0.2, np.float32), "lo"),
          numpy_helper.from_array(np.array(0.3, np.float32), "hi")]),
        conv(rng, "b", "ac", "b", 32, 16, 3, pads=[1, 1, 1, 1]),
    ]
    ops = run_both(model(chain, 16, ["b"], (3, None, 11, 10)), rng.standard_normal((3, 16, 11, 10)).astype(np.float32))
    assert ("BlockedConv" in ops) == has_avx512()


def test_left_alone_when_channels_do_not_fill_blocks_or_a_conv_is_alone():
    rng = np.random.default_rng(3)
    chain = [conv(rng, "a", "x", "a", 24, 24), conv(rng, "b", "a", "b", 24, 24)]
    assert "BlockedConv" not in run_both(model(chain, 24, ["b"], (1, None, 5, 6)), rng.standard_normal((1, 24, 5, 6)).astype(np.float32))
    alone = [conv(rng, "a", "x", "a", 16, 16, 3, pads=[1, 1, 1, 1])]
    assert "BlockedConv" not in run_both(model(alone, 16, ["a"], (1, None, 5, 6)), rng.standard_normal((1, 16, 5, 6)).astype(np.float32))


def test_bad_config_value_names_the_key():
    rng = np.random.default_rng(4)
    so = onyxrt.SessionOptions()
    so.add_session_config_entry(KEY, "yes")
    with pytest.raises(Exception, match=KEY):
        onyxrt.InferenceSession(model(residual_chain(rng), 32, ["d"]), so)


def test_saved_optimized_model_has_no_blocked_operators(tmp_path):
    rng = np.random.default_rng(5)
    data = model(residual_chain(rng), 32, ["d"])
    so = onyxrt.SessionOptions()
    so.add_session_config_entry(KEY, "1")
    so.optimized_model_filepath = str(tmp_path / "opt.onnx")
    onyxrt.InferenceSession(data, so)
    saved = onnx.load(str(tmp_path / "opt.onnx"))
    assert not [n for n in saved.graph.node if n.domain == "ai.onyxrt"]
    x = rng.standard_normal((1, 32, 9, 13)).astype(np.float32)
    a = onnxruntime.InferenceSession(saved.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})
    b = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"]).run(None, {"x": x})
    np.testing.assert_allclose(a[0], b[0], rtol=1e-4, atol=1e-4)

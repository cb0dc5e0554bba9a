"""Attention (23, 24, 25), FlexAttention (ai.onnx.preview 1), RotaryEmbedding (23) and SwiGLU (28)
against onnxruntime where it has the kernel, onnx.reference otherwise (and numpy where the two
disagree with the spec): 3-D / 4-D inputs, GQA / MQA, causal masking with and without a KV
cache, boolean / float / integer masks in broadcast shapes, softcap, the qk_matmul_output modes,
softmax_precision, nonpad_kv_seqlen, sliding windows, every element type, the row blocks and
threads of larger shapes, and the errors for inconsistent inputs."""

from __future__ import annotations

import numpy as np
import pytest
from ml_dtypes import bfloat16
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

import onyxrt
from tests.ops.op_check import IR_VERSION, check, expect_error, expected_outputs, rand

F = TensorProto.FLOAT
HALF = {"rtol": 2e-3, "atol": 2e-3}
BF16 = {"rtol": 2e-2, "atol": 2e-2}


def attention_model(inputs: dict, outputs: list, attrs: dict | None = None, opset: int = 23, elem=None):
    """inputs: name -> array in node order ('' skips an optional input); outputs: node output
    names in order ('' skips one)."""
    names = list(inputs)
    elem = elem if elem is not None else helper.np_dtype_to_tensor_dtype(next(iter(inputs.values())).dtype)
    node = helper.make_node(
        "Attention", [n if not n.startswith("_") else "" for n in names], outputs, **(attrs or {})
    )
    graph = helper.make_graph(
        [node],
        "g",
        [
            helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
            for n, a in inputs.items()
            if not n.startswith("_")
        ],
        [helper.make_tensor_value_info(o, elem, None) for o in outputs if o],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=IR_VERSION)


def run_onyxrt(model, feeds, threads: int = 2):
    options = onyxrt.SessionOptions()
    options.intra_op_num_threads = threads
    return onyxrt.InferenceSession(model.SerializeToString(), options).run(None, feeds)


def compare(got, want, rtol=1e-4, atol=1e-5):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        w = np.asarray(w)
        assert g.shape == w.shape, (g.shape, w.shape)
        assert g.dtype == w.dtype, (g.dtype, w.dtype)
        np.testing.assert_allclose(g.astype(np.float64), w.astype(np.float64), rtol=rtol, atol=atol)


def check_attention(inputs, outputs=("Y",), attrs=None, opset=23, reference=False, threads=2, **tol):
    """`inputs` keys beginning with '_' are skipped optional inputs."""
    model = attention_model(inputs, list(outputs), attrs, opset)
    feeds = {n: a for n, a in inputs.items() if not n.startswith("_")}
    want = ReferenceEvaluator(model).run(None, feeds) if reference else expected_outputs(model, feeds)
    got = run_onyxrt(model, feeds, threads)
    compare(got, want, **tol)
    return got


def qkv(b, hq, hkv, lq, lkv, d, dv=None, dtype=np.float32, three_d=False):
    dv = dv or d
    if three_d:
        return (
            rand(b, lq, hq * d, dtype=dtype),
            rand(b, lkv, hkv * d, dtype=dtype, seed=1),
            rand(b, lkv, hkv * dv, dtype=dtype, seed=2),
        )
    return (
        rand(b, hq, lq, d, dtype=dtype),
        rand(b, hkv, lkv, d, dtype=dtype, seed=1),
        rand(b, hkv, lkv, dv, dtype=dtype, seed=2),
    )


# ---- Attention: shapes, heads, versions ----


@pytest.mark.parametrize("opset", [23, 24, 25])
@pytest.mark.parametrize("hq,hkv", [(4, 4), (4, 2), (6, 1)])
def test_attention_4d_heads(opset, hq, hkv):
    q, k, v = qkv(2, hq, hkv, 5, 7, 8, dv=6)
    check_attention({"Q": q, "K": k, "V": v}, opset=opset)


@pytest.mark.parametrize("hq,hkv", [(3, 3), (6, 2), (4, 1)])
@pytest.mark.parametrize("lq", [1, 4])
def test_attention_3d_heads(hq, hkv, lq):
    q, k, v = qkv(2, hq, hkv, lq, 6, 8, dv=10, three_d=True)
    check_attention({"Q": q, "K": k, "V": v}, attrs={"q_num_heads": hq, "kv_num_heads": hkv})


@pytest.mark.parametrize("three_d", [False, True])
def test_attention_causal_cross_and_self(three_d):
    attrs = {"is_causal": 1} | ({"q_num_heads": 4, "kv_num_heads": 2} if three_d else {})
    for lq, lkv in [(5, 5), (3, 8), (8, 3)]:
        q, k, v = qkv(2, 4, 2, lq, lkv, 8, three_d=three_d)
        check_attention({"Q": q, "K": k, "V": v}, attrs=attrs)


@pytest.mark.parametrize("three_d", [False, True])
@pytest.mark.parametrize("causal", [0, 1])
def test_attention_with_past_and_present(three_d, causal):
    q, k, v = qkv(2, 4, 2, 3, 3, 8, dv=5, three_d=three_d)
    past_k, past_v = rand(2, 2, 6, 8, seed=3), rand(2, 2, 6, 5, seed=4)
    attrs = {"is_causal": causal} | ({"q_num_heads": 4, "kv_num_heads": 2} if three_d else {})
    inputs = {"Q": q, "K": k, "V": v, "_mask": None, "past_key": past_k, "past_value": past_v}
    got = check_attention(inputs, outputs=("Y", "present_key", "present_value"), attrs=attrs, opset=24)
    assert got[1].shape == (2, 2, 9, 8) and got[2].shape == (2, 2, 9, 5)


def test_attention_present_without_past():
    q, k, v = qkv(1, 2, 2, 3, 4, 8, three_d=True)
    got = check_attention(
        {"Q": q, "K": k, "V": v},
        outputs=("Y", "present_key", "present_value"),
        attrs={"q_num_heads": 2, "kv_num_heads": 2},
    )
    np.testing.assert_array_equal(got[1], k.reshape(1, 4, 2, 8).transpose(0, 2, 1, 3))


def test_attention_decode_gqa_with_cache_many_threads():
    # One query per head: a K / V head's query heads form one unit (stacked rows).
    for three_d in (False, True):
        q, k, v = qkv(2, 8, 2, 1, 1, 16, three_d=three_d)
        past_k, past_v = rand(2, 2, 40, 16, seed=3), rand(2, 2, 40, 16, seed=4)
        attrs = {"is_causal": 1} | ({"q_num_heads": 8, "kv_num_heads": 2} if three_d else {})
        inputs = {"Q": q, "K": k, "V": v, "_mask": None, "past_key": past_k, "past_value": past_v}
        check_attention(inputs, outputs=("Y", "present_key", "present_value"), attrs=attrs, threads=4)


@pytest.mark.parametrize("threads", [1, 4])
def test_attention_large_blocks(threads):
    # More than one row block per head (blocks hold at most 256 rows), causal block trimming,
    # a mask, GQA stacking over q_len > 1.
    q, k, v = qkv(1, 4, 2, 300, 300, 16)
    mask = np.random.default_rng(5).random((300, 300)) > 0.2
    check_attention(
        {"Q": q, "K": k, "V": v, "M": mask}, attrs={"is_causal": 1}, threads=threads, rtol=1e-4, atol=1e-4
    )
    q3, k3, v3 = qkv(2, 4, 2, 70, 90, 8, three_d=True)
    check_attention({"Q": q3, "K": k3, "V": v3}, attrs={"q_num_heads": 4, "kv_num_heads": 2}, threads=threads)


def test_attention_scale_and_softcap():
    q, k, v = qkv(2, 3, 3, 4, 6, 8)
    check_attention({"Q": q, "K": k, "V": v}, attrs={"scale": 0.3})
    check_attention({"Q": q, "K": k, "V": v}, attrs={"softcap": 1.5})
    check_attention({"Q": q * 8, "K": k, "V": v}, attrs={"softcap": 0.5, "scale": 2.0, "is_causal": 1})


# ---- masks ----


@pytest.mark.parametrize(
    "mask_shape", [(4, 6), (1, 4, 6), (3, 4, 6), (2, 1, 4, 6), (2, 3, 4, 6), (1, 3, 1, 6)]
)
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_attention_mask_broadcast(mask_shape, kind):
    q, k, v = qkv(2, 3, 3, 4, 6, 8)
    rng = np.random.default_rng(7)
    mask = (
        rng.random(mask_shape) > 0.3 if kind == "bool" else rng.standard_normal(mask_shape).astype(np.float32)
    )
    if mask_shape[-2] == 4:
        check_attention({"Q": q, "K": k, "V": v, "M": mask})
        check_attention({"Q": q, "K": k, "V": v, "M": mask}, attrs={"is_causal": 1})
        return
    # A mask broadcast over the queries: onnxruntime refuses it, and onnx.reference's causal
    # frontier then takes the mask's query count (1); compare with the mask spelled out.
    full = np.broadcast_to(mask, mask_shape[:-2] + (4, 6)).copy()
    for attrs in ({}, {"is_causal": 1}):
        model = attention_model({"Q": q, "K": k, "V": v, "M": mask}, ["Y"], attrs)
        want_model = attention_model({"Q": q, "K": k, "V": v, "M": full}, ["Y"], attrs)
        got = run_onyxrt(model, {"Q": q, "K": k, "V": v, "M": mask})
        compare(got, ReferenceEvaluator(want_model).run(None, {"Q": q, "K": k, "V": v, "M": full}))


def test_attention_mask_with_past_3d():
    q, k, v = qkv(2, 4, 2, 3, 3, 8, three_d=True)
    past_k, past_v = rand(2, 2, 5, 8, seed=3), rand(2, 2, 5, 8, seed=4)
    mask = np.random.default_rng(1).standard_normal((2, 1, 3, 8)).astype(np.float32)
    inputs = {"Q": q, "K": k, "V": v, "M": mask, "past_key": past_k, "past_value": past_v}
    check_attention(
        inputs,
        outputs=("Y", "pk", "pv"),
        attrs={"q_num_heads": 4, "kv_num_heads": 2, "is_causal": 1},
        opset=24,
    )


def test_attention_integer_mask_is_added():
    q, k, v = qkv(1, 2, 2, 3, 5, 4)
    mask = np.random.default_rng(2).integers(-3, 3, (3, 5)).astype(np.int32)
    check_attention({"Q": q, "K": k, "V": v, "M": mask}, reference=True)


def test_attention_fully_masked_rows_are_zero():
    q, k, v = qkv(1, 2, 2, 3, 3, 8)
    mask = np.array([[True, False, True], [False, False, False], [True, True, True]])
    got = check_attention(
        {"Q": q, "K": k, "V": v, "M": mask}, outputs=("Y", "", "", "qk"), attrs={"qk_matmul_output_mode": 3}
    )
    assert np.all(got[0][:, :, 1] == 0) and np.all(got[1][:, :, 1] == 0)
    fmask = np.where(mask, 0.0, -np.inf).astype(np.float32)
    got = check_attention({"Q": q, "K": k, "V": v, "M": fmask}, attrs={"is_causal": 1}, reference=True)
    assert np.all(got[0][:, :, 1] == 0) and np.isfinite(got[0]).all()


def test_attention_short_mask_is_padded_from_24():
    # Opset 24 pads a mask with fewer keys with -inf (onnxruntime refuses it; the reference pads).
    q, k, v = qkv(2, 2, 2, 3, 6, 8)
    for shape in [(3, 4), (2, 1, 3, 1)]:
        mask = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
        check_attention({"Q": q, "K": k, "V": v, "M": mask}, opset=24, reference=True)
        check_attention({"Q": q, "K": k, "V": v, "M": mask > 0}, opset=24, reference=True)


def test_attention_mask_last_dim_broadcasts_at_23():
    # Opset 23 asks for a mask broadcastable to (batch, heads, q_len, keys): a last dim of 1
    # stretches (24 pads it instead).
    q, k, v = qkv(1, 2, 2, 3, 5, 4)
    mask = np.random.default_rng(4).standard_normal((3, 1)).astype(np.float32)
    got = run_onyxrt(
        attention_model({"Q": q, "K": k, "V": v, "M": mask}, ["Y"]), {"Q": q, "K": k, "V": v, "M": mask}
    )
    want = ReferenceEvaluator(
        attention_model({"Q": q, "K": k, "V": v, "M": np.repeat(mask, 5, axis=1)}, ["Y"])
    ).run(None, {"Q": q, "K": k, "V": v, "M": np.repeat(mask, 5, axis=1)})
    compare(got, want)


# ---- qk_matmul_output ----


@pytest.mark.parametrize("mode", [0, 1, 2, 3])
@pytest.mark.parametrize("softcap", [0.0, 2.0])
def test_attention_qk_matmul_output_modes(mode, softcap):
    q, k, v = qkv(2, 4, 2, 3, 5, 8)
    mask = np.random.default_rng(1).standard_normal((3, 5)).astype(np.float32)
    attrs = {"qk_matmul_output_mode": mode, "softcap": softcap, "is_causal": 1}
    # Mode 0 with softcap is the raw product (onnxruntime and the spec; onnx.reference softcaps
    # it); mode 2 has -inf where masked (the reference; onnxruntime writes -FLT_MAX).
    check_attention(
        {"Q": q, "K": k, "V": v, "M": mask}, outputs=("Y", "", "", "qk"), attrs=attrs, reference=mode == 2
    )


def test_attention_qk_output_with_past_and_nonpad():
    q, k, v = qkv(2, 2, 2, 2, 3, 4)
    past_k, past_v = rand(2, 2, 4, 4, seed=3), rand(2, 2, 4, 4, seed=4)
    inputs = {"Q": q, "K": k, "V": v, "_m": None, "pk": past_k, "pv": past_v}
    for mode in range(4):
        attrs = {"qk_matmul_output_mode": mode, "is_causal": 1}
        check_attention(inputs, outputs=("Y", "a", "b", "qk"), attrs=attrs, reference=mode == 2)
    kk, vv = rand(2, 2, 6, 4, seed=5), rand(2, 2, 6, 4, seed=6)
    nonpad = np.array([6, 3], dtype=np.int64)
    inputs = {"Q": q, "K": kk, "V": vv, "_m": None, "_pk": None, "_pv": None, "nonpad": nonpad}
    for mode in range(4):
        attrs = {"qk_matmul_output_mode": mode, "is_causal": 1}
        check_attention(inputs, outputs=("Y", "", "", "qk"), attrs=attrs, opset=24, reference=mode == 2)


# ---- softmax_precision, element types ----


def test_attention_softmax_precision():
    q, k, v = qkv(2, 2, 2, 3, 5, 8)
    check_attention({"Q": q, "K": k, "V": v}, attrs={"softmax_precision": 11}, reference=True)
    qh, kh, vh = (x.astype(np.float16) for x in (q, k, v))
    mask = np.random.default_rng(2).random((3, 5)) > 0.3
    check_attention(
        {"Q": qh, "K": kh, "V": vh, "M": mask},
        outputs=("Y", "", "", "qk"),
        attrs={"softmax_precision": 1, "qk_matmul_output_mode": 3},
        opset=24,
        reference=True,
        **HALF,
    )


@pytest.mark.parametrize("dtype", [np.float16, bfloat16, np.float64])
def test_attention_element_types(dtype):
    tol = HALF if dtype == np.float16 else BF16 if dtype == bfloat16 else {"rtol": 1e-10, "atol": 1e-12}
    q, k, v = qkv(2, 4, 2, 3, 5, 8, dtype=dtype)
    past_k, past_v = rand(2, 2, 2, 8, seed=3, dtype=dtype), rand(2, 2, 2, 8, seed=4, dtype=dtype)
    mask = rand(3, 7, seed=5, dtype=dtype)
    inputs = {"Q": q, "K": k, "V": v, "M": mask, "pk": past_k, "pv": past_v}
    check_attention(
        inputs, outputs=("Y", "a", "b"), attrs={"is_causal": 1, "softcap": 3.0}, reference=True, **tol
    )
    q3, k3, v3 = qkv(1, 2, 1, 4, 4, 8, dtype=dtype, three_d=True)
    check_attention(
        {"Q": q3, "K": k3, "V": v3}, attrs={"q_num_heads": 2, "kv_num_heads": 1}, reference=True, **tol
    )


def test_attention_value_type_differs():
    # V has its own type constraint (T2).
    q, k, v = qkv(1, 2, 2, 3, 4, 8)
    model = attention_model({"Q": q, "K": k, "V": v.astype(np.float16)}, ["Y"])
    feeds = {"Q": q, "K": k, "V": v.astype(np.float16)}
    compare(run_onyxrt(model, feeds), ReferenceEvaluator(model).run(None, feeds), rtol=1e-3, atol=1e-3)


# ---- nonpad_kv_seqlen (24) and sliding windows (25) ----


@pytest.mark.parametrize("causal", [0, 1])
def test_attention_nonpad_kv_seqlen(causal):
    q, k, v = qkv(3, 4, 2, 2, 6, 8)
    nonpad = np.array([6, 3, 1], dtype=np.int64)
    inputs = {"Q": q, "K": k, "V": v, "_m": None, "_pk": None, "_pv": None, "nonpad": nonpad}
    check_attention(inputs, attrs={"is_causal": causal}, opset=24)
    mask = np.random.default_rng(1).random((3, 1, 2, 5)) > 0.2
    inputs["M"] = mask
    inputs = {n: inputs[n] for n in ["Q", "K", "V", "M", "_pk", "_pv", "nonpad"]}
    check_attention(inputs, attrs={"is_causal": causal}, opset=24, reference=True)


@pytest.mark.parametrize(
    "left,right,causal", [(2, -1, 1), (1, 2, 0), (0, 0, 0), (-1, 1, 0), (3, 3, 1), (-1, -1, 0)]
)
def test_attention_sliding_window(left, right, causal):
    attrs = {"left_window_size": left, "right_window_size": right, "is_causal": causal}
    q, k, v = qkv(2, 4, 2, 5, 7, 8)
    check_attention({"Q": q, "K": k, "V": v}, attrs=attrs, opset=25, reference=True)
    past_k, past_v = rand(2, 2, 3, 8, seed=3), rand(2, 2, 3, 8, seed=4)
    k2, v2 = rand(2, 2, 5, 8, seed=1), rand(2, 2, 5, 8, seed=2)
    inputs = {"Q": q, "K": k2, "V": v2, "_m": None, "pk": past_k, "pv": past_v}
    check_attention(inputs, outputs=("Y", "a", "b"), attrs=attrs, opset=25, reference=True)
    nonpad = np.array([7, 4], dtype=np.int64)
    mask = np.random.default_rng(1).random((7,)) > 0.2
    inputs = {"Q": q, "K": k, "V": v, "M": mask, "_pk": None, "_pv": None, "nonpad": nonpad}
    check_attention(inputs, attrs=attrs, opset=25, reference=True)


# ---- Attention errors ----

InvalidArgument = "InvalidArgument"


def attention_error(inputs, attrs=None, opset=23, match=""):
    model = attention_model(inputs, ["Y"], attrs, opset)
    feeds = {n: a for n, a in inputs.items() if not n.startswith("_")}
    with pytest.raises(Exception) as info:
        run_onyxrt(model, feeds)
    assert match in str(info.value), str(info.value)
    assert "Attention" in str(info.value)
    return str(info.value)


def test_attention_errors():
    q, k, v = qkv(1, 3, 2, 2, 4, 8)
    attention_error({"Q": q, "K": k, "V": v}, match="multiple of kv_num_heads")
    q3, k3, v3 = qkv(1, 2, 2, 2, 4, 8, three_d=True)
    attention_error({"Q": q3, "K": k3, "V": v3}, match="q_num_heads")
    attention_error(
        {"Q": q3, "K": k3, "V": v3}, {"q_num_heads": 3, "kv_num_heads": 2}, match="divide into heads"
    )
    attention_error(
        {"Q": q3, "K": k3[..., :12], "V": v3}, {"q_num_heads": 2, "kv_num_heads": 2}, match="head size"
    )
    q4, k4, v4 = qkv(1, 2, 2, 2, 4, 8)
    attention_error({"Q": q4, "K": k4[..., :4], "V": v4}, match="must be (batch, kv_heads")
    attention_error({"Q": q4, "K": k4, "V": v4[:, :, :3]}, match="must be (batch, kv_heads")
    attention_error({"Q": q4, "K": k3, "V": v4}, match="must all be 3-D or all 4-D")
    attention_error({"Q": q4[0], "K": k4[0], "V": v4[0]}, match="q_num_heads")
    attention_error({"Q": q4, "K": np.concatenate([k4, k4]), "V": v4}, match="same batch size")
    attention_error({"Q": q4, "K": k4.astype(np.float16), "V": v4}, match="K has element type")
    attention_error({"Q": q4, "K": k4, "V": v4}, {"q_num_heads": 2, "kv_num_heads": 2}, opset=25, match="4-D")
    attention_error({"Q": q4, "K": k4, "V": v4}, {"q_num_heads": 4, "kv_num_heads": 2}, match="disagree")
    attention_error(
        {"Q": q4, "K": k4, "V": v4, "M": np.zeros((3, 4), np.float32)}, match="does not broadcast"
    )
    attention_error({"Q": q4, "K": k4, "V": v4, "M": np.zeros((2, 5), np.float32)}, opset=24, match="keys")
    attention_error({"Q": q4, "K": k4, "V": v4, "M": np.zeros((2, 3), np.float32)}, opset=23, match="keys")
    attention_error(
        {"Q": q4, "K": k4, "V": v4, "M": np.zeros((1, 1, 1, 2, 4), np.float32)}, match="1 to 4 dims"
    )
    attention_error(
        {"Q": q4, "K": k4, "V": v4, "M": np.zeros((2, 4), np.complex64)}, match="attn_mask has element type"
    )
    pk = rand(1, 2, 3, 8)
    attention_error({"Q": q4, "K": k4, "V": v4, "_m": None, "pk": pk}, match="together")
    attention_error(
        {"Q": q4, "K": k4, "V": v4, "_m": None, "pk": pk, "pv": rand(1, 2, 2, 8)}, match="past_value"
    )
    nonpad = np.array([2], np.int64)
    attention_error(
        {"Q": q4, "K": k4, "V": v4, "_m": None, "pk": pk, "pv": pk, "np": nonpad},
        opset=24,
        match="cannot be combined",
    )
    attention_error(
        {"Q": q4, "K": k4, "V": v4, "_m": None, "_pk": None, "_pv": None, "np": np.array([5], np.int64)},
        opset=24,
        match="outside [0, 4]",
    )
    attention_error({"Q": q4, "K": k4, "V": v4}, {"qk_matmul_output_mode": 4}, match="qk_matmul_output_mode")
    attention_error({"Q": q4, "K": k4, "V": v4}, {"softmax_precision": 7}, match="softmax_precision")
    attention_error({"Q": q4, "K": k4, "V": v4}, {"left_window_size": -2}, opset=25, match="window")


# ---- RotaryEmbedding ----


def rotary_inputs(b, heads, s, d, rot, positions: bool, three_d: bool, dtype=np.float32):
    x = rand(b, s, heads * d, dtype=dtype) if three_d else rand(b, heads, s, d, dtype=dtype)
    rng = np.random.default_rng(9)
    if positions:
        angles = rng.random((20, rot // 2)) * 6
        pos = rng.integers(0, 20, (b, s)).astype(np.int64)
        return {"X": x, "cos": np.cos(angles).astype(dtype), "sin": np.sin(angles).astype(dtype), "pos": pos}
    angles = rng.random((b, s, rot // 2)) * 6
    return {"X": x, "cos": np.cos(angles).astype(dtype), "sin": np.sin(angles).astype(dtype)}


@pytest.mark.parametrize("three_d", [False, True])
@pytest.mark.parametrize("positions", [False, True])
@pytest.mark.parametrize("interleaved", [0, 1])
@pytest.mark.parametrize("rot", [0, 4])
def test_rotary_embedding(three_d, positions, interleaved, rot):
    inputs = rotary_inputs(2, 3, 5, 8, rot or 8, positions, three_d)
    attrs = {"interleaved": interleaved, "rotary_embedding_dim": rot} | ({"num_heads": 3} if three_d else {})
    check("RotaryEmbedding", inputs, attrs=attrs, opset=23)


@pytest.mark.parametrize("dtype,tol", [(np.float16, HALF), (bfloat16, BF16)])
def test_rotary_embedding_16_bit(dtype, tol):
    inputs = rotary_inputs(2, 2, 4, 16, 8, True, False, dtype)
    check(
        "RotaryEmbedding",
        inputs,
        attrs={"rotary_embedding_dim": 8, "interleaved": 1},
        opset=23,
        reference=True,
        **tol,
    )


def test_rotary_embedding_many_rows_threads():
    inputs = rotary_inputs(3, 4, 64, 32, 32, True, True)
    # onnxruntime wants more cache rows than tokens here: the reference.
    check("RotaryEmbedding", inputs, attrs={"num_heads": 4}, opset=23, threads=4, reference=True)


def test_rotary_embedding_errors():
    good = rotary_inputs(1, 2, 3, 8, 8, True, False)
    bad_pos = dict(good, pos=np.array([[0, 1, 20]], np.int64))
    expect_error("RotaryEmbedding", bad_pos, opset=23, match="position_ids value 20", error=InvalidArgument)
    expect_error(
        "RotaryEmbedding",
        good,
        attrs={"rotary_embedding_dim": 5},
        opset=23,
        match="even",
        error=InvalidArgument,
    )
    expect_error(
        "RotaryEmbedding",
        good,
        attrs={"rotary_embedding_dim": 10},
        opset=23,
        match="at most",
        error=InvalidArgument,
    )
    expect_error(
        "RotaryEmbedding",
        good,
        attrs={"rotary_embedding_dim": 4},
        opset=23,
        match="cos_cache",
        error=InvalidArgument,
    )
    three = rotary_inputs(1, 2, 3, 8, 8, False, True)
    expect_error("RotaryEmbedding", three, opset=23, match="num_heads", error=InvalidArgument)
    expect_error(
        "RotaryEmbedding", three, attrs={"num_heads": 3}, opset=23, match="divide", error=InvalidArgument
    )
    no_pos = {n: a for n, a in good.items() if n != "pos"}
    expect_error("RotaryEmbedding", no_pos, opset=23, match="without position_ids", error=InvalidArgument)
    expect_error(
        "RotaryEmbedding",
        dict(good, pos=good["pos"][:, :2]),
        opset=23,
        match="position_ids must be",
        error=InvalidArgument,
    )


# ---- SwiGLU ----


@pytest.mark.parametrize(
    "dtype,tol", [(np.float32, {}), (np.float64, {}), (np.float16, HALF), (bfloat16, BF16)]
)
@pytest.mark.parametrize("alpha", [None, 0.5, 1.702])
def test_swiglu(dtype, tol, alpha):
    attrs = {} if alpha is None else {"alpha": alpha}
    check(
        "SwiGLU",
        {"A": rand(3, 4, 5, dtype=dtype), "B": rand(3, 4, 5, dtype=dtype, seed=1)},
        attrs=attrs,
        opset=28,
        reference=True,
        **tol,
    )
    check(
        "SwiGLU",
        {"A": rand(0, 3, dtype=dtype), "B": rand(0, 3, dtype=dtype)},
        attrs=attrs,
        opset=28,
        reference=True,
    )


def test_swiglu_errors():
    expect_error(
        "SwiGLU", {"A": rand(2, 3), "B": rand(3)}, opset=28, match="does not broadcast", error=InvalidArgument
    )
    expect_error(
        "SwiGLU",
        {"A": rand(2, 3), "B": rand(2, 3, dtype=np.float64)},
        opset=28,
        match="same type",
        error=InvalidArgument,
    )


# ---- FlexAttention ----


def modifier_graph(kind: str, dtype=F):
    x = helper.make_tensor_value_info("x", dtype, ["B", "H", "L", "S"])
    y = helper.make_tensor_value_info("y", dtype, ["B", "H", "L", "S"])
    if kind == "bias":
        nodes = [helper.make_node("Add", ["x", "c"], ["y"])]
        inits = [helper.make_tensor("c", dtype, [], [0.75])]
    elif kind == "scale":
        nodes = [helper.make_node("Mul", ["x", "c"], ["y"])]
        inits = [helper.make_tensor("c", dtype, [], [0.5])]
    elif kind == "causal":
        nodes = [
            helper.make_node("Shape", ["x"], ["shape"]),
            helper.make_node("Gather", ["shape", "i2"], ["l"], axis=0),
            helper.make_node("Gather", ["shape", "i3"], ["s"], axis=0),
            helper.make_node("Range", ["zero", "l", "one"], ["lr"]),
            helper.make_node("Reshape", ["lr", "qs"], ["qi"]),
            helper.make_node("Range", ["zero", "s", "one"], ["sr"]),
            helper.make_node("GreaterOrEqual", ["qi", "sr"], ["keep"]),
            helper.make_node("Where", ["keep", "x", "ninf"], ["y"]),
        ]
        inits = [
            helper.make_tensor("zero", TensorProto.INT64, [], [0]),
            helper.make_tensor("one", TensorProto.INT64, [], [1]),
            helper.make_tensor("i2", TensorProto.INT64, [], [2]),
            helper.make_tensor("i3", TensorProto.INT64, [], [3]),
            helper.make_tensor("qs", TensorProto.INT64, [2], [-1, 1]),
            helper.make_tensor("ninf", dtype, [], [-np.inf]),
        ]
    elif kind == "identity":
        nodes = [helper.make_node("Identity", ["c"], ["y"])]
        inits = [numpy_helper.from_array(np.full((1, 2, 3, 4), 0.25, np.float32), "c")]
    elif kind == "cast":  # returns float whatever it is given
        y = helper.make_tensor_value_info("y", F, ["B", "H", "L", "S"])
        nodes = [helper.make_node("Cast", ["x"], ["y"], to=F)]
        inits = []
    else:  # "bad": changes the shape
        nodes = [helper.make_node("ReduceSum", ["x"], ["y"], keepdims=1)]
        inits = []
    return helper.make_graph(nodes, kind, [x], [y], inits)


def flex_model(dtype, attrs=None, score_mod=None, prob_mod=None):
    node = helper.make_node(
        "FlexAttention", ["Q", "K", "V"], ["Y"], domain="ai.onnx.preview", **(attrs or {})
    )
    if score_mod is not None:
        node.attribute.append(helper.make_attribute("score_mod", score_mod))
    if prob_mod is not None:
        node.attribute.append(helper.make_attribute("prob_mod", prob_mod))
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info(n, elem, None) for n in "QKV"],
        [helper.make_tensor_value_info("Y", elem, None)],
    )
    return helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 26), helper.make_opsetid("ai.onnx.preview", 1)],
        ir_version=IR_VERSION,
    )


def check_flex(q, k, v, attrs=None, score_mod=None, prob_mod=None, threads=2, **tol):
    model = flex_model(q.dtype, attrs, score_mod, prob_mod)
    feeds = {"Q": q, "K": k, "V": v}
    compare(run_onyxrt(model, feeds, threads), ReferenceEvaluator(model).run(None, feeds), **tol)


@pytest.mark.parametrize("hq,hkv", [(4, 4), (4, 2), (3, 1)])
def test_flex_attention_heads(hq, hkv):
    q, k, v = qkv(2, hq, hkv, 5, 7, 8, dv=6)
    check_flex(q, k, v)
    check_flex(q, k, v, {"scale": 0.2}, threads=1)


@pytest.mark.parametrize(
    "score,prob", [("bias", None), (None, "scale"), ("causal", "scale"), ("bias", "bias")]
)
def test_flex_attention_modifiers(score, prob):
    q, k, v = qkv(1, 2, 2, 4, 4, 8)
    check_flex(
        q, k, v, score_mod=score and modifier_graph(score), prob_mod=prob and modifier_graph(prob), threads=4
    )


def test_flex_attention_row_blocks():
    # More query rows than one fused block holds (256), over several threads.
    q, k, v = qkv(1, 2, 1, 300, 20, 8)
    check_flex(q, k, v, threads=4)


def test_flex_attention_prob_mod_returning_a_constant():
    # The modifier's output is an initializer: the operator must not write into it.
    q, k, v = qkv(1, 2, 2, 3, 4, 8)
    model = flex_model(np.float32, prob_mod=modifier_graph("identity"))
    sess = onyxrt.InferenceSession(model.SerializeToString())
    first = sess.run(None, {"Q": q, "K": k, "V": v})[0]
    second = sess.run(None, {"Q": q, "K": k, "V": v})[0]
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(
        first, np.broadcast_to(0.25 * v.sum(axis=2, keepdims=True), first.shape), rtol=1e-5
    )


@pytest.mark.parametrize("dtype,tol", [(np.float16, HALF), (bfloat16, BF16), (np.float64, {"rtol": 1e-10})])
def test_flex_attention_types(dtype, tol):
    q, k, v = qkv(2, 4, 2, 3, 5, 8, dtype=dtype)
    check_flex(q, k, v, **tol)
    mod_type = TensorProto.DOUBLE if dtype == np.float64 else F
    check_flex(q, k, v, score_mod=modifier_graph("bias", mod_type), **tol)


def test_flex_attention_softmax_precision():
    q, k, v = qkv(1, 2, 2, 3, 5, 8, dtype=np.float16)
    check_flex(
        q, k, v, {"softmax_precision": 10}, score_mod=modifier_graph("bias", TensorProto.FLOAT16), **HALF
    )
    q, k, v = qkv(1, 2, 2, 3, 5, 8)
    check_flex(q, k, v, {"softmax_precision": 11}, prob_mod=modifier_graph("scale", TensorProto.DOUBLE))


def test_flex_attention_errors():
    q, k, v = qkv(1, 3, 2, 2, 4, 8)

    def flex_error(q, k, v, match, **mods):
        with pytest.raises(Exception) as info:
            run_onyxrt(flex_model(q.dtype, **mods), {"Q": q, "K": k, "V": v})
        assert match in str(info.value), str(info.value)

    flex_error(q, k, v, "multiple")
    q, k, v = qkv(1, 2, 2, 2, 4, 8)
    flex_error(q[0], k[0], v[0], "4-D")
    flex_error(q, k[..., :4], v, "must be (1, kv_heads")
    flex_error(q, k, v, "shape", score_mod=modifier_graph("bad"))
    flex_error(
        q,
        k,
        v,
        "float16 tensor",
        score_mod=modifier_graph("cast", TensorProto.FLOAT16),
        attrs={"softmax_precision": 10},
    )
    flex_error(q, k, v, "softmax_precision", attrs={"softmax_precision": 3})

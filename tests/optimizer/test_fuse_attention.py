"""fuse_attention (ORT_ENABLE_EXTENDED and up): the multi-head attention chain exporters write
(head split, MatMul, scale, mask, Softmax, MatMul, head merge) becomes one ai.onyxrt
MultiHeadAttention / BiasedMultiHeadAttention / MaskedMultiHeadAttention node. Fires on a torch
export of a BERT-style and a GPT-2-style (causal, Where) block and on hand-built variants; leaves
near-misses alone. Every case is compared with onnxruntime and with the unoptimized run at every
level; the optimized model file (which declares the fused ops as model-local functions) must load
in onnxruntime and in onyxrt and give the same outputs."""

from __future__ import annotations

import io
import warnings

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

import onyxrt
from tests.optimizer.levels import assert_same_everywhere, onnxruntime_run, optimized_model, rules_fired

RULE = "fuse_attention"
HEADS, HEAD_SIZE = 3, 4
HIDDEN = HEADS * HEAD_SIZE


def fused_ops(model: onnx.ModelProto) -> list[str]:
    return [n.op_type for n in optimized_model(model, "ORT_ENABLE_EXTENDED").graph.node if n.domain == "ai.onyxrt"]


def assert_fires(model: onnx.ModelProto, capfd, count: int = 1) -> None:
    assert RULE not in rules_fired(model, "ORT_ENABLE_BASIC", capfd)
    for level in ("ORT_ENABLE_EXTENDED", "ORT_ENABLE_ALL"):
        assert rules_fired(model, level, capfd).get(RULE) == count, level


def assert_written_model_runs(model: onnx.ModelProto, feeds: dict) -> None:
    """The optimized model file loads in onnxruntime and in onyxrt (both inline its functions) and
    gives what onnxruntime gives on the original."""
    optimized = optimized_model(model, "ORT_ENABLE_EXTENDED")
    onnx.checker.check_model(optimized)
    want = onnxruntime_run(model, feeds)
    got_ort = onnxruntime_run(optimized, feeds)
    got_onyx = onyxrt.InferenceSession(optimized.SerializeToString()).run(None, feeds)
    for w, o, x in zip(want, got_ort, got_onyx):
        np.testing.assert_allclose(o, w, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(x, w, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------------------ hand-built
def chain(
    *,
    mask: str | None = "add",
    scale: str = "div",
    heads=(HEADS, HEADS, HEADS),
    key_perm=(0, 2, 3, 1),
    merge_shape=(0, 0, -1),
    softmax_axis: int = -1,
    scores_output: bool = False,
    opset: int = 17,
) -> onnx.ModelProto:
    """Y = merge(softmax(split(Q) split(K)^T / c + mask) split(V)) over 3-D graph inputs."""
    f = TensorProto.FLOAT
    inits = [numpy_helper.from_array(np.array(2.0, np.float32), "c"),
             numpy_helper.from_array(np.array(merge_shape, np.int64), "merge_shape"),
             numpy_helper.from_array(np.array(-1e4, np.float32), "fill")]
    nodes = []
    for name, h, perm in (("q", heads[0], (0, 2, 1, 3)), ("k", heads[1], key_perm), ("v", heads[2], (0, 2, 1, 3))):
        inits.append(numpy_helper.from_array(np.array([0, 0, h, -1], np.int64), f"{name}_shape"))
        nodes.append(helper.make_node("Reshape", [name, f"{name}_shape"], [f"{name}4"]))
        nodes.append(helper.make_node("Transpose", [f"{name}4"], [f"{name}h"], perm=list(perm)))
    nodes.append(helper.make_node("MatMul", ["qh", "kh"], ["s"]))
    if scale == "div":
        nodes.append(helper.make_node("Div", ["s", "c"], ["scaled"]))
    elif scale == "mul":
        nodes.append(helper.make_node("Mul", ["c", "s"], ["scaled"]))
    else:
        nodes.append(helper.make_node("Identity", ["s"], ["scaled"]))
    inputs = [helper.make_tensor_value_info(n, f, ["B", "S", HIDDEN]) for n in "qkv"]
    if mask == "add":
        nodes.append(helper.make_node("Add", ["m", "scaled"], ["masked"]))
        inputs.append(helper.make_tensor_value_info("m", f, ["B", 1, 1, "S"]))
    elif mask == "where":
        nodes.append(helper.make_node("Where", ["keep", "scaled", "fill"], ["masked"]))
        inputs.append(helper.make_tensor_value_info("keep", TensorProto.BOOL, [1, 1, "S", "S"]))
    else:
        nodes.append(helper.make_node("Identity", ["scaled"], ["masked"]))
    nodes.append(helper.make_node("Softmax", ["masked"], ["p"], axis=softmax_axis))
    nodes.append(helper.make_node("MatMul", ["p", "vh"], ["o"]))
    nodes.append(helper.make_node("Transpose", ["o"], ["ot"], perm=[0, 2, 1, 3]))
    nodes.append(helper.make_node("Reshape", ["ot", "merge_shape"], ["y"]))
    outputs = [helper.make_tensor_value_info("y", f, ["B", "S", HIDDEN])]
    if scores_output:
        outputs.append(helper.make_tensor_value_info("s", f, ["B", HEADS, "S", "S"]))
    graph = helper.make_graph(nodes, "attention", inputs, outputs, initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


def chain_feeds(model: onnx.ModelProto, batch: int = 2, seq: int = 5, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    feeds = {n: rng.standard_normal((batch, seq, HIDDEN)).astype(np.float32) for n in "qkv"}
    names = {i.name for i in model.graph.input}
    if "m" in names:
        feeds["m"] = np.where(rng.random((batch, 1, 1, seq)) < 0.3, -1e4, 0.0).astype(np.float32)
    if "keep" in names:
        feeds["keep"] = np.tril(np.ones((seq, seq), bool))[None, None]
    return feeds


@pytest.mark.parametrize(
    "mask, scale, want",
    [
        ("add", "div", "BiasedMultiHeadAttention"),
        ("add", "mul", "BiasedMultiHeadAttention"),
        ("add", "none", "BiasedMultiHeadAttention"),
        ("where", "div", "MaskedMultiHeadAttention"),
        (None, "div", "MultiHeadAttention"),
        (None, "none", "MultiHeadAttention"),
    ],
)
def test_chain_variants_fuse(mask, scale, want, capfd):
    model = chain(mask=mask, scale=scale)
    assert_fires(model, capfd)
    assert fused_ops(model) == [want]
    for batch, seq in ((2, 5), (1, 1), (3, 17)):
        feeds = chain_feeds(model, batch, seq, seed=seq)
        assert_same_everywhere(model, feeds, rtol=1e-5, atol=1e-6)
    assert_written_model_runs(model, chain_feeds(model))


def test_attributes_carry_heads_and_scale():
    node = next(n for n in optimized_model(chain(scale="div"), "ORT_ENABLE_EXTENDED").graph.node
                if n.domain == "ai.onyxrt")
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    assert attrs["q_num_heads"] == attrs["kv_num_heads"] == HEADS
    assert attrs["scale"] == pytest.approx(0.5)


def test_fully_masked_rows_keep_the_chains_results():
    """A row whose bias is -inf everywhere is NaN, as Softmax makes it; a row whose keep mask is
    all false attends uniformly to the fill value, as Where + Softmax make it."""
    model = chain(mask="add")
    feeds = chain_feeds(model)
    feeds["m"][1] = -np.inf
    want = onnxruntime_run(model, feeds)[0]
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, feeds)[0]
    assert np.isnan(want[1]).all() and np.isnan(got[1]).all()
    np.testing.assert_allclose(got[0], want[0], rtol=1e-5, atol=1e-6)

    model = chain(mask="where")
    feeds = chain_feeds(model)
    feeds["keep"][..., 2, :] = False
    assert_same_everywhere(model, feeds, rtol=1e-5, atol=1e-6)


def test_fused_ops_check_their_inputs():
    """Written by hand, the fused ops report what is wrong: a missing masked_value, a keep mask
    that is not bool, inputs that are not 3-D."""
    f = TensorProto.FLOAT

    def single(op_type, keep_type=TensorProto.BOOL, rank=3, **attrs):
        inputs = [helper.make_tensor_value_info(n, f, [2] * (rank - 1) + [HIDDEN]) for n in "qkv"]
        names = ["q", "k", "v"]
        if op_type != "MultiHeadAttention":
            inputs.append(helper.make_tensor_value_info("m", keep_type, [2, 1, 1, 2]))
            names.append("m")
        node = helper.make_node(op_type, names, ["y"], domain="ai.onyxrt", q_num_heads=HEADS, kv_num_heads=HEADS,
                                **attrs)
        graph = helper.make_graph([node], "g", inputs, [helper.make_tensor_value_info("y", f, None)])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onyxrt", 1)],
                                  ir_version=8)
        feeds = {n: np.ones([2] * (rank - 1) + [HIDDEN], np.float32) for n in "qkv"}
        if "m" in names:
            feeds["m"] = np.ones((2, 1, 1, 2), bool if keep_type == TensorProto.BOOL else np.float32)
        return lambda: onyxrt.InferenceSession(model.SerializeToString()).run(None, feeds)

    with pytest.raises(Exception, match="masked_value"):
        single("MaskedMultiHeadAttention")()
    with pytest.raises(Exception, match="must be bool"):
        single("MaskedMultiHeadAttention", keep_type=f, masked_value=-1e4)()
    with pytest.raises(Exception, match="3-D"):
        single("MultiHeadAttention", rank=4)()
    single("MaskedMultiHeadAttention", masked_value=-1e4)()  # the valid form runs


@pytest.mark.parametrize(
    "variant",
    [
        {"heads": (HEADS, HEADS, 1)},  # V split differently
        {"heads": (HEADS, 1, HEADS)},
        {"key_perm": (0, 2, 1, 3)},  # K not transposed per head: not Q K^T
        {"merge_shape": (0, 0, 3, 4)},
        {"softmax_axis": 2},
        {"scores_output": True},  # an intermediate is also a graph output
        {"opset": 12},
    ],
)
def test_near_misses_are_left_alone(variant, capfd):
    model = chain(**variant)
    assert RULE not in rules_fired(model, "ORT_ENABLE_ALL", capfd)
    if variant.get("key_perm") is None and variant.get("merge_shape") is None and "heads" not in variant:
        feeds = chain_feeds(model)
        assert_same_everywhere(model, feeds, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------------------ torch exports
def torch_block(causal: bool) -> onnx.ModelProto:
    torch = pytest.importorskip("torch")

    class SelfAttention(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = torch.nn.Linear(HIDDEN, 3 * HIDDEN)
            self.out = torch.nn.Linear(HIDDEN, HIDDEN)
            self.register_buffer("tri", torch.tril(torch.ones(64, 64, dtype=torch.bool))[None, None])

        def forward(self, x, mask):
            s = x.shape[1]
            # Head splits sized from the tensor they split, as Hugging Face writes them.
            q, k, v = (t.view(*t.shape[:2], HEADS, -1).transpose(1, 2) for t in self.qkv(x).split(HIDDEN, dim=2))
            scores = q @ k.transpose(-1, -2) / (HEAD_SIZE ** 0.5)
            if causal:
                scores = torch.where(self.tri[:, :, :s, :s], scores, torch.finfo(torch.float32).min)
            else:
                scores = scores + (1.0 - mask[:, None, None, :]) * torch.finfo(torch.float32).min
            y = (scores.softmax(-1) @ v).transpose(1, 2)
            y = y.reshape(*y.shape[:2], -1)
            return self.out(y)

    torch.manual_seed(0)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            SelfAttention().eval(),
            (torch.randn(2, 5, HIDDEN), torch.ones(2, 5)),
            buffer,
            opset_version=17,
            dynamo=False,
            input_names=["x", "mask"],
            output_names=["y"],
            dynamic_axes={"x": {0: "batch", 1: "seq"}, "mask": {0: "batch", 1: "seq"}},
        )
    return onnx.load_from_string(buffer.getvalue())


@pytest.mark.parametrize("causal", [False, True])
def test_torch_exports_fuse(causal, capfd):
    model = torch_block(causal)
    assert_fires(model, capfd)
    assert fused_ops(model) == ["MaskedMultiHeadAttention" if causal else "BiasedMultiHeadAttention"]
    rng = np.random.default_rng(1)
    for batch, seq in ((2, 5), (1, 9)):
        mask = np.ones((batch, seq), np.float32)
        mask[0, seq - 2:] = 0
        feeds = {"x": rng.standard_normal((batch, seq, HIDDEN)).astype(np.float32), "mask": mask}
        if causal:
            feeds = {"x": feeds["x"]} if len(model.graph.input) == 1 else feeds
        assert_same_everywhere(model, feeds, rtol=1e-5, atol=1e-5)
    assert_written_model_runs(model, feeds)

"""fuse_conv_activation (ORT_ENABLE_EXTENDED and up): Conv [-> Add/Sum of a same-shaped residual]
[-> activation] becomes one com.microsoft FusedConv. Compared with onnxruntime and with the
unoptimized run at every level; the rule's firing read from the session log."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from tests.helpers import make_model, tensor
from tests.optimizer.levels import (
    LEVELS,
    assert_levels_agree,
    assert_same_everywhere,
    onnxruntime_run,
    onyxrt_session,
    rules_fired,
)

RULE = "fuse_conv_activation"
C_IN, C_OUT, SIDE = 4, 6, 7


def weights(rng, dtype=np.float32):
    w = (rng.standard_normal((C_OUT, C_IN, 3, 3)) / 6).astype(dtype)
    b = rng.standard_normal(C_OUT).astype(dtype)
    return [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B")]


def activation_nodes(kind: str, src: str, dst: str, opset: int) -> tuple[list, list]:
    """(nodes, initializers) computing dst = activation(src)."""
    if kind == "Clip":
        if opset < 11:
            return [helper.make_node("Clip", [src], [dst], min=-0.5, max=0.8)], []
        return ([helper.make_node("Clip", [src, "lo", "hi"], [dst])],
                [numpy_helper.from_array(np.array(-0.5, np.float32), "lo"),
                 numpy_helper.from_array(np.array(0.8, np.float32), "hi")])
    if kind == "ClipMinOnly":
        return [helper.make_node("Clip", [src, "lo"], [dst])], [numpy_helper.from_array(np.array(0.1, np.float32), "lo")]
    attrs = {"LeakyRelu": {"alpha": 0.3}, "HardSigmoid": {"alpha": 0.3, "beta": 0.4}}.get(kind, {})
    return [helper.make_node(kind, [src], [dst], **attrs)], []


def conv_act(kind="Relu", *, residual=None, opset=17, batch=2, extra_reader=False, conv_is_output=False,
             fed_weights=False, overridable=False, dtype=np.float32) -> onnx.ModelProto:
    """Y = act(Conv(x) [+ residual]); residual: None, 'add', 'add_swapped', 'sum', 'broadcast',
    'unknown' (a graph input without a shape)."""
    rng = np.random.default_rng(7)
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    shape = [batch, C_IN, SIDE, SIDE]
    out_shape = [batch, C_OUT, SIDE, SIDE]
    inits = weights(rng, dtype)
    inputs = [tensor("x", elem, shape)]
    if fed_weights or overridable:
        inputs += [tensor("W", elem, [C_OUT, C_IN, 3, 3])]
        if fed_weights:
            inits = inits[1:]
    nodes = [helper.make_node("Conv", ["x", "W", "B"], ["c"], pads=[1, 1, 1, 1], name="conv")]
    src = "c"
    if residual is not None:
        z_shape = {"broadcast": [1, C_OUT, 1, 1], "unknown": None}.get(residual, out_shape)
        if residual in ("broadcast", "unknown"):
            inputs.append(tensor("z", elem, z_shape))
        else:  # the skip branch of a ResNet block: another Conv of the same input, same shape
            inits.append(numpy_helper.from_array((rng.standard_normal((C_OUT, C_IN, 1, 1)) / 2).astype(dtype), "Ws"))
            nodes.append(helper.make_node("Conv", ["x", "Ws"], ["z"], name="skip"))
        op = "Sum" if residual == "sum" else "Add"
        operands = ["z", "c"] if residual == "add_swapped" else ["c", "z"]
        nodes.append(helper.make_node(op, operands, ["s"]))
        src = "s"
    if kind is not None:
        act, act_inits = activation_nodes(kind, src, "y", opset)
        nodes += act
        inits += act_inits
    else:
        nodes.append(helper.make_node("Identity", [src], ["y"]))
    outputs = [tensor("y", elem, out_shape)]
    if extra_reader:
        nodes.append(helper.make_node("Neg", ["c"], ["neg_c"]))
        outputs.append(tensor("neg_c", elem, out_shape))
    if conv_is_output:
        outputs.append(tensor("c", elem, out_shape))
    return make_model(nodes, inputs, outputs, inits, opset=opset)


def feeds(model: onnx.ModelProto, dtype=np.float32) -> dict:
    rng = np.random.default_rng(11)
    out = {"x": rng.standard_normal((2, C_IN, SIDE, SIDE)).astype(dtype)}
    names = {i.name for i in model.graph.input}
    if "z" in names:
        z_shape = [d.dim_value for d in model.graph.input[-1].type.tensor_type.shape.dim] or [2, C_OUT, SIDE, SIDE]
        out["z"] = rng.standard_normal(z_shape).astype(dtype)
    if "W" in names and "W" not in {t.name for t in model.graph.initializer}:
        out["W"] = (rng.standard_normal((C_OUT, C_IN, 3, 3)) / 6).astype(dtype)
    return out


def fired(model, capfd, level="ORT_ENABLE_ALL") -> int:
    return rules_fired(model, level, capfd).get(RULE, 0)


KINDS = ["Relu", "Clip", "ClipMinOnly", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_activation_fuses_to_the_same_result(kind, capfd):
    model = conv_act(kind)
    assert fired(model, capfd) == 1
    assert_same_everywhere(model, feeds(model), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("opset", [6, 9, 11, 13])
def test_clip_at_older_opsets(opset, capfd):
    model = conv_act("Clip", opset=opset)
    assert fired(model, capfd) == 1
    assert_same_everywhere(model, feeds(model), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("residual", ["add", "add_swapped", "sum"])
@pytest.mark.parametrize("kind", ["Relu", "Clip", None])
def test_same_shaped_residual_is_fused(residual, kind, capfd):
    model = conv_act(kind, residual=residual)
    # Both Convs of the block: the main one with Z and the activation; the skip Conv has neither.
    assert fired(model, capfd) == 1
    assert_same_everywhere(model, feeds(model), rtol=1e-5, atol=1e-5)


def test_residual_with_a_symbolic_batch_is_fused(capfd):
    model = conv_act("Relu", residual="add", batch="N")
    assert fired(model, capfd) == 1
    assert_same_everywhere(model, feeds(model), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("residual", ["broadcast", "unknown"])
def test_residual_not_proven_same_shape_is_left_alone(residual, capfd):
    # FusedConv's Z does not broadcast: Add stays, and so does the Relu it feeds.
    model = conv_act("Relu", residual=residual)
    assert fired(model, capfd) == 0
    assert_same_everywhere(model, feeds(model), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", ["extra_reader", "conv_is_output"])
def test_conv_output_read_elsewhere_is_left_alone(case, capfd):
    model = conv_act("Relu", **{case: True})
    assert fired(model, capfd) == 0
    assert_same_everywhere(model, feeds(model), rtol=1e-5, atol=1e-5)


def test_fed_weights_are_left_alone(capfd):
    model = conv_act("Relu", fed_weights=True)
    assert fired(model, capfd) == 0
    assert_same_everywhere(model, feeds(model), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("level", LEVELS)
def test_overridable_weights_are_left_alone(level, capfd):
    model = conv_act("Relu", overridable=True)
    assert fired(model, capfd, level) == 0
    session = onyxrt_session(model, level)
    base = feeds(model)
    other = dict(base, W=np.full((C_OUT, C_IN, 3, 3), 0.05, np.float32))
    for f in (base, other):
        np.testing.assert_allclose(session.run(None, f)[0], onnxruntime_run(model, f)[0], rtol=1e-5, atol=1e-5)


def test_clip_with_a_fed_bound_is_left_alone(capfd):
    model = conv_act("Relu")
    relu = model.graph.node[-1]
    model.graph.node.remove(relu)
    model.graph.node.append(helper.make_node("Clip", ["c", "lo"], ["y"]))
    model.graph.input.append(tensor("lo", TensorProto.FLOAT, []))
    assert fired(model, capfd) == 0
    assert_same_everywhere(model, dict(feeds(model), lo=np.array(0.2, np.float32)), rtol=1e-5, atol=1e-5)


def test_double_is_left_alone(capfd):
    # onnxruntime's FusedConv is float only, so the rule leaves other types to Conv.
    model = conv_act("Relu", dtype=np.float64)
    assert fired(model, capfd) == 0
    assert_levels_agree(model, feeds(model, np.float64), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("level", LEVELS)
def test_the_rule_fires_from_extended_up(level, capfd):
    expected = level in ("ORT_ENABLE_EXTENDED", "ORT_ENABLE_ALL")
    assert fired(conv_act("Relu", residual="add"), capfd, level) == (1 if expected else 0)


def test_resnet_blocks_of_the_light_model(capfd):
    # 49 Conv + Relu (16 of them through the residual Sum) and the 4 downsample Convs left plain.
    path = str(onnx.__path__[0]) + "/backend/test/data/light/light_resnet50.onnx"
    assert rules_fired(onnx.load(path), "ORT_ENABLE_ALL", capfd).get(RULE, 0) == 49

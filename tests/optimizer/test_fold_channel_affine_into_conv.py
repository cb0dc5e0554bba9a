"""fold_channel_affine_into_conv (ORT_ENABLE_EXTENDED and up): Conv followed by Mul and/or Add of a
constant per output channel (or scalar) folds into W and B. Compared with onnxruntime and with the
unoptimized run at every level; the rule's firing read from the session log."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import helper, numpy_helper

from tests.helpers import make_model, tensor
from tests.optimizer.levels import (
    LEVELS,
    assert_levels_agree,
    assert_same_everywhere,
    onnxruntime_run,
    onyxrt_session,
    rules_fired,
)

RULE = "fold_channel_affine_into_conv"
C_IN, C_OUT, SIDE = 3, 5, 6


def conv_affine(ops=("Mul", "Add"), k_shape=(C_OUT, 1, 1), *, bias=True, swapped=False, extra_reader=False,
                overridable=False, fed_constant=False, scale_value=None, dtype=np.float32, opset=17) -> onnx.ModelProto:
    rng = np.random.default_rng(5)
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    inits = [numpy_helper.from_array((rng.standard_normal((C_OUT, C_IN, 3, 3)) / 4).astype(dtype), "W")]
    conv_in = ["x", "W"]
    if bias:
        inits.append(numpy_helper.from_array(rng.standard_normal(C_OUT).astype(dtype), "B"))
        conv_in.append("B")
    nodes = [helper.make_node("Conv", conv_in, ["t0"], pads=[1, 1, 1, 1])]
    inputs = [tensor("x", elem, [2, C_IN, SIDE, SIDE])]
    for i, op in enumerate(ops):
        k = rng.uniform(0.5, 1.5, k_shape).astype(dtype)
        if scale_value is not None:
            k.flat[0] = scale_value
        name = f"k{i}"
        if fed_constant:
            inputs.append(tensor(name, elem, list(k_shape)))
        else:
            inits.append(numpy_helper.from_array(k, name))
            if overridable:
                inputs.append(tensor(name, elem, list(k_shape)))
        operands = [name, f"t{i}"] if swapped else [f"t{i}", name]
        nodes.append(helper.make_node(op, operands, [f"t{i + 1}"]))
    nodes.append(helper.make_node("Relu", [f"t{len(ops)}"], ["y"]))
    outputs = [tensor("y", elem, [2, C_OUT, SIDE, SIDE])]
    if extra_reader:
        nodes.append(helper.make_node("Neg", ["t0"], ["neg"]))
        outputs.append(tensor("neg", elem, [2, C_OUT, SIDE, SIDE]))
    return make_model(nodes, inputs, outputs, inits, opset=opset)


def feeds(model, dtype=np.float32) -> dict:
    rng = np.random.default_rng(9)
    out = {"x": rng.standard_normal((2, C_IN, SIDE, SIDE)).astype(dtype)}
    inits = {t.name for t in model.graph.initializer}
    for value in model.graph.input[1:]:
        if value.name not in inits:
            shape = [d.dim_value for d in value.type.tensor_type.shape.dim]
            out[value.name] = rng.uniform(0.5, 1.5, shape).astype(dtype)
    return out


def fired(model, capfd, level="ORT_ENABLE_ALL") -> int:
    return rules_fired(model, level, capfd).get(RULE, 0)


@pytest.mark.parametrize("ops", [("Mul", "Add"), ("Mul",), ("Add",), ("Add", "Mul"), ("Mul", "Mul", "Add")],
                         ids=lambda o: "_".join(o))
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
def test_chains_fold_to_the_same_result(ops, bias, capfd):
    model = conv_affine(ops, bias=bias)
    assert fired(model, capfd) == len(ops)
    # The Relu after them then fuses into the Conv too.
    assert rules_fired(model, "ORT_ENABLE_ALL", capfd).get("fuse_conv_activation", 0) == 1
    assert_same_everywhere(model, feeds(model), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("k_shape", [(C_OUT, 1, 1), (1, C_OUT, 1, 1), (), (1,), (1, 1, 1), (1, 1, 1, 1)],
                         ids=str)
def test_per_channel_and_scalar_shapes(k_shape, capfd):
    model = conv_affine(k_shape=k_shape, swapped=True)
    assert fired(model, capfd) == 2
    assert_same_everywhere(model, feeds(model), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("k_shape", [(C_OUT, 1, SIDE), (C_OUT, SIDE, SIDE), (2, C_OUT, 1, 1), (1, 1, C_OUT, 1, 1),
                                     (SIDE,)], ids=str)
def test_other_shapes_are_left_alone(k_shape, capfd):
    # Per position rather than per channel ((SIDE,) runs along the width), or growing the output
    # ((2, C, 1, 1), a 5-D constant): none of them is a per-channel affine map.
    model = conv_affine(k_shape=k_shape)
    assert fired(model, capfd) == 0
    assert_same_everywhere(model, feeds(model), rtol=1e-5, atol=1e-5)


def test_conv_output_with_another_reader_is_left_alone(capfd):
    model = conv_affine(extra_reader=True)
    # The Mul is left alone; the Add after it has no Conv before it.
    assert fired(model, capfd) == 0
    assert_same_everywhere(model, feeds(model), rtol=1e-5, atol=1e-5)


def test_fed_constants_are_left_alone(capfd):
    model = conv_affine(fed_constant=True)
    assert fired(model, capfd) == 0
    assert_same_everywhere(model, feeds(model), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("level", LEVELS)
def test_overridable_constants_are_left_alone(level, capfd):
    model = conv_affine(overridable=True)
    assert fired(model, capfd, level) == 0
    session = onyxrt_session(model, level)
    base = feeds(model)
    for f in (base, dict(base, k0=np.full((C_OUT, 1, 1), 2.5, np.float32))):
        np.testing.assert_allclose(session.run(None, f)[0], onnxruntime_run(model, f)[0], rtol=1e-5, atol=1e-5)


def test_non_finite_scale_is_left_alone(capfd):
    model = conv_affine(("Mul",), scale_value=np.inf)
    assert fired(model, capfd) == 0
    assert_same_everywhere(model, feeds(model), rtol=1e-5, atol=1e-5)


def test_double_folds(capfd):
    model = conv_affine(dtype=np.float64)
    assert fired(model, capfd) == 2
    assert_levels_agree(model, feeds(model, np.float64), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("level", LEVELS)
def test_the_rule_fires_from_extended_up(level, capfd):
    expected = level in ("ORT_ENABLE_EXTENDED", "ORT_ENABLE_ALL")
    assert fired(conv_affine(), capfd, level) == (2 if expected else 0)


def test_scale_and_shift_of_light_inception_v2(capfd):
    # Caffe2's Conv -> BatchNormalization -> Mul -> Add: 69 of each pair fold.
    path = str(onnx.__path__[0]) + "/backend/test/data/light/light_inception_v2.onnx"
    assert rules_fired(onnx.load(path), "ORT_ENABLE_ALL", capfd).get(RULE, 0) == 138

"""fold_batchnorm_into_conv (ORT_ENABLE_EXTENDED and up): Conv -> BatchNormalization with constant
weights becomes one Conv. Compared with onnxruntime and with the unoptimized run at every level."""

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


def conv_bn(channels_in=4, channels_out=8, group=1, bias=True, opset=15, bn_inputs_overridable=False,
            extra_reader=False, dtype=np.float32) -> onnx.ModelProto:
    rng = np.random.default_rng(group * 10 + channels_out)
    w = rng.standard_normal((channels_out, channels_in // group, 3, 3)).astype(dtype)
    params = {
        "scale": rng.uniform(0.5, 2, channels_out), "shift": rng.standard_normal(channels_out),
        "mean": rng.standard_normal(channels_out), "var": rng.uniform(0.1, 3, channels_out),
    }
    inits = [numpy_helper.from_array(w, "W")]
    inits += [numpy_helper.from_array(v.astype(dtype), k) for k, v in params.items()]
    conv_inputs = ["x", "W"]
    if bias:
        inits.append(numpy_helper.from_array(rng.standard_normal(channels_out).astype(dtype), "b"))
        conv_inputs.append("b")
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    nodes = [helper.make_node("Conv", conv_inputs, ["c"], pads=[1, 1, 1, 1], group=group, name="conv"),
             helper.make_node("BatchNormalization", ["c", "scale", "shift", "mean", "var"], ["bn"], epsilon=1e-3),
             helper.make_node("Relu", ["bn"], ["y"])]
    outputs = [tensor("y", elem, [2, channels_out, 5, 5])]
    if extra_reader:  # the Conv output is also read elsewhere: folding would change what it sees
        nodes.append(helper.make_node("Neg", ["c"], ["neg_c"]))
        outputs.append(tensor("neg_c", elem, [2, channels_out, 5, 5]))
    inputs = [tensor("x", elem, [2, channels_in, 5, 5])]
    if bn_inputs_overridable:
        inputs += [tensor(k, elem, [channels_out]) for k in params]
    return make_model(nodes, inputs, outputs, inits, opset=opset)


def feeds(channels_in=4, dtype=np.float32) -> dict:
    return {"x": np.random.default_rng(3).standard_normal((2, channels_in, 5, 5)).astype(dtype)}


@pytest.mark.parametrize("group", [1, 2, 4], ids=["dense", "grouped", "depthwise"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
def test_conv_bn_folds_to_the_same_result(group, bias):
    assert_same_everywhere(conv_bn(group=group, bias=bias), feeds(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("opset", [7, 9, 14])
def test_conv_bn_older_opsets(opset):
    assert_same_everywhere(conv_bn(opset=opset), feeds(), rtol=1e-4, atol=1e-4)


def test_double_precision():
    # onnxruntime has no double Conv: the levels are compared with each other.
    assert_levels_agree(conv_bn(dtype=np.float64), feeds(dtype=np.float64), rtol=1e-12, atol=1e-12)


def test_conv_output_with_another_reader_is_left_alone():
    assert_same_everywhere(conv_bn(extra_reader=True), feeds(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("level", LEVELS)
def test_overridable_bn_parameters_are_not_folded(level):
    model = conv_bn(bn_inputs_overridable=True)
    session = onyxrt_session(model, level)
    base = feeds()
    fed = dict(base, scale=np.full(8, 3, np.float32), var=np.full(8, 0.5, np.float32))
    for f in (base, fed):
        np.testing.assert_allclose(session.run(None, f)[0], onnxruntime_run(model, f)[0], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("level", LEVELS)
def test_the_rule_fires_from_extended_up(level, capfd):
    fired = rules_fired(conv_bn(), level, capfd)
    expected = level in ("ORT_ENABLE_EXTENDED", "ORT_ENABLE_ALL")
    assert fired.get("fold_batchnorm_into_conv", 0) == (1 if expected else 0), fired


def test_the_rule_leaves_a_shared_conv_output_alone(capfd):
    assert "fold_batchnorm_into_conv" not in rules_fired(conv_bn(extra_reader=True), "ORT_ENABLE_ALL", capfd)

"""Dropout at opsets 7, 10, 12 and 13: the inference signatures (the mask's type changed from T to
bool at 10; ratio and training_mode became inputs at 12) against onnx.reference, and training mode
by its defining properties and, with a seed, against onnx.reference's draw."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto as TP
from onnx import helper
from onnx.reference import ReferenceEvaluator

import onyxrt
from tests.helpers import make_model, tensor
from tests.ops.op_check import rand


def dropout_model(opset, attrs=None, inputs=("x",), with_mask=True, mask_type=TP.BOOL):
    outputs = ["y", "mask"] if with_mask else ["y"]
    node = helper.make_node("Dropout", list(inputs), outputs, name="drop", **(attrs or {}))
    ins = [tensor("x", TP.FLOAT, [3, 4])]
    if len(inputs) > 1 and inputs[1]:
        ins.append(tensor("ratio", TP.FLOAT, []))
    if len(inputs) > 2:
        ins.append(tensor("training_mode", TP.BOOL, []))
    outs = [tensor("y", TP.FLOAT)] + ([tensor("mask", mask_type)] if with_mask else [])
    return make_model([node], ins, outs, opset=opset)


def run_both(model, feeds):
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, feeds)
    want = ReferenceEvaluator(model).run(None, feeds)
    return got, want


@pytest.mark.parametrize("opset, mask_type", [(7, TP.FLOAT), (10, TP.BOOL)])
@pytest.mark.parametrize("with_mask", [True, False])
def test_inference_signatures_before_12(opset, mask_type, with_mask):
    x = rand(3, 4)
    got, want = run_both(dropout_model(opset, {"ratio": 0.3}, with_mask=with_mask, mask_type=mask_type), {"x": x})
    np.testing.assert_array_equal(got[0], x)  # inference: the identity
    np.testing.assert_array_equal(got[0], want[0])
    if with_mask:
        # Dropout-7 types its mask T (float here), Dropout-10 bool; onnx.reference returns bool
        # for both: we follow the schema.
        assert got[1].dtype == (np.float32 if opset == 7 else np.bool_)
        np.testing.assert_array_equal(got[1], np.ones((3, 4)))


@pytest.mark.parametrize("opset", [12, 13])
@pytest.mark.parametrize("training", [None, False])
def test_inference_from_12(opset, training):
    x = rand(3, 4)
    inputs = ("x", "ratio") if training is None else ("x", "ratio", "training_mode")
    feeds = {"x": x, "ratio": np.array(0.4, np.float32)}
    if training is not None:
        feeds["training_mode"] = np.array(training)
    got, want = run_both(dropout_model(opset, inputs=inputs), feeds)
    np.testing.assert_array_equal(got[0], x)
    np.testing.assert_array_equal(got[1], np.ones((3, 4), bool))
    np.testing.assert_array_equal(got[1], want[1])


@pytest.mark.parametrize("opset", [12, 13])
def test_training_mode_keeps_and_scales(opset):
    x = np.abs(rand(200, 50)) + 1.0
    ratio = 0.25
    model = dropout_model(opset, inputs=("x", "ratio", "training_mode"))
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 200
    model.graph.input[0].type.tensor_type.shape.dim[1].dim_value = 50
    feeds = {"x": x.astype(np.float32), "ratio": np.array(ratio, np.float32), "training_mode": np.array(True)}
    y, mask = onyxrt.InferenceSession(model.SerializeToString()).run(None, feeds)
    np.testing.assert_allclose(y[mask], x[mask] / (1 - ratio), rtol=1e-6)
    assert not y[~mask].any()
    assert abs(mask.mean() - (1 - ratio)) < 0.03  # 10,000 draws: the kept share is 0.75 +- 4 sigma


def test_training_mode_with_seed_matches_the_reference_draw():
    model = dropout_model(13, {"seed": 7}, inputs=("x", "ratio", "training_mode"))
    feeds = {"x": rand(3, 4), "ratio": np.array(0.5, np.float32), "training_mode": np.array(True)}
    got, want = run_both(model, feeds)
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_allclose(got[0], want[0], rtol=1e-6)


def test_zero_ratio_in_training_mode_is_the_identity():
    model = dropout_model(13, inputs=("x", "ratio", "training_mode"))
    x = rand(3, 4)
    y, mask = onyxrt.InferenceSession(model.SerializeToString()).run(
        None, {"x": x, "ratio": np.array(0.0, np.float32), "training_mode": np.array(True)})
    np.testing.assert_array_equal(y, x)
    assert mask.all()

"""fold_affine_into_batchnorm (ORT_ENABLE_EXTENDED and up): an inference BatchNormalization followed
by Mul and/or Add of a constant per channel (or scalar) takes them into its scale and B. Compared
with onnxruntime and with the unoptimized run at every level; the rule's firing read from the
session log; the written model checked by onnx and run by onnxruntime."""

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
    optimized_model,
    optimized_op_types,
    rules_fired,
)

RULE = "fold_affine_into_batchnorm"
C, SIDE = 5, 4


def bn_affine(ops=("Mul", "Add"), k_shape=(C, 1, 1), *, x_shape=(2, C, SIDE, SIDE), declared=True, swapped=False,
              extra_reader=False, bn_output=False, shared_params=False, overridable=False, fed_constant=False,
              scale_value=None, dtype=np.float32, opset=17, bn_attrs=None) -> onnx.ModelProto:
    """Pool -> BN -> ops (each with its own constant) -> Relu, the DenseNet pre-activation chain."""
    rng = np.random.default_rng(5)
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    params = {"scale": rng.uniform(0.5, 1.5, C), "B": rng.standard_normal(C), "mean": rng.standard_normal(C),
              "var": rng.uniform(0.5, 1.5, C)}
    inits = [numpy_helper.from_array(v.astype(dtype), n) for n, v in params.items()]
    inputs = [tensor("x", elem, list(x_shape) if declared else None)]
    nodes = [helper.make_node("Relu", ["x"], ["p"]),
             helper.make_node("BatchNormalization", ["p", "scale", "B", "mean", "var"], ["t0"], **(bn_attrs or {}))]
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
    shape = list(x_shape) if declared else None
    outputs = [tensor("y", elem, shape)]
    if extra_reader:
        nodes.append(helper.make_node("Neg", ["t0"], ["neg"]))
        outputs.append(tensor("neg", elem, shape))
    if bn_output:
        outputs.append(tensor("t0", elem, shape))
    if shared_params:  # a second BN reading the same scale and B, left as it is
        nodes.append(helper.make_node("BatchNormalization", ["x", "scale", "B", "mean", "var"], ["other"]))
        outputs.append(tensor("other", elem, shape))
    return make_model(nodes, inputs, outputs, inits, opset=opset)


def feeds(model, x_shape=(2, C, SIDE, SIDE), dtype=np.float32) -> dict:
    rng = np.random.default_rng(9)
    out = {"x": rng.standard_normal(x_shape).astype(dtype)}
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
def test_chains_fold_to_the_same_result(ops, capfd):
    model = bn_affine(ops)
    assert fired(model, capfd) == len(ops)
    assert optimized_op_types(model, "ORT_ENABLE_ALL") == ["Relu", "BatchNormalization", "Relu"]
    assert_same_everywhere(model, feeds(model), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("k_shape", [(C, 1, 1), (1, C, 1, 1), (), (1,), (1, 1, 1), (1, 1, 1, 1)], ids=str)
def test_per_channel_and_scalar_shapes(k_shape, capfd):
    model = bn_affine(k_shape=k_shape, swapped=True)
    assert fired(model, capfd) == 2
    assert_same_everywhere(model, feeds(model), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("x_shape", "k_shape"), [((3, C), (C,)), ((2, C, 7), (C, 1)), ((1, C, 2, 3, 2), (C, 1, 1, 1))],
                         ids=["2d", "3d", "5d"])
def test_other_ranks(x_shape, k_shape, capfd):
    model = bn_affine(k_shape=k_shape, x_shape=x_shape)
    assert fired(model, capfd) == 2
    assert_same_everywhere(model, feeds(model, x_shape), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("k_shape", "x_shape"), [((C, 1, SIDE), None), ((C, SIDE, SIDE), None), ((2, C, 1, 1), None),
                                                  ((1, 1, C, 1, 1), None), ((SIDE,), None), ((C,), (2, C, SIDE, C))],
                         ids=str)
def test_other_shapes_are_left_alone(k_shape, x_shape, capfd):
    # Per position rather than per channel ((SIDE,) and (C,) run along the width), or growing the
    # output ((2, C, 1, 1), a 5-D constant): none of them is a per-channel affine map of a 4-D x.
    x_shape = x_shape or (2, C, SIDE, SIDE)
    model = bn_affine(k_shape=k_shape, x_shape=x_shape)
    assert fired(model, capfd) == 0
    assert_same_everywhere(model, feeds(model, x_shape), rtol=1e-5, atol=1e-5)


def test_written_model_runs_in_onnxruntime():
    model = bn_affine(("Mul", "Add", "Mul"))
    written = optimized_model(model, "ORT_ENABLE_ALL")
    onnx.checker.check_model(written, full_check=True)
    assert [n.op_type for n in written.graph.node] == ["Relu", "BatchNormalization", "Relu"]
    f = feeds(model)
    np.testing.assert_allclose(onnxruntime_run(written, f)[0], onnxruntime_run(model, f)[0], rtol=1e-5, atol=1e-5)


def test_unknown_rank_folds_only_single_values(capfd):
    # Without a declared shape for x the rank is unknown: a scalar still folds, [C, 1, 1] does not.
    assert fired(bn_affine(k_shape=(C, 1, 1), declared=False), capfd) == 0
    model = bn_affine(k_shape=(1,), declared=False)
    assert fired(model, capfd) == 2
    assert_same_everywhere(model, feeds(model), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", ["extra_reader", "bn_output"])
def test_bn_output_read_elsewhere_is_left_alone(case, capfd):
    model = bn_affine(**{case: True})
    assert fired(model, capfd) == 0
    assert_same_everywhere(model, feeds(model), rtol=1e-5, atol=1e-5)


def test_shared_parameters_stay_for_their_other_reader(capfd):
    model = bn_affine(shared_params=True)
    assert fired(model, capfd) == 2
    optimized = optimized_model(model, "ORT_ENABLE_ALL")
    bns = [n for n in optimized.graph.node if n.op_type == "BatchNormalization"]
    assert [list(n.input[1:3]) for n in bns].count(["scale", "B"]) == 1
    assert_same_everywhere(model, feeds(model), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("attrs", [{"training_mode": 1}, {"spatial": 0}], ids=["training", "spatial0"])
def test_training_and_per_element_batchnorm_are_left_alone(attrs, capfd):
    opset = 15 if "training_mode" in attrs else 7
    model = bn_affine(bn_attrs=attrs, opset=opset, k_shape=(C, 1, 1))
    assert fired(model, capfd) == 0


def test_fed_constants_are_left_alone(capfd):
    model = bn_affine(fed_constant=True)
    assert fired(model, capfd) == 0
    assert_same_everywhere(model, feeds(model), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("level", LEVELS)
def test_overridable_constants_are_left_alone(level, capfd):
    model = bn_affine(overridable=True)
    assert fired(model, capfd, level) == 0
    session = onyxrt_session(model, level)
    base = feeds(model)
    for f in (base, dict(base, k0=np.full((C, 1, 1), 2.5, np.float32))):
        np.testing.assert_allclose(session.run(None, f)[0], onnxruntime_run(model, f)[0], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("value", [np.inf, np.nan])
def test_non_finite_scale_is_left_alone(value, capfd):
    model = bn_affine(("Mul",), scale_value=value)
    assert fired(model, capfd) == 0


def test_double_folds(capfd):
    model = bn_affine(dtype=np.float64)
    assert fired(model, capfd) == 2
    assert_levels_agree(model, feeds(model, dtype=np.float64), rtol=1e-12, atol=1e-12)


def test_before_opset_7_is_left_alone(capfd):
    # Mul / Add broadcast then only with 'broadcast' set: a constant of x's shape is what they take.
    model = bn_affine(k_shape=(2, C, SIDE, SIDE), opset=6)
    assert fired(model, capfd) == 0


@pytest.mark.parametrize("level", LEVELS)
def test_the_rule_fires_from_extended_up(level, capfd):
    expected = level in ("ORT_ENABLE_EXTENDED", "ORT_ENABLE_ALL")
    assert fired(bn_affine(), capfd, level) == (2 if expected else 0)


def test_conv_chains_still_fold_into_the_conv(capfd):
    # Conv -> BN -> Mul -> Add is absorbed by the Conv rules, which run first; this rule finds nothing.
    path = str(onnx.__path__[0]) + "/backend/test/data/light/light_inception_v2.onnx"
    fired_rules = rules_fired(onnx.load(path), "ORT_ENABLE_ALL", capfd)
    assert fired_rules.get("fold_channel_affine_into_conv", 0) == 138
    assert fired_rules.get(RULE, 0) == 0


def test_densenet_pre_activation_chains(capfd, tmp_path):
    # Every BN after a Concat or a pool (62 of them) takes its Mul and Add; the written model runs
    # in onnxruntime to the original's results.
    path = str(onnx.__path__[0]) + "/backend/test/data/light/light_densenet121.onnx"
    assert rules_fired(onnx.load(path), "ORT_ENABLE_ALL", capfd).get(RULE, 0) == 124
    ops = optimized_op_types(path, "ORT_ENABLE_ALL")
    assert "Mul" not in ops and "Add" not in ops and ops.count("BatchNormalization") == 62

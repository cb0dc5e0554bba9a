"""ai.onnx.preview.training Adagrad, Adam and Momentum (opset 1) against onnx.reference and the
schemas' pseudo code in numpy (onnxruntime's inference build has no training kernels): one and
several tensors per node (inputs grouped R, T, X..., G..., then each state for every X), every
attribute, T = 0 and T > 0, float / double, broadcasting within a tensor's inputs, and errors."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

import onyxrt
from tests.ops.op_check import rand

DOMAIN = "ai.onnx.preview.training"
STATES = {"Adagrad": ["H"], "Adam": ["V", "H"], "Momentum": ["V"]}


def model_for(op, r, t, xs, gs, states, attrs, outputs=None):
    """states: one list per state kind, each with one array per tensor."""
    n = len(xs)
    feeds = {"R": r, "T": t}
    feeds.update({f"X{i}": x for i, x in enumerate(xs)})
    feeds.update({f"G{i}": g for i, g in enumerate(gs)})
    for kind, arrays in zip(STATES[op], states):
        feeds.update({f"{kind}{i}": a for i, a in enumerate(arrays)})
    if outputs is None:
        outputs = [f"X{i}_new" for i in range(n)]
        for kind in STATES[op]:
            outputs += [f"{kind}{i}_new" for i in range(n)]
    node = helper.make_node(op, list(feeds), outputs, domain=DOMAIN, name="node", **attrs)
    graph = helper.make_graph(
        [node],
        "g",
        [
            helper.make_tensor_value_info(k, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
            for k, v in feeds.items()
        ],
        [helper.make_tensor_value_info(o, TensorProto.UNDEFINED, None) for o in outputs],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(DOMAIN, 1)], ir_version=8
    )
    return model, feeds


def run_both(model, feeds):
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, feeds)
    want = ReferenceEvaluator(model).run(None, feeds)
    return got, want


def compare(got, want, dtype):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == dtype and g.shape == np.asarray(w).shape
        np.testing.assert_allclose(g, w, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-6)


def inputs_for(op, shapes, dtype, t, seed=0):
    r = np.array(0.1, dtype=dtype)
    xs = [rand(*s, dtype=dtype, seed=seed + i) for i, s in enumerate(shapes)]
    gs = [rand(*s, dtype=dtype, seed=seed + 10 + i) for i, s in enumerate(shapes)]
    states = [
        [np.abs(rand(*s, dtype=dtype, seed=seed + 20 * (k + 1) + i)) for i, s in enumerate(shapes)]
        for k in range(len(STATES[op]))
    ]
    return r, np.array(t, dtype=np.int64), xs, gs, states


ATTRS = {
    "Adagrad": [{}, {"norm_coefficient": 0.01, "decay_factor": 0.1, "epsilon": 1e-4}],
    "Adam": [
        {},
        {
            "alpha": 0.8,
            "beta": 0.95,
            "epsilon": 1e-3,
            "norm_coefficient": 0.02,
            "norm_coefficient_post": 0.05,
        },
    ],
    "Momentum": [
        {"alpha": 0.9, "beta": 0.5, "mode": "standard", "norm_coefficient": 0.01},
        {"alpha": 0.95, "beta": 0.7, "mode": "nesterov", "norm_coefficient": 0.001},
    ],
}


@pytest.mark.parametrize("op", list(STATES))
@pytest.mark.parametrize("variant", [0, 1])
@pytest.mark.parametrize("t", [0, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_two_tensors_per_node(op, variant, t, dtype):
    r, t, xs, gs, states = inputs_for(op, [(3, 4), (5,)], dtype, t)
    model, feeds = model_for(op, r, t, xs, gs, states, ATTRS[op][variant])
    got, want = run_both(model, feeds)
    compare(got, want, dtype)


@pytest.mark.parametrize("op", list(STATES))
def test_three_tensors_match_separate_nodes(op):
    # One node over three tensors equals three one-tensor nodes: the grouping is by role.
    r, t, xs, gs, states = inputs_for(op, [(2, 3), (7,), (1, 4, 2)], np.float32, 2, seed=5)
    attrs = ATTRS[op][1]
    joint = onyxrt.InferenceSession(model_for(op, r, t, xs, gs, states, attrs)[0].SerializeToString())
    joint_out = joint.run(None, model_for(op, r, t, xs, gs, states, attrs)[1])
    k = len(STATES[op]) + 1
    for i in range(3):
        m, f = model_for(op, r, t, [xs[i]], [gs[i]], [[s[i]] for s in states], attrs)
        single = onyxrt.InferenceSession(m.SerializeToString()).run(None, f)
        for j in range(k):
            np.testing.assert_array_equal(single[j], joint_out[j * 3 + i])


def test_adagrad_formula():
    x, g, h = np.array([1.0, -2.0]), np.array([0.5, 0.25]), np.array([0.1, 0.2])
    model, feeds = model_for(
        "Adagrad",
        np.array(0.3),
        np.array(4, np.int64),
        [x],
        [g],
        [[h]],
        {"norm_coefficient": 0.1, "decay_factor": 0.5, "epsilon": 1e-3},
    )
    x_new, h_new = onyxrt.InferenceSession(model.SerializeToString()).run(None, feeds)
    gr = g + 0.1 * x
    np.testing.assert_allclose(h_new, h + gr * gr, rtol=1e-7)
    np.testing.assert_allclose(x_new, x - 0.3 / (1 + 4 * 0.5) * gr / (np.sqrt(h + gr * gr) + 1e-3), rtol=1e-6)


def test_adam_bias_correction_and_post_norm():
    x, g, v, h = np.array([1.0]), np.array([0.5]), np.array([0.2]), np.array([0.3])
    model, feeds = model_for(
        "Adam",
        np.array(0.1),
        np.array(5, np.int64),
        [x],
        [g],
        [[v], [h]],
        {"alpha": 0.9, "beta": 0.99, "epsilon": 1e-6, "norm_coefficient_post": 0.1},
    )
    x_new, v_new, h_new = onyxrt.InferenceSession(model.SerializeToString()).run(None, feeds)
    v2, h2 = 0.9 * v + 0.1 * g, 0.99 * h + 0.01 * g * g
    rate = 0.1 * np.sqrt(1 - 0.99**5) / (1 - 0.9**5)
    np.testing.assert_allclose(x_new, 0.9 * (x - rate * v2 / (np.sqrt(h2) + 1e-6)), rtol=1e-6)
    np.testing.assert_allclose(v_new, v2, rtol=1e-6)
    np.testing.assert_allclose(h_new, h2, rtol=1e-6)


@pytest.mark.parametrize("mode", ["standard", "nesterov"])
@pytest.mark.parametrize("t", [0, 1])
def test_momentum_modes(mode, t):
    x, g, v = np.array([1.0, 2.0]), np.array([0.5, -0.5]), np.array([0.1, 0.2])
    model, feeds = model_for(
        "Momentum",
        np.array(0.1),
        np.array(t, np.int64),
        [x],
        [g],
        [[v]],
        {"alpha": 0.9, "beta": 0.3, "mode": mode, "norm_coefficient": 0.0},
    )
    x_new, v_new = onyxrt.InferenceSession(model.SerializeToString()).run(None, feeds)
    beta = 0.3 if t > 0 else 1.0  # the first step takes the whole gradient
    v2 = 0.9 * v + beta * g
    np.testing.assert_allclose(v_new, v2, rtol=1e-6)
    want = x - 0.1 * (g + 0.9 * v2) if mode == "nesterov" else x - 0.1 * v2
    np.testing.assert_allclose(x_new, want, rtol=1e-6)


def test_broadcast_within_a_tensor():
    # G and H broadcast against X (numpy rules): every output takes the broadcast shape.
    r, t = np.array(0.1, np.float32), np.array(1, np.int64)
    x, g, h = rand(3, 4), rand(1, 4, seed=1), np.abs(rand(3, 1, seed=2))
    model, feeds = model_for("Adagrad", r, t, [x], [g], [[h]], {"norm_coefficient": 0.01})
    got, want = run_both(model, feeds)
    compare(got, want, np.float32)


def test_double_rate_with_float_tensors_and_empty_tensor():
    r, t = np.array(0.05, np.float64), np.array(2, np.int64)
    xs, gs, hs = (
        [rand(4), np.zeros((0, 3), np.float32)],
        [rand(4, seed=1), np.zeros((0, 3), np.float32)],
        [np.abs(rand(4, seed=2)), np.zeros((0, 3), np.float32)],
    )
    model, feeds = model_for("Adagrad", r, t, xs, gs, [hs], {})
    got, want = run_both(model, feeds)
    compare(got, want, np.float32)


def test_fewer_outputs_keep_the_grouping():
    r, t, xs, gs, states = inputs_for("Adam", [(3,), (2,)], np.float32, 1)
    full_model, feeds = model_for("Adam", r, t, xs, gs, states, {})
    full = onyxrt.InferenceSession(full_model.SerializeToString()).run(None, feeds)
    model, _ = model_for("Adam", r, t, xs, gs, states, {}, outputs=["X0_new", "X1_new", "V0_new"])
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, feeds)
    for a, b in zip(got, full[:3]):
        np.testing.assert_array_equal(a, b)


def expect_failure(model, feeds, match, error=None):
    with pytest.raises(Exception) as info:
        onyxrt.InferenceSession(model.SerializeToString()).run(None, feeds)
    assert match in str(info.value), str(info.value)
    if error:
        assert type(info.value).__name__ == error, type(info.value).__name__


def test_errors():
    r, t, xs, gs, states = inputs_for("Adagrad", [(3,)], np.float32, 0)
    model, feeds = model_for("Adagrad", r, t, xs, gs, states, {})
    # An input list that does not split into X, G, H groups.
    model.graph.node[0].input.append("X0")
    expect_failure(model, feeds, "inputs per optimized tensor")
    # Shapes that do not broadcast.
    model, feeds = model_for("Adagrad", r, t, xs, [rand(4)], states, {})
    expect_failure(model, feeds, "does not broadcast", "InvalidArgument")
    # Mixed element types within a tensor's inputs.
    model, feeds = model_for("Adagrad", r, t, xs, [rand(3, dtype=np.float64)], states, {})
    expect_failure(model, feeds, "has element type double", "InvalidArgument")
    # T must be an int64 scalar, R a scalar.
    model, feeds = model_for("Adagrad", r, np.array([0, 1], np.int64), xs, gs, states, {})
    expect_failure(model, feeds, "'T' must be an int64 scalar", "InvalidArgument")
    model, feeds = model_for("Adagrad", np.array([0.1, 0.2], np.float32), t, xs, gs, states, {})
    expect_failure(model, feeds, "'R' must be a scalar", "InvalidArgument")
    # Momentum's attributes are required; mode has two values.
    r, t, xs, gs, states = inputs_for("Momentum", [(3,)], np.float32, 0)
    model, feeds = model_for(
        "Momentum", r, t, xs, gs, states, {"alpha": 0.9, "beta": 0.1, "norm_coefficient": 0.0}
    )
    expect_failure(model, feeds, "required attribute 'mode' is missing")
    model, feeds = model_for(
        "Momentum",
        r,
        t,
        xs,
        gs,
        states,
        {"alpha": 0.9, "beta": 0.1, "mode": "heavy", "norm_coefficient": 0.0},
    )
    expect_failure(model, feeds, '"standard" or "nesterov"')
    model, feeds = model_for(
        "Momentum", r, t, xs, gs, states, {"beta": 0.1, "mode": "standard", "norm_coefficient": 0.0}
    )
    expect_failure(model, feeds, "required attribute 'alpha' is missing")

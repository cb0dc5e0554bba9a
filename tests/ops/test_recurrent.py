"""RNN, GRU, LSTM (opsets 1/3, 7, 14, 22) and the opset-27 recurrent-state ops LinearAttention and
CausalConvWithState against onnxruntime (onnx.reference where onnxruntime has no kernel):
directions, sequence_lens shorter than seq_length, initial states, peepholes, clip, input_forget,
linear_before_reset, every activation with alpha / beta, layout 1 (checked against onnxruntime's
layout 0 on transposed data: onnxruntime implements layout 0 only), omitted outputs, constant and
fed weights, float / double / float16, and the errors for bad attributes and shapes."""

from __future__ import annotations

import numpy as np
import onnxruntime
import pytest
from onnx import TensorProto
from onnx.reference import ReferenceEvaluator

import onyxrt
from tests.ops.op_check import check, make_node_model, rand

F = TensorProto.FLOAT
GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
STATE_OUTPUTS = {"RNN": ["Y", "Y_h"], "GRU": ["Y", "Y_h"], "LSTM": ["Y", "Y_h", "Y_c"]}
HALF = {"rtol": 2e-2, "atol": 2e-2}


def recurrent_inputs(
    op,
    seq=4,
    batch=3,
    input_size=5,
    hidden=6,
    direction="forward",
    bias=True,
    lens=None,
    initial=False,
    peepholes=False,
    layout=0,
    dtype=np.float32,
    seed=0,
) -> dict:
    """The op's inputs in node order, None for an omitted optional one (trailing ones dropped)."""
    dirs = 2 if direction == "bidirectional" else 1
    g = GATES[op]
    x_shape = (batch, seq, input_size) if layout else (seq, batch, input_size)
    state_shape = (batch, dirs, hidden) if layout else (dirs, batch, hidden)
    inputs = {
        "X": rand(*x_shape, dtype=dtype, seed=seed),
        "W": (rand(dirs, g * hidden, input_size, seed=seed + 1) * 0.5).astype(dtype),
        "R": (rand(dirs, g * hidden, hidden, seed=seed + 2) * 0.5).astype(dtype),
        "B": rand(dirs, 2 * g * hidden, dtype=dtype, seed=seed + 3) if bias else None,
        "sequence_lens": np.array(lens, dtype=np.int32) if lens is not None else None,
        "initial_h": rand(*state_shape, dtype=dtype, seed=seed + 4) if initial else None,
    }
    if op == "LSTM":
        inputs["initial_c"] = rand(*state_shape, dtype=dtype, seed=seed + 5) if initial else None
        inputs["P"] = rand(dirs, 3 * hidden, dtype=dtype, seed=seed + 6) if peepholes else None
    while inputs[next(reversed(inputs))] is None:
        inputs.popitem()
    return inputs


def build(op, inputs, attrs, outputs, opset, constants=()):
    """A single-node model; None inputs become "" in the node, "" outputs are omitted ones."""
    real = {k: v for k, v in inputs.items() if v is not None}
    model = make_node_model(op, real, constants, attrs, {o: F for o in outputs}, opset)
    node = model.graph.node[0]
    del node.input[:]
    node.input.extend([k if v is not None else "" for k, v in inputs.items()])
    del node.output[:]
    node.output.extend(outputs)
    elem = model.graph.input[0].type.tensor_type.elem_type
    for out in model.graph.output:
        out.type.tensor_type.elem_type = elem
    return model


def make_outputs(op, want):
    """Node outputs: the names in `want` in the op's order, "" for the others before the last."""
    names = STATE_OUTPUTS[op]
    last = max(names.index(w) for w in want)
    return [n if n in want else "" for n in names[: last + 1]]


def run_model(model, feeds, threads=2):
    options = onyxrt.SessionOptions()
    options.intra_op_num_threads = threads
    return onyxrt.InferenceSession(model.SerializeToString(), options).run(None, feeds)


def run_ort(model, feeds):
    sess = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def compare(
    op, inputs, attrs=None, opset=14, want=None, constants=(), rtol=1e-4, atol=1e-5, reference_opset=None
):
    """Runs the node in onyxrt and in onnxruntime (at reference_opset when onnxruntime lacks the
    node's opset) and compares every output."""
    want = want or STATE_OUTPUTS[op]
    outputs = make_outputs(op, want)
    model = build(op, inputs, attrs or {}, outputs, opset, constants)
    feeds = {k: v for k, v in inputs.items() if v is not None and k not in constants}
    got = run_model(model, feeds)
    ref_model = build(op, inputs, attrs or {}, outputs, reference_opset or opset, constants)
    expected = run_ort(ref_model, feeds)
    assert len(got) == len(expected) == len(want)
    for g, e in zip(got, expected):
        assert g.shape == e.shape and g.dtype == e.dtype, (g.shape, e.shape, g.dtype, e.dtype)
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol)
    return got


# ---------------------------------------------------------------- the signatures the issue names


@pytest.mark.parametrize("opset", [7, 14, 22])
@pytest.mark.parametrize("direction", ["forward", "reverse", "bidirectional"])
@pytest.mark.parametrize("batch", [1, 3])
def test_lstm_signature(opset, direction, batch):
    inputs = recurrent_inputs("LSTM", batch=batch, direction=direction, initial=True)
    compare("LSTM", inputs, {"hidden_size": 6, "direction": direction}, opset=opset)


@pytest.mark.parametrize("opset", [7, 14, 22])
@pytest.mark.parametrize("direction", ["forward", "reverse", "bidirectional"])
@pytest.mark.parametrize("linear_before_reset", [0, 1])
@pytest.mark.parametrize("batch", [1, 3])
def test_gru_signature(opset, direction, linear_before_reset, batch):
    inputs = recurrent_inputs("GRU", batch=batch, direction=direction, initial=True)
    attrs = {"hidden_size": 6, "direction": direction, "linear_before_reset": linear_before_reset}
    compare("GRU", inputs, attrs, opset=opset)


@pytest.mark.parametrize("opset", [7, 14, 22])
@pytest.mark.parametrize("direction", ["forward", "reverse", "bidirectional"])
@pytest.mark.parametrize("batch", [1, 3])
def test_rnn_signature(opset, direction, batch):
    inputs = recurrent_inputs("RNN", batch=batch, direction=direction, initial=True)
    compare("RNN", inputs, {"hidden_size": 6, "direction": direction}, opset=opset)


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("constants", [(), ("W", "R", "B")])
def test_defaults_no_bias_no_state(op, constants):
    # Weights as initializers take the pre-packed path; as feeds they are packed per run.
    inputs = recurrent_inputs(op, bias=not constants)
    compare(op, inputs, {"hidden_size": 6}, opset=14, constants=tuple(c for c in constants if c in inputs))


@pytest.mark.parametrize(
    "op,opset,attrs",
    [
        ("RNN", 1, {}),
        ("GRU", 1, {}),
        ("GRU", 3, {"linear_before_reset": 1}),
        ("GRU", 3, {}),
        ("LSTM", 1, {"output_sequence": 1}),
    ],
)
def test_before_opset_7(op, opset, attrs):
    # onnxruntime starts these ops at 7, where the semantics are the same (output_sequence, opset 1's
    # only extra, just made Y optional): the opset-7 node is the reference.
    inputs = recurrent_inputs(op, direction="bidirectional", initial=True, lens=[4, 2, 3])
    ref_attrs = {k: v for k, v in attrs.items() if k != "output_sequence"}
    outputs = make_outputs(op, STATE_OUTPUTS[op])
    model = build(op, inputs, {"hidden_size": 6, "direction": "bidirectional", **attrs}, outputs, opset)
    feeds = {k: v for k, v in inputs.items() if v is not None}
    got = run_model(model, feeds)
    ref = run_ort(
        build(op, inputs, {"hidden_size": 6, "direction": "bidirectional", **ref_attrs}, outputs, 7), feeds
    )
    for g, e in zip(got, ref):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- sequence lengths, states, layout


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("direction", ["forward", "reverse", "bidirectional"])
@pytest.mark.parametrize("lens", [[4, 2, 1], [1, 4, 3], [3, 0, 2]])
def test_sequence_lens(op, direction, lens):
    # Steps past a sequence's end are zero in Y; Y_h / Y_c hold each sequence's last valid step
    # (zeros for an empty sequence); reverse starts at each sequence's own last step.
    inputs = recurrent_inputs(op, direction=direction, lens=lens, initial=True, peepholes=True)
    compare(op, inputs, {"hidden_size": 6, "direction": direction}, opset=14)


@pytest.mark.parametrize("direction", ["reverse", "bidirectional"])
def test_gru_sequence_lens_linear_before_reset(direction):
    inputs = recurrent_inputs("GRU", direction=direction, lens=[2, 4, 1], initial=True)
    compare("GRU", inputs, {"hidden_size": 6, "direction": direction, "linear_before_reset": 1})


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("direction", ["forward", "bidirectional"])
def test_layout_1(op, direction):
    # onnxruntime has layout 0 only: the same data transposed to layout 0 is the reference.
    inputs = recurrent_inputs(op, direction=direction, lens=[4, 1, 3], initial=True, layout=1)
    outputs = STATE_OUTPUTS[op]
    attrs = {"hidden_size": 6, "direction": direction}
    feeds = {k: v for k, v in inputs.items() if v is not None}
    got = run_model(build(op, inputs, {**attrs, "layout": 1}, outputs, 14), feeds)
    seq_major = dict(inputs)
    seq_major["X"] = inputs["X"].transpose(1, 0, 2).copy()
    for s in ("initial_h", "initial_c"):
        if seq_major.get(s) is not None:
            seq_major[s] = inputs[s].transpose(1, 0, 2).copy()
    ref_feeds = {k: v for k, v in seq_major.items() if v is not None}
    ref = run_ort(build(op, seq_major, attrs, outputs, 14), ref_feeds)
    np.testing.assert_allclose(got[0], ref[0].transpose(2, 0, 1, 3), rtol=1e-4, atol=1e-5)  # Y
    for g, e in zip(got[1:], ref[1:]):  # Y_h, Y_c
        np.testing.assert_allclose(g, e.transpose(1, 0, 2), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
def test_layout_1_matches_reference(op):
    inputs = recurrent_inputs(op, batch=2, layout=1)
    check(
        op,
        {k: v for k, v in inputs.items() if v is not None},
        attrs={"hidden_size": 6, "layout": 1},
        outputs={"Y": F, "Y_h": F},
        opset=14,
        reference=True,
    )


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("want", [["Y"], ["Y_h"], ["Y_c"], ["Y", "Y_c"]])
def test_omitted_outputs(op, want):
    if op != "LSTM" and "Y_c" in want:
        pytest.skip("only LSTM has Y_c")
    inputs = recurrent_inputs(op, direction="bidirectional", lens=[2, 4, 3])
    compare(op, inputs, {"hidden_size": 6, "direction": "bidirectional"}, want=want)


# ---------------------------------------------------------------- cell options


@pytest.mark.parametrize("direction", ["forward", "bidirectional"])
def test_lstm_peepholes_and_input_forget(direction):
    inputs = recurrent_inputs("LSTM", direction=direction, initial=True, peepholes=True, lens=[4, 3, 2])
    compare("LSTM", inputs, {"hidden_size": 6, "direction": direction})
    compare("LSTM", inputs, {"hidden_size": 6, "direction": direction, "input_forget": 1})


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("clip", [0.3, 2.0])
def test_clip(op, clip):
    inputs = recurrent_inputs(op, direction="bidirectional", initial=True, peepholes=True)
    inputs["X"] = inputs["X"] * 3
    compare(op, inputs, {"hidden_size": 6, "direction": "bidirectional", "clip": clip})
    if op == "GRU":
        compare(
            op,
            inputs,
            {"hidden_size": 6, "direction": "bidirectional", "clip": clip, "linear_before_reset": 1},
        )


LSTM_ACTIVATIONS = [
    (["HardSigmoid", "LeakyRelu", "Elu"], [0.3, 0.2, 0.7], [0.4]),
    (["Sigmoid", "ScaledTanh", "Affine"], [0.8, 0.5], [1.5, 0.1]),
    (["HardSigmoid", "Softsign", "Softplus"], [], []),  # HardSigmoid's defaults 0.2, 0.5
    (["Sigmoid", "Relu", "ThresholdedRelu"], [0.1], []),
    (["Sigmoid", "Tanh", "LeakyRelu"], [], []),  # LeakyRelu's default 0.01
]


@pytest.mark.parametrize("acts,alphas,betas", LSTM_ACTIVATIONS)
def test_lstm_activations(acts, alphas, betas):
    # alpha / beta values go, in order, to the functions that take them (as onnxruntime reads them).
    inputs = recurrent_inputs("LSTM", direction="bidirectional", initial=True, lens=[4, 2, 3])
    attrs = {
        "hidden_size": 6,
        "direction": "bidirectional",
        "activations": acts + ["Sigmoid", "Tanh", "Tanh"],
    }
    if alphas:
        attrs["activation_alpha"] = alphas
    if betas:
        attrs["activation_beta"] = betas
    compare("LSTM", inputs, attrs)


@pytest.mark.parametrize(
    "acts,alphas,betas",
    [
        (["HardSigmoid", "Elu"], [0.25, 0.5], [0.45]),
        (["Sigmoid", "LeakyRelu"], [0.2], []),
        (["Sigmoid", "ScaledTanh"], [1.2], [0.7]),
        (["Sigmoid", "Relu"], [], []),
    ],
)
@pytest.mark.parametrize("linear_before_reset", [0, 1])
def test_gru_activations(acts, alphas, betas, linear_before_reset):
    inputs = recurrent_inputs("GRU", initial=True)
    attrs = {"hidden_size": 6, "activations": acts, "linear_before_reset": linear_before_reset}
    if alphas:
        attrs["activation_alpha"] = alphas
    if betas:
        attrs["activation_beta"] = betas
    compare("GRU", inputs, attrs)


@pytest.mark.parametrize(
    "acts,alphas,betas",
    [
        (["Relu"], [], []),
        (["Sigmoid"], [], []),
        (["Affine"], [0.5], [0.2]),
        (["ThresholdedRelu"], [0.2], []),
        (["HardSigmoid"], [0.3], [0.6]),
        (["Elu"], [0.4], []),
        (["Softplus"], [], []),
    ],
)
def test_rnn_activations(acts, alphas, betas):
    inputs = recurrent_inputs("RNN", direction="bidirectional", initial=True)
    attrs = {"hidden_size": 6, "direction": "bidirectional", "activations": acts + ["Tanh"]}
    if alphas:
        attrs["activation_alpha"] = alphas
    if betas:
        attrs["activation_beta"] = betas
    compare("RNN", inputs, attrs)


@pytest.mark.parametrize(
    "act,alphas,betas,f",
    [
        ("ThresholdedRelu", [], [], lambda a: np.where(a >= 1.0, a, 0.0)),  # ThresholdedRelu's alpha 1.0
        ("Affine", [], [], lambda a: a),  # Affine's alpha 1.0, beta 0.0
        ("Elu", [], [], lambda a: np.where(a >= 0, a, np.expm1(a))),  # Elu's alpha 1.0
        ("Softsign", [], [], lambda a: a / (1 + np.abs(a))),  # onnxruntime's RNN rejects Softsign
        ("ScaledTanh", [0.7], [1.3], lambda a: 0.7 * np.tanh(1.3 * a)),
    ],
)
def test_rnn_activation_against_numpy(act, alphas, betas, f):
    # The schemas give absent alpha / beta the ONNX operator's defaults; onnxruntime uses 0 for
    # ThresholdedRelu and Affine, so the recurrence is written out here instead.
    inputs = recurrent_inputs("RNN", seq=3, batch=2, initial=True)
    inputs["X"] = inputs["X"] * 2
    attrs = {"hidden_size": 6, "activations": [act]}
    if alphas:
        attrs["activation_alpha"] = alphas
    if betas:
        attrs["activation_beta"] = betas
    got = run_model(
        build("RNN", inputs, attrs, ["Y", "Y_h"], 14), {k: v for k, v in inputs.items() if v is not None}
    )
    x, w, r, b, h = (inputs[k].astype(np.float64) for k in ("X", "W", "R", "B", "initial_h"))
    h = h[0]
    ys = []
    for t in range(3):
        h = f(x[t] @ w[0].T + h @ r[0].T + b[0, :6] + b[0, 6:])
        ys.append(h)
    np.testing.assert_allclose(got[0][:, 0], np.stack(ys), rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(got[1][0], h, rtol=1e-5, atol=2e-6)


def test_rnn_schema_default_activation_list():
    # RNN's schema default lists two names whatever the direction: a forward node may carry it.
    inputs = recurrent_inputs("RNN")
    compare("RNN", inputs, {"hidden_size": 6, "activations": ["Relu", "Tanh"]})


# ---------------------------------------------------------------- types and sizes


def check_double_against_float_reference(op, inputs, attrs, atol):
    """The op on the inputs in double (onyxrt) against onnxruntime's float run of the same model."""
    as_double = {
        k: (v.astype(np.float64) if v is not None and v.dtype == np.float32 else v) for k, v in inputs.items()
    }
    got = run_model(
        build(op, as_double, attrs, STATE_OUTPUTS[op], 14),
        {k: v for k, v in as_double.items() if v is not None},
    )
    ref = run_ort(
        build(op, inputs, attrs, STATE_OUTPUTS[op], 14), {k: v for k, v in inputs.items() if v is not None}
    )
    for g, e in zip(got, ref):
        assert g.dtype == np.float64
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=atol)


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
def test_double_against_float(op):
    # onnxruntime's RNN, GRU and LSTM are float-only: the double run matches its float one to float precision.
    inputs = recurrent_inputs(op, direction="bidirectional", initial=True, lens=[4, 1, 3], peepholes=True)
    check_double_against_float_reference(op, inputs, {"hidden_size": 6, "direction": "bidirectional", "clip": 1.5},
                                         atol=1e-6)


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("opset", [14, 22])
def test_float16(op, opset):
    inputs = recurrent_inputs(op, batch=2, dtype=np.float16)
    inputs = {k: v for k, v in inputs.items() if v is not None}
    check(
        op,
        inputs,
        attrs={"hidden_size": 6},
        outputs={"Y": TensorProto.FLOAT16, "Y_h": TensorProto.FLOAT16},
        opset=opset,
        reference=True,
        **HALF,
    )


@pytest.mark.parametrize("op", ["GRU", "LSTM"])
def test_float16_constant_weights(op):
    inputs = recurrent_inputs(op, batch=2, direction="bidirectional", dtype=np.float16)
    inputs = {k: v for k, v in inputs.items() if v is not None}
    check(
        op,
        inputs,
        constants=("W", "R"),
        attrs={"hidden_size": 6, "direction": "bidirectional"},
        outputs={"Y": TensorProto.FLOAT16, "Y_h": TensorProto.FLOAT16},
        opset=14,
        reference=True,
        **HALF,
    )


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
def test_bfloat16_at_22(op):
    import ml_dtypes

    inputs = recurrent_inputs(op, batch=2)
    inputs = {k: v for k, v in inputs.items() if v is not None}
    want = run_model(build(op, inputs, {"hidden_size": 6}, ["Y", "Y_h"], 22), inputs)
    as_bf16 = {k: v.astype(ml_dtypes.bfloat16) for k, v in inputs.items()}
    model = build(op, as_bf16, {"hidden_size": 6}, ["Y", "Y_h"], 22)
    for out in model.graph.output:
        out.type.tensor_type.elem_type = TensorProto.BFLOAT16
    got = run_model(model, as_bf16)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.astype(np.float32), w, rtol=5e-2, atol=5e-2)


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("direction", ["forward", "bidirectional"])
def test_larger_sizes_and_threads(op, direction):
    # Big enough for the batch-chunk and side-by-side-direction parallel paths; one thread and
    # several must agree with onnxruntime alike.
    inputs = recurrent_inputs(
        op,
        seq=5,
        batch=160,
        input_size=33,
        hidden=37,
        direction=direction,
        initial=True,
        lens=list(np.random.default_rng(3).integers(0, 6, size=160)),
    )
    attrs = {"hidden_size": 37, "direction": direction}
    compare(op, inputs, attrs, constants=("W", "R"), rtol=1e-3, atol=1e-4)
    outputs = STATE_OUTPUTS[op]
    model = build(op, inputs, attrs, outputs, 14)
    feeds = {k: v for k, v in inputs.items() if v is not None}
    for a, b in zip(run_model(model, feeds, threads=1), run_model(model, feeds, threads=4)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


UNIT_BLOCK_CASES = [
    ("RNN", {}),
    ("GRU", {"linear_before_reset": 0}),
    ("GRU", {"linear_before_reset": 1}),
    ("LSTM", {}),
    ("LSTM", {"input_forget": 1}),
]


@pytest.mark.parametrize("op,extra", UNIT_BLOCK_CASES)
@pytest.mark.parametrize("hidden", [33, 70, 300])
@pytest.mark.parametrize("constants", [(), ("W", "R")])
def test_unit_blocks(op, extra, hidden, constants):
    # Above 32 hidden units a step's product and cells run per block of units (3 blocks of 32,
    # 32 and 6 at 70; 8 blocks of 40 and a last of 20 at 300), the blocks in parallel: every cell
    # option must read its own units' gates, one thread and two must agree.
    inputs = recurrent_inputs(
        op,
        seq=3,
        batch=3,
        input_size=7,
        hidden=hidden,
        direction="bidirectional",
        initial=True,
        peepholes=True,
        lens=[3, 1, 2],
    )
    for k in ("W", "R"):
        inputs[k] = inputs[k] * (6.0 / hidden) ** 0.5  # keeps the gates out of saturation
    attrs = {"hidden_size": hidden, "direction": "bidirectional", "clip": 2.5, **extra}
    compare(op, inputs, attrs, constants=constants, rtol=1e-4, atol=2e-5)
    model = build(op, inputs, attrs, STATE_OUTPUTS[op], 14, constants)
    feeds = {k: v for k, v in inputs.items() if v is not None and k not in constants}
    for a, b in zip(run_model(model, feeds, threads=1), run_model(model, feeds, threads=2)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("op,extra", UNIT_BLOCK_CASES)
def test_unit_blocks_double(op, extra):
    inputs = recurrent_inputs(
        op, seq=3, batch=2, input_size=4, hidden=70, initial=True, peepholes=True, lens=[3, 2]
    )
    for k in ("W", "R"):
        inputs[k] = inputs[k] * (6.0 / 70) ** 0.5
    check_double_against_float_reference(op, inputs, {"hidden_size": 70, **extra}, atol=1e-5)


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
def test_all_sequences_empty(op):
    inputs = recurrent_inputs(op, initial=True, lens=[0, 0, 0])
    compare(op, inputs, {"hidden_size": 6})


@pytest.mark.parametrize("op", ["RNN", "LSTM"])
@pytest.mark.parametrize("constants", [(), ("W", "R")])
def test_empty_input_size(op, constants):
    # input_size 0: the projection is the bias alone.
    inputs = recurrent_inputs(op, input_size=0, initial=True)
    compare(op, inputs, {"hidden_size": 6}, constants=constants)


def test_gru_empty_input_size():
    # onnxruntime 1.32 aborts the process on this GRU: onnx.reference is the reference.
    inputs = recurrent_inputs("GRU", input_size=0, initial=True)
    model = build("GRU", inputs, {"hidden_size": 6}, ["Y", "Y_h"], 14)
    feeds = {k: v for k, v in inputs.items() if v is not None}
    for g, e in zip(run_model(model, feeds), ReferenceEvaluator(model).run(None, feeds)):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
def test_empty_sequence(op):
    # seq_length 0: Y is empty and the final states are zero, as for sequence_lens 0 (onnxruntime
    # leaves them uninitialised here, so the expectation is written out).
    inputs = recurrent_inputs(op, seq=0, initial=True)
    got = run_model(
        build(op, inputs, {"hidden_size": 6}, STATE_OUTPUTS[op], 14),
        {k: v for k, v in inputs.items() if v is not None},
    )
    assert got[0].shape == (0, 1, 3, 6)
    for state in got[1:]:
        np.testing.assert_array_equal(state, np.zeros((1, 3, 6), np.float32))


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
def test_empty_batch(op):
    inputs = recurrent_inputs(op, batch=0)
    model = build(op, inputs, {"hidden_size": 6}, STATE_OUTPUTS[op], 14)
    got = run_model(model, {k: v for k, v in inputs.items() if v is not None})
    assert got[0].shape == (4, 1, 0, 6) and got[1].shape == (1, 0, 6)


# ---------------------------------------------------------------- errors


def error_of(op, inputs, attrs, opset=14, outputs=None):
    model = build(op, inputs, attrs, outputs or STATE_OUTPUTS[op][:2], opset)
    with pytest.raises(Exception) as info:
        run_model(model, {k: v for k, v in inputs.items() if v is not None})
    return type(info.value).__name__, str(info.value)


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
def test_hidden_size_mismatch(op):
    name, msg = error_of(op, recurrent_inputs(op), {"hidden_size": 7})
    assert name == "InvalidArgument" and "hidden_size 7" in msg, msg


def test_hidden_size_mismatch_with_constant_weights():
    inputs = recurrent_inputs("LSTM")
    model = build("LSTM", inputs, {"hidden_size": 5}, ["Y"], 14, constants=("W", "R"))
    with pytest.raises(onyxrt.InvalidGraph, match="hidden_size 5"):
        onyxrt.InferenceSession(model.SerializeToString())


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
def test_bad_direction(op):
    name, msg = error_of(op, recurrent_inputs(op), {"direction": "sideways"})
    assert name == "InvalidGraph" and "'direction' is 'sideways'" in msg, msg


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
def test_direction_disagrees_with_weights(op):
    name, msg = error_of(op, recurrent_inputs(op), {"direction": "bidirectional"})
    assert name == "InvalidArgument" and "2 direction(s)" in msg, msg


@pytest.mark.parametrize("op", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("lens", [[5, 1, 1], [-1, 2, 2]])
def test_sequence_lens_out_of_range(op, lens):
    name, msg = error_of(op, recurrent_inputs(op, lens=lens), {})
    assert name == "InvalidArgument" and "sequence_lens" in msg and "outside [0, seq_length = 4]" in msg, msg


def test_bad_shapes():
    inputs = recurrent_inputs("LSTM", initial=True)
    bad = dict(inputs, initial_h=inputs["initial_h"][:, :2])
    assert "initial_h" in error_of("LSTM", bad, {})[1]
    bad = dict(inputs, B=inputs["B"][:, :10])
    assert "input B must have shape" in error_of("LSTM", bad, {})[1]
    bad = dict(inputs, X=inputs["X"][0])
    assert "X must be 3-D" in error_of("LSTM", bad, {})[1]
    bad = dict(inputs, X=inputs["X"][..., :4])
    assert "input size" in error_of("LSTM", bad, {})[1]
    peep = recurrent_inputs("LSTM", peepholes=True)
    peep["P"] = peep["P"][:, :5]
    assert "input P must have shape" in error_of("LSTM", peep, {})[1]


@pytest.mark.parametrize(
    "attrs,text",
    [
        ({"activations": ["Sigmoid", "Tanh", "Gelu"]}, "unknown activation 'Gelu'"),
        ({"activations": ["Sigmoid", "Tanh"]}, "has 2 names, expected 3"),
        ({"activations": ["Sigmoid", "ScaledTanh", "Tanh"]}, "ScaledTanh' has no default alpha"),
        ({"clip": 0.0}, "'clip' must be positive"),
        ({"layout": 2}, "'layout' must be 0 or 1"),
        ({"hidden_size": -1}, "'hidden_size' must be positive"),
    ],
)
def test_bad_attributes(attrs, text):
    name, msg = error_of("LSTM", recurrent_inputs("LSTM"), attrs)
    assert name == "InvalidGraph" and text in msg, msg


# ---------------------------------------------------------------- LinearAttention (27)


def attention_inputs(
    rule,
    b=2,
    t=4,
    hq=4,
    hkv=4,
    dk=8,
    dv=8,
    past=False,
    per_head_decay=False,
    beta_last=None,
    dtype=np.float32,
):
    rng = np.random.default_rng(7)
    inputs = {
        "query": rand(b, t, hq * dk, dtype=dtype, seed=1),
        "key": (rand(b, t, hkv * dk, seed=2) / np.sqrt(dk)).astype(dtype),
        "value": rand(b, t, hkv * dv, dtype=dtype, seed=3),
        "past_state": rand(b, hkv, dk, dv, dtype=dtype, seed=4) if past else None,
    }
    if rule in ("gated", "gated_delta"):
        width = hkv if per_head_decay else hkv * dk
        inputs["decay"] = (-rng.uniform(0.01, 0.5, size=(b, t, width))).astype(dtype)
    else:
        inputs["decay"] = None
    if rule in ("delta", "gated_delta"):
        inputs["beta"] = rng.uniform(0.1, 0.9, size=(b, t, beta_last or hkv)).astype(dtype)
    while inputs[next(reversed(inputs))] is None:
        inputs.popitem()
    return inputs


def attention_model(inputs, attrs, state_type=None):
    names = list(inputs)
    real = {k: v for k, v in inputs.items() if v is not None}
    elem = TensorProto.FLOAT16 if inputs["query"].dtype == np.float16 else F
    model = make_node_model(
        "LinearAttention", real, (), attrs, {"output": elem, "present_state": state_type or elem}, 27
    )
    node = model.graph.node[0]
    del node.input[:]
    node.input.extend([n if inputs[n] is not None else "" for n in names])
    return model


@pytest.mark.parametrize("rule", ["linear", "gated", "delta", "gated_delta"])
@pytest.mark.parametrize("past", [False, True])
def test_linear_attention_rules(rule, past):
    inputs = attention_inputs(rule, past=past)
    attrs = {"q_num_heads": 4, "kv_num_heads": 4, "update_rule": rule}
    model = attention_model(inputs, attrs)
    feeds = {k: v for k, v in inputs.items() if v is not None}
    for g, e in zip(run_model(model, feeds), run_ort(model, feeds)):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "kwargs,attrs",
    [
        ({"hq": 8, "hkv": 2}, {"q_num_heads": 8, "kv_num_heads": 2}),  # GQA
        ({"hq": 4, "hkv": 1, "beta_last": 1}, {"q_num_heads": 4, "kv_num_heads": 1}),  # MQA, shared beta
        ({"per_head_decay": True, "dv": 5}, {"q_num_heads": 4, "kv_num_heads": 4, "scale": 0.3}),
        ({"t": 1, "past": True, "dk": 3}, {"q_num_heads": 4, "kv_num_heads": 4, "chunk_size": 2}),
    ],
)
def test_linear_attention_heads_and_shapes(kwargs, attrs):
    inputs = attention_inputs("gated_delta", **kwargs)
    model = attention_model(inputs, attrs)
    feeds = {k: v for k, v in inputs.items() if v is not None}
    for g, e in zip(run_model(model, feeds), run_ort(model, feeds)):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)


def test_linear_attention_float16_and_float_state():
    inputs = attention_inputs("gated_delta", past=True, dtype=np.float16)
    attrs = {"q_num_heads": 4, "kv_num_heads": 4}
    check(
        "LinearAttention",
        {k: v for k, v in inputs.items() if v is not None},
        attrs=attrs,
        outputs={"output": TensorProto.FLOAT16, "present_state": TensorProto.FLOAT16},
        opset=27,
        reference=True,
        **HALF,
    )
    # The state may have its own type S: a float state with float16 activations.
    inputs["past_state"] = inputs["past_state"].astype(np.float32)
    model = attention_model(inputs, attrs, state_type=F)
    feeds = {k: v for k, v in inputs.items() if v is not None}
    got, want = run_model(model, feeds), ReferenceEvaluator(model).run(None, feeds)
    assert got[1].dtype == np.float32 and got[0].dtype == np.float16
    for g, e in zip(got, want):
        np.testing.assert_allclose(g.astype(np.float32), e.astype(np.float32), **HALF)


@pytest.mark.parametrize(
    "rule,drop,attrs,text",
    [
        ("gated", "decay", {}, "requires decay"),
        ("delta", "beta", {}, "requires beta"),
        ("linear", None, {"update_rule": "linear", "decay_extra": True}, "takes no decay"),
        ("gated_delta", None, {"q_num_heads": 3}, "positive multiple"),
        ("gated_delta", None, {"update_rule": "softmax"}, "'update_rule' is 'softmax'"),
    ],
)
def test_linear_attention_errors(rule, drop, attrs, text):
    inputs = attention_inputs(rule)
    attrs = {"q_num_heads": 4, "kv_num_heads": 4, "update_rule": rule, **attrs}
    if attrs.pop("decay_extra", False):
        inputs["past_state"], inputs["decay"] = None, attention_inputs("gated")["decay"]
    if drop:
        inputs[drop] = None
        while inputs[next(reversed(inputs))] is None:
            inputs.popitem()
    with pytest.raises(onyxrt.InvalidGraph, match=text):
        onyxrt.InferenceSession(attention_model(inputs, attrs).SerializeToString())


def test_linear_attention_bad_shapes():
    attrs = {"q_num_heads": 4, "kv_num_heads": 4, "update_rule": "gated"}
    inputs = attention_inputs("gated")
    inputs["decay"] = inputs["decay"][..., :5]
    with pytest.raises(onyxrt.InvalidArgument, match="decay's last dim 5"):
        run_model(attention_model(inputs, attrs), {k: v for k, v in inputs.items() if v is not None})
    inputs = attention_inputs("gated", past=True)
    inputs["past_state"] = inputs["past_state"][:, :, :4]
    with pytest.raises(onyxrt.InvalidArgument, match="past_state must have shape"):
        run_model(attention_model(inputs, attrs), {k: v for k, v in inputs.items() if v is not None})
    inputs = attention_inputs("gated")
    inputs["key"] = inputs["key"][:, :, :16]
    with pytest.raises(onyxrt.InvalidArgument, match="key's last dim"):
        run_model(attention_model(inputs, attrs), {k: v for k, v in inputs.items() if v is not None})


# ---------------------------------------------------------------- CausalConvWithState (27)


def conv_model(inputs, attrs, elem=F):
    names = list(inputs)
    real = {k: v for k, v in inputs.items() if v is not None}
    model = make_node_model(
        "CausalConvWithState", real, (), attrs, {"output": elem, "present_state": elem}, 27
    )
    node = model.graph.node[0]
    del node.input[:]
    node.input.extend([n if inputs[n] is not None else "" for n in names])
    return model


@pytest.mark.parametrize("k", [1, 2, 4, 7])
@pytest.mark.parametrize("length", [1, 3, 9])
@pytest.mark.parametrize("bias,past", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("activation", ["none", "silu", "swish"])
def test_causal_conv_with_state(k, length, bias, past, activation):
    inputs = {
        "input": rand(2, 3, length, seed=1),
        "weight": rand(3, 1, k, seed=2),
        "bias": rand(3, seed=3) if bias else None,
        "past_state": rand(2, 3, k - 1, seed=4) if past else None,
    }
    while inputs[next(reversed(inputs))] is None:
        inputs.popitem()
    model = conv_model(inputs, {"activation": activation})
    feeds = {k_: v for k_, v in inputs.items() if v is not None}
    got, want = run_model(model, feeds), run_ort(model, feeds)
    for g, e in zip(got, want):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


def test_causal_conv_with_state_float16():
    inputs = {
        "input": rand(2, 4, 6, dtype=np.float16, seed=1),
        "weight": rand(4, 1, 3, dtype=np.float16, seed=2),
        "bias": rand(4, dtype=np.float16, seed=3),
        "past_state": rand(2, 4, 2, dtype=np.float16, seed=4),
    }
    check(
        "CausalConvWithState",
        inputs,
        attrs={"activation": "silu"},
        outputs={"output": TensorProto.FLOAT16, "present_state": TensorProto.FLOAT16},
        opset=27,
        reference=True,
        **HALF,
    )


def test_causal_conv_with_state_errors():
    good = {"input": rand(2, 3, 5), "weight": rand(3, 1, 3)}
    with pytest.raises(onyxrt.InvalidGraph, match="'activation' is 'gelu'"):
        onyxrt.InferenceSession(conv_model(good, {"activation": "gelu"}).SerializeToString())
    for inputs, text in [
        ({"input": rand(2, 3, 5), "weight": rand(4, 1, 3)}, "weight must have shape"),
        ({"input": rand(2, 3, 5), "weight": rand(3, 2, 3)}, "weight must have shape"),
        ({"input": rand(2, 3, 5), "weight": rand(3, 1, 0)}, "weight must have shape"),
        ({"input": rand(3, 5), "weight": rand(3, 1, 3)}, "input must be 3-D"),
        ({**good, "bias": rand(4)}, "bias must have shape"),
        ({**good, "bias": rand(3), "past_state": rand(2, 3, 3)}, "past_state must have shape"),
    ]:
        with pytest.raises(onyxrt.InvalidArgument, match=text):
            run_model(conv_model(inputs, {}), inputs)

"""fuse_gelu (ORT_ENABLE_EXTENDED and up): the GELU subgraphs exporters emit before opset 20
become one com.microsoft Gelu / FastGelu node, or BiasGelu / FastGelu with a bias when x is a
MatMul output plus a constant row. Fires on torch exports of nn.GELU (both approximations, opsets
13 and 17) and on hand-built orderings; leaves near-misses alone. Every case is compared with
onnxruntime and with the unoptimized run at every level, and the optimized model file (with
its contrib ops) must load in onnxruntime and give the same outputs."""

from __future__ import annotations

import io
import warnings

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

from tests.optimizer.levels import assert_levels_agree, assert_same_everywhere, optimized_model, rules_fired

RULE = "fuse_gelu"
SQRT2 = np.float32(np.sqrt(2.0))
BETA = float(np.sqrt(2 / np.pi))


def scalar(name: str, value, dtype=np.float32, rank1: bool = False):
    array = np.array([value] if rank1 else value, dtype=dtype)
    return numpy_helper.from_array(array, name)


def feeds_for(model: onnx.ModelProto, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    feeds = {}
    for value in model.graph.input:
        shape = [d.dim_value or 2 for d in value.type.tensor_type.shape.dim]
        dtype = helper.tensor_dtype_to_np_dtype(value.type.tensor_type.elem_type)
        feeds[value.name] = (rng.standard_normal(shape) * 3).astype(dtype)
    return feeds


def fused_ops(model: onnx.ModelProto) -> list[str]:
    return [
        n.op_type
        for n in optimized_model(model, "ORT_ENABLE_EXTENDED").graph.node
        if n.domain == "com.microsoft"
    ]


def assert_onnxruntime_runs_optimized(model: onnx.ModelProto, feeds: dict) -> None:
    """The optimized model file loads in onnxruntime (the contrib ops it names exist there) and
    gives what onnxruntime gives on the original."""
    optimized = optimized_model(model, "ORT_ENABLE_EXTENDED")
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    got = onnxruntime.InferenceSession(
        optimized.SerializeToString(), options, providers=["CPUExecutionProvider"]
    ).run(None, feeds)
    want = onnxruntime.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    ).run(None, feeds)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def assert_fires(model: onnx.ModelProto, capfd, count: int = 1) -> None:
    assert RULE not in rules_fired(model, "ORT_ENABLE_BASIC", capfd)
    for level in ("ORT_ENABLE_EXTENDED", "ORT_ENABLE_ALL"):
        assert rules_fired(model, level, capfd).get(RULE) == count, level


# ------------------------------------------------------------------------------------ torch exports
def torch_export(approximate: str, opset: int, linear: bool) -> onnx.ModelProto:
    torch = pytest.importorskip("torch")

    class Mlp(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(8, 16) if linear else torch.nn.Identity()
            self.gelu = torch.nn.GELU(approximate=approximate)

        def forward(self, x):
            return self.gelu(self.linear(x))

    torch.manual_seed(0)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Mlp().eval(),
            torch.randn(2, 3, 8),
            buffer,
            opset_version=opset,
            dynamo=False,
            input_names=["x"],
            output_names=["y"],
        )
    return onnx.load_from_string(buffer.getvalue())


@pytest.mark.parametrize("opset", [13, 17])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("linear", [False, True])
def test_torch_gelu_exports(approximate, opset, linear, capfd):
    model = torch_export(approximate, opset, linear)
    feeds = feeds_for(model)
    assert_fires(model, capfd)
    want = {
        ("none", False): ["Gelu"],
        ("none", True): ["BiasGelu"],
        ("tanh", False): ["FastGelu"],
        ("tanh", True): ["FastGelu"],
    }[(approximate, linear)]
    assert fused_ops(model) == want
    if approximate == "tanh" and linear:  # the bias joined FastGelu as its second input
        node = next(
            n for n in optimized_model(model, "ORT_ENABLE_EXTENDED").graph.node if n.op_type == "FastGelu"
        )
        assert len(node.input) == 2
    assert_same_everywhere(model, feeds, rtol=1e-5, atol=1e-6)
    assert_onnxruntime_runs_optimized(model, feeds)


# ------------------------------------------------------------------------------------ hand-built
def erf_gelu(
    *,
    scale="div",
    plus_one="e+1",
    product="(x*s)*h",
    sqrt2=SQRT2,
    one=1.0,
    half=0.5,
    extra_reader=None,
    dtype=np.float32,
    rank1=False,
    shape=(2, 5),
) -> onnx.ModelProto:
    """y = x * 0.5 * (1 + erf(x / sqrt 2)) in the orderings exporters write."""
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    inits = [scalar("one", one, dtype, rank1), scalar("half", half, dtype, rank1)]
    if scale == "div":
        nodes = [helper.make_node("Div", ["x", "sqrt2"], ["d"])]
        inits.append(scalar("sqrt2", sqrt2, dtype, rank1))
    else:
        nodes = [helper.make_node("Mul", ["inv_sqrt2", "x"], ["d"])]
        inits.append(scalar("inv_sqrt2", 1 / sqrt2, dtype, rank1))
    nodes.append(helper.make_node("Erf", ["d"], ["e"]))
    nodes.append(helper.make_node("Add", ["e", "one"] if plus_one == "e+1" else ["one", "e"], ["s"]))
    nodes += product_nodes(product)
    return finish(nodes, inits, elem, shape, extra_reader)


def product_nodes(product: str) -> list:
    if product == "(x*s)*h":
        return [helper.make_node("Mul", ["x", "s"], ["xs"]), helper.make_node("Mul", ["xs", "half"], ["y"])]
    if product == "h*(s*x)":
        return [helper.make_node("Mul", ["s", "x"], ["xs"]), helper.make_node("Mul", ["half", "xs"], ["y"])]
    if product == "(x*h)*s":
        return [helper.make_node("Mul", ["x", "half"], ["xh"]), helper.make_node("Mul", ["xh", "s"], ["y"])]
    if product == "s*(h*x)":
        return [helper.make_node("Mul", ["half", "x"], ["xh"]), helper.make_node("Mul", ["s", "xh"], ["y"])]
    if product == "x*(s*h)":
        return [helper.make_node("Mul", ["s", "half"], ["sh"]), helper.make_node("Mul", ["x", "sh"], ["y"])]
    raise ValueError(product)


def finish(nodes, inits, elem, shape, extra_reader) -> onnx.ModelProto:
    outputs = [helper.make_tensor_value_info("y", elem, None)]
    if extra_reader == "output":  # an intermediate is also a graph output
        outputs.append(helper.make_tensor_value_info("s", elem, None))
    elif extra_reader == "node":  # an intermediate feeds another node too
        nodes.append(
            helper.make_node("Neg", ["e" if any(n.op_type == "Erf" for n in nodes) else "t"], ["other"])
        )
        outputs.append(helper.make_tensor_value_info("other", elem, None))
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", elem, list(shape))], outputs, initializer=inits
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def tanh_gelu(
    *,
    cube="pow",
    product="(x*h)*s",
    kappa=0.044715,
    beta=BETA,
    extra_reader=None,
    dtype=np.float32,
    shape=(2, 5),
) -> onnx.ModelProto:
    """y = x * 0.5 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3)))."""
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    inits = [
        scalar("one", 1.0, dtype),
        scalar("half", 0.5, dtype),
        scalar("kappa", kappa, dtype),
        scalar("beta", beta, dtype),
    ]
    if cube == "pow":
        nodes = [helper.make_node("Pow", ["x", "three"], ["c"])]
        inits.append(scalar("three", 3.0, dtype))
    elif cube == "x*(x*x)":
        nodes = [helper.make_node("Mul", ["x", "x"], ["xx"]), helper.make_node("Mul", ["x", "xx"], ["c"])]
    else:
        nodes = [helper.make_node("Mul", ["x", "x"], ["xx"]), helper.make_node("Mul", ["xx", "x"], ["c"])]
    nodes += [
        helper.make_node("Mul", ["kappa", "c"], ["kc"]),
        helper.make_node("Add", ["x", "kc"], ["inner"]),
        helper.make_node("Mul", ["beta", "inner"], ["u"]),
        helper.make_node("Tanh", ["u"], ["t"]),
        helper.make_node("Add", ["one", "t"], ["s"]),
    ]
    nodes += product_nodes(product)
    return finish(nodes, inits, elem, shape, extra_reader)


PRODUCTS = ["(x*s)*h", "h*(s*x)", "(x*h)*s", "s*(h*x)", "x*(s*h)"]


@pytest.mark.parametrize("product", PRODUCTS)
@pytest.mark.parametrize("scale", ["div", "mul"])
@pytest.mark.parametrize("plus_one", ["e+1", "1+e"])
def test_erf_orderings(product, scale, plus_one, capfd):
    model = erf_gelu(scale=scale, plus_one=plus_one, product=product)
    assert_fires(model, capfd)
    assert fused_ops(model) == ["Gelu"]
    assert_same_everywhere(model, feeds_for(model))
    assert_onnxruntime_runs_optimized(model, feeds_for(model))


@pytest.mark.parametrize("product", PRODUCTS)
@pytest.mark.parametrize("cube", ["pow", "x*(x*x)", "(x*x)*x"])
def test_tanh_orderings(cube, product, capfd):
    model = tanh_gelu(cube=cube, product=product)
    assert_fires(model, capfd)
    assert fused_ops(model) == ["FastGelu"]
    assert_same_everywhere(model, feeds_for(model))
    assert_onnxruntime_runs_optimized(model, feeds_for(model))


def test_rank1_constants_and_torch_rounded_values(capfd):
    # torch writes 1.4142135 and 0.70710677 (float32 roundings); constants may be shape [1].
    model = erf_gelu(rank1=True, sqrt2=1.4142135)
    assert_fires(model, capfd)
    assert_same_everywhere(model, feeds_for(model))


def test_two_patterns_in_one_graph(capfd):
    # Gelu(Gelu(x)): the second pattern's x is the first one's output.
    first = erf_gelu()
    graph = first.graph
    renamed = []
    for node in list(graph.node):
        copy = onnx.NodeProto()
        copy.CopyFrom(node)
        copy.input[:] = [
            "y" if i == "x" else (i if i in ("one", "half", "sqrt2") else i + "2") for i in node.input
        ]
        copy.output[:] = [o + "2" for o in node.output]
        renamed.append(copy)
    graph.node.extend(renamed)
    graph.output[0].name = "y2"
    assert_fires(first, capfd, count=2)
    assert fused_ops(first) == ["Gelu", "Gelu"]
    assert_same_everywhere(first, feeds_for(first))


# ------------------------------------------------------------------------------------ near misses
@pytest.mark.parametrize(
    "model",
    [
        pytest.param(lambda: erf_gelu(sqrt2=1.5), id="divisor-1.5"),
        pytest.param(lambda: erf_gelu(one=2.0), id="plus-2"),
        pytest.param(lambda: erf_gelu(half=0.6), id="half-0.6"),
        pytest.param(lambda: tanh_gelu(kappa=0.05), id="kappa-0.05"),
        pytest.param(lambda: tanh_gelu(beta=0.8), id="beta-0.8"),
        pytest.param(lambda: erf_gelu(extra_reader="output"), id="erf-sum-is-graph-output"),
        pytest.param(lambda: erf_gelu(extra_reader="node"), id="erf-output-read-twice"),
        pytest.param(lambda: tanh_gelu(extra_reader="node"), id="tanh-output-read-twice"),
    ],
)
def test_near_misses_left_alone(model, capfd):
    model = model()
    assert RULE not in rules_fired(model, "ORT_ENABLE_ALL", capfd)
    assert fused_ops(model) == []
    assert_same_everywhere(model, feeds_for(model))


def test_double_left_alone(capfd):
    # onnxruntime's contrib GELU kernels are float32 only (and it has no double Erf to compare).
    model = erf_gelu(dtype=np.float64)
    assert RULE not in rules_fired(model, "ORT_ENABLE_ALL", capfd)
    assert_levels_agree(model, feeds_for(model), rtol=1e-12, atol=1e-14)


def test_bias_add_with_another_reader_stays():
    # x = MatMul + b is read by the pattern and by another node: the Add stays, Gelu(x) is fused.
    rng = np.random.default_rng(3)
    w = numpy_helper.from_array(rng.standard_normal((8, 6)).astype(np.float32), "W")
    b = numpy_helper.from_array(rng.standard_normal(6).astype(np.float32), "b")
    model = erf_gelu()
    graph = model.graph
    graph.input[0].CopyFrom(helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 3, 8]))
    graph.node.insert(0, helper.make_node("MatMul", ["a", "W"], ["m"]))
    graph.node.insert(1, helper.make_node("Add", ["m", "b"], ["x"]))
    graph.node.append(helper.make_node("Neg", ["x"], ["neg"]))
    graph.output.append(helper.make_tensor_value_info("neg", TensorProto.FLOAT, None))
    graph.initializer.extend([w, b])
    assert fused_ops(model) == ["Gelu"]
    assert_same_everywhere(model, feeds_for(model))
    assert_onnxruntime_runs_optimized(model, feeds_for(model))


# ------------------------------------------------------------------------------------ contrib ops
def contrib_model(op: str, shape, bias_shape=None) -> onnx.ModelProto:
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))]
    names = ["x"]
    if bias_shape is not None:
        inputs.append(helper.make_tensor_value_info("b", TensorProto.FLOAT, list(bias_shape)))
        names.append("b")
    graph = helper.make_graph(
        [helper.make_node(op, names, ["y"], domain="com.microsoft")],
        "g",
        inputs,
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    return helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
        ir_version=8,
    )


@pytest.mark.parametrize(
    "op,shape,bias",
    [
        ("Gelu", (3, 7), None),
        ("Gelu", (0, 4), None),
        ("FastGelu", (2, 3, 17), None),
        ("FastGelu", (2, 3, 17), (17,)),
        ("BiasGelu", (4, 33), (33,)),
        ("BiasGelu", (1, 1), (1,)),
    ],
)
def test_contrib_kernels_match_onnxruntime(op, shape, bias):
    import onyxrt

    model = contrib_model(op, shape, bias)
    rng = np.random.default_rng(1)
    feeds = {"x": (rng.standard_normal(shape) * 4).astype(np.float32)}
    if bias is not None:
        feeds["b"] = rng.standard_normal(bias).astype(np.float32)
    got = onyxrt.InferenceSession(model.SerializeToString()).run(None, feeds)[0]
    want = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(
        None, feeds
    )[0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_contrib_bias_shape_is_checked():
    import onyxrt

    model = contrib_model("BiasGelu", (2, 5), (4,))
    session = onyxrt.InferenceSession(model.SerializeToString())
    feeds = {"x": np.zeros((2, 5), np.float32), "b": np.zeros(4, np.float32)}
    with pytest.raises(Exception, match="bias must be 1-D with the input's last dimension"):
        session.run(None, feeds)

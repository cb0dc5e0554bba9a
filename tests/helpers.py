"""Small ONNX models built with onnx.helper, shared by tests/api and tests/errors.

They use the first operators onyxrt implements (Identity, Add, Relu, Mul, MatMul, Gemm) so that
the API tests do not depend on the breadth of the operator set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8  # what onnxruntime 1.32 and onyxrt both load


def make_model(nodes, inputs, outputs, initializers=(), opset: int = OPSET, ir_version: int = IR_VERSION,
               extra_opsets: dict[str, int] | None = None, **model_fields: Any) -> onnx.ModelProto:
    graph = helper.make_graph(list(nodes), model_fields.pop("graph_name", "graph"), list(inputs), list(outputs),
                              initializer=list(initializers), doc_string=model_fields.pop("graph_doc", ""))
    opsets = [helper.make_opsetid("", opset)]
    opsets += [helper.make_opsetid(domain, version) for domain, version in (extra_opsets or {}).items()]
    return helper.make_model(graph, opset_imports=opsets, ir_version=ir_version, **model_fields)


def tensor(name: str, elem_type: int = TensorProto.FLOAT, shape: list | None = None):
    return helper.make_tensor_value_info(name, elem_type, shape)


def add_relu(batch: str | int | None = "batch", features: int = 4) -> onnx.ModelProto:
    """Y = Relu(X + B): one input with a symbolic (or fixed, or unknown) batch dim."""
    bias = numpy_helper.from_array(np.linspace(-1, 1, features).astype(np.float32), "B")
    return make_model(
        [helper.make_node("Add", ["X", "B"], ["S"], name="add"), helper.make_node("Relu", ["S"], ["Y"], name="relu")],
        [tensor("X", shape=[batch, features])], [tensor("Y", shape=[batch, features])], [bias])


def static_add() -> onnx.ModelProto:
    """Y = X + X on a fixed [2, 3] float input."""
    return make_model([helper.make_node("Add", ["X", "X"], ["Y"], name="double")],
                      [tensor("X", shape=[2, 3])], [tensor("Y", shape=[2, 3])])


def multi_io() -> onnx.ModelProto:
    """Two inputs of different types and three outputs, declared in a deliberate order."""
    return make_model(
        [helper.make_node("Mul", ["A", "A"], ["square"], name="mul"),
         helper.make_node("Add", ["C", "C"], ["twice"], name="add_int"),
         helper.make_node("Relu", ["A"], ["relu"], name="relu")],
        [tensor("A", shape=["n", 3]), tensor("C", TensorProto.INT64, ["m"])],
        [tensor("relu", shape=["n", 3]), tensor("twice", TensorProto.INT64, ["m"]), tensor("square", shape=["n", 3])])


def mixed_dims() -> onnx.ModelProto:
    """Dims of every kind: fixed, symbolic, unknown; plus an input of unknown rank and a scalar."""
    return make_model(
        [helper.make_node("Identity", ["X"], ["Y"]), helper.make_node("Identity", ["R"], ["Q"]),
         helper.make_node("Identity", ["S"], ["T"])],
        [tensor("X", shape=["batch", None, 3]), tensor("R", TensorProto.INT32, None), tensor("S", shape=[])],
        [tensor("Y", shape=["batch", None, 3]), tensor("Q", TensorProto.INT32, None), tensor("T", shape=[])])


def overridable_initializer() -> onnx.ModelProto:
    """Y = X + W where W is an initializer also listed as a graph input (a default a feed may replace)."""
    weight = numpy_helper.from_array(np.full((3,), 10, np.float32), "W")
    return make_model([helper.make_node("Add", ["X", "W"], ["Y"], name="add")],
                      [tensor("X", shape=[3]), tensor("W", shape=[3])], [tensor("Y", shape=[3])], [weight])


def constant_and_passthrough() -> onnx.ModelProto:
    """Outputs that alias memory the session or the caller holds: a graph input passed through,
    and an initializer returned as is."""
    const = numpy_helper.from_array(np.arange(4, dtype=np.float32), "K")
    return make_model(
        [helper.make_node("Identity", ["X"], ["same"]), helper.make_node("Identity", ["K"], ["const"])],
        [tensor("X", shape=[4])], [tensor("same", shape=[4]), tensor("const", shape=[4])], [const])


def mlp(batch: str | int = "batch_size", sizes=(16, 8, 3), use_gemm: bool = True) -> onnx.ModelProto:
    """Linear -> Relu -> Linear, as torch exports nn.Linear (Gemm) or as MatMul + Add."""
    rng = np.random.default_rng(0)
    w1 = rng.standard_normal((sizes[0], sizes[1])).astype(np.float32)
    w2 = rng.standard_normal((sizes[1], sizes[2])).astype(np.float32)
    b1 = rng.standard_normal(sizes[1]).astype(np.float32)
    b2 = rng.standard_normal(sizes[2]).astype(np.float32)
    inits = [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))]
    if use_gemm:
        nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], name="fc1"),
                 helper.make_node("Relu", ["h"], ["r"], name="relu"),
                 helper.make_node("Gemm", ["r", "w2", "b2"], ["y"], name="fc2")]
    else:
        nodes = [helper.make_node("MatMul", ["x", "w1"], ["m1"], name="mm1"),
                 helper.make_node("Add", ["m1", "b1"], ["h"], name="bias1"),
                 helper.make_node("Relu", ["h"], ["r"], name="relu"),
                 helper.make_node("MatMul", ["r", "w2"], ["m2"], name="mm2"),
                 helper.make_node("Add", ["m2", "b2"], ["y"], name="bias2")]
    return make_model(nodes, [tensor("x", shape=[batch, sizes[0]])], [tensor("y", shape=[batch, sizes[2]])], inits)


def identity(type_proto: onnx.TypeProto, opset: int = 21, ir_version: int = 10) -> onnx.ModelProto:
    """Y = Identity(X) for any declared type (tensor of any element type, sequence, optional)."""
    return make_model([helper.make_node("Identity", ["X"], ["Y"], name="id")],
                      [helper.make_value_info("X", type_proto)], [helper.make_value_info("Y", type_proto)],
                      opset=opset, ir_version=ir_version)


def with_metadata() -> onnx.ModelProto:
    model = make_model([helper.make_node("Relu", ["X"], ["Y"])], [tensor("X", shape=[2])], [tensor("Y", shape=[2])],
                       graph_name="meta_graph", graph_doc="what the graph does", producer_name="onyxrt-tests",
                       producer_version="3.1", domain="ai.onyxrt.test", model_version=42,
                       doc_string="what the model does")
    helper.set_model_props(model, {"author": "tests", "licence": "MIT", "empty": ""})
    return model


def single_node(op_type: str, domain: str = "", node_name: str = "culprit",
                extra_opsets: dict[str, int] | None = None) -> onnx.ModelProto:
    """X -> op_type -> Y, for operators or domains that may not exist."""
    return make_model([helper.make_node(op_type, ["X"], ["Y"], name=node_name, domain=domain)],
                      [tensor("X", shape=[2])], [tensor("Y", shape=[2])], extra_opsets=extra_opsets)


def to_bytes(model: onnx.ModelProto) -> bytes:
    return model.SerializeToString()


def save(model: onnx.ModelProto, folder: Path, name: str = "model.onnx") -> Path:
    path = Path(folder) / name
    path.write_bytes(model.SerializeToString())
    return path


def sessions(model: onnx.ModelProto, **kwargs: Any):
    """The same model in onnxruntime (the oracle) and onyxrt."""
    import onnxruntime
    import onyxrt

    data = to_bytes(model)
    return (onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"], **kwargs),
            onyxrt.InferenceSession(data, providers=["CPUExecutionProvider"], **kwargs))


def node_args(args) -> list[tuple[str, list, str]]:
    return [(a.name, a.shape, a.type) for a in args]

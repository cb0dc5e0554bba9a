"""Writes the sample model shipped in the package (onyxrt/data/mlp.onnx): a 784 -> 128 -> 10 MLP
with a dynamic batch axis, laid out as torch.onnx.export writes nn.Linear (Gemm, transB=1).

    python -m onyxrt.tools.make_sample_model [OUTPUT]

Deterministic: the same onnx version writes the same bytes, so the checked-in file can be
regenerated and compared.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "data" / "mlp.onnx"
SIZES = (784, 128, 10)


def linear_weights(rng: np.random.Generator, fan_in: int, fan_out: int) -> tuple[np.ndarray, np.ndarray]:
    # nn.Linear's default initialisation: uniform in +-1/sqrt(fan_in).
    bound = 1.0 / np.sqrt(fan_in)
    weight = rng.uniform(-bound, bound, size=(fan_out, fan_in)).astype(np.float32)
    bias = rng.uniform(-bound, bound, size=(fan_out,)).astype(np.float32)
    return weight, bias


def build_model():
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(2024)
    w1, b1 = linear_weights(rng, SIZES[0], SIZES[1])
    w2, b2 = linear_weights(rng, SIZES[1], SIZES[2])
    initializers = [
        numpy_helper.from_array(w1, "fc1.weight"), numpy_helper.from_array(b1, "fc1.bias"),
        numpy_helper.from_array(w2, "fc2.weight"), numpy_helper.from_array(b2, "fc2.bias"),
    ]
    nodes = [
        helper.make_node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["fc1"], name="fc1", transB=1),
        helper.make_node("Relu", ["fc1"], ["relu"], name="relu"),
        helper.make_node("Gemm", ["relu", "fc2.weight", "fc2.bias"], ["output"], name="fc2", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch_size", SIZES[0]])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch_size", SIZES[2]])],
        initializer=initializers,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8,
        producer_name="onyxrt.tools.make_sample_model", producer_version="1",
        doc_string="784 -> 128 -> 10 MLP (ReLU) with random weights and a dynamic batch axis.",
    )
    helper.set_model_props(model, {"purpose": "onyxrt sample model"})
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    import onnx

    model = build_model()
    onnx.checker.check_model(model)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(model.SerializeToString())
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

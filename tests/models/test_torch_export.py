"""Models exported from torch with both exporters, with and without dynamic axes, checked against
onnxruntime on the same feeds at several batch sizes."""

from __future__ import annotations

import numpy as np
import onnxruntime
import pytest

import onyxrt

torch = pytest.importorskip("torch")


class TargetMLP(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))

    def forward(self, x):
        return self.net(x)


class SmallCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(3, 8, 3, padding=1),
            torch.nn.BatchNorm2d(8),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(8, 16, 3, stride=2),
            torch.nn.Sigmoid(),
            torch.nn.AdaptiveAvgPool2d(1),
        )
        self.head = torch.nn.Linear(16, 5)

    def forward(self, x):
        return torch.softmax(self.head(torch.flatten(self.features(x), 1)), dim=1)


def export(model, example, path, dynamo: bool, dynamic: bool, opset: int):
    torch.manual_seed(0)
    model.eval()
    kwargs = dict(input_names=["input"], output_names=["output"], opset_version=opset, dynamo=dynamo)
    if dynamic:
        if dynamo:
            kwargs["dynamic_shapes"] = {"x": {0: torch.export.Dim("batch", min=1, max=1024)}}
        else:
            kwargs["dynamic_axes"] = {"input": {0: "batch_size"}, "output": {0: "batch_size"}}
    torch.onnx.export(model, (example,), str(path), **kwargs)
    return path


def compare_with_onnxruntime(path, feeds):
    expected = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)
    session = onyxrt.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    actual = session.run(None, feeds)
    for a, e in zip(actual, expected):
        assert a.shape == e.shape and a.dtype == e.dtype
        np.testing.assert_allclose(a, e, rtol=1e-4, atol=1e-5)
    return session


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
def test_mlp_dynamic_batch(tmp_path, dynamo):
    path = export(TargetMLP(), torch.randn(1, 784), tmp_path / "mlp.onnx", dynamo, dynamic=True, opset=18)
    if dynamo:  # the dynamo exporter writes the weights to an external-data file beside the model
        assert any(p.suffix == ".data" for p in tmp_path.iterdir()) or path.stat().st_size < 100_000
    for batch in (1, 5, 32):
        x = np.random.default_rng(batch).standard_normal((batch, 784)).astype(np.float32)
        session = compare_with_onnxruntime(path, {"input": x})
    assert session.get_inputs()[0].shape[1] == 784
    assert not isinstance(session.get_inputs()[0].shape[0], int)


def test_mlp_static_batch_rejects_other_batch(tmp_path):
    path = export(TargetMLP(), torch.randn(1, 784), tmp_path / "mlp.onnx", dynamo=False, dynamic=False, opset=12)
    x = np.random.default_rng(0).standard_normal((1, 784)).astype(np.float32)
    session = compare_with_onnxruntime(path, {"input": x})
    assert session.get_inputs()[0].shape == [1, 784]
    with pytest.raises(onyxrt.InvalidArgument, match="input"):
        session.run(None, {"input": np.zeros((5, 784), np.float32)})


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
def test_cnn_dynamic_batch(tmp_path, dynamo):
    path = export(SmallCNN(), torch.randn(1, 3, 32, 32), tmp_path / "cnn.onnx", dynamo, dynamic=True, opset=18)
    for batch in (1, 3):
        x = np.random.default_rng(batch).standard_normal((batch, 3, 32, 32)).astype(np.float32)
        compare_with_onnxruntime(path, {"input": x})


def test_external_data_loads_from_bytes_only_with_a_folder(tmp_path):
    path = export(TargetMLP(), torch.randn(1, 784), tmp_path / "mlp.onnx", dynamo=True, dynamic=True, opset=18)
    data_files = [p for p in tmp_path.iterdir() if p.suffix == ".data"]
    if not data_files:
        pytest.skip("this torch version embedded the weights")
    with pytest.raises(onyxrt.InvalidArgument, match="external"):
        onyxrt.InferenceSession(path.read_bytes())
    options = onyxrt.SessionOptions()
    options.add_session_config_entry("session.model_external_initializers_file_folder_path", str(tmp_path))
    x = np.random.default_rng(0).standard_normal((2, 784)).astype(np.float32)
    expected = onyxrt.InferenceSession(str(path)).run(None, {"input": x})[0]
    actual = onyxrt.InferenceSession(path.read_bytes(), options).run(None, {"input": x})[0]
    np.testing.assert_array_equal(actual, expected)

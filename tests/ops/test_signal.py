"""DFT (17, 20), STFT (17), Hann / Hamming / Blackman windows and MelWeightMatrix (17) against
numpy.fft in double (onnxruntime's DFT is a float O(n^2) loop with a rounded pi, too coarse to
compare with), onnx.reference and onnxruntime: both DFT signatures, power-of-two, prime and
composite lengths (radix 2-5, direct radices, Bluestein), float inverses bit for bit against
numpy's (which the ONNX test data carry), inverse round trips, onesided (RFFT / IRFFT),
dft_length padding and truncation, negative and inner axes, float / double / float16, and the
errors for bad input."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto

import onyxrt
from tests.ops.op_check import check, expect_error, make_node_model, rand

FLOAT_OUT = {"Y": TensorProto.FLOAT}


def run(op_type, inputs, attrs=None, opset=17, outputs=None, threads=2):
    model = make_node_model(op_type, inputs, attrs=attrs, outputs=outputs, opset=opset)
    options = onyxrt.SessionOptions()
    options.intra_op_num_threads = threads
    sess = onyxrt.InferenceSession(model.SerializeToString(), options)
    return sess.run(None, {n: a for n, a in inputs.items() if n})[0]


def as_complex(x):
    """[..., 1 | 2] -> complex128 [...]"""
    x = x.astype(np.float64)
    return x[..., 0] + 1j * x[..., 1] if x.shape[-1] == 2 else x[..., 0].astype(np.complex128)


def as_pairs(c):
    return np.stack([c.real, c.imag], axis=-1)


def tol(dtype, n):
    if dtype == np.float64:
        return {"rtol": 1e-9, "atol": 1e-9 * max(1, n)}
    if dtype == np.float16:
        return {"rtol": 2e-2, "atol": 2e-2 * max(1, n) ** 0.5}
    return {"rtol": 1e-5, "atol": 1e-5 * max(1, n) ** 0.5}


def dft(x, opset, axis=None, dft_length=None, **attrs):
    """Runs DFT-17 (axis attribute) or DFT-20 (axis input)."""
    inputs = {"x": x}
    if dft_length is not None:
        inputs["dft_length"] = np.array(dft_length, dtype=np.int64)
    if opset >= 20:
        if axis is not None:
            if dft_length is None:
                inputs[""] = None
            inputs["axis"] = np.array(axis, dtype=np.int64)
    elif axis is not None:
        attrs["axis"] = axis
    return run("DFT", inputs, attrs=attrs, opset=opset)


# ---- DFT ----


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 12, 16, 97, 100, 128, 1000, 1024])
@pytest.mark.parametrize("components", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dft_lengths(n, components, dtype):
    x = rand(3, n, components, dtype=dtype, seed=n)
    want = as_pairs(np.fft.fft(as_complex(x), axis=1))
    for opset in (17, 20):
        got = dft(x, opset, axis=1)
        assert got.dtype == dtype and got.shape == (3, n, 2)
        np.testing.assert_allclose(got, want, **tol(dtype, n))


@pytest.mark.parametrize("n", [7, 97, 64])
def test_dft_precision_in_double(n):
    # Bluestein and radix-2 both stay at double round-off, not at an O(n^2) sum's.
    x = rand(2, n, 2, dtype=np.float64, seed=3)
    got = dft(x, 20, axis=1)
    np.testing.assert_allclose(got, as_pairs(np.fft.fft(as_complex(x), axis=1)), rtol=1e-12, atol=1e-12 * n)


# Lengths whose radices numpy's pocketfft runs in the same order (it also has radix 7, 8 and 11 passes).
NUMPY_RADIX_LENGTHS = [2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 36, 45, 60, 100, 180]


@pytest.mark.parametrize("n", NUMPY_RADIX_LENGTHS)
@pytest.mark.parametrize("components", [1, 2])
def test_dft_float_inverse_rounds_as_numpy(n, components):
    # numpy computes a float32 inverse in float32 (a forward one in double); the ONNX test data
    # (test_dft_inverse) carries its round-off, a 1.9e-7 where the exact value is 0, so our
    # float inverse must round as pocketfft's passes do.
    x = rand(3, n, components, dtype=np.float32, seed=n)
    signal = x[..., 0] + 1j * x[..., 1] if components == 2 else x[..., 0]
    want = np.fft.ifft(signal.astype(np.complex64), axis=1)
    assert want.dtype == np.complex64
    np.testing.assert_array_equal(dft(x, 20, axis=1, inverse=1), as_pairs(want))


def test_dft_float_forward_is_computed_in_double():
    # Float passes leave 1.5e-5 where the exact value is 0 (the ONNX test data, test_dft, is
    # numpy's double result); double passes leave 1e-14.
    x = np.arange(0, 100).reshape(1, 10, 10, 1).astype(np.float32)
    got = dft(x, 17, axis=1)
    want = as_pairs(np.fft.fft(x[..., 0].astype(np.float64), axis=1))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("n", [49, 77, 121, 143, 210, 1001, 202, 1009, 2 * 509, 4096 + 7])
@pytest.mark.parametrize("inverse", [0, 1])
def test_dft_direct_radices_and_bluestein_in_double(n, inverse):
    # Radix 7, 11, 13 run the direct pass; 202, 1009 (prime), 1018 and 4103 Bluestein.
    x = rand(2, n, 2, dtype=np.float64, seed=n)
    fn = np.fft.ifft if inverse else np.fft.fft
    got = dft(x, 20, axis=1, inverse=inverse)
    np.testing.assert_allclose(got, as_pairs(fn(as_complex(x), axis=1)), rtol=1e-11, atol=1e-11 * n**0.5)


@pytest.mark.parametrize("n", [97, 1009, 1000, 4096, 4096 + 7])
def test_dft_float_inverse_accuracy(n):
    # In float, the error stays at float round-off times log n, Bluestein lengths included.
    x = rand(2, n, 2, dtype=np.float32, seed=n)
    want = as_pairs(np.fft.ifft(as_complex(x), axis=1))
    got = dft(x, 20, axis=1, inverse=1)
    assert np.abs(got - want).max() <= 2e-6 * np.log2(n) * np.abs(want).max()


def test_dft_17_and_20_signatures_agree():
    x = rand(2, 5, 6, 2, seed=1)
    for axis in (0, 1, 2, -2, -3, -4):
        a, b = dft(x, 17, axis=axis), dft(x, 20, axis=axis)
        np.testing.assert_array_equal(a, b)
        want = as_pairs(np.fft.fft(as_complex(x), axis=axis % 4))
        np.testing.assert_allclose(a, want, rtol=1e-5, atol=1e-5)


def test_dft_default_axes():
    x = rand(2, 5, 6, 1, seed=2)
    # 17: axis 1; 20: the last signal axis (-2).
    np.testing.assert_allclose(dft(x, 17), as_pairs(np.fft.fft(as_complex(x), axis=1)), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dft(x, 20), as_pairs(np.fft.fft(as_complex(x), axis=2)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("opset", [17, 20])
@pytest.mark.parametrize("length", [3, 6, 7, 9, 16, 31])
def test_dft_length_pads_or_truncates(opset, length):
    x = rand(2, 9, 3, 2, dtype=np.float64, seed=length)
    for inverse in (0, 1):
        got = dft(x, opset, axis=1, dft_length=length, inverse=inverse)
        fn = np.fft.ifft if inverse else np.fft.fft
        np.testing.assert_allclose(got, as_pairs(fn(as_complex(x), n=length, axis=1)), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("n", [1, 2, 7, 8, 10, 97])
def test_dft_onesided_forward(n):
    x = rand(3, n, 4, 1, dtype=np.float64, seed=n)
    got = dft(x, 20, axis=1, onesided=1)
    assert got.shape == (3, n // 2 + 1, 4, 2)
    np.testing.assert_allclose(got, as_pairs(np.fft.rfft(x[..., 0], axis=1)), rtol=1e-10, atol=1e-10)
    # with dft_length, opset 17
    got = dft(x, 17, axis=1, dft_length=n + 3, onesided=1)
    np.testing.assert_allclose(got, as_pairs(np.fft.rfft(x[..., 0], n=n + 3, axis=1)), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("bins,length", [(6, None), (6, 10), (6, 11), (6, 7), (6, 16), (4, 3), (2, None)])
@pytest.mark.parametrize("opset", [17, 20])
def test_dft_irfft(bins, length, opset):
    spectrum = rand(2, bins, 3, 2, dtype=np.float64, seed=bins)
    got = dft(spectrum, opset, axis=1, dft_length=length, inverse=1, onesided=1)
    n = length if length is not None else 2 * (bins - 1)
    assert got.shape == (2, n, 3, 1)
    want = np.fft.irfft(as_complex(spectrum), n=n, axis=1)
    np.testing.assert_allclose(got[..., 0], want, rtol=1e-10, atol=1e-10)


def test_dft_irfft_matches_reference():
    spectrum = np.fft.rfft(np.arange(0, 100).reshape(10, 10), axis=0).astype(np.complex64)
    x = as_pairs(spectrum).astype(np.float32).reshape(1, 6, 10, 2)
    check(
        "DFT", {"x": x}, attrs={"axis": 1, "inverse": 1, "onesided": 1}, opset=19, reference=True, atol=1e-4
    )


@pytest.mark.parametrize("n", [8, 12, 97])
def test_dft_inverse_round_trip(n):
    x = rand(4, n, 2, seed=n)
    spectrum = dft(x, 20, axis=1)
    back = dft(spectrum, 20, axis=1, inverse=1)
    np.testing.assert_allclose(back, x, rtol=1e-5, atol=1e-5)
    # real -> onesided -> IRFFT round trip
    real = rand(4, n, 1, dtype=np.float64, seed=n + 1)
    half = dft(real, 20, axis=1, onesided=1)
    np.testing.assert_allclose(dft(half, 20, axis=1, dft_length=n, inverse=1, onesided=1), real, atol=1e-12)


def test_dft_inner_axis_and_batch_lines():
    # The axis sits between other dims: lines are strided; many lines spread over the threads.
    x = rand(3, 4, 33, 5, 2, dtype=np.float64, seed=9)
    for axis in (2, -3, 0):
        got = dft(x, 20, axis=axis)
        np.testing.assert_allclose(
            got, as_pairs(np.fft.fft(as_complex(x), axis=axis % 5)), rtol=1e-10, atol=1e-10
        )
    many = rand(400, 24, 1, seed=4)
    single = run("DFT", {"x": many}, opset=17, threads=1)
    np.testing.assert_array_equal(run("DFT", {"x": many}, opset=17, threads=2), single)


def test_dft_complex_onesided_keeps_first_bins():
    # The spec admits only real input there; onnxruntime and the reference keep the first bins.
    x = rand(2, 9, 2, dtype=np.float64, seed=5)
    got = dft(x, 20, axis=1, onesided=1)
    np.testing.assert_allclose(
        got, as_pairs(np.fft.fft(as_complex(x), axis=1)[:, :5]), rtol=1e-10, atol=1e-10
    )


def test_dft_against_reference():
    x = rand(2, 7, 3, 2, dtype=np.float64, seed=6)
    check("DFT", {"x": x}, attrs={"axis": 2, "inverse": 1}, opset=17, reference=True, rtol=1e-9, atol=1e-9)
    check(
        "DFT",
        {"x": x, "dft_length": np.array(5, dtype=np.int64), "axis": np.array(-3, dtype=np.int64)},
        opset=20,
        reference=True,
        rtol=1e-9,
        atol=1e-9,
    )


def test_dft_float16():
    x = rand(2, 12, 1, dtype=np.float16, seed=7)
    got = dft(x, 20, axis=1)
    assert got.dtype == np.float16
    np.testing.assert_allclose(
        got.astype(np.float64), as_pairs(np.fft.fft(as_complex(x), axis=1)), **tol(np.float16, 12)
    )


def test_dft_empty_batch_and_zero_padded_empty_axis():
    assert dft(np.zeros((0, 4, 1), np.float32), 20, axis=1).shape == (0, 4, 2)
    got = dft(np.zeros((2, 0, 2), np.float32), 20, axis=1, dft_length=3)
    np.testing.assert_array_equal(got, np.zeros((2, 3, 2), np.float32))


@pytest.mark.parametrize("opset,axis", [(17, 2), (17, -1), (17, 3), (17, -4), (20, 2), (20, -1), (20, -4)])
def test_dft_axis_out_of_range(opset, axis):
    x = rand(2, 4, 2)
    if opset >= 20:
        inputs, attrs = {"x": x, "": None, "axis": np.array(axis, dtype=np.int64)}, {}
    else:
        inputs, attrs = {"x": x}, {"axis": axis}
    expect_error("DFT", inputs, attrs=attrs, opset=opset, match="out of range", error="InvalidArgument")


@pytest.mark.parametrize("length", [0, -3])
def test_dft_bad_length(length):
    inputs = {"x": rand(2, 4, 1), "dft_length": np.array(length, dtype=np.int64)}
    expect_error("DFT", inputs, opset=20, match="dft_length must be positive", error="InvalidArgument")
    inputs["dft_length"] = np.array([4, 4], dtype=np.int64)
    expect_error("DFT", inputs, opset=20, match="must be a scalar", error="InvalidArgument")
    # IRFFT of one bin: the default length 2 * (1 - 1) is empty.
    expect_error(
        "DFT", {"x": rand(2, 1, 2)}, attrs={"inverse": 1, "onesided": 1}, opset=17, match="dft_length 0"
    )


def test_dft_bad_shapes_and_attributes():
    expect_error(
        "DFT", {"x": rand(2, 4, 3)}, opset=20, match="last dim of 1 (real) or 2", error="InvalidArgument"
    )
    expect_error("DFT", {"x": rand(4)}, opset=20, match="rank >= 2", error="InvalidArgument")
    expect_error("DFT", {"x": rand(2, 4, 1)}, attrs={"onesided": 2}, opset=17, match="'onesided'")
    expect_error("DFT", {"x": rand(2, 4, 1)}, attrs={"inverse": -1}, opset=20, match="'inverse'")


# ---- STFT ----


def stft_numpy(signal, step, window, frame, onesided):
    c = as_complex(signal)
    w = np.ones(frame) if window is None else window.astype(np.float64)
    frames = (c.shape[1] - frame) // step + 1
    out = np.stack([np.fft.fft(c[:, f * step : f * step + frame] * w, axis=1) for f in range(frames)], axis=1)
    return as_pairs(out[:, :, : frame // 2 + 1] if onesided else out)


def stft(signal, step, window=None, frame_length=None, **attrs):
    inputs = {"signal": signal, "frame_step": np.array(step, dtype=np.int64)}
    if window is not None:
        inputs["window"] = window
    elif frame_length is not None:
        inputs[""] = None
    if frame_length is not None:
        inputs["frame_length"] = np.array(frame_length, dtype=np.int64)
    return run("STFT", inputs, attrs=attrs)


@pytest.mark.parametrize("components", [1, 2])
@pytest.mark.parametrize("onesided", [0, 1])
@pytest.mark.parametrize("frame,step", [(16, 8), (15, 4), (7, 3), (64, 64), (13, 1)])
def test_stft(components, onesided, frame, step):
    signal = rand(2, 64, components, dtype=np.float64, seed=frame)
    window = np.hanning(frame + 1)[:-1]
    for w, length in ((None, frame), (window, None), (window, frame)):
        got = stft(signal, step, w, length, onesided=onesided)
        np.testing.assert_allclose(got, stft_numpy(signal, step, w, frame, onesided), rtol=1e-10, atol=1e-10)


def test_stft_defaults_to_whole_signal_and_onesided():
    signal = rand(3, 20, 1, seed=1)
    got = stft(signal, 5)
    assert got.shape == (3, 1, 11, 2)
    np.testing.assert_allclose(got, stft_numpy(signal, 5, None, 20, True), rtol=1e-5, atol=1e-5)


def test_stft_against_reference_and_onnxruntime():
    signal = rand(1, 128, 1, seed=2)
    inputs = {
        "signal": signal,
        "frame_step": np.array(8, np.int64),
        "": None,
        "frame_length": np.array(16, np.int64),
    }
    check("STFT", inputs, reference=True, atol=1e-4)
    window = np.hamming(24).astype(np.float64)
    inputs = {"signal": signal.astype(np.float64), "frame_step": np.array(5, np.int64), "window": window}
    check("STFT", inputs, attrs={"onesided": 0}, reference=True, rtol=1e-9, atol=1e-9)
    check(
        "STFT", inputs, attrs={"onesided": 1}, rtol=1e-3, atol=2e-3
    )  # onnxruntime: float-precision twiddles


def test_stft_float16():
    signal = rand(1, 40, 1, dtype=np.float16, seed=3)
    got = stft(signal, 4, np.ones(8, np.float16))
    assert got.dtype == np.float16
    np.testing.assert_allclose(
        got.astype(np.float64), stft_numpy(signal, 4, None, 8, True), rtol=2e-2, atol=3e-2
    )


def test_stft_errors():
    signal = rand(1, 16, 1)
    match = "frame_length 17 must be in [1, signal length 16]"
    expect_error(
        "STFT",
        {
            "signal": signal,
            "frame_step": np.array(4, np.int64),
            "": None,
            "frame_length": np.array(17, np.int64),
        },
        match=match,
        error="InvalidArgument",
    )
    expect_error(
        "STFT", {"signal": signal, "frame_step": np.array(0, np.int64)}, match="frame_step must be positive"
    )
    expect_error(
        "STFT",
        {
            "signal": signal,
            "frame_step": np.array(2, np.int64),
            "window": np.ones(8, np.float32),
            "frame_length": np.array(6, np.int64),
        },
        match="differs from the window's length 8",
        error="InvalidArgument",
    )
    expect_error(
        "STFT", {"signal": rand(16, 1), "frame_step": np.array(2, np.int64)}, match="[batch, length, 1 | 2]"
    )
    expect_error(
        "STFT",
        {"signal": signal, "frame_step": np.array(2, np.int64), "window": np.ones(4, np.float64)},
        match="window has element type double",
    )


# ---- windows ----

WINDOWS = ["HannWindow", "HammingWindow", "BlackmanWindow"]


@pytest.mark.parametrize("op", WINDOWS)
@pytest.mark.parametrize("periodic", [0, 1])
@pytest.mark.parametrize("size", [0, 2, 3, 10, 17, 64])
def test_windows(op, periodic, size):
    inputs = {"size": np.array(size, dtype=np.int64)}
    check(op, inputs, attrs={"periodic": periodic}, outputs=FLOAT_OUT, opset=17, rtol=1e-5, atol=1e-6)
    check(
        op,
        {"size": np.array(size, dtype=np.int32)},
        attrs={"periodic": periodic, "output_datatype": TensorProto.DOUBLE},
        outputs={"Y": TensorProto.DOUBLE},
        opset=17,
        rtol=1e-7,
        atol=1e-7,
    )


@pytest.mark.parametrize("op,numpy_window", [("HannWindow", np.hanning), ("BlackmanWindow", np.blackman)])
def test_windows_match_numpy(op, numpy_window):
    for size in (1, 5, 16):
        symmetric = run(op, {"size": np.array(size, np.int64)}, attrs={"periodic": 0}, outputs=FLOAT_OUT)
        np.testing.assert_allclose(symmetric, numpy_window(size), atol=1e-7)  # a window of 1 is [1]
        periodic = run(op, {"size": np.array(size, np.int64)}, outputs=FLOAT_OUT)
        np.testing.assert_allclose(periodic, numpy_window(size + 1)[:-1], atol=1e-7)


@pytest.mark.parametrize("op", WINDOWS)
def test_windows_output_datatypes(op):
    size = {"size": np.array(9, dtype=np.int64)}
    half = run(op, size, attrs={"output_datatype": TensorProto.FLOAT16}, outputs={"Y": TensorProto.FLOAT16})
    want = run(op, size, attrs={"output_datatype": TensorProto.DOUBLE}, outputs={"Y": TensorProto.DOUBLE})
    assert half.dtype == np.float16
    np.testing.assert_allclose(half, want, atol=1e-3)
    symmetric = run(
        op,
        size,
        attrs={"periodic": 0, "output_datatype": TensorProto.DOUBLE},
        outputs={"Y": TensorProto.DOUBLE},
    )
    for elem, dtype in (
        (TensorProto.INT32, np.int32),
        (TensorProto.UINT8, np.uint8),
        (TensorProto.INT64, np.int64),
    ):
        got = run(op, size, attrs={"periodic": 0, "output_datatype": elem}, outputs={"Y": elem})
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, np.trunc(symmetric).astype(dtype))  # the centre 1 of an odd window


def test_window_errors():
    expect_error(
        "HannWindow",
        {"size": np.array(-1, np.int64)},
        match="size must not be negative",
        error="InvalidArgument",
    )
    expect_error("HammingWindow", {"size": np.array([3, 4], np.int64)}, match="'size' must be a scalar")
    expect_error(
        "BlackmanWindow",
        {"size": np.array(4, np.int64)},
        attrs={"output_datatype": TensorProto.STRING},
        match="'output_datatype'",
    )
    expect_error("HannWindow", {"size": np.array(4, np.int64)}, attrs={"periodic": 2}, match="'periodic'")


# ---- MelWeightMatrix ----


def mel_inputs(bins, dft_length, rate, lower, upper, int_type=np.int64, float_type=np.float32):
    return {
        "num_mel_bins": np.array(bins, int_type),
        "dft_length": np.array(dft_length, int_type),
        "sample_rate": np.array(rate, int_type),
        "lower_edge_hertz": np.array(lower, float_type),
        "upper_edge_hertz": np.array(upper, float_type),
    }


@pytest.mark.parametrize(
    "bins,dft_length,rate,lower,upper",
    [
        (8, 16, 8192, 0, 4096),
        (10, 64, 16000, 20, 8000),
        (3, 33, 8000, 100, 3000),
        (40, 512, 16000, 0, 8000),
        (1, 8, 1000, 0, 500),
        (0, 16, 8192, 0, 4096),
    ],
)
def test_mel_weight_matrix(bins, dft_length, rate, lower, upper):
    inputs = mel_inputs(bins, dft_length, rate, lower, upper)
    check("MelWeightMatrix", inputs, outputs=FLOAT_OUT, reference=True, rtol=1e-6, atol=1e-7)
    if bins:
        check("MelWeightMatrix", inputs, outputs=FLOAT_OUT, rtol=1e-6, atol=1e-7)  # onnxruntime
    check(
        "MelWeightMatrix",
        mel_inputs(bins, dft_length, rate, lower, upper, np.int32, np.float64),
        attrs={"output_datatype": TensorProto.DOUBLE},
        outputs={"Y": TensorProto.DOUBLE},
        reference=True,
        rtol=1e-12,
        atol=1e-12,
    )


def test_mel_weight_matrix_float16_and_int_outputs():
    inputs = mel_inputs(6, 32, 8000, 0, 4000, float_type=np.float16)
    got = run(
        "MelWeightMatrix",
        inputs,
        attrs={"output_datatype": TensorProto.FLOAT16},
        outputs={"Y": TensorProto.FLOAT16},
    )
    want = run("MelWeightMatrix", mel_inputs(6, 32, 8000, 0, 4000), outputs=FLOAT_OUT)
    assert got.dtype == np.float16
    np.testing.assert_allclose(got, want, atol=1e-3)
    ints = run(
        "MelWeightMatrix",
        inputs,
        attrs={"output_datatype": TensorProto.INT32},
        outputs={"Y": TensorProto.INT32},
    )
    np.testing.assert_array_equal(ints, want.astype(np.int32))  # the peaks only


def test_mel_weight_matrix_errors():
    expect_error(
        "MelWeightMatrix",
        mel_inputs(8, 16, 8192, 0, 9000),
        match="spectrum bin 10, outside [0, 8]",
        error="InvalidArgument",
    )
    expect_error("MelWeightMatrix", mel_inputs(8, 16, 0, 0, 4096), match="sample_rate must be positive")
    expect_error("MelWeightMatrix", mel_inputs(8, 0, 8192, 0, 4096), match="dft_length must be positive")
    expect_error(
        "MelWeightMatrix", mel_inputs(-1, 16, 8192, 0, 4096), match="num_mel_bins must not be negative"
    )

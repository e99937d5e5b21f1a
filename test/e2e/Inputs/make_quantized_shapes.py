#!/usr/bin/env python3
"""Quantized nodes whose parameters and operands must agree in size, written
as torch's quantized export and onnxruntime's tools write them, with numpy
references (ONNX's definitions: round half to even, saturation, int32
accumulation).

Writes OUT/NAME.onnx, OUT/NAME/ (inputs and the expected output) and, for the
run-time mismatches, OUT/NAME_bad/ (inputs whose dynamic sizes contradict a
parameter: loom must fail the run with a shape error, not read past a buffer).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as TP
from onnx import helper, numpy_helper

U8, I8, F, I32 = TP.UINT8, TP.INT8, TP.FLOAT, TP.INT32


def save(out, name, nodes, inputs, outputs, initializers, opset=17):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset),
                                                    helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, name + ".onnx"))


def data(out, folder, feeds, expected=None):
    path = os.path.join(out, folder)
    os.makedirs(path, exist_ok=True)
    for i, x in enumerate(feeds):
        with open(os.path.join(path, f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(x).SerializeToString())
    if expected is not None:
        with open(os.path.join(path, "output_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(expected).SerializeToString())


def quantize(x, scale, zero, dtype):
    info = np.iinfo(dtype)
    return np.clip(np.rint(x / scale) + zero, info.min, info.max).astype(dtype)


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(7)

    # torch 1.13's quantized Linear: every DequantizeLinear/QuantizeLinear
    # with scale and zero point of shape [1] and the default axis (1, which a
    # rank-1 bias does not have); int8 weights include -128, so the general
    # path (not the packed kernel) runs it, exactly.
    w = rng.integers(-128, 128, (16, 24)).astype(np.int8)
    w[0, 0] = -128
    bias = rng.integers(-1000, 1000, (16,)).astype(np.int32)
    ws, xs, ys = np.float32(0.02), np.float32(0.05), np.float32(0.1)
    x = rng.standard_normal((3, 24)).astype(np.float32)
    xq = quantize(x, xs, 128, np.uint8)
    xd = (xq.astype(np.float32) - 128) * xs
    y = xd @ (w.astype(np.float32) * ws).T + bias.astype(np.float32) * (xs * ws)
    yq = quantize(y, ys, 128, np.uint8)
    expected = (yq.astype(np.float32) - 128) * ys
    one = lambda v, dtype: numpy_helper.from_array(np.array([v], dtype))  # noqa: E731
    inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(bias, "b")]
    for name, v, dtype in [("xs", xs, np.float32), ("xz", 128, np.uint8), ("ws", ws, np.float32),
                           ("wz", 0, np.int8), ("bs", xs * ws, np.float32), ("bz", 0, np.int32),
                           ("ys", ys, np.float32), ("yz", 128, np.uint8)]:
        t = one(v, dtype)
        t.name = name
        inits.append(t)
    save(out, "torch_linear", [
        helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="quant_x"),
        helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"], name="dequant_x"),
        helper.make_node("DequantizeLinear", ["w", "ws", "wz"], ["wd"], name="dequant_w"),
        helper.make_node("DequantizeLinear", ["b", "bs", "bz"], ["bd"], name="dequant_b"),
        helper.make_node("Gemm", ["xd", "wd", "bd"], ["y"], name="fc", transB=1),
        helper.make_node("QuantizeLinear", ["y", "ys", "yz"], ["yq"], name="quant_y"),
        helper.make_node("DequantizeLinear", ["yq", "ys", "yz"], ["out"], name="dequant_y"),
    ], [helper.make_tensor_value_info("x", F, ["batch", 24])],
        [helper.make_tensor_value_info("out", F, ["batch", 16])], inits, opset=13)
    data(out, "torch_linear", [x], expected)

    # DequantizeLinear per row (axis 0, 3 scales) of an input with a dynamic
    # row count: 3 rows run, 4 are a shape error.
    s = np.array([0.5, 0.25, 2.0], np.float32)
    z = np.array([1, 2, 3], np.uint8)
    save(out, "dq_rows", [helper.make_node("DequantizeLinear", ["a", "s", "z"], ["y"], name="dq",
                                           axis=0)],
         [helper.make_tensor_value_info("a", U8, ["m", 32])],
         [helper.make_tensor_value_info("y", F, ["m", 32])],
         [numpy_helper.from_array(s, "s"), numpy_helper.from_array(z, "z")])
    a = rng.integers(0, 256, (3, 32)).astype(np.uint8)
    data(out, "dq_rows", [a], ((a.astype(np.float32) - z[:, None]) * s[:, None]).astype(np.float32))
    data(out, "dq_rows_bad", [rng.integers(0, 256, (4, 32)).astype(np.uint8)])

    # QuantizeLinear the same way.
    save(out, "q_rows", [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"], name="q",
                                          axis=0)],
         [helper.make_tensor_value_info("x", F, ["m", 32])],
         [helper.make_tensor_value_info("y", U8, ["m", 32])],
         [numpy_helper.from_array(s, "s"), numpy_helper.from_array(z, "z")])
    xr = (rng.standard_normal((3, 32)) * 40).astype(np.float32)
    data(out, "q_rows", [xr], quantize(xr, s[:, None], z[:, None].astype(np.float32), np.uint8))
    data(out, "q_rows_bad", [np.zeros((1000, 32), np.float32)])

    # MatMulInteger with a per-row zero point of A (3 rows) and a constant B:
    # 4 rows, or a K other than B's 32, are shape errors.
    bm = rng.integers(-128, 128, (32, 16)).astype(np.int8)
    azp = np.array([1, 2, 3], np.uint8)
    save(out, "mmi_rows", [helper.make_node("MatMulInteger", ["a", "b", "azp"], ["y"], name="mmi")],
         [helper.make_tensor_value_info("a", U8, ["m", "k"])],
         [helper.make_tensor_value_info("y", I32, ["m", 16])],
         [numpy_helper.from_array(bm, "b"), numpy_helper.from_array(azp, "azp")])
    am = rng.integers(0, 256, (3, 32)).astype(np.uint8)
    data(out, "mmi_rows", [am],
         ((am.astype(np.int32) - azp[:, None].astype(np.int32)) @ bm.astype(np.int32)).astype(np.int32))
    data(out, "mmi_rows_bad", [rng.integers(0, 256, (4, 32)).astype(np.uint8)])
    data(out, "mmi_rows_bad_k", [rng.integers(0, 256, (3, 4096)).astype(np.uint8)])

    # MatMulInteger with A's zero point absent ("") and B's per column (3),
    # B given at run time: N = 3 runs, N = 5 is a shape error.
    bzp = np.array([3, 4, 5], np.uint8)
    save(out, "mmi_cols", [helper.make_node("MatMulInteger", ["a", "b", "", "bzp"], ["y"],
                                            name="mmi_b")],
         [helper.make_tensor_value_info("a", U8, [4, 32]),
          helper.make_tensor_value_info("b", U8, [32, "n"])],
         [helper.make_tensor_value_info("y", I32, [4, "n"])],
         [numpy_helper.from_array(bzp, "bzp")])
    ac = rng.integers(0, 256, (4, 32)).astype(np.uint8)
    bc = rng.integers(0, 256, (32, 3)).astype(np.uint8)
    data(out, "mmi_cols", [ac, bc],
         (ac.astype(np.int32) @ (bc.astype(np.int32) - bzp[None, :].astype(np.int32))).astype(np.int32))
    data(out, "mmi_cols_bad", [ac, rng.integers(0, 256, (32, 5)).astype(np.uint8)])

    # QLinearMatMul with a per-row a_scale of 3.
    save(out, "qlmm_rows", [helper.make_node("QLinearMatMul",
                                             ["a", "as", "az", "b", "bs", "bz", "ys", "yz"], ["y"],
                                             name="qlmm")],
         [helper.make_tensor_value_info("a", U8, ["m", 32])],
         [helper.make_tensor_value_info("y", U8, ["m", 16])],
         [numpy_helper.from_array(np.full(3, 0.01, np.float32), "as"),
          numpy_helper.from_array(np.full(3, 1, np.uint8), "az"),
          numpy_helper.from_array(rng.integers(0, 256, (32, 16)).astype(np.uint8), "b"),
          numpy_helper.from_array(np.float32(0.01), "bs"), numpy_helper.from_array(np.uint8(1), "bz"),
          numpy_helper.from_array(np.float32(1.0), "ys"), numpy_helper.from_array(np.uint8(0), "yz")])
    data(out, "qlmm_rows_bad", [np.full((1000, 32), 7, np.uint8)])

    # MatMulNBits (4 bits, blocks of 32, K = 64) with A's K dynamic: compiles,
    # runs at K = 64, and another K is a shape error.
    k, n, block = 64, 8, 32
    q = rng.integers(0, 16, (n, k)).astype(np.uint8)
    packed = (q[:, 0::2] | (q[:, 1::2] << 4)).reshape(n, k // block, block // 2)
    scales = (rng.random((n, k // block)) * 0.1 + 0.01).astype(np.float32)
    save(out, "nbits_dynamic_k", [helper.make_node("MatMulNBits", ["a", "b", "scales"], ["y"],
                                                   name="nbits", domain="com.microsoft", K=k, N=n,
                                                   bits=4, block_size=block)],
         [helper.make_tensor_value_info("a", F, [2, "k"])],
         [helper.make_tensor_value_info("y", F, [2, n])],
         [numpy_helper.from_array(packed, "b"), numpy_helper.from_array(scales.reshape(-1), "scales")])
    an = rng.standard_normal((2, k)).astype(np.float32)
    weights = (q.astype(np.float32) - 8) * np.repeat(scales, block, axis=1)
    data(out, "nbits_dynamic_k", [an], (an.astype(np.float64) @ weights.T.astype(np.float64)).astype(np.float32))
    data(out, "nbits_dynamic_k_bad", [rng.standard_normal((2, 4096)).astype(np.float32)])

    # Contradictions known before running: a compile error naming the node.
    save(out, "mmi_k_mismatch", [helper.make_node("MatMulInteger", ["a", "b"], ["y"], name="mmi_k")],
         [helper.make_tensor_value_info("a", U8, [2, 30])],
         [helper.make_tensor_value_info("y", I32, [2, 16])],
         [numpy_helper.from_array(rng.integers(0, 256, (32, 16)).astype(np.uint8), "b")])
    save(out, "qlmm_bscale_mismatch", [helper.make_node(
        "QLinearMatMul", ["a", "as", "az", "b", "bs", "bz", "ys", "yz"], ["y"], name="qlmm_bs")],
         [helper.make_tensor_value_info("a", U8, [2, 32])],
         [helper.make_tensor_value_info("y", U8, [2, 16])],
         [numpy_helper.from_array(np.float32(0.01), "as"), numpy_helper.from_array(np.uint8(1), "az"),
          numpy_helper.from_array(rng.integers(0, 256, (32, 16)).astype(np.uint8), "b"),
          numpy_helper.from_array(np.full(5, 0.01, np.float32), "bs"),
          numpy_helper.from_array(np.uint8(1), "bz"), numpy_helper.from_array(np.float32(1.0), "ys"),
          numpy_helper.from_array(np.uint8(0), "yz")])


if __name__ == "__main__":
    main()

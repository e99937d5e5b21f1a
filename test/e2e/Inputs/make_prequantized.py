"""Pre-quantized models: ONNX Runtime's com.microsoft.MatMulNBits and a QDQ
(DequantizeLinear -> MatMul) graph, written with the onnx API, with
reference outputs computed here in float64 numpy from ONNX Runtime's
operator documentation (ContribOperators.md, MatMulNBits): B is uint8
[N, k_blocks, blob_size], value j of a block at bit (j * bits) % 8 of byte
(j * bits) / 8 (low bits first); scales [N, k_blocks]; zero points packed
the same way (uint8 [N, ceil(k_blocks * bits / 8)]), 2^(bits - 1) when
absent; weight = (q - zero_point) * scale; Y = A W^T + bias. The
reference unpacks the bytes the model holds (not the integers this script
drew), so a layout misreading on either side shows. The QDQ cases follow
ONNX's DequantizeLinear ((q - zero_point) * scale, per axis or per tensor)
and QuantizeLinear (saturate(round_half_even(x / scale) + zero_point)).

Single-layer weights are scaled so that the output (before the bias) has a
standard deviation of about 1: the test's absolute tolerance is then a
fraction of the output's magnitude.

Usage: make_prequantized.py OUT_DIR
  writes NAME.onnx + NAME/ (input_0.pb, output_0.pb) for each case below,
  and bad_bits.onnx (bits = 3, no data), bad_no_k.onnx (no K attribute).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(16)
F = TensorProto.FLOAT


# --- ONNX Runtime's layout, written and read independently --------------------

def pack_nbits(q, bits, block):
    """q: integers [N, K] in [0, 2^bits) -> B uint8 [N, k_blocks, blob]."""
    n, k = q.shape
    blocks = -(-k // block)
    padded = np.zeros((n, blocks * block), dtype=np.int64)
    padded[:, :k] = q
    per_byte = 8 // bits
    fields = padded.reshape(n, blocks, block * bits // 8, per_byte)
    packed = np.zeros(fields.shape[:3], dtype=np.int64)
    for i in range(per_byte):
        packed |= fields[..., i] << (i * bits)
    return packed.astype(np.uint8)


def pack_zero_points(zp, bits):
    """zp: [N, k_blocks] -> uint8 [N, ceil(k_blocks * bits / 8)]."""
    n, blocks = zp.shape
    per_byte = 8 // bits
    width = -(-blocks // per_byte)
    padded = np.zeros((n, width * per_byte), dtype=np.int64)
    padded[:, :blocks] = zp
    fields = padded.reshape(n, width, per_byte)
    packed = np.zeros((n, width), dtype=np.int64)
    for i in range(per_byte):
        packed |= fields[..., i] << (i * bits)
    return packed.astype(np.uint8)


def dequantize_nbits(b, scales, zero_points, k, n, bits, block):
    """The [N, K] float64 weights MatMulNBits' spec defines."""
    blocks = -(-k // block)
    mask = (1 << bits) - 1
    flat = b.reshape(n, blocks * block * bits // 8).astype(np.int64)
    s = scales.reshape(n, blocks).astype(np.float64)
    w = np.zeros((n, k))
    for kk in range(k):
        blk, j = divmod(kk, block)
        byte = flat[:, blk * (block * bits // 8) + (j * bits) // 8]
        q = (byte >> ((j * bits) % 8)) & mask
        if zero_points is None:
            zp = np.full(n, 1 << (bits - 1))
        else:
            zbytes = zero_points.reshape(n, -1).astype(np.int64)
            zp = (zbytes[:, (blk * bits) // 8] >> ((blk * bits) % 8)) & mask
        w[:, kk] = (q - zp) * s[:, blk]
    return w


# --- models ---------------------------------------------------------------------

def save(out, name, nodes, inputs, outputs, feeds, expected, initializers):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, name + ".onnx"))
    if feeds is None:
        return
    data = os.path.join(out, name)
    os.makedirs(data, exist_ok=True)
    for i, x in enumerate(feeds):
        with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(x).SerializeToString())
    with open(os.path.join(data, "output_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(expected.astype(np.float32)).SerializeToString())


def nbits_layer(prefix, x, k, n, bits, block, zero_points, bias, x_name="x"):
    """A MatMulNBits node and its initializers, with random integers and
    scales normalized on `x` (output std about 1); returns (node,
    initializers, output) with the output computed by the reference."""
    blocks = -(-k // block)
    top = (1 << bits) - 1
    if zero_points:
        zp = rng.integers(0, top + 1, size=(n, blocks))
        if bits == 8:
            # loom's int8 weights are symmetric: q - zp must stay in [-127, 127].
            zp = rng.integers(100, 157, size=(n, blocks))
        low = np.maximum(0, np.repeat(zp, block, axis=1)[:, :k] - 127)
        high = np.minimum(top, np.repeat(zp, block, axis=1)[:, :k] + 127)
        q = rng.integers(low, high + 1)
    else:
        zp = None
        # 8 bits: 0 would be -128 after the default zero point 128.
        q = rng.integers(1 if bits == 8 else 0, top + 1, size=(n, k))
    scales = rng.uniform(0.5, 1.5, size=(n, blocks)).astype(np.float32)
    b = pack_nbits(q, bits, block)
    zp_packed = pack_zero_points(zp, bits) if zp is not None else None
    raw = x.reshape(-1, k).astype(np.float64) @ dequantize_nbits(
        b, scales, zp_packed, k, n, bits, block).T
    scales = (scales / raw.std()).astype(np.float32)
    w = dequantize_nbits(b, scales, zp_packed, k, n, bits, block)
    # The reference reads back what was packed.
    zp_full = np.repeat(zp if zp is not None else np.full((n, blocks), 1 << (bits - 1)),
                        block, axis=1)[:, :k]
    expected_w = (q - zp_full) * np.repeat(scales.astype(np.float64), block, axis=1)[:, :k]
    assert np.array_equal(w, expected_w)
    y = x.astype(np.float64) @ w.T
    inits = [numpy_helper.from_array(b, prefix + "_B"),
             numpy_helper.from_array(scales.reshape(-1), prefix + "_scales")]
    inputs = [x_name, prefix + "_B", prefix + "_scales"]
    if zp_packed is not None:
        inits.append(numpy_helper.from_array(zp_packed.reshape(-1), prefix + "_zp"))
        inputs.append(prefix + "_zp")
    if bias:
        c = rng.uniform(-1, 1, size=n).astype(np.float32)
        inits.append(numpy_helper.from_array(c, prefix + "_bias"))
        inputs += [""] * (5 - len(inputs)) + [prefix + "_bias"]
        y = y + c
    node = helper.make_node("MatMulNBits", inputs, [prefix + "_y"], domain="com.microsoft",
                            name=prefix, K=k, N=n, bits=bits, block_size=block)
    return node, inits, y


def single(out, name, shape, n, bits, block, zero_points=False, bias=False):
    k = shape[-1]
    x = rng.standard_normal(shape).astype(np.float32)
    node, inits, y = nbits_layer(name, x, k, n, bits, block, zero_points, bias)
    node.output[0] = "y"
    save(out, name, [node], [helper.make_tensor_value_info("x", F, list(shape))],
         [helper.make_tensor_value_info("y", F, list(shape[:-1]) + [n])], [x], y, inits)


def main():
    out = sys.argv[1]
    single(out, "nbits4_b32", (2, 3, 64), 48, 4, 32)
    single(out, "nbits4_zp_b64", (4, 128), 40, 4, 64, zero_points=True)
    # K = 200: the last block of 128 is partly padding.
    single(out, "nbits4_zp_b128_bias", (3, 200), 24, 4, 128, zero_points=True, bias=True)
    single(out, "nbits8_b32", (2, 96), 32, 8, 32)
    single(out, "nbits8_zp_b64_bias", (1, 5, 128), 16, 8, 64, zero_points=True, bias=True)
    # General path (dequantized to f32): block 16 and 2 bits.
    single(out, "nbits4_b16", (2, 64), 24, 4, 16, zero_points=True)
    single(out, "nbits2_b32", (2, 64), 24, 2, 32)

    # QDQ: int8 [K, N] weights per output channel (axis 1), zero points 0.
    k, n = 96, 40
    x = rng.standard_normal((3, k)).astype(np.float32)
    wq = rng.integers(-127, 128, size=(k, n)).astype(np.int8)
    scale = rng.uniform(0.5, 1.5, size=n).astype(np.float32)
    scale = (scale / (x.astype(np.float64) @ (wq * scale.astype(np.float64))).std()).astype(np.float32)
    w = wq.astype(np.float64) * scale.astype(np.float64)  # (q - 0) * scale[n]
    nodes = [helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], axis=1, name="dq"),
             helper.make_node("MatMul", ["x", "w"], ["y"], name="fc")]
    save(out, "qdq_matmul", nodes, [helper.make_tensor_value_info("x", F, [3, k])],
         [helper.make_tensor_value_info("y", F, [3, n])], [x], x.astype(np.float64) @ w,
         [numpy_helper.from_array(wq, "wq"), numpy_helper.from_array(scale, "ws"),
          numpy_helper.from_array(np.zeros(n, np.int8), "wz")])

    # A QDQ graph as static quantization writes it: the activations
    # through QuantizeLinear/DequantizeLinear (uint8, per tensor), a uint8
    # [N, K] weight per tensor (zero point 128) into a Gemm with transB and
    # a bias.
    k, n = 64, 24
    x = rng.standard_normal((5, k)).astype(np.float32)
    x_scale, x_zero = np.float32(0.03), np.uint8(120)
    # ONNX's QuantizeLinear: saturate(round_half_even(x / scale) + zero point).
    xq = np.clip(np.rint(x / x_scale) + int(x_zero), 0, 255)
    xd = (xq - int(x_zero)) * np.float64(x_scale)
    wq = rng.integers(1, 256, size=(n, k)).astype(np.uint8)
    w_scale = np.float32(1.0 / (xd @ (wq.astype(np.float64) - 128).T).std())
    c = rng.uniform(-1, 1, size=n).astype(np.float32)
    w = (wq.astype(np.float64) - 128) * np.float64(w_scale)
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="qx"),
             helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"], name="dqx"),
             helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], name="dqw"),
             helper.make_node("Gemm", ["xd", "w", "c"], ["y"], transB=1, name="gemm")]
    save(out, "qdq_gemm", nodes, [helper.make_tensor_value_info("x", F, [5, k])],
         [helper.make_tensor_value_info("y", F, [5, n])], [x], xd @ w.T + c,
         [numpy_helper.from_array(np.array(x_scale), "xs"),
          numpy_helper.from_array(np.array(x_zero), "xz"),
          numpy_helper.from_array(wq, "wq"), numpy_helper.from_array(np.array(w_scale), "ws"),
          numpy_helper.from_array(np.array(128, np.uint8), "wz"),
          numpy_helper.from_array(c, "c")])

    # A 2-layer MLP: int4 with zero points and a bias, Relu, int8.
    x = rng.standard_normal((2, 4, 64)).astype(np.float32)
    up, inits1, h = nbits_layer("up", x, 64, 128, 4, 32, True, True)
    h = np.maximum(h, 0.0)
    down, inits2, y = nbits_layer("down", h.astype(np.float32), 128, 32, 8, 64, False, False,
                                  x_name="h")
    nodes = [up, helper.make_node("Relu", ["up_y"], ["h"], name="relu"), down]
    down.output[0] = "y"
    save(out, "mlp", nodes, [helper.make_tensor_value_info("x", F, [2, 4, 64])],
         [helper.make_tensor_value_info("y", F, [2, 4, 32])], [x], y, inits1 + inits2)

    # bits = 3: refused, naming the node.
    node = helper.make_node("MatMulNBits", ["x", "B", "s"], ["y"], domain="com.microsoft",
                            name="proj3", K=32, N=4, bits=3, block_size=32)
    save(out, "bad_bits", [node], [helper.make_tensor_value_info("x", F, [2, 32])],
         [helper.make_tensor_value_info("y", F, [2, 4])], None, None,
         [numpy_helper.from_array(np.zeros((4, 1, 12), np.uint8), "B"),
          numpy_helper.from_array(np.ones(4, np.float32), "s")])

    # No K (a required attribute; com.microsoft ops have no ONNX schema in
    # loom's build, so the op's own verifier names what is missing).
    node = helper.make_node("MatMulNBits", ["x", "B", "s"], ["y"], domain="com.microsoft",
                            name="proj_no_k", N=4, bits=4, block_size=32)
    save(out, "bad_no_k", [node], [helper.make_tensor_value_info("x", F, [2, 32])],
         [helper.make_tensor_value_info("y", F, [2, 4])], None, None,
         [numpy_helper.from_array(np.zeros((4, 1, 16), np.uint8), "B"),
          numpy_helper.from_array(np.ones(4, np.float32), "s")])


if __name__ == "__main__":
    main()

"""Writes models whose attributes or inputs ONNX forbids, each of which once
crashed loom-compile (a zero stride divided by zero inside ONNX's shape
inference; a required input left empty; a Concat axis of -2**62 indexed the
lowering's dimensions). Usage: make_hostile_attributes.py OUT_DIR"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def save(out, name, node, inputs, output_type=TensorProto.FLOAT):
    inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs]
    graph = helper.make_graph([node], name, inputs,
                              [helper.make_tensor_value_info("y", output_type, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, os.path.join(out, name + ".onnx"))


out = sys.argv[1]
image, kernel = ("x", [1, 1, 4, 4]), ("w", [1, 1, 2, 2])
save(out, "maxpool_stride0",
     helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[0, 1]), [image])
save(out, "averagepool_kernel0",
     helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[0, 2]), [image])
save(out, "conv_stride0", helper.make_node("Conv", ["x", "w"], ["y"], strides=[1, 0]),
     [image, kernel])
save(out, "conv_dilation_negative",
     helper.make_node("Conv", ["x", "w"], ["y"], dilations=[-1, 1]), [image, kernel])
save(out, "conv_group0", helper.make_node("Conv", ["x", "w"], ["y"], group=0), [image, kernel])
save(out, "shape_of_nothing", helper.make_node("Shape", [""], ["y"]), [("x", [2])],
     output_type=TensorProto.INT64)
save(out, "concat_axis_huge", helper.make_node("Concat", ["x", "x"], ["y"], axis=-(2**62)),
     [("x", [2, 3])])
save(out, "softmax_axis_2", helper.make_node("Softmax", ["x"], ["y"], axis=2), [("x", [2, 3])])
# LayerNormalization's axis below -rank, or past 2^31 (wrapping around in
# ONNX's 32-bit index), crashed ONNX's inference of its Mean output.
for suffix, axis in (("negative", -4), ("huge", 2**31)):
    graph = helper.make_graph(
        [helper.make_node("LayerNormalization", ["x", "w", "b"], ["y", "mean"], axis=axis)],
        "layernorm_axis_" + suffix,
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [2, 3, 5]) for n in "xwb"],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("y", "mean")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              os.path.join(out, "layernorm_axis_" + suffix + ".onnx"))
# An empty name among variadic inputs was dropped (Concat of x, '', x gave
# x twice): an error, as in ONNX's checker.
save(out, "concat_empty_input", helper.make_node("Concat", ["x", "", "x"], ["y"], axis=0),
     [("x", [2])])
save(out, "max_empty_input", helper.make_node("Max", ["x", ""], ["y"]), [("x", [2])])
# A convolution's weight of another rank than its input: ONNX's inference
# indexed one's dimensions by the other's rank (SIGSEGV, or garbage sizes).
save(out, "conv_weight_rank", helper.make_node("Conv", ["x", "w"], ["y"], auto_pad="SAME_UPPER"),
     [image, ("w", [1, 1])])
save(out, "convtranspose_weight_rank", helper.make_node("ConvTranspose", ["x", "w"], ["y"]),
     [image, ("w", [1])])
# Scan without its required num_scan_inputs (read through a null pointer) or
# with more than it has inputs (vectors of 2^40 entries).
body = helper.make_graph(
    [helper.make_node("Add", ["s_in", "x_in"], ["s_out"]),
     helper.make_node("Identity", ["s_in"], ["y_out"])], "body",
    [helper.make_tensor_value_info(n, TensorProto.FLOAT, [2]) for n in ("s_in", "x_in")],
    [helper.make_tensor_value_info(n, TensorProto.FLOAT, [2]) for n in ("s_out", "y_out")])
for name, attrs in (("scan_no_num_scan_inputs", {}), ("scan_num_scan_inputs_huge", {"num_scan_inputs": 2**40})):
    graph = helper.make_graph(
        [helper.make_node("Scan", ["s", "x"], ["so", "yo"], body=body, **attrs)], name,
        [helper.make_tensor_value_info("s", TensorProto.FLOAT, [2]),
         helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 2])],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("so", "yo")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 9)]),
              os.path.join(out, name + ".onnx"))
# Shape of a graph input without a type (SIGSEGV in ONNX's inference).
untyped = onnx.ValueInfoProto(name="x")
graph = helper.make_graph([helper.make_node("Shape", ["x"], ["y"])], "shape_of_untyped", [untyped],
                          [helper.make_tensor_value_info("y", TensorProto.INT64, None)])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          os.path.join(out, "shape_of_untyped.onnx"))
# STFT of a signal of rank 1: ONNX's inference read its dimension 1.
graph = helper.make_graph([helper.make_node("STFT", ["x", "step"], ["y"])], "stft_signal_rank1",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [16]),
                           helper.make_tensor_value_info("step", TensorProto.INT64, [])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          os.path.join(out, "stft_signal_rank1.onnx"))
# Transpose: a perm that repeats an axis reached linalg's verifier (internal
# IR); a scalar's transpose (no perm) crashed the CPU lowering.
save(out, "transpose_perm_repeated", helper.make_node("Transpose", ["x"], ["y"], perm=[0, 0, 1]),
     [("x", [2, 3, 4])])
save(out, "transpose_scalar", helper.make_node("Transpose", ["x"], ["y"]), [("x", [])])
os.makedirs(os.path.join(out, "transpose_scalar_data"), exist_ok=True)
for name in ("input_0", "output_0"):
    with open(os.path.join(out, "transpose_scalar_data", name + ".pb"), "wb") as f:
        f.write(numpy_helper.from_array(np.array(2.5, np.float32)).SerializeToString())
# Expand's shape and Slice's starts/ends given as scalars: the lowering read
# their length (a crash).
for name, node in (("expand_scalar_shape", helper.make_node("Expand", ["x", "k"], ["y"])),
                   ("slice_scalar_starts", helper.make_node("Slice", ["x", "k", "k"], ["y"]))):
    graph = helper.make_graph([node], name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 2]),
                                             helper.make_tensor_value_info("k", TensorProto.INT64, [])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              os.path.join(out, name + ".onnx"))
# Static sizes that do not broadcast (ONNX's inference gives up on them):
# the lowering built a linalg.generic its verifier rejected (internal IR).
save(out, "add_not_broadcastable", helper.make_node("Add", ["x", "z"], ["y"]),
     [("x", [2, 3]), ("z", [4])])
# Ranks and types the lowerings read unchecked (each built IR that its
# verifier rejected, printing internal IR).
save(out, "trilu_rank1", helper.make_node("Trilu", ["x"], ["y"]), [("x", [3])])
graph = helper.make_graph(
    [helper.make_node("GatherElements", ["x", "i"], ["y"])], "gather_elements_rank",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3]),
     helper.make_tensor_value_info("i", TensorProto.INT64, [2])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          os.path.join(out, "gather_elements_rank.onnx"))
save(out, "constant_of_float_shape", helper.make_node("ConstantOfShape", ["x"], ["y"]), [("x", [2])])
save(out, "gemm_bias_not_broadcastable", helper.make_node("Gemm", ["a", "b", "c"], ["y"]),
     [("a", [3, 5]), ("b", [5, 4]), ("c", [3])])
graph = helper.make_graph([helper.make_node("Slice", ["x", "k", "k", "k"], ["y"])], "slice_of_scalar",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, []),
                           helper.make_tensor_value_info("k", TensorProto.INT64, [1])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          os.path.join(out, "slice_of_scalar.onnx"))
# A Concat axis of 2^62 + 1 was once taken as 1 (truncated to 32 bits).
save(out, "concat_axis_wraps", helper.make_node("Concat", ["x", "x"], ["y"], axis=2**62 + 1),
     [("x", [2, 3])])
# Left from the mutation run (each reached an op verifier: internal IR).
# LayerNormalization whose scale or B does not fit the normalized axes.
save(out, "layernorm_scale_wrong_size",
     helper.make_node("LayerNormalization", ["x", "s", "b"], ["y"], axis=-1),
     [("x", [2, 3, 4]), ("s", [5]), ("b", [5])])
save(out, "layernorm_bias_wrong_size",
     helper.make_node("LayerNormalization", ["x", "s", "b"], ["y"], axis=-1),
     [("x", [2, 3, 4]), ("s", [4]), ("b", [3])])
# Softmax of a scalar, and an axis of -2^40 (loom.softmax's verifier).
save(out, "softmax_of_scalar", helper.make_node("Softmax", ["x"], ["y"]), [("x", [])])
save(out, "softmax_axis_far", helper.make_node("Softmax", ["x"], ["y"], axis=-2**40),
     [("x", [2, 3])])
# ReverseSequence with a sequence_lens of 3 entries for a batch of 2.
graph = helper.make_graph(
    [helper.make_node("ReverseSequence", ["x", "l"], ["y"], batch_axis=1, time_axis=0)],
    "reverse_sequence_lens", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 2, 3]),
                              helper.make_tensor_value_info("l", TensorProto.INT64, [3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          os.path.join(out, "reverse_sequence_lens.onnx"))
# ConvTranspose with an output_shape that ONNX's inference reads as a full
# shape ([1, 1] for a rank-4 input).
save(out, "convtranspose_output_shape_short",
     helper.make_node("ConvTranspose", ["x", "w"], ["y"], output_shape=[2, 2]),
     [("x", [1, 1, 3, 3]), ("w", [1, 1, 3, 3])])
# Reshape to a shape with a 0 under allowzero: 0 elements from 6.
graph = helper.make_graph(
    [helper.make_node("Reshape", ["x", "s"], ["y"], allowzero=1)], "reshape_to_zero_size",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    [numpy_helper.from_array(np.array([0, 3], np.int64), "s")])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          os.path.join(out, "reshape_to_zero_size.onnx"))

"""A MatMul by a weight kept in an external data file (weights.bin), and
test data for it; with --scale S the weights file is rewritten with the
weight times S (same size), as a user updating the weights would; with
--keep-mtime too, the file keeps its modification time (as `cp -p` or a
restore from a backup would), so only its contents tell the change.

Usage: make_external.py OUT_DIR [--scale S [--keep-mtime]]
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rescale = len(sys.argv) > 3 and sys.argv[2] == "--scale"
rng = np.random.default_rng(5)
w = rng.standard_normal((32, 32)).astype(np.float32)
if rescale:
    # Only the data file changes: the model still names weights.bin.
    path = os.path.join(out, "weights.bin")
    before = os.stat(path)
    with open(path, "wb") as f:
        f.write((w * float(sys.argv[3])).tobytes())
    if "--keep-mtime" in sys.argv:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    sys.exit(0)
x = rng.standard_normal((2, 32)).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["y"])], "external",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 32])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 32])],
    [numpy_helper.from_array(w, "w")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.save(model, os.path.join(out, "external.onnx"), save_as_external_data=True,
          all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)
os.makedirs(os.path.join(out, "data"), exist_ok=True)
for name, t in [("input_0", x), ("output_0", x @ w)]:
    with open(os.path.join(out, "data", name + ".pb"), "wb") as f:
        f.write(numpy_helper.from_array(t).SerializeToString())

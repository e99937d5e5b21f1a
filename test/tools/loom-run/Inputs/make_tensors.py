"""Writes TensorProto files that loom-run must reject or accept.

Usage: make_tensors.py OUT_DIR
"""
import os
import sys

import numpy as np
from onnx import numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def save(array, name):
    with open(os.path.join(out, name), "wb") as f:
        f.write(numpy_helper.from_array(array).SerializeToString())


save(np.ones((3, 4), np.float32), "f32_3x4.pb")
save(np.ones((4, 3), np.float32), "f32_4x3.pb")
save(np.ones((5, 4), np.float32), "f32_5x4.pb")
save(np.ones((3, 4), np.int64), "i64_3x4.pb")
save(np.ones((3, 4, 1), np.float32), "f32_3x4x1.pb")
with open(os.path.join(out, "garbage.pb"), "wb") as f:
    f.write(b"\xff\xff\xff\xff not a tensor")
# Claims 3x4 floats but holds only 2 values.
t = numpy_helper.from_array(np.ones((3, 4), np.float32))
t.raw_data = t.raw_data[:8]
with open(os.path.join(out, "short.pb"), "wb") as f:
    f.write(t.SerializeToString())

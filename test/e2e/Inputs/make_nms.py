"""NonMaxSuppression on random detections, as detection exports use it (a
dynamic number of boxes, several images and classes, a score threshold),
against a reference written here from the ONNX specification: per image and
class, boxes above the threshold by falling score (lower index first among
ties), each kept unless its IoU with a kept box of its class exceeds the
threshold, until max_output_boxes_per_class.

Usage: make_nms.py OUT_DIR  (writes nms{0,1}.onnx and data{0,1}/; 1 is
center_point_box=1, [x_center, y_center, width, height])
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def corners(box, centered):
    if centered:
        xc, yc, w, h = box
        return yc - h / 2, xc - w / 2, yc + h / 2, xc + w / 2
    y1, x1, y2, x2 = box
    return min(y1, y2), min(x1, x2), max(y1, y2), max(x1, x2)


def iou(a, b):
    h = min(a[2], b[2]) - max(a[0], b[0])
    w = min(a[3], b[3]) - max(a[1], b[1])
    if h <= 0 or w <= 0:
        return 0.0
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    if area_a <= 0 or area_b <= 0:
        return 0.0
    inter = h * w
    return inter / (area_a + area_b - inter)


def reference(boxes, scores, max_per_class, iou_threshold, score_threshold, centered):
    rows = []
    for image in range(boxes.shape[0]):
        cs = [corners(b, centered) for b in boxes[image].astype(np.float64)]
        for cls in range(scores.shape[1]):
            s = scores[image, cls]
            candidates = [i for i in range(len(s)) if s[i] > score_threshold]
            candidates.sort(key=lambda i: (-s[i], i))
            kept = []
            for i in candidates:
                if len(kept) == max_per_class:
                    break
                if all(iou(cs[k], cs[i]) <= iou_threshold for k in kept):
                    kept.append(i)
            rows += [[image, cls, i] for i in kept]
    return np.array(rows, np.int64).reshape(-1, 3)


out = sys.argv[1]
rng = np.random.default_rng(3)
images, count, classes = 2, 60, 3
for centered in (0, 1):
    if centered:
        xy = rng.uniform(0, 10, size=(images, count, 2))
        wh = rng.uniform(1, 5, size=(images, count, 2))
        boxes = np.concatenate([xy, wh], axis=2).astype(np.float32)
    else:
        # Corners in either diagonal order.
        boxes = rng.uniform(0, 10, size=(images, count, 4)).astype(np.float32)
    # Scores on a coarse grid: many ties.
    scores = (rng.integers(0, 20, size=(images, classes, count)) / 20).astype(np.float32)
    node = helper.make_node("NonMaxSuppression",
                            ["boxes", "scores", "max_out", "iou", "score_min"], ["selected"],
                            center_point_box=centered)
    graph = helper.make_graph(
        [node], "nms",
        [helper.make_tensor_value_info("boxes", TensorProto.FLOAT, ["batch", "boxes", 4]),
         helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", classes, "boxes"])],
        [helper.make_tensor_value_info("selected", TensorProto.INT64, ["selected", 3])],
        [numpy_helper.from_array(np.array([12], np.int64), "max_out"),
         numpy_helper.from_array(np.array([0.1], np.float32), "iou"),
         numpy_helper.from_array(np.array([0.25], np.float32), "score_min")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)]),
              os.path.join(out, f"nms{centered}.onnx"))
    data = os.path.join(out, f"data{centered}")
    os.makedirs(data, exist_ok=True)
    expected = reference(boxes, scores, 12, np.float32(0.1), np.float32(0.25), centered)
    # Some classes stop at the limit, others run out of boxes first.
    per_class = np.unique(expected[:, :2], axis=0, return_counts=True)[1]
    assert per_class.max() == 12 and per_class.min() < 12, per_class
    for name, t in zip(["input_0", "input_1", "output_0"], [boxes, scores, expected]):
        with open(os.path.join(data, name + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(t).SerializeToString())

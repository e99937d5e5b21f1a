//===- Detection.cpp - object-detection kernels (NonMaxSuppression) -------===//
//
// onnx.NonMaxSuppression: per image and class, the boxes above the score
// threshold in order of falling score (the lower box index first among
// equal scores), each kept unless it overlaps an already kept box of that
// class by more than the IoU threshold, until the class has its most boxes.
// Rows (image, class, box) are written image by image, class by class, in
// the order the boxes were kept — the order ONNX's reference and ONNX Runtime
// give. The result's size depends on the values, so the compiler allocates
// the largest possible result and keeps the rows this kernel reports.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "../RunErrors.h"

#include "loom-c/Abi.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace {

/// A box as its two corners, smaller coordinates first.
struct Corners {
  float y1, x1, y2, x2;
  float area() const { return (y2 - y1) * (x2 - x1); }
};

Corners readBox(const loomrt::MemRef<3> &boxes, int64_t image, int64_t box, bool centered) {
  const float *p = boxes.aligned + boxes.offset + image * boxes.strides[0] +
                   box * boxes.strides[1];
  float v[4];
  for (int i = 0; i < 4; ++i)
    v[i] = p[i * boxes.strides[2]];
  if (centered) // [x_center, y_center, width, height]
    return {v[1] - v[3] / 2, v[0] - v[2] / 2, v[1] + v[3] / 2, v[0] + v[2] / 2};
  // [y1, x1, y2, x2] with either diagonal's corners.
  return {std::min(v[0], v[2]), std::min(v[1], v[3]), std::max(v[0], v[2]),
          std::max(v[1], v[3])};
}

/// Whether a and b overlap by more than `threshold` (intersection over union).
bool overlapsTooMuch(const Corners &a, const Corners &b, float threshold) {
  float h = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  float w = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  if (h <= 0 || w <= 0)
    return false;
  float areaA = a.area(), areaB = b.area();
  if (areaA <= 0 || areaB <= 0)
    return false;
  float intersection = h * w;
  return intersection / (areaA + areaB - intersection) > threshold;
}

} // namespace

int64_t _mlir_ciface_loomrt_non_max_suppression_f32(
    loomrt::MemRef<3> *boxes, loomrt::MemRef<3> *scores, loomrt::MemRefI64<2> *out,
    int64_t maxPerClass, float iouThreshold, float scoreThreshold, bool hasScoreThreshold,
    int32_t centerPointBox) {
  int64_t images = boxes->sizes[0], count = boxes->sizes[1], classes = scores->sizes[1];
  // The compiler checked these against the model; a caller of the ABI that
  // did not gets an error, not a read out of bounds.
  if (boxes->sizes[2] != 4 || scores->sizes[0] != images || scores->sizes[2] != count ||
      out->sizes[1] != 3 || out->sizes[0] < images * classes * count) {
    loomrt::recordRunError(LOOM_ABI_ERROR_SHAPE_MISMATCH, -1);
    return 0;
  }
  if (maxPerClass <= 0)
    return 0;
  int64_t written = 0;
  std::vector<int64_t> order;
  std::vector<Corners> kept;
  std::vector<Corners> all(count);
  for (int64_t image = 0; image < images; ++image) {
    for (int64_t box = 0; box < count; ++box)
      all[box] = readBox(*boxes, image, box, centerPointBox == 1);
    for (int64_t cls = 0; cls < classes; ++cls) {
      const float *s = scores->aligned + scores->offset + image * scores->strides[0] +
                       cls * scores->strides[1];
      auto score = [&](int64_t box) { return s[box * scores->strides[2]]; };
      order.clear();
      for (int64_t box = 0; box < count; ++box)
        if (!std::isnan(score(box)) && (!hasScoreThreshold || score(box) > scoreThreshold))
          order.push_back(box);
      std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
        return score(a) > score(b) || (score(a) == score(b) && a < b);
      });
      kept.clear();
      for (int64_t box : order) {
        if (int64_t(kept.size()) >= maxPerClass)
          break;
        const Corners &candidate = all[box];
        if (std::any_of(kept.begin(), kept.end(), [&](const Corners &k) {
              return overlapsTooMuch(k, candidate, iouThreshold);
            }))
          continue;
        kept.push_back(candidate);
        int64_t *row = out->aligned + out->offset + written * out->strides[0];
        row[0] = image;
        row[out->strides[1]] = cls;
        row[2 * out->strides[1]] = box;
        ++written;
      }
    }
  }
  return written;
}

//===- Convolution.cpp - Conv and pooling as linalg -------------*- C++ -*-===//
//
// Conv (any number of spatial dimensions, groups, strides, dilations, pads
// and auto_pad), ConvTranspose (the same plus output_padding and
// output_shape), MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool,
// each as one linalg.generic over the output positions and the kernel
// window. The input is read with tensor.extract at clamped coordinates and
// positions in the padding are replaced by the padding value (0 for Conv,
// -inf for MaxPool), so no padded copy is made and a ceil_mode window that
// runs past the end reads nothing outside the tensor. Straightforward loops,
// not an im2col GEMM: correct first, fast later (docs/conformance.md).
//
//===----------------------------------------------------------------------===//

#include "loom-c/Abi.h"
#include "loom/Conversion/LinalgBuilders.h"
#include "loom/Conversion/LoweringPatterns.h"
#include "loom/Dialect/Onnx/IR/OnnxOps.h"
#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"

#include <limits>

using namespace mlir;
using namespace loom;
using loom::onnx_attributes::intArrayAttr;
using loom::onnx_attributes::intAttr;

/// Convolutions with at least this many output channels (one group, f32)
/// run as a GEMM; below it the direct loops do less work than the copies.
static constexpr int64_t kGemmMinOutputChannels = 4;

namespace {

/// Where each output position's window lies in the input, per spatial
/// dimension: output o reads input o * stride + k * dilation - padBegin for
/// kernel offsets k.
struct Window {
  SmallVector<int64_t> kernel, strides, dilations, padBegin, padEnd;
};

/// The window of `op` (kernel sizes from `kernel_shape`, else `kernelSizes`),
/// or why it cannot be lowered.
FailureOr<Window> windowOf(Operation *op, ArrayRef<int64_t> kernelSizes, std::string &why) {
  auto inType = cast<RankedTensorType>(op->getOperand(0).getType());
  int64_t spatial = inType.getRank() - 2;
  if (spatial < 1) {
    why = "the input needs a batch, a channel and at least one spatial dimension";
    return failure();
  }
  Window w;
  w.kernel = intArrayAttr(op, "kernel_shape").value_or(SmallVector<int64_t>(kernelSizes));
  w.strides = intArrayAttr(op, "strides").value_or(SmallVector<int64_t>(spatial, 1));
  w.dilations = intArrayAttr(op, "dilations").value_or(SmallVector<int64_t>(spatial, 1));
  SmallVector<int64_t> pads = intArrayAttr(op, "pads").value_or(SmallVector<int64_t>(2 * spatial, 0));
  if (int64_t(w.kernel.size()) != spatial || int64_t(w.strides.size()) != spatial ||
      int64_t(w.dilations.size()) != spatial || int64_t(pads.size()) != 2 * spatial) {
    why = "kernel_shape, strides, dilations and pads must have one entry per spatial "
          "dimension (pads two)";
    return failure();
  }
  for (int64_t i = 0; i < spatial; ++i) {
    if (ShapedType::isDynamic(w.kernel[i]) || w.kernel[i] < 1 || w.strides[i] < 1 ||
        w.dilations[i] < 1 || pads[i] < 0 || pads[spatial + i] < 0) {
      why = "kernel sizes, strides and dilations must be positive and pads not negative";
      return failure();
    }
  }
  w.padBegin.assign(pads.begin(), pads.begin() + spatial);
  w.padEnd.assign(pads.begin() + spatial, pads.end());
  StringRef autoPad = "NOTSET";
  if (auto attr = op->getAttrOfType<StringAttr>("auto_pad"))
    autoPad = attr.getValue();
  if (autoPad == "VALID") {
    w.padBegin.assign(spatial, 0);
    w.padEnd.assign(spatial, 0);
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    // Output size ceil(in / stride); the padding that needs, split evenly
    // with the odd one at the end (upper) or the beginning (lower).
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t in = inType.getDimSize(2 + i);
      if (ShapedType::isDynamic(in)) {
        why = "auto_pad " + autoPad.str() + " with a dynamic spatial size is not supported yet";
        return failure();
      }
      int64_t out = (in + w.strides[i] - 1) / w.strides[i];
      int64_t total = std::max<int64_t>(
          0, (out - 1) * w.strides[i] + (w.kernel[i] - 1) * w.dilations[i] + 1 - in);
      int64_t small = total / 2;
      w.padBegin[i] = autoPad == "SAME_UPPER" ? small : total - small;
      w.padEnd[i] = total - w.padBegin[i];
    }
  } else if (autoPad != "NOTSET") {
    why = "auto_pad '" + autoPad.str() + "' is not an ONNX value";
    return failure();
  }
  return w;
}

/// Why `op` (Conv or a pool) cannot be lowered: float data, a static kernel.
std::string checkWindowed(Operation *op, ArrayRef<int64_t> kernelSizes) {
  auto inType = cast<RankedTensorType>(op->getOperand(0).getType());
  if (!isFloat(inType.getElementType()))
    return "only float inputs are supported";
  std::string why;
  if (failed(windowOf(op, kernelSizes, why)))
    return why;
  if (op->getNumResults() > 1 && op->getResult(1) && !op->getResult(1).use_empty())
    return "MaxPool's Indices output is not supported yet";
  return "";
}

/// The result's dynamic sizes: the batch from the input, channels from
/// `channels` (dimension `channelDim` of it), spatial sizes
/// floor((in + pads - dilation * (kernel - 1) - 1) / stride) + 1, or with
/// ceil_mode the ceiling, less one where the last window would start past
/// the input and its leading padding (as ONNX's reference computes it).
SmallVector<Value> windowedResultSizes(OpBuilder &b, Location loc, Value in,
                                       RankedTensorType resultType, const Window &w,
                                       Value channels, int64_t channelDim, bool ceilMode) {
  SmallVector<Value> sizes;
  auto c = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  for (int64_t d = 0; d < resultType.getRank(); ++d) {
    if (!resultType.isDynamicDim(d))
      continue;
    if (d == 0) {
      sizes.push_back(tensor::DimOp::create(b, loc, in, 0));
    } else if (d == 1) {
      sizes.push_back(tensor::DimOp::create(b, loc, channels, channelDim));
    } else {
      int64_t i = d - 2;
      Value span = arith::AddIOp::create(b, loc, tensor::DimOp::create(b, loc, in, d),
                                         c(w.padBegin[i] + w.padEnd[i] -
                                           w.dilations[i] * (w.kernel[i] - 1) - 1));
      Value steps = ceilMode ? Value(arith::CeilDivSIOp::create(b, loc, span, c(w.strides[i])))
                             : Value(arith::DivSIOp::create(b, loc, span, c(w.strides[i])));
      Value out = arith::AddIOp::create(b, loc, steps, c(1));
      if (ceilMode) {
        Value lastStart = arith::MulIOp::create(b, loc, arith::SubIOp::create(b, loc, out, c(1)),
                                                c(w.strides[i]));
        Value limit = arith::AddIOp::create(b, loc, tensor::DimOp::create(b, loc, in, d),
                                            c(w.padBegin[i]));
        Value pastEnd =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, lastStart, limit);
        out = arith::SelectOp::create(b, loc, pastEnd, arith::SubIOp::create(b, loc, out, c(1)),
                                      out);
      }
      sizes.push_back(arith::MaxSIOp::create(b, loc, out, c(0)));
    }
  }
  return sizes;
}

/// Inside a generic over (n, channel, outputs..., [c,] kernel offsets...):
/// the input element that kernel offset `kernelDims` of output `outDims`
/// reads in channel `channel`, with whether it lies inside the input and
/// inside the padded input.
struct WindowRead {
  Value value, insideInput, insidePadded;
};
WindowRead readWindow(OpBuilder &b, Location loc, Value in, const Window &w, Value batch,
                      Value channel, ArrayRef<Value> outDims, ArrayRef<Value> kernelDims) {
  auto c = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  Value insideInput = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  Value insidePadded = insideInput;
  SmallVector<Value> coords = {batch, channel};
  for (size_t i = 0; i < outDims.size(); ++i) {
    Value pos = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, outDims[i], c(w.strides[i])),
        arith::MulIOp::create(b, loc, kernelDims[i], c(w.dilations[i])));
    pos = arith::SubIOp::create(b, loc, pos, c(w.padBegin[i]));
    Value size = tensor::DimOp::create(b, loc, in, 2 + i);
    auto cmp = [&](arith::CmpIPredicate p, Value x, Value y) -> Value {
      return arith::CmpIOp::create(b, loc, p, x, y);
    };
    insideInput = arith::AndIOp::create(
        b, loc, insideInput,
        arith::AndIOp::create(b, loc, cmp(arith::CmpIPredicate::sge, pos, c(0)),
                              cmp(arith::CmpIPredicate::slt, pos, size)));
    Value paddedEnd = arith::AddIOp::create(b, loc, size, c(w.padEnd[i]));
    insidePadded = arith::AndIOp::create(
        b, loc, insidePadded,
        arith::AndIOp::create(b, loc, cmp(arith::CmpIPredicate::sge, pos, c(-w.padBegin[i])),
                              cmp(arith::CmpIPredicate::slt, pos, paddedEnd)));
    Value last = arith::SubIOp::create(b, loc, size, c(1));
    coords.push_back(
        arith::MaxSIOp::create(b, loc, arith::MinSIOp::create(b, loc, pos, last), c(0)));
  }
  Value value = tensor::ExtractOp::create(b, loc, in, coords);
  return {value, insideInput, insidePadded};
}

SmallVector<Value> indices(OpBuilder &b, Location loc, int64_t from, int64_t count) {
  SmallVector<Value> out;
  for (int64_t i = 0; i < count; ++i)
    out.push_back(linalg::IndexOp::create(b, loc, from + i));
  return out;
}

} // namespace

/// `y` [N, M, ...] plus `bias` [M] broadcast over the other dimensions.
static Value addChannelBias(OpBuilder &b, Location loc, Value y, Value bias,
                            RankedTensorType resultType) {
  int64_t spatial = resultType.getRank() - 2;
  // The bias [M] seen as [M, 1, ..., 1] broadcasts over the output.
  auto biasType = cast<RankedTensorType>(bias.getType());
  SmallVector<int64_t> shape = {biasType.getDimSize(0)};
  shape.append(spatial, 1);
  SmallVector<ReassociationIndices> groups = {{}};
  for (int64_t i = 0; i <= spatial; ++i)
    groups[0].push_back(i);
  SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, loc, bias, 0)};
  sizes.append(spatial, b.getIndexAttr(1));
  Value column = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, biasType.getElementType()), bias, groups, sizes);
  return buildElementwise(b, loc, resultType, ValueRange{y, column},
                          [](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                            return arith::AddFOp::create(nb, nloc, a[0], a[1]);
                          });
}

/// Conv's weight [M, C / groups, kernel...] as the GEMM's rows
/// [M, C / groups * kernel] (a view).
static Value weightRows(OpBuilder &b, Location loc, Value weight) {
  auto wType = cast<RankedTensorType>(weight.getType());
  int64_t depth = 1;
  ReassociationIndices trailing;
  for (int64_t d = 1; d < wType.getRank(); ++d) {
    trailing.push_back(d);
    depth *= wType.getDimSize(d);
  }
  return tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({wType.getDimSize(0), depth}, wType.getElementType()),
      weight, SmallVector<ReassociationIndices>{{0}, trailing});
}

/// Conv with one group on f32 as one GEMM (loomrt's kernel, through
/// linalg.matmul): the input windows laid out as the columns of
/// col[C * kernel, N * outputs] (im2col; padding reads 0), the weight as
/// [M, C * kernel], and the product [M, N * outputs] viewed as
/// [M, N, outputs...] and transposed to [N, M, outputs...].
/// The copies cost O(C * kernel * N * outputs) against the GEMM's M times
/// that, so they pay off from a few output channels on.
static Value lowerConvAsGemm(PatternRewriter &b, Location loc, onnx::ConvOp conv,
                             const Window &w, RankedTensorType resultType) {
  Value in = conv.getX(), weight = conv.getW();
  auto wType = cast<RankedTensorType>(weight.getType());
  int64_t rank = resultType.getRank(), spatial = rank - 2;
  Type elem = resultType.getElementType();
  int64_t kernelSize = 1;
  for (int64_t k : w.kernel)
    kernelSize *= k;
  int64_t depth = wType.getDimSize(1) * kernelSize;
  auto c = [&](OpBuilder &ob, int64_t v) -> Value { return arith::ConstantIndexOp::create(ob, loc, v); };
  // Every result size as a value (the dynamic ones computed as ONNX does).
  SmallVector<Value> dynamic =
      windowedResultSizes(b, loc, in, resultType, w, weight, 0, /*ceilMode=*/false);
  SmallVector<Value> sizes;
  for (int64_t d = 0, next = 0; d < rank; ++d)
    sizes.push_back(resultType.isDynamicDim(d) ? dynamic[next++] : c(b, resultType.getDimSize(d)));
  Value columns = sizes[0];
  for (int64_t d = 2; d < rank; ++d)
    columns = arith::MulIOp::create(b, loc, columns, sizes[d]);

  // col[c, kernel..., n, outputs...]: affine indices only (no division),
  // then collapsed to [C * kernel, N * outputs].
  SmallVector<int64_t> colShape = {wType.getDimSize(1)};
  colShape.append(w.kernel.begin(), w.kernel.end());
  colShape.push_back(resultType.getDimSize(0));
  for (int64_t d = 2; d < rank; ++d)
    colShape.push_back(resultType.getDimSize(d));
  SmallVector<Value> colDynamic;
  for (int64_t d = 0; d < rank; ++d)
    if (d != 1 && resultType.isDynamicDim(d))
      colDynamic.push_back(sizes[d]);
  auto colFullType = RankedTensorType::get(colShape, elem);
  Value colFull = buildElementwise(
      b, loc, colFullType, ValueRange{},
      [&](OpBuilder &nb, Location nloc, ValueRange) -> Value {
        Value channel = linalg::IndexOp::create(nb, nloc, 0);
        SmallVector<Value> offsets = indices(nb, nloc, 1, spatial);
        Value batch = linalg::IndexOp::create(nb, nloc, 1 + spatial);
        SmallVector<Value> outputs = indices(nb, nloc, 2 + spatial, spatial);
        WindowRead read = readWindow(nb, nloc, in, w, batch, channel, outputs, offsets);
        return arith::SelectOp::create(nb, nloc, read.insideInput, read.value,
                                       arith::ConstantOp::create(nb, nloc, nb.getZeroAttr(elem)));
      },
      colDynamic);
  ReassociationIndices depthGroup, columnGroup;
  for (int64_t d = 0; d <= spatial; ++d)
    depthGroup.push_back(d);
  for (int64_t d = spatial + 1; d < int64_t(colShape.size()); ++d)
    columnGroup.push_back(d);
  // N * outputs, static when all of them are (the types must say so).
  int64_t staticColumns = 1;
  for (int64_t d = spatial + 1; d < int64_t(colShape.size()); ++d)
    staticColumns = ShapedType::isDynamic(colShape[d]) || ShapedType::isDynamic(staticColumns)
                        ? ShapedType::kDynamic
                        : staticColumns * colShape[d];
  Value col = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({depth, staticColumns}, elem), colFull,
      SmallVector<ReassociationIndices>{depthGroup, columnGroup});
  Value weights = weightRows(b, loc, weight);
  auto productType = RankedTensorType::get({wType.getDimSize(0), staticColumns}, elem);
  SmallVector<Value> productDynamic;
  if (ShapedType::isDynamic(staticColumns))
    productDynamic.push_back(columns);
  Value init = linalg::FillOp::create(
                   b, loc, arith::ConstantOp::create(b, loc, b.getZeroAttr(elem)).getResult(),
                   tensor::EmptyOp::create(b, loc, productType, productDynamic).getResult())
                   .getResult(0);
  Value product = linalg::MatmulOp::create(b, loc, TypeRange{productType},
                                           ValueRange{weights, col}, ValueRange{init})
                      .getResult(0);
  SmallVector<Value> resultDynamic;
  for (int64_t d = 0; d < rank; ++d)
    if (resultType.isDynamicDim(d))
      resultDynamic.push_back(sizes[d]);
  if (resultDynamic.size() > (resultType.isDynamicDim(1) ? 2u : 1u)) {
    // Several dynamic sizes in [N, outputs...]: a view would need an
    // expand_shape group with more than one, which MLIR 22's
    // expand-strided-metadata crashes on; read the product by index.
    return buildElementwise(
        b, loc, resultType, ValueRange{},
        [&](OpBuilder &nb, Location nloc, ValueRange) -> Value {
          Value j = linalg::IndexOp::create(nb, nloc, 0);
          for (int64_t d = 2; d < rank; ++d)
            j = arith::AddIOp::create(nb, nloc, arith::MulIOp::create(nb, nloc, j, sizes[d]),
                                      linalg::IndexOp::create(nb, nloc, d));
          return tensor::ExtractOp::create(nb, nloc, product,
                                           ValueRange{linalg::IndexOp::create(nb, nloc, 1), j});
        },
        resultDynamic);
  }
  // [M, N * outputs] -> [M, N, outputs...] (the batch the only dynamic
  // size in the group), then transposed to [N, M, outputs...].
  SmallVector<int64_t> expandedShape = {wType.getDimSize(0)};
  expandedShape.append(colShape.begin() + 1 + spatial, colShape.end());
  SmallVector<OpFoldResult> outputShape;
  outputShape.push_back(b.getIndexAttr(wType.getDimSize(0)));
  for (int64_t d = 0; d < rank; ++d) {
    if (d == 1)
      continue; // the channels come first, above
    outputShape.push_back(resultType.isDynamicDim(d)
                              ? OpFoldResult(sizes[d])
                              : OpFoldResult(b.getIndexAttr(resultType.getDimSize(d))));
  }
  ReassociationIndices columnsGroup;
  for (int64_t d = 1; d < rank; ++d)
    columnsGroup.push_back(d);
  Value expanded = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(expandedShape, elem), product,
      SmallVector<ReassociationIndices>{{0}, columnsGroup}, outputShape);
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> swapped = {getAffineDimExpr(1, ctx), getAffineDimExpr(0, ctx)};
  for (int64_t d = 2; d < rank; ++d)
    swapped.push_back(getAffineDimExpr(d, ctx));
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{expanded},
             ValueRange{tensor::EmptyOp::create(b, loc, resultType, resultDynamic).getResult()},
             SmallVector<AffineMap>{AffineMap::get(rank, 0, swapped, ctx),
                                    AffineMap::getMultiDimIdentityMap(rank, ctx)},
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
             [](OpBuilder &nb, Location nloc, ValueRange a) {
               linalg::YieldOp::create(nb, nloc, a[0]);
             })
      .getResult(0);
}

/// f32 Conv with one or two spatial axes as a call to loomrt's convolution
/// (im2col into its GEMM image by image, the bias written first; a 1-D
/// convolution is a 2-D one of height 1): lib/Runtime/Kernels/Convolution.cpp.
/// The tensor a 2-D kernel wrote into `out` ([N, C, OH, OW]), as
/// `resultType`: one spatial axis drops the height of 1 it ran with.
static Value kernelResult(PatternRewriter &b, Location loc, Value out,
                          RankedTensorType resultType) {
  auto outType = cast<MemRefType>(out.getType());
  Value y = bufferization::ToTensorOp::create(
      b, loc, RankedTensorType::get(outType.getShape(), outType.getElementType()), out,
      /*restrict=*/true, /*writable=*/true);
  if (resultType.getRank() == 4)
    return y;
  return tensor::CollapseShapeOp::create(b, loc, resultType, y,
                                         SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
}

/// The input of a 2-D kernel: x itself, or [N, C, L] as [N, C, 1, L].
static Value kernelImage(PatternRewriter &b, Location loc, Value in) {
  auto inType = cast<RankedTensorType>(in.getType());
  if (inType.getRank() == 4)
    return in;
  auto size = [&](int64_t d) -> OpFoldResult {
    return inType.isDynamicDim(d) ? OpFoldResult(tensor::DimOp::create(b, loc, in, d).getResult())
                                  : OpFoldResult(b.getIndexAttr(inType.getDimSize(d)));
  };
  auto type = RankedTensorType::get(
      {inType.getDimSize(0), inType.getDimSize(1), 1, inType.getDimSize(2)},
      inType.getElementType());
  return tensor::ExpandShapeOp::create(b, loc, type, in,
                                       SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}},
                                       SmallVector<OpFoldResult>{size(0), size(1),
                                                                 b.getIndexAttr(1), size(2)});
}

/// A fresh output buffer of a 2-D kernel for `resultType` (one spatial axis
/// as height 1) with the result's dynamic sizes.
static Value kernelOutput(PatternRewriter &b, Location loc, RankedTensorType resultType,
                          ArrayRef<Value> dynamicSizes) {
  SmallVector<int64_t> shape(resultType.getShape());
  if (resultType.getRank() == 3)
    shape.insert(shape.begin() + 2, 1);
  return memref::AllocOp::create(b, loc, MemRefType::get(shape, resultType.getElementType()),
                                 dynamicSizes);
}

/// Appends one window parameter per axis as i64, height first; one spatial
/// axis is a height of `heightOf1D` (1 for sizes, 0 for pads).
static void appendPerAxis(PatternRewriter &b, Location loc, SmallVectorImpl<Value> &args,
                          ArrayRef<int64_t> values, int64_t heightOf1D) {
  auto param = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
  };
  bool oneAxis = values.size() == 1;
  args.push_back(param(oneAxis ? heightOf1D : values[0]));
  args.push_back(param(values[oneAxis ? 0 : 1]));
}

/// The bias as a kernel view, or an empty one.
static Value kernelBias(PatternRewriter &b, Location loc, Value bias, Type elem) {
  if (bias)
    return kernelView(b, loc, bias);
  Value none = memref::AllocOp::create(b, loc, MemRefType::get({0}, elem));
  return memref::CastOp::create(b, loc, kernelViewType(elem, 1), none);
}

/// Calls loomrt's convolution or transposed-convolution kernel: x (1-D as
/// height 1), the weight as [its dim 0, the rest], the bias or an empty one,
/// `out`, then the window (height first) and the group count.
static Value callConvKernel(PatternRewriter &b, Location loc, Operation *op, Value out,
                            ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                            ArrayRef<int64_t> padBegin, ArrayRef<int64_t> dilations,
                            RankedTensorType resultType, func::FuncOp callee) {
  Type elem = resultType.getElementType();
  Value bias = op->getNumOperands() > 2 ? op->getOperand(2) : Value();
  SmallVector<Value> args = {kernelView(b, loc, kernelImage(b, loc, op->getOperand(0))),
                             kernelView(b, loc, weightRows(b, loc, op->getOperand(1))),
                             kernelBias(b, loc, bias, elem),
                             memref::CastOp::create(b, loc, kernelViewType(elem, 4), out)};
  appendPerAxis(b, loc, args, kernel, 1);
  appendPerAxis(b, loc, args, strides, 1);
  appendPerAxis(b, loc, args, padBegin, 0);
  appendPerAxis(b, loc, args, dilations, 1);
  args.push_back(
      arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(intAttr(op, "group").value_or(1))));
  func::CallOp::create(b, loc, callee, args);
  return kernelResult(b, loc, out, resultType);
}

static Value lowerConvByKernel(PatternRewriter &b, Location loc, onnx::ConvOp conv,
                               const Window &w, RankedTensorType resultType,
                               func::FuncOp callee) {
  // The output [N, M, OH, OW] (OH = 1 for one spatial axis).
  Value out = kernelOutput(b, loc, resultType,
                           windowedResultSizes(b, loc, conv.getX(), resultType, w, conv.getW(),
                                               0, /*ceilMode=*/false));
  return callConvKernel(b, loc, conv, out, w.kernel, w.strides, w.padBegin, w.dilations,
                        resultType, callee);
}

/// Conv: loops (n, m, outputs..., c, kernel...); input channel
/// (m / (M / group)) * (C / group) + c. The bias is added afterwards.
static FailureOr<Value> lowerConv(Operation *op, RankedTensorType resultType,
                                  PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  auto conv = cast<onnx::ConvOp>(op);
  Value in = conv.getX(), weight = conv.getW();
  auto wType = cast<RankedTensorType>(weight.getType());
  int64_t rank = resultType.getRank(), spatial = rank - 2;
  std::string why;
  Window w = *windowOf(op, wType.getShape().drop_front(2), why);
  int64_t outputsPerGroup = wType.getDimSize(0) / intAttr(op, "group").value_or(1);
  int64_t channelsPerGroup = wType.getDimSize(1);
  Type elem = resultType.getElementType();
  MLIRContext *ctx = b.getContext();
  // loomrt's kernel for one or two spatial axes (loom-declare-runtime-kernels
  // declares it); three or more take the linalg forms below.
  if (elem.isF32() && spatial <= 2)
    if (auto callee = op->getParentOfType<ModuleOp>().lookupSymbol<func::FuncOp>(
            "loomrt_conv2d_f32"))
      return lowerConvByKernel(b, loc, conv, w, resultType, callee);
  if (intAttr(op, "group").value_or(1) == 1 && elem.isF32() && wType.getDimSize(0) >= kGemmMinOutputChannels) {
    Value y = lowerConvAsGemm(b, loc, conv, w, resultType);
    return conv.getB() ? addChannelBias(b, loc, y, conv.getB(), resultType) : y;
  }

  int64_t loops = 2 + spatial + 1 + spatial;
  SmallVector<AffineExpr> wExprs = {getAffineDimExpr(1, ctx), getAffineDimExpr(2 + spatial, ctx)};
  for (int64_t i = 0; i < spatial; ++i)
    wExprs.push_back(getAffineDimExpr(3 + spatial + i, ctx));
  SmallVector<AffineExpr> outExprs;
  for (int64_t i = 0; i < rank; ++i)
    outExprs.push_back(getAffineDimExpr(i, ctx));
  SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, wExprs, ctx),
                                 AffineMap::get(loops, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iterators(2 + spatial, utils::IteratorType::parallel);
  iterators.append(1 + spatial, utils::IteratorType::reduction);

  Value init = tensor::EmptyOp::create(
      b, loc, resultType.getShape(), elem,
      windowedResultSizes(b, loc, in, resultType, w, weight, 0, /*ceilMode=*/false));
  init = linalg::FillOp::create(b, loc, arith::ConstantOp::create(b, loc, b.getZeroAttr(elem)).getResult(),
                                init)
             .getResult(0);
  Value y = linalg::GenericOp::create(
                b, loc, TypeRange{resultType}, ValueRange{weight}, ValueRange{init}, maps,
                iterators,
                [&](OpBuilder &nb, Location nloc, ValueRange args) {
                  Value m = linalg::IndexOp::create(nb, nloc, 1);
                  Value c = linalg::IndexOp::create(nb, nloc, 2 + spatial);
                  Value group = arith::DivUIOp::create(
                      nb, nloc, m, arith::ConstantIndexOp::create(nb, nloc, outputsPerGroup));
                  Value channel = arith::AddIOp::create(
                      nb, nloc,
                      arith::MulIOp::create(
                          nb, nloc, group,
                          arith::ConstantIndexOp::create(nb, nloc, channelsPerGroup)),
                      c);
                  WindowRead read = readWindow(
                      nb, nloc, in, w, linalg::IndexOp::create(nb, nloc, 0), channel,
                      indices(nb, nloc, 2, spatial), indices(nb, nloc, 3 + spatial, spatial));
                  Value x = arith::SelectOp::create(
                      nb, nloc, read.insideInput, read.value,
                      arith::ConstantOp::create(nb, nloc, nb.getZeroAttr(elem)));
                  Value sum = arith::AddFOp::create(
                      nb, nloc, args[1], arith::MulFOp::create(nb, nloc, x, args[0]));
                  linalg::YieldOp::create(nb, nloc, sum);
                })
                .getResult(0);
  if (!conv.getB())
    return y;
  return addChannelBias(b, loc, y, conv.getB(), resultType);
}

static std::string checkConv(Operation *op, const LoweringState &) {
  auto conv = cast<onnx::ConvOp>(op);
  auto wType = cast<RankedTensorType>(conv.getW().getType());
  auto inType = cast<RankedTensorType>(conv.getX().getType());
  if (wType.getRank() != inType.getRank())
    return "the weight must have the input's rank";
  // Read below: the channel axis (fuzzed rank-1 Convs reached it).
  if (inType.getRank() < 3)
    return "the input needs a batch, a channel and at least one spatial dimension";
  for (int64_t d = 0; d < wType.getRank(); ++d)
    if (wType.isDynamicDim(d))
      return "the weight's shape must be static";
  int64_t group = intAttr(op, "group").value_or(1);
  if (group < 1 || wType.getDimSize(0) % group != 0)
    return "group must divide the number of output channels";
  if (!inType.isDynamicDim(1) && inType.getDimSize(1) != group * wType.getDimSize(1))
    return "input channels must equal group times the weight's second dimension";
  if (auto kernel = intArrayAttr(op, "kernel_shape"))
    if (ArrayRef<int64_t>(*kernel) != wType.getShape().drop_front(2))
      return "kernel_shape differs from the weight's shape";
  return checkWindowed(op, wType.getShape().drop_front(2));
}

namespace {
/// ConvTranspose's geometry per spatial dimension: input i reaches output
/// o = i * stride + k * dilation - padBegin through kernel offset k.
struct TransposedWindow {
  SmallVector<int64_t> kernel, strides, dilations, outputPadding, padBegin, padEnd;
};

/// floor(a / 2), as ONNX's reference (Python) divides negative totals.
int64_t floorHalf(int64_t a) { return a >= 0 ? a / 2 : -((-a + 1) / 2); }

FailureOr<TransposedWindow> transposedWindowOf(Operation *op, std::string &why) {
  auto inType = cast<RankedTensorType>(op->getOperand(0).getType());
  auto wType = cast<RankedTensorType>(op->getOperand(1).getType());
  int64_t spatial = inType.getRank() - 2;
  TransposedWindow w;
  w.kernel.assign(wType.getShape().begin() + 2, wType.getShape().end());
  w.strides = intArrayAttr(op, "strides").value_or(SmallVector<int64_t>(spatial, 1));
  w.dilations = intArrayAttr(op, "dilations").value_or(SmallVector<int64_t>(spatial, 1));
  w.outputPadding =
      intArrayAttr(op, "output_padding").value_or(SmallVector<int64_t>(spatial, 0));
  SmallVector<int64_t> pads =
      intArrayAttr(op, "pads").value_or(SmallVector<int64_t>(2 * spatial, 0));
  if (int64_t(w.strides.size()) != spatial || int64_t(w.dilations.size()) != spatial ||
      int64_t(w.outputPadding.size()) != spatial || int64_t(pads.size()) != 2 * spatial) {
    why = "strides, dilations, output_padding and pads must have one entry per spatial "
          "dimension (pads two)";
    return failure();
  }
  for (int64_t i = 0; i < spatial; ++i)
    if (w.strides[i] < 1 || w.dilations[i] < 1 || w.outputPadding[i] < 0) {
      why = "strides and dilations must be positive and output_padding not negative";
      return failure();
    }
  w.padBegin.assign(pads.begin(), pads.begin() + spatial);
  w.padEnd.assign(pads.begin() + spatial, pads.end());
  StringRef autoPad = "NOTSET";
  if (auto attr = op->getAttrOfType<StringAttr>("auto_pad"))
    autoPad = attr.getValue();
  if (!llvm::is_contained({"NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"}, autoPad)) {
    why = "auto_pad '" + autoPad.str() + "' is not an ONNX value";
    return failure();
  }
  std::optional<SmallVector<int64_t>> outputShape = intArrayAttr(op, "output_shape");
  if (outputShape && int64_t(outputShape->size()) == spatial + 2)
    outputShape->erase(outputShape->begin(), outputShape->begin() + 2);
  if (outputShape && int64_t(outputShape->size()) != spatial) {
    why = "output_shape must have one entry per spatial dimension";
    return failure();
  }
  if (autoPad == "VALID") {
    w.padBegin.assign(spatial, 0);
    w.padEnd.assign(spatial, 0);
  }
  if (!outputShape && autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
    return w;
  // The total padding that gives the requested output size (in * stride
  // for SAME, which makes it independent of the input size), split as
  // ONNX specifies: the odd one at the end for SAME_UPPER, else at the start.
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t fixed = w.outputPadding[i] + (w.kernel[i] - 1) * w.dilations[i] + 1;
    int64_t total;
    if (outputShape) {
      int64_t in = inType.getDimSize(2 + i);
      if (ShapedType::isDynamic(in)) {
        why = "output_shape with a dynamic spatial input size is not supported";
        return failure();
      }
      total = w.strides[i] * (in - 1) + fixed - (*outputShape)[i];
    } else {
      total = fixed - w.strides[i];
    }
    if (autoPad == "SAME_UPPER") {
      w.padBegin[i] = floorHalf(total);
      w.padEnd[i] = total - w.padBegin[i];
    } else {
      w.padEnd[i] = floorHalf(total);
      w.padBegin[i] = total - w.padEnd[i];
    }
  }
  return w;
}
} // namespace

/// ConvTranspose through loomrt's kernel: x (1-D as height 1), the weight
/// as [C, M / groups * kernel], the bias or an empty one, a fresh output of
/// the result's sizes, then the window (height first) and the groups.
static Value lowerConvTransposeByKernel(PatternRewriter &b, Location loc,
                                        onnx::ConvTransposeOp conv, const TransposedWindow &w,
                                        RankedTensorType resultType,
                                        ArrayRef<Value> dynamicSizes, func::FuncOp callee) {
  Value out = kernelOutput(b, loc, resultType, dynamicSizes);
  return callConvKernel(b, loc, conv, out, w.kernel, w.strides, w.padBegin, w.dilations,
                        resultType, callee);
}

/// ConvTranspose as a gather: loops (n, m, outputs..., c, kernel...); output
/// o takes input i = (o + padBegin - k * dilation) / stride where that
/// divides evenly and lies inside the input, from input channel
/// g * C/group + c and weight [g * C/group + c, m mod M/group, k...].
/// Plain loops that skip (stride^d - 1) of every stride^d kernel taps: correct
/// first; a scatter or a sub-pixel split would be faster.
static FailureOr<Value> lowerConvTranspose(Operation *op, RankedTensorType resultType,
                                           PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  auto conv = cast<onnx::ConvTransposeOp>(op);
  Value in = conv.getX(), weight = conv.getW();
  auto wType = cast<RankedTensorType>(weight.getType());
  int64_t rank = resultType.getRank(), spatial = rank - 2;
  std::string why;
  TransposedWindow w = *transposedWindowOf(op, why);
  int64_t group = intAttr(op, "group").value_or(1);
  int64_t channelsPerGroup = wType.getDimSize(0) / group;
  int64_t outputsPerGroup = wType.getDimSize(1);
  Type elem = resultType.getElementType();
  MLIRContext *ctx = b.getContext();
  auto c = [&](OpBuilder &nb, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(nb, loc, v);
  };

  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d) {
    if (!resultType.isDynamicDim(d))
      continue;
    if (d == 0) {
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, in, 0));
    } else if (d == 1) {
      dynamicSizes.push_back(c(b, group * outputsPerGroup));
    } else {
      int64_t i = d - 2;
      // stride * (in - 1) + output_padding + (kernel - 1) * dilation + 1 - pads
      Value size = arith::MulIOp::create(
          b, loc, arith::SubIOp::create(b, loc, tensor::DimOp::create(b, loc, in, d), c(b, 1)),
          c(b, w.strides[i]));
      size = arith::AddIOp::create(b, loc, size,
                                   c(b, w.outputPadding[i] + (w.kernel[i] - 1) * w.dilations[i] +
                                            1 - w.padBegin[i] - w.padEnd[i]));
      dynamicSizes.push_back(arith::MaxSIOp::create(b, loc, size, c(b, 0)));
    }
  }
  // loomrt's kernel (a GEMM and col2im) for one or two spatial axes in f32.
  if (elem.isF32() && spatial <= 2)
    if (auto callee = op->getParentOfType<ModuleOp>().lookupSymbol<func::FuncOp>(
            "loomrt_conv_transpose2d_f32"))
      return lowerConvTransposeByKernel(b, loc, conv, w, resultType, dynamicSizes, callee);
  int64_t loops = 2 + spatial + 1 + spatial;
  SmallVector<AffineExpr> windowExprs, outExprs;
  for (int64_t i = 0; i <= spatial; ++i)
    windowExprs.push_back(getAffineDimExpr(2 + spatial + i, ctx));
  for (int64_t i = 0; i < rank; ++i)
    outExprs.push_back(getAffineDimExpr(i, ctx));
  SmallVector<int64_t> windowShape = {channelsPerGroup};
  windowShape.append(w.kernel.begin(), w.kernel.end());
  Value window = tensor::EmptyOp::create(b, loc, windowShape, elem);
  SmallVector<utils::IteratorType> iterators(2 + spatial, utils::IteratorType::parallel);
  iterators.append(1 + spatial, utils::IteratorType::reduction);
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(), elem, dynamicSizes);
  init = linalg::FillOp::create(
             b, loc, arith::ConstantOp::create(b, loc, b.getZeroAttr(elem)).getResult(), init)
             .getResult(0);
  SmallVector<Value> inSizes;
  for (int64_t i = 0; i < spatial; ++i)
    inSizes.push_back(tensor::DimOp::create(b, loc, in, 2 + i));
  Value nonEmpty = nonEmptyCondition(b, loc, in);
  Value y =
      linalg::GenericOp::create(
          b, loc, TypeRange{resultType}, ValueRange{window}, ValueRange{init},
          SmallVector<AffineMap>{AffineMap::get(loops, 0, windowExprs, ctx),
                                 AffineMap::get(loops, 0, outExprs, ctx)},
          iterators,
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            auto cmp = [&](arith::CmpIPredicate p, Value x, Value y) -> Value {
              return arith::CmpIOp::create(nb, nloc, p, x, y);
            };
            Value m = linalg::IndexOp::create(nb, nloc, 1);
            Value g = arith::DivUIOp::create(nb, nloc, m, c(nb, outputsPerGroup));
            Value channel = arith::AddIOp::create(
                nb, nloc, arith::MulIOp::create(nb, nloc, g, c(nb, channelsPerGroup)),
                linalg::IndexOp::create(nb, nloc, 2 + spatial));
            Value mInGroup = arith::RemUIOp::create(nb, nloc, m, c(nb, outputsPerGroup));
            Value valid = arith::ConstantOp::create(nb, nloc, nb.getBoolAttr(true));
            SmallVector<Value> xAt = {linalg::IndexOp::create(nb, nloc, 0), channel};
            SmallVector<Value> wAt = {channel, mInGroup};
            for (int64_t i = 0; i < spatial; ++i) {
              Value o = linalg::IndexOp::create(nb, nloc, 2 + i);
              Value k = linalg::IndexOp::create(nb, nloc, 3 + spatial + i);
              Value t = arith::SubIOp::create(
                  nb, nloc, arith::AddIOp::create(nb, nloc, o, c(nb, w.padBegin[i])),
                  arith::MulIOp::create(nb, nloc, k, c(nb, w.dilations[i])));
              Value q = arith::DivSIOp::create(nb, nloc, t, c(nb, w.strides[i]));
              Value exact = cmp(arith::CmpIPredicate::eq,
                                arith::RemSIOp::create(nb, nloc, t, c(nb, w.strides[i])),
                                c(nb, 0));
              valid = arith::AndIOp::create(
                  nb, nloc, valid,
                  arith::AndIOp::create(
                      nb, nloc, exact,
                      arith::AndIOp::create(nb, nloc, cmp(arith::CmpIPredicate::sge, t, c(nb, 0)),
                                            cmp(arith::CmpIPredicate::slt, q, inSizes[i]))));
              Value last = arith::SubIOp::create(nb, nloc, inSizes[i], c(nb, 1));
              xAt.push_back(arith::MaxSIOp::create(
                  nb, nloc, arith::MinSIOp::create(nb, nloc, q, last), c(nb, 0)));
              wAt.push_back(k);
            }
            Value x = extractIfNonEmpty(nb, nloc, in, xAt, nonEmpty,
                                        arith::ConstantOp::create(nb, nloc, nb.getZeroAttr(elem)));
            Value wv = tensor::ExtractOp::create(nb, nloc, weight, wAt);
            Value prod = arith::SelectOp::create(
                nb, nloc, valid, arith::MulFOp::create(nb, nloc, x, wv),
                arith::ConstantOp::create(nb, nloc, nb.getZeroAttr(elem)));
            linalg::YieldOp::create(nb, nloc,
                                    arith::AddFOp::create(nb, nloc, args[1], prod).getResult());
          })
          .getResult(0);
  if (!conv.getB())
    return y;
  return addChannelBias(b, loc, y, conv.getB(), resultType);
}

static std::string checkConvTranspose(Operation *op, const LoweringState &) {
  auto conv = cast<onnx::ConvTransposeOp>(op);
  auto inType = cast<RankedTensorType>(conv.getX().getType());
  auto wType = cast<RankedTensorType>(conv.getW().getType());
  if (!isFloat(inType.getElementType()))
    return "only float inputs are supported";
  if (inType.getRank() < 3)
    return "the input needs a batch, a channel and at least one spatial dimension";
  if (wType.getRank() != inType.getRank())
    return "the weight must have the input's rank";
  if (!wType.hasStaticShape())
    return "the weight's shape must be static";
  int64_t group = intAttr(op, "group").value_or(1);
  if (group < 1 || wType.getDimSize(0) % group != 0)
    return "group must divide the weight's first dimension (the input channels)";
  if (!inType.isDynamicDim(1) && inType.getDimSize(1) != wType.getDimSize(0))
    return "input channels must equal the weight's first dimension";
  if (auto kernel = intArrayAttr(op, "kernel_shape"))
    if (ArrayRef<int64_t>(*kernel) != wType.getShape().drop_front(2))
      return "kernel_shape differs from the weight's shape";
  if (Value bias = conv.getB()) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (biasType.getRank() != 1 || biasType.getElementType() != inType.getElementType())
      return "the bias must be a vector of the input's element type";
  }
  // ONNX's inference takes an output_shape of as many entries as spatial
  // axes for a full shape (a [1, 1] result of a rank-4 input): the lowering
  // indexes the result by the input's axes.
  auto outType = cast<RankedTensorType>(op->getResult(0).getType());
  if (outType.getRank() != inType.getRank()) {
    std::string text = "the result has rank " + std::to_string(outType.getRank()) +
                       ", but the input has rank " + std::to_string(inType.getRank());
    if (auto outputShape = intArrayAttr(op, "output_shape"))
      text += " (output_shape is " + shapeText(*outputShape) + ")";
    return text;
  }
  std::string why;
  if (failed(transposedWindowOf(op, why)))
    return why;
  return "";
}

/// MaxPool and AveragePool: loops (n, c, outputs..., kernel...); the kernel
/// dimensions' sizes come from an empty tensor of the kernel's shape.
/// MaxPool/AveragePool of one or two spatial axes in f32 through loomrt's
/// kernel: y [N, C, OH, OW] (OH = 1 for one axis) from x's view.
static Value lowerPoolByKernel(PatternRewriter &b, Location loc, Operation *op, const Window &w,
                               RankedTensorType resultType, int32_t mode, func::FuncOp callee) {
  Value in = op->getOperand(0);
  Type elem = resultType.getElementType();
  Value out = kernelOutput(b, loc, resultType,
                           windowedResultSizes(b, loc, in, resultType, w, in, 1,
                                               intAttr(op, "ceil_mode").value_or(0) != 0));
  SmallVector<Value> args = {kernelView(b, loc, kernelImage(b, loc, in)),
                             memref::CastOp::create(b, loc, kernelViewType(elem, 4), out)};
  appendPerAxis(b, loc, args, w.kernel, 1);
  appendPerAxis(b, loc, args, w.strides, 1);
  appendPerAxis(b, loc, args, w.padBegin, 0);
  appendPerAxis(b, loc, args, w.padEnd, 0);
  appendPerAxis(b, loc, args, w.dilations, 1);
  args.push_back(arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(mode)));
  func::CallOp::create(b, loc, callee, args);
  return kernelResult(b, loc, out, resultType);
}

static FailureOr<Value> lowerPool(Operation *op, RankedTensorType resultType,
                                  PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value in = op->getOperand(0);
  int64_t rank = resultType.getRank(), spatial = rank - 2;
  std::string why;
  Window w = *windowOf(op, {}, why);
  bool isMax = isa<onnx::MaxPoolOp>(op);
  bool countPads = intAttr(op, "count_include_pad").value_or(0) != 0;
  Type elem = resultType.getElementType();
  MLIRContext *ctx = b.getContext();
  // loomrt's kernel for one or two spatial axes (declared by
  // loom-declare-runtime-kernels; loom-opt alone takes the loops below).
  if (elem.isF32() && spatial <= 2 && op->getNumResults() == 1)
    if (auto callee = op->getParentOfType<ModuleOp>().lookupSymbol<func::FuncOp>(
            "loomrt_pool2d_f32"))
      return lowerPoolByKernel(b, loc, op, w, resultType,
                               isMax       ? LOOM_ABI_POOL_MAX
                               : countPads ? LOOM_ABI_POOL_AVERAGE_COUNT_PADS
                                           : LOOM_ABI_POOL_AVERAGE,
                               callee);

  int64_t loops = rank + spatial;
  SmallVector<AffineExpr> kernelExprs, outExprs;
  for (int64_t i = 0; i < spatial; ++i)
    kernelExprs.push_back(getAffineDimExpr(rank + i, ctx));
  for (int64_t i = 0; i < rank; ++i)
    outExprs.push_back(getAffineDimExpr(i, ctx));
  AffineMap outMap = AffineMap::get(loops, 0, outExprs, ctx);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  iterators.append(spatial, utils::IteratorType::reduction);
  Value window = tensor::EmptyOp::create(b, loc, w.kernel, elem);
  SmallVector<Value> sizes = windowedResultSizes(b, loc, in, resultType, w, in, 1,
                                                 intAttr(op, "ceil_mode").value_or(0) != 0);
  const double inf = std::numeric_limits<double>::infinity();
  auto filled = [&](double v) {
    Value empty = tensor::EmptyOp::create(b, loc, resultType.getShape(), elem, sizes);
    return linalg::FillOp::create(b, loc,
                                  arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, v)).getResult(),
                                  empty)
        .getResult(0);
  };
  auto read = [&](OpBuilder &nb, Location nloc) {
    return readWindow(nb, nloc, in, w, linalg::IndexOp::create(nb, nloc, 0),
                      linalg::IndexOp::create(nb, nloc, 1), indices(nb, nloc, 2, spatial),
                      indices(nb, nloc, rank, spatial));
  };
  if (isMax) {
    return linalg::GenericOp::create(
               b, loc, TypeRange{resultType}, ValueRange{window}, ValueRange{filled(-inf)},
               SmallVector<AffineMap>{AffineMap::get(loops, 0, kernelExprs, ctx), outMap},
               iterators,
               [&](OpBuilder &nb, Location nloc, ValueRange args) {
                 WindowRead r = read(nb, nloc);
                 Value x = arith::SelectOp::create(
                     nb, nloc, r.insideInput, r.value,
                     arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, -inf)));
                 linalg::YieldOp::create(nb, nloc,
                                         arith::MaximumFOp::create(nb, nloc, args[1], x).getResult());
               })
        .getResult(0);
  }
  // Average: the sum and the number of counted positions, then their ratio.
  auto stats = linalg::GenericOp::create(
      b, loc, TypeRange{resultType, resultType}, ValueRange{window},
      ValueRange{filled(0.0), filled(0.0)},
      SmallVector<AffineMap>{AffineMap::get(loops, 0, kernelExprs, ctx), outMap, outMap},
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        WindowRead r = read(nb, nloc);
        Value zero = arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, 0.0));
        Value one = arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, 1.0));
        Value x = arith::SelectOp::create(nb, nloc, r.insideInput, r.value, zero);
        Value counted = arith::SelectOp::create(
            nb, nloc, countPads ? r.insidePadded : r.insideInput, one, zero);
        linalg::YieldOp::create(nb, nloc,
                                ValueRange{arith::AddFOp::create(nb, nloc, args[1], x),
                                           arith::AddFOp::create(nb, nloc, args[2], counted)});
      });
  return buildElementwise(b, loc, resultType, stats.getResults(),
                          [](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                            return arith::DivFOp::create(nb, nloc, a[0], a[1]);
                          });
}

static std::string checkPool(Operation *op, const LoweringState &) {
  if (!intArrayAttr(op, "kernel_shape"))
    return "kernel_shape is required";
  if (intAttr(op, "storage_order").value_or(0) != 0)
    return "storage_order 1 is not supported yet";
  return checkWindowed(op, {});
}

/// GlobalAveragePool and GlobalMaxPool: a reduction over the spatial
/// dimensions into [N, C], then [N, C, 1, ..., 1].
static FailureOr<Value> lowerGlobalPool(Operation *op, RankedTensorType resultType,
                                        PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value in = op->getOperand(0);
  auto inType = cast<RankedTensorType>(in.getType());
  int64_t rank = inType.getRank();
  bool isMax = isa<onnx::GlobalMaxPoolOp>(op);
  Type elem = inType.getElementType();
  MLIRContext *ctx = b.getContext();
  auto rowsType = RankedTensorType::get({inType.getDimSize(0), inType.getDimSize(1)}, elem);
  double start = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
  Value init = linalg::FillOp::create(
                   b, loc, arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, start)).getResult(),
                   emptyLike(b, loc, rowsType, {{in, 0}, {in, 1}}))
                   .getResult(0);
  SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
  iterators.append(rank - 2, utils::IteratorType::reduction);
  Value acc = linalg::GenericOp::create(
                  b, loc, TypeRange{rowsType}, ValueRange{in}, ValueRange{init},
                  SmallVector<AffineMap>{
                      AffineMap::getMultiDimIdentityMap(rank, ctx),
                      AffineMap::get(rank, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)},
                                     ctx)},
                  iterators,
                  [&](OpBuilder &nb, Location nloc, ValueRange a) {
                    Value r = isMax ? Value(arith::MaximumFOp::create(nb, nloc, a[0], a[1]))
                                    : Value(arith::AddFOp::create(nb, nloc, a[0], a[1]));
                    linalg::YieldOp::create(nb, nloc, r);
                  })
                  .getResult(0);
  if (!isMax) {
    Value count = arith::ConstantIndexOp::create(b, loc, 1);
    for (int64_t d = 2; d < rank; ++d)
      count = arith::MulIOp::create(b, loc, count, tensor::DimOp::create(b, loc, in, d));
    Value divisor = castScalar(b, loc, arith::IndexCastOp::create(b, loc, b.getI64Type(), count),
                               elem);
    acc = buildElementwise(b, loc, rowsType, ValueRange{acc},
                           [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                             return arith::DivFOp::create(nb, nloc, a[0], divisor);
                           });
  }
  SmallVector<int64_t> keptShape = {inType.getDimSize(0), inType.getDimSize(1)};
  keptShape.append(rank - 2, 1);
  SmallVector<ReassociationIndices> groups = {{0}, {}};
  for (int64_t d = 1; d < rank; ++d)
    groups[1].push_back(d);
  return Value(tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get(keptShape, elem), acc,
                                             groups));
}

static std::string checkGlobalPool(Operation *op, const LoweringState &) {
  auto inType = cast<RankedTensorType>(op->getOperand(0).getType());
  if (!isFloat(inType.getElementType()))
    return "only float inputs are supported";
  if (inType.getRank() < 3)
    return "the input needs a batch, a channel and at least one spatial dimension";
  return "";
}

void loom::populateConvolutionLoweringPatterns(LoweringPatternSet &patterns) {
  patterns.add("onnx.Conv", lowerConv, checkConv);
  patterns.add("onnx.ConvTranspose", lowerConvTranspose, checkConvTranspose);
  patterns.add({"onnx.MaxPool", "onnx.AveragePool"}, lowerPool, checkPool);
  patterns.add({"onnx.GlobalAveragePool", "onnx.GlobalMaxPool"}, lowerGlobalPool,
               checkGlobalPool);
}

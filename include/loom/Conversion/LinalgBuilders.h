//===- LinalgBuilders.h - building blocks of the tensor lowerings -*- C++ -*-===//
//
// What the onnx and loom lowerings build from: broadcasting elementwise
// generics, tensor.empty with sizes read from operands, reshapes, ONNX's
// casts, matrix products and the row-wise normalizations (softmax in each
// algorithm, layer norm). They work on ranked tensors and build ops at the
// builder's insertion point; none of them erases or replaces anything.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_CONVERSION_LINALGBUILDERS_H
#define LOOM_CONVERSION_LINALGBUILDERS_H

#include "loom/Dialect/Loom/IR/LoomOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"

#include <functional>
#include <string>

namespace loom {

/// The scalar body of an elementwise generic: block arguments in, one value out.
using ScalarFn =
    std::function<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// The op's `axis` attribute (default `fallback`), negative values counted
/// from the end of a `rank`-dimensional operand.
int64_t axisAttr(mlir::Operation *op, int64_t rank, int64_t fallback);

inline bool isFloat(mlir::Type t) { return mlir::isa<mlir::FloatType>(t); }

/// 1 / sqrt(x). Not math.rsqrt: math-to-libm would call rsqrtf, which libm
/// does not have.
mlir::Value reciprocalSqrt(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

/// tensor.empty of `type`: dynamic size i is read from dimension
/// `dynamicSources[i].second` of `dynamicSources[i].first`.
mlir::Value emptyLike(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
                      llvm::ArrayRef<std::pair<mlir::Value, int64_t>> dynamicSources);

/// A shape as users read it in messages: "[2, ?, 4]".
std::string shapeText(llvm::ArrayRef<int64_t> shape);

/// Why the static sizes of `inputs` do not broadcast (numpy's rule) to
/// `resultType`, or "" when they do (dynamic sizes are taken to agree).
/// buildElementwise's check: a mismatch ONNX's inference missed built a
/// linalg.generic that its verifier rejected with internal IR.
std::string broadcastMismatch(mlir::ValueRange inputs, mlir::RankedTensorType resultType);

/// Elementwise op with numpy broadcasting over `inputs` into `resultType`.
/// A static 1 broadcasts; dynamic sizes are taken to agree.
/// `dynamicSizes`, when given, are the result's dynamic sizes (for results
/// whose sizes no input has: Range, Slice, ConstantOfShape).
mlir::Value buildElementwise(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::RankedTensorType resultType, mlir::ValueRange inputs,
                             const ScalarFn &body, mlir::ValueRange dynamicSizes = {});

/// A memref of `type`'s element type and rank with every size, stride and
/// the offset dynamic: the operand type of loomrt's kernels (loom-c/Abi.h's
/// LOOM_ABI_VIEW).
mlir::MemRefType kernelViewType(mlir::Type element, int64_t rank);

/// The tensor `t` as a read-only kernel view (bufferization.to_buffer of any
/// layout, cast to kernelViewType): loomrt reads it where it is.
mlir::Value kernelView(mlir::OpBuilder &b, mlir::Location loc, mlir::Value t);

/// loomrt_report_error in `op`'s module, or null when
/// loom-declare-runtime-kernels has not declared it (loom-opt alone).
mlir::func::FuncOp runtimeErrorReporter(mlir::Operation *op);

/// Reports a loom_abi_run_error `code` through `report` (when not null) if
/// any element of the i1 tensor `flags` is set: one reduction and one call
/// at the builder's (top-level) position, never a call inside a parallel
/// loop. Generated code goes on with safe values; loomrt fails the run.
void reportIfAny(mlir::OpBuilder &b, mlir::Location loc, mlir::Value flags,
                 mlir::func::FuncOp report, int32_t code);

/// Reports `code` through `report` (when not null) if the i1 `flag` is set.
void reportIf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value flag, mlir::func::FuncOp report,
              int32_t code);

/// An i1 that is set if one of `factors` (i64 or index values: sizes or
/// repeat counts whose product, times the product of `result`'s static sizes,
/// is its element count) is negative or the product exceeds the limit: what
/// loomrt_tensor_limit allows for its element type where the module calls
/// loomrt (2^32, or fewer elements than the machine's memory holds), else
/// 2^32. Counted in f64, so that a product of huge values cannot wrap around.
mlir::Value sizesOutOfRange(mlir::OpBuilder &b, mlir::Location loc,
                            llvm::ArrayRef<mlir::Value> factors,
                            mlir::RankedTensorType result);

/// The limit sizesOutOfRange compares with, as an f64 value.
mlir::Value tensorElementLimit(mlir::OpBuilder &b, mlir::Location loc, mlir::Type element);

/// `sizes` with every one replaced by 0 when `bad` is set (nothing huge is
/// allocated and nothing is read after a reported error).
llvm::SmallVector<mlir::Value> zeroSizesIf(mlir::OpBuilder &b, mlir::Location loc,
                                           mlir::Value bad, llvm::ArrayRef<mlir::Value> sizes);

/// The dynamic sizes of a `result` whose sizes come from input values, made
/// safe: if any is negative or the tensor would hold more elements than
/// sizesOutOfRange's limit,
/// LOOM_ABI_ERROR_SIZE_OUT_OF_RANGE is reported and every size becomes 0,
/// so that nothing huge is allocated.
llvm::SmallVector<mlir::Value> guardResultSizes(mlir::OpBuilder &b, mlir::Location loc,
                                                llvm::ArrayRef<mlir::Value> sizes,
                                                mlir::RankedTensorType result,
                                                mlir::func::FuncOp report);

/// Reports LOOM_ABI_ERROR_INDEX_OUT_OF_RANGE if an element of the integer
/// tensor `indices` lies outside [-size, size) (ONNX's range for an axis of
/// `size`).
void reportIndicesOutOfRange(mlir::OpBuilder &b, mlir::Location loc, mlir::Value indices,
                             mlir::Value size, mlir::func::FuncOp report);

/// An index into a dimension of `size`: negative values count from the end
/// (ONNX), and anything still outside is clamped in, so that it never reads
/// memory outside the tensor (reportIndicesOutOfRange fails such runs).
mlir::Value wrapIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value idx, mlir::Value size);

/// Whether `t` holds any element, as an i1 computed at the builder's
/// position; null when its static sizes already say it does.
mlir::Value nonEmptyCondition(mlir::OpBuilder &b, mlir::Location loc, mlir::Value t);

/// tensor.extract of `t` at `coords` (clamped into `t` by the caller), or
/// `fallback` when `nonEmpty` (from nonEmptyCondition; null: always true) is
/// false: a clamped coordinate into an empty tensor would still read outside it.
mlir::Value extractIfNonEmpty(mlir::OpBuilder &b, mlir::Location loc, mlir::Value t,
                              mlir::ValueRange coords, mlir::Value nonEmpty,
                              mlir::Value fallback);

/// The dimensions of a tensor other than one axis: the shape of a per-row
/// result (one value per position along the other axes), its map from the
/// full iteration space, and where its dynamic sizes come from (for emptyLike).
struct RowSpace {
  llvm::SmallVector<int64_t> shape;
  llvm::SmallVector<mlir::AffineExpr> exprs;
  llvm::SmallVector<std::pair<mlir::Value, int64_t>> sources;
};
RowSpace rowSpaceWithout(mlir::Value in, int64_t axis);

/// All elements of `in` combined into a 0-D tensor: acc = combine(element,
/// acc) starting from `init` (sums, extremes over a whole tensor).
mlir::Value reduceToScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value in,
                           mlir::TypedAttr init, const ScalarFn &combine);

/// Element `i` of a 1-D integer tensor (index 0 of a 0-D one) as an i64.
mlir::Value extractI64(mlir::OpBuilder &b, mlir::Location loc, mlir::Value tensor, int64_t i);

/// The single element of a one-element tensor (any rank).
mlir::Value scalarOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value t);

mlir::Value toIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value i64);

/// Marks reshapeByCopy's linalg.generic: its output, in row-major order, is
/// the element sequence of the one buffer its body loads from.
inline constexpr llvm::StringLiteral kReshapeCopyAttr = "loom.reshape_copy";

/// `in` reshaped to `resultType` (same element count, row-major order) by a
/// copy: output element i reads the input element at the same linear
/// position. `outSizes` are all result sizes as index values. Used where a
/// view would need an expand_shape group with several dynamic sizes, which
/// MLIR 22's expand-strided-metadata crashes on. The generic carries
/// kReshapeCopyAttr.
mlir::Value reshapeByCopy(mlir::OpBuilder &b, mlir::Location loc, mlir::Value in,
                          mlir::RankedTensorType resultType,
                          llvm::ArrayRef<mlir::Value> outSizes);

/// `in` reshaped to `resultType` without a copy where the two shapes have one
/// dynamic size each and the static sizes around it group into equal
/// products (e.g. [1, 4, 4, ?, 64] -> [1, 16, ?, 64], the repeat_kv reshape
/// of grouped-query attention): a collapse_shape to the groups, then an
/// expand_shape, each group holding at most the one dynamic size, which is
/// then the same on both sides. Null when the shapes do not fit that form.
mlir::Value reshapeAsView(mlir::OpBuilder &b, mlir::Location loc, mlir::Value in,
                          mlir::RankedTensorType resultType,
                          llvm::ArrayRef<mlir::Value> outSizes);

/// Converts scalar `v` to element type `to` the way ONNX's Cast does.
/// Integers are signless here; `fromUnsigned`/`toUnsigned` say how ONNX
/// typed them (uint8 and friends).
mlir::Value castScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v, mlir::Type to,
                       bool fromUnsigned = false, bool toUnsigned = false);

/// Softmax (or log-softmax) of `in` along `axis` with the given algorithm:
/// three passes (maximum, sum, normalize), online (one statistics pass with
/// a running maximum) or two-pass (exponent-split sums, f32 only; others
/// fall back to three passes).
mlir::Value buildSoftmax(mlir::OpBuilder &b, mlir::Location loc, mlir::Value in, int64_t axis,
                         mlir::RankedTensorType resultType, bool logarithm,
                         SoftmaxAlgorithm algorithm = SoftmaxAlgorithm::three_pass);

/// Layer normalization of `op` (onnx.LayerNormalization or loom.layer_norm:
/// input, scale, optional bias; `axis` and `epsilon` attributes) over axes
/// [axis, rank). Uses of the optional Mean and InvStdDev results are
/// replaced here.
mlir::Value buildLayerNorm(mlir::OpBuilder &b, mlir::Operation *op,
                           mlir::RankedTensorType resultType);

} // namespace loom

#endif // LOOM_CONVERSION_LINALGBUILDERS_H

//===- ShapeRefiner.h - symbolic shapes of exported graphs ------*- C++ -*-===//
//
// The state of loom-onnx-refine-shapes, shared by its two halves: evaluating
// small integer tensors and the refinement loop (RefineShapes.cpp), and the
// result shapes of each op family (InferShapes.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_DIALECT_ONNX_TRANSFORMS_SHAPEREFINER_H
#define LOOM_LIB_DIALECT_ONNX_TRANSFORMS_SHAPEREFINER_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace loom::onnx::shapes {

/// What compile time knows about one element of a small integer tensor, or
/// about one dimension of a tensor.
struct DimValue {
  enum Kind { Unknown, Constant, Symbol };
  Kind kind = Unknown;
  int64_t constant = 0;
  /// For Symbol: the run-time size of dimension `dim` of `source`.
  mlir::Value source;
  unsigned dim = 0;

  static DimValue unknown() { return {}; }
  static DimValue of(int64_t c) { return {Constant, c, mlir::Value(), 0}; }
  static DimValue symbol(mlir::Value v, unsigned d) { return {Symbol, 0, v, d}; }
  bool isConst() const { return kind == Constant; }
  bool isConst(int64_t c) const { return kind == Constant && constant == c; }
  bool sameAs(const DimValue &o) const {
    if (kind != o.kind || kind == Unknown)
      return false;
    return kind == Constant ? constant == o.constant
                            : source == o.source && dim == o.dim;
  }
};
using Elements = llvm::SmallVector<DimValue, 4>;
/// A result shape: one DimValue per dimension.
using Dims = llvm::SmallVector<DimValue>;

/// Longest integer tensor whose elements are tracked.
constexpr int64_t kMaxTracked = 64;

/// ONNX input `index` of `op`, or null when the model omitted it.
mlir::Value onnxInput(mlir::Operation *op, unsigned index);
std::optional<int64_t> intAttr(mlir::Operation *op, llvm::StringRef name);
/// Numpy-style broadcast of one dimension; unknown when it cannot be decided.
DimValue broadcastDim(llvm::ArrayRef<DimValue> dims);

class ShapeRefiner {
public:
  explicit ShapeRefiner(mlir::func::FuncOp func) : func(func) {}
  mlir::LogicalResult run();

private:
  /// Dimension `i` of `v`: static size, or the symbol it is known to equal.
  DimValue dimOf(mlir::Value v, unsigned i);
  Dims dimsOf(mlir::Value v);
  const Elements *lookup(mlir::Value v) {
    auto it = known.find(v);
    return it == known.end() ? nullptr : &it->second;
  }
  /// The elements of `v` as far as they are known; a 1-D integer tensor of
  /// static length whose values were not evaluated gives that many unknown
  /// elements (its length alone tells the rank of a Reshape result).
  std::optional<Elements> elementsOf(mlir::Value v);
  std::optional<llvm::SmallVector<int64_t>> constants(mlir::Value v);

  void evaluate(mlir::Operation *op);
  /// The shapes of `op`'s results (nullopt where one cannot be told); empty
  /// for ops this pass does not model.
  llvm::SmallVector<std::optional<Dims>> inferShapes(mlir::Operation *op);
  /// The shape of a single-result op, or of the first result where the
  /// others are not modelled.
  std::optional<Dims> inferShape(mlir::Operation *op);
  bool refineResult(mlir::Value result, llvm::ArrayRef<DimValue> dims,
                    mlir::Type elementType);
  /// Whether any shape computation became a constant.
  bool foldConstants();
  /// Replaces each top-level If whose condition is a constant by its taken
  /// branch's ops; true if any was.
  bool inlineConstantIfs();
  /// Refines result types from operand types until nothing changes.
  void refineTypes(mlir::Block &body);
  /// One round over `body` and the subgraphs of its ops; whether a type changed.
  bool refineBlock(mlir::Block &body);
  /// Types the inputs of `op`'s subgraphs (a Loop body's) from `op`'s operands.
  bool refineSubgraphInputs(mlir::Operation *op);
  /// Types `op`'s unranked results from what its subgraphs yield (If, Loop).
  bool refineSubgraphResults(mlir::Operation *op);

  mlir::func::FuncOp func;
  llvm::DenseMap<mlir::Value, Elements> known;
  /// Dynamic dimensions known to equal a symbol (e.g. the batch of a Reshape
  /// result is dim 0 of the input): lets symbols cancel in `-1` arithmetic.
  llvm::DenseMap<std::pair<mlir::Value, unsigned>, DimValue> aliases;
};

} // namespace loom::onnx::shapes

#endif // LOOM_LIB_DIALECT_ONNX_TRANSFORMS_SHAPEREFINER_H

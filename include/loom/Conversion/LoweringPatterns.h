//===- LoweringPatterns.h - per-op lowerings to linalg on tensors -*- C++ -*-===//
//
// The onnx and loom lowerings are sets of patterns, one per op name, each in
// its op family's file (lib/Conversion/OnnxToLinalg/Elementwise.cpp,
// MatMul.cpp, ...; lib/Conversion/LoomToLinalg). A pattern is an
// mlir::RewritePattern rooted at its op name that can also say, before
// anything is rewritten, why it cannot lower a given op: the driver asks
// every op first and reports all refusals at once, by ONNX node name, so a
// model is never left half lowered. Adding an op is one `add` call in its
// family's populate function.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_CONVERSION_LOWERINGPATTERNS_H
#define LOOM_CONVERSION_LOWERINGPATTERNS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace loom {

/// "node 'NAME' (OpType)" for ops imported from ONNX (their location is the
/// node name), else just the op type.
std::string describeNode(mlir::Operation *op);

/// What the patterns of one lowering run share.
struct LoweringState {
  /// Values ONNX typed as unsigned integers. The onnx lowering makes every
  /// type signless (arith and linalg want that) before rewriting; patterns
  /// consult this set where signedness matters.
  /// Patterns see the state as const; the driver adds the values that
  /// replace unsigned results as it rewrites (hence mutable).
  mutable llvm::DenseSet<mlir::Value> unsignedValues;
  bool isUnsigned(mlir::Value v) const { return unsignedValues.contains(v); }
};

/// Builds the replacement of result 0 at the rewriter's insertion point
/// (uses of other results are replaced by the function itself).
using LowerFn = std::function<mlir::FailureOr<mlir::Value>(
    mlir::Operation *op, mlir::RankedTensorType resultType, mlir::PatternRewriter &b,
    const LoweringState &state)>;
/// Why `op` cannot be lowered, or an empty string. Runs before anything is
/// rewritten, on ops whose operand and result types are ranked.
using CheckFn = std::function<std::string(mlir::Operation *op, const LoweringState &state)>;

/// Which element types a pattern takes besides floats and signless integers.
enum class UnsignedIntegers { rejected, accepted };

/// One op's lowering.
class LoweringPattern : public mlir::RewritePattern {
public:
  LoweringPattern(llvm::StringRef opName, mlir::MLIRContext *ctx, const LoweringState &state,
                  LowerFn lower, CheckFn check, UnsignedIntegers unsignedIntegers);

  /// Why `op` cannot be lowered (types, then the pattern's own check), or "".
  std::string unsupportedReason(mlir::Operation *op) const;

  mlir::LogicalResult matchAndRewrite(mlir::Operation *op,
                                      mlir::PatternRewriter &rewriter) const override;

private:
  const LoweringState &state;
  LowerFn lower;
  CheckFn check;
  UnsignedIntegers unsignedIntegers;
};

/// The patterns of one lowering, found by op name.
class LoweringPatternSet {
public:
  LoweringPatternSet(mlir::MLIRContext *ctx, const LoweringState &state)
      : ctx(ctx), state(state) {}

  /// Adds the lowering of `opName` (one per name).
  void add(llvm::StringRef opName, LowerFn lower, CheckFn check = {},
           UnsignedIntegers unsignedIntegers = UnsignedIntegers::rejected);
  /// Adds the same lowering for several op names.
  void add(llvm::ArrayRef<llvm::StringRef> opNames, const LowerFn &lower,
           const CheckFn &check = {},
           UnsignedIntegers unsignedIntegers = UnsignedIntegers::rejected);

  const LoweringPattern *lookup(llvm::StringRef opName) const;

private:
  mlir::MLIRContext *ctx;
  const LoweringState &state;
  std::vector<std::unique_ptr<LoweringPattern>> patterns;
  llvm::StringMap<const LoweringPattern *> byName;
};

/// Why `op` cannot be lowered by `patterns`: no pattern for its name, or
/// the pattern's reason; "" when it can.
std::string unsupportedReason(const LoweringPatternSet &patterns, mlir::Operation *op);

/// An op that a pattern set cannot lower, and why.
struct UnlowerableOp {
  mlir::Operation *op;
  std::string reason;
};

/// Ops of `dialect` in `func` that `patterns` cannot lower, in program order.
std::vector<UnlowerableOp> findUnlowerableOps(mlir::func::FuncOp func,
                                              const LoweringPatternSet &patterns,
                                              llvm::StringRef dialect);

/// Emits "node 'NAME' (Op): reason" at each op; failure if there are any.
mlir::LogicalResult reportUnlowerableOps(llvm::ArrayRef<UnlowerableOp> ops);

/// Rewrites every op of `dialect` in `func` with its pattern, in program
/// order. Callers check lowerability first (findUnlowerableOps); an op whose
/// pattern still fails is reported and the function fails.
mlir::LogicalResult applyLoweringPatterns(mlir::func::FuncOp func,
                                          const LoweringPatternSet &patterns,
                                          llvm::StringRef dialect);

/// The onnx lowering's patterns, by op family.
void populateElementwiseLoweringPatterns(LoweringPatternSet &patterns);
void populateMatMulLoweringPatterns(LoweringPatternSet &patterns);
void populateReductionLoweringPatterns(LoweringPatternSet &patterns);
void populateNormalizationLoweringPatterns(LoweringPatternSet &patterns);
void populateDataMovementLoweringPatterns(LoweringPatternSet &patterns);
void populateIndexingLoweringPatterns(LoweringPatternSet &patterns);
void populateTensorCreationLoweringPatterns(LoweringPatternSet &patterns);
void populateConvolutionLoweringPatterns(LoweringPatternSet &patterns);
void populateLossLoweringPatterns(LoweringPatternSet &patterns);
void populateQuantizationLoweringPatterns(LoweringPatternSet &patterns);
void populateControlFlowLoweringPatterns(LoweringPatternSet &patterns);
void populateDataDependentShapeLoweringPatterns(LoweringPatternSet &patterns);
void populateRecurrentLoweringPatterns(LoweringPatternSet &patterns);
void populateResamplingLoweringPatterns(LoweringPatternSet &patterns);
/// All of the above.
void populateOnnxToLinalgPatterns(LoweringPatternSet &patterns);

/// Tensor parallelism's loom.shard and loom.all_reduce (Collectives.cpp).
void populateCollectivePatterns(LoweringPatternSet &patterns);
/// The loom dialect's ops (lib/Conversion/LoomToLinalg), the above included.
void populateLoomToLinalgPatterns(LoweringPatternSet &patterns);

/// The values of `func` typed as unsigned integers (see LoweringState).
llvm::DenseSet<mlir::Value> collectUnsignedValues(mlir::func::FuncOp func);


} // namespace loom

#endif // LOOM_CONVERSION_LOWERINGPATTERNS_H

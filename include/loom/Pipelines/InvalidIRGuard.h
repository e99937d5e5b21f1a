//===- InvalidIRGuard.h - verifier failures as internal errors --*- C++ -*-===//
//
// After import, every operation in the module verifies; if a later pass
// leaves IR that does not, the fault is loom's, not the model's. MLIR's pass
// manager would then print the verifier's message about some internal op
// ("'linalg.transpose' op expected ...") as if it were the user's problem.
// While an InvalidIRGuard lives, every pass that succeeds is verified right
// after it runs; a failure becomes one diagnostic at the offending node,
// "internal error: loom's pass 'P' built invalid IR (...); please report
// this model", and the pass manager's own verifier messages that follow are
// dropped. The pass manager still fails the pipeline as before.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_PIPELINES_INVALIDIRGUARD_H
#define LOOM_PIPELINES_INVALIDIRGUARD_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <atomic>
#include <mutex>
#include <optional>

namespace loom {

class InvalidIRGuard {
public:
  /// Takes over `context`'s action handler (there is one per context) until
  /// destroyed.
  explicit InvalidIRGuard(mlir::MLIRContext *context);
  ~InvalidIRGuard();
  InvalidIRGuard(const InvalidIRGuard &) = delete;
  InvalidIRGuard &operator=(const InvalidIRGuard &) = delete;

  /// Whether a pass built invalid IR since the guard was made.
  bool tripped() const { return tripped_.load(); }

private:
  void runPass(llvm::function_ref<void()> transform, const mlir::tracing::Action &action);
  void reportInvalidIR(mlir::Location location, llvm::StringRef pass, llvm::StringRef detail);

  mlir::MLIRContext *context_;
  std::atomic<bool> tripped_{false};
  std::mutex muteMutex_;
  /// Swallows every diagnostic but the report once the guard has reported:
  /// what follows is the pass manager's verifier repeating the failure in
  /// internal terms.
  std::optional<mlir::DiagnosticEngine::HandlerID> mute_;
};

} // namespace loom

#endif // LOOM_PIPELINES_INVALIDIRGUARD_H

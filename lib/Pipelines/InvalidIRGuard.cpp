//===- InvalidIRGuard.cpp - verifier failures as internal errors -*- C++ -*-===//
//
// The guard is the context's action handler: each pass execution is an
// action, so the handler runs the pass and, when the pass reported no error
// of its own, verifies what it ran on before the pass manager does. The
// verifier's messages go to a handler of the guard (registered last, so it
// sees them before the pass manager's ordering handler of a multithreaded
// run) and become one internal error.
//
//===----------------------------------------------------------------------===//

#include "loom/Pipelines/InvalidIRGuard.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Pass/Pass.h"

#include <string>
#include <thread>

using namespace mlir;

namespace {

/// Diagnostics of the calling thread only: passes on other threads (a
/// multithreaded pass manager) report through their own handlers.
template <typename Fn>
DiagnosticEngine::HandlerID onThisThread(DiagnosticEngine &engine, Fn handle) {
  std::thread::id self = std::this_thread::get_id();
  return engine.registerHandler([self, handle](Diagnostic &diag) -> LogicalResult {
    if (std::this_thread::get_id() != self)
      return failure();
    return handle(diag);
  });
}

/// The verifier's message shortened for one line of a bug report (it may
/// print types with many dimensions).
std::string shortened(std::string message) {
  constexpr size_t kMaxChars = 300;
  if (message.size() > kMaxChars)
    message = message.substr(0, kMaxChars) + "...";
  for (char &c : message)
    if (c == '\n')
      c = ' ';
  return message;
}

} // namespace

loom::InvalidIRGuard::InvalidIRGuard(MLIRContext *context) : context_(context) {
  context_->registerActionHandler(
      [this](function_ref<void()> transform, const tracing::Action &action) {
        runPass(transform, action);
      });
}

loom::InvalidIRGuard::~InvalidIRGuard() {
  context_->registerActionHandler(nullptr);
  std::lock_guard<std::mutex> lock(muteMutex_);
  if (mute_)
    context_->getDiagEngine().eraseHandler(*mute_);
}

void loom::InvalidIRGuard::runPass(function_ref<void()> transform,
                                   const tracing::Action &action) {
  const auto *execution = dyn_cast<PassExecutionAction>(&action);
  if (!execution || tripped()) {
    transform();
    return;
  }
  DiagnosticEngine &engine = context_->getDiagEngine();
  // A pass that fails says why; its IR need not verify then (the pass
  // manager does not verify it either).
  bool passReportedError = false;
  DiagnosticEngine::HandlerID watch = onThisThread(engine, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error)
      passReportedError = true;
    return failure();
  });
  transform();
  engine.eraseHandler(watch);
  if (passReportedError)
    return;

  const Pass &pass = execution->getPass();
  Operation *op = execution->getOp();
  if (!op)
    return;
  // The pass manager's adaptors (which run nested pipelines) have no
  // argument; their nested passes were verified one by one, so, as the pass
  // manager does, they verify only the op itself.
  bool recursive = !pass.getArgument().empty();
  std::optional<Location> where;
  std::string detail;
  DiagnosticEngine::HandlerID capture = onThisThread(engine, [&](Diagnostic &diag) {
    if (!where && diag.getSeverity() == DiagnosticSeverity::Error) {
      where = diag.getLocation();
      detail = diag.str();
    }
    return success();
  });
  LogicalResult verified = verify(op, recursive);
  engine.eraseHandler(capture);
  if (succeeded(verified))
    return;
  StringRef name = recursive ? pass.getArgument() : pass.getName();
  reportInvalidIR(where ? *where : op->getLoc(), name, detail);
}

void loom::InvalidIRGuard::reportInvalidIR(Location location, StringRef pass,
                                           StringRef detail) {
  if (tripped_.exchange(true))
    return;
  std::string report = ("internal error: loom's pass '" + pass +
                         "' built invalid IR here (for the report: " +
                         shortened(detail.str()) + "); please report this model")
                            .str();
  emitError(location) << report;
  // In a multithreaded run the report may still be held by the pass
  // manager's ordering handler, to be emitted again later: it passes.
  std::lock_guard<std::mutex> lock(muteMutex_);
  mute_ = context_->getDiagEngine().registerHandler(
      [report](Diagnostic &diag) { return success(diag.str() != report); });
}

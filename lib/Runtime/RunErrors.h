//===- RunErrors.h - errors that generated code reports ---------*- C++ -*-===//
//
// Generated code cannot return an error from the middle of a loop, so where
// an input's values make an op undefined (an integer division by zero) it
// calls loomrt_report_error, which leaves the run at once when loomrt called
// it outside a parallel loop (BufferCache.h's stopRunAfterError); otherwise
// the code computes a safe value and goes on. The run that called it then
// fails with the error. Runs compare a process-wide count
// before and after: a concurrent run's error can also fail another run
// (never the reverse: an error is never lost).
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_RUNTIME_RUNERRORS_H
#define LOOM_LIB_RUNTIME_RUNERRORS_H

#include "loom-c/Runtime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace loomrt {

/// Errors reported so far in this process.
uint64_t runErrorCount();

/// Records an error as loomrt_report_error does, without leaving the run:
/// for loomrt's kernels, which report and return (a jump would skip their
/// destructors).
void recordRunError(int32_t code, int32_t site);

/// LOOM_OK when no error was reported since `countBefore`, else the status
/// (with its message set) for the last one, naming its node from `sites`
/// (the model's signature "site" lines) when the code said where.
loom_status checkRunErrors(uint64_t countBefore, const std::vector<std::string> &sites = {});

/// LOOM_ERROR_OUT_OF_MEMORY for a run stopped because its code could not
/// get a buffer of `bytes` (BufferCache.h's callGenerated).
loom_status outOfMemoryInRun(uint64_t bytes);

} // namespace loomrt

#endif // LOOM_LIB_RUNTIME_RUNERRORS_H

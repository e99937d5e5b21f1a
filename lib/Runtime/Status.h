//===- Status.h - loomrt's error reporting ----------------------*- C++ -*-===//
//
// Every C entry point reports failure by returning a loom_status and leaving a
// message for loom_last_error(); these helpers keep that one line at each site.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_RUNTIME_STATUS_H
#define LOOM_LIB_RUNTIME_STATUS_H

#include "loom-c/Runtime.h"

#include <string>

namespace loomrt {

/// Records `message` as this thread's last error and returns `status`.
loom_status fail(loom_status status, std::string message);

/// Clears this thread's last error (a successful call).
loom_status ok();

/// `text` (a tensor name from the model, which anyone may have written) fit
/// for a message: control characters, which could move a terminal's cursor or
/// forge lines, are written as \xNN, and a very long name is cut short.
std::string printable(const std::string &text);

} // namespace loomrt

#endif // LOOM_LIB_RUNTIME_STATUS_H

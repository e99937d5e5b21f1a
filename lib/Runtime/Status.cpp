//===- Status.cpp - loomrt's error reporting ------------------------------===//

#include "Status.h"

namespace {
thread_local std::string lastError;
} // namespace

loom_status loomrt::fail(loom_status status, std::string message) {
  lastError = std::move(message);
  return status;
}

loom_status loomrt::ok() {
  lastError.clear();
  return LOOM_OK;
}

extern "C" const char *loom_last_error(void) { return lastError.c_str(); }

//===- Status.cpp - loomrt's error reporting ------------------------------===//

#include "Status.h"

#include "loom/Support/Printable.h"

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

std::string loomrt::printable(const std::string &text) {
  static const size_t kMaxLength = 256;
  std::string safe = loom::escapeControlCharacters(std::string_view(text).substr(0, kMaxLength));
  if (text.size() > kMaxLength)
    safe += "...";
  return safe;
}

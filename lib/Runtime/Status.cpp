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

std::string loomrt::printable(const std::string &text) {
  static const size_t kMaxLength = 256;
  std::string safe;
  for (size_t i = 0; i < text.size() && i < kMaxLength; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      static const char digits[] = "0123456789abcdef";
      safe += "\\x";
      safe += digits[c >> 4];
      safe += digits[c & 15];
    } else {
      safe += char(c);
    }
  }
  if (text.size() > kMaxLength)
    safe += "...";
  return safe;
}

//===- RunErrors.cpp - errors that generated code reports -----------------===//

#include "RunErrors.h"
#include "Collectives.h"

#include "loom-c/Abi.h"

#include "BufferCache.h"
#include "Kernels/Kernels.h"
#include "Status.h"

#include <atomic>
#include <cstdlib>
#include <string>

#include <unistd.h>

namespace {
std::atomic<uint64_t> errorCount{0};
std::atomic<int32_t> lastError{0};
std::atomic<int32_t> lastSite{-1};

/// What the error is about: the inputs, or (when known) one node's.
std::string subject(int32_t site, const std::vector<std::string> &sites) {
  if (site < 0 || size_t(site) >= sites.size())
    return "the inputs";
  return "the inputs of " + sites[size_t(site)];
}
} // namespace

void loomrt::recordRunError(int32_t code, int32_t site) {
  lastError.store(code, std::memory_order_relaxed);
  lastSite.store(site, std::memory_order_relaxed);
  errorCount.fetch_add(1, std::memory_order_release);
}

extern "C" void loomrt_report_error(int32_t code, int32_t site) {
  loomrt::recordRunError(code, site);
  // The generated code's own report: its run stops here when it can (what
  // follows would compute from the safe values, and code written for valid
  // sizes has divided by a zeroed one). Inside a parallel loop, or outside
  // loomrt's call, the code goes on as before.
  loomrt::stopRunAfterError();
}

extern "C" int64_t loomrt_tensor_limit(int64_t elementBytes) {
  // Bytes a tensor sized by input values may take: LOOM_MAX_TENSOR_BYTES, or
  // the machine's physical memory (a larger request could only fail to
  // allocate, and generated code cannot recover from that).
  static const uint64_t limitBytes = [] {
    if (const char *env = std::getenv("LOOM_MAX_TENSOR_BYTES")) {
      char *end = nullptr;
      unsigned long long v = std::strtoull(env, &end, 10);
      if (end != env && *end == '\0' && v > 0)
        return uint64_t(v);
    }
    long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
    return pages > 0 && pageSize > 0 ? uint64_t(pages) * uint64_t(pageSize) : ~uint64_t(0);
  }();
  const int64_t kMaxElements = int64_t(1) << 32;
  uint64_t byMemory = limitBytes / uint64_t(elementBytes > 0 ? elementBytes : 1);
  return byMemory < uint64_t(kMaxElements) ? int64_t(byMemory) : kMaxElements;
}

uint64_t loomrt::runErrorCount() { return errorCount.load(std::memory_order_acquire); }

loom_status loomrt::checkRunErrors(uint64_t countBefore, const std::vector<std::string> &sites) {
  if (runErrorCount() == countBefore)
    return ok();
  const std::string inputs = subject(lastSite.load(std::memory_order_relaxed), sites);
  switch (lastError.load(std::memory_order_relaxed)) {
  case LOOM_ABI_ERROR_INTEGER_DIVISION:
    return fail(LOOM_ERROR_INVALID_ARGUMENT,
                inputs + " make the model divide an integer by zero (or the most negative "
                "value by -1) in a Div or Mod node; its outputs are not defined");
  case LOOM_ABI_ERROR_INDEX_OUT_OF_RANGE:
    return fail(LOOM_ERROR_INVALID_ARGUMENT,
                inputs + " hold an index outside the axis it indexes (a Gather, "
                "GatherElements or ScatterND node); the outputs are not defined");
  case LOOM_ABI_ERROR_SIZE_OUT_OF_RANGE:
    return fail(LOOM_ERROR_INVALID_ARGUMENT,
                inputs + " ask for a tensor size that is negative or larger than 2^32 "
                "elements or than the machine's memory (LOOM_MAX_TENSOR_BYTES) holds (a "
                "ConstantOfShape, Expand or Reshape shape, Tile's repeats, a Range "
                "length, OneHot's depth or Pad's pads, or a Range delta of 0); the "
                "outputs are not defined");
  case LOOM_ABI_ERROR_SHAPE_MISMATCH:
    return fail(LOOM_ERROR_INVALID_ARGUMENT,
                inputs + " give a shape that does not fit its input (a Reshape shape "
                "whose element count is not the input's, an Expand shape the input "
                "does not broadcast to, Concat inputs whose sizes off the axis differ, "
                "GatherElements indices longer than the data off the axis, ScatterND "
                "updates not shaped as the indices' tuples and the data's slices, "
                "ReverseSequence lengths that are not one per batch entry, a TopK k "
                "larger than its axis, a Slice of one position, such as x[:, -1:], "
                "of an empty axis, a Loop output stacking values whose sizes change "
                "between iterations, or operands of an elementwise op whose sizes "
                "differ at run time: loom broadcasts only sizes known to be 1); the "
                "outputs are not defined");
  case LOOM_ABI_ERROR_BAD_AXIS_OR_STEP:
    return fail(LOOM_ERROR_INVALID_ARGUMENT,
                inputs + " give an axis outside the input's dimensions or a step of 0 (a "
                "Slice's axes or steps); the outputs are not defined");
  case LOOM_ABI_ERROR_COMMUNICATION:
    return fail(LOOM_ERROR_INVALID_ARGUMENT,
                std::string("a partitioned model's communication between ranks failed: ") +
                    communicationError());
  default:
    return fail(LOOM_ERROR_INVALID_ARGUMENT, "the model reported error " +
                                                 std::to_string(lastError.load()) +
                                                 " while running");
  }
}

loom_status loomrt::outOfMemoryInRun(uint64_t bytes) {
  return fail(LOOM_ERROR_OUT_OF_MEMORY,
              "out of memory: the model's code could not allocate a buffer of " +
                  std::to_string(bytes) + " bytes (" + std::to_string(bytes >> 20) +
                  " MiB); the run was stopped and its buffers freed");
}

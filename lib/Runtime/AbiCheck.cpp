//===- AbiCheck.cpp - loomrt's kernels against loom-c/Abi.h -----*- C++ -*-===//
//
// Compile-time only: expands loom-c/Abi.h's kernel table into C++ function
// types and asserts that loomrt's kernels have exactly those types. The
// compiler declares the kernels from the same table
// (lib/Conversion/RuntimeKernels), so a kernel changed on one side alone
// stops this file from building.
//
//===----------------------------------------------------------------------===//

#include "loom-c/Abi.h"

#include "Kernels/Kernels.h"

#include <cstdint>
#include <type_traits>

namespace {

// The table's parameter kinds as C++ types: MLIR passes a memref through its
// C interface as a pointer to its descriptor.
#define LOOM_ABI_VIEW(rank) loomrt::MemRef<rank> *
#define LOOM_ABI_VIEW_I64(rank) loomrt::MemRefI64<rank> *
#define LOOM_ABI_VIEW_I8(rank) loomrt::MemRefI8<rank> *
#define LOOM_ABI_F32 float
#define LOOM_ABI_I1 bool
#define LOOM_ABI_I32 int32_t
#define LOOM_ABI_I64 int64_t
#define LOOM_ABI_VOID void
#define LOOM_ABI_CIFACE(name) _mlir_ciface_##name
#define LOOM_ABI_PLAIN(name) name
#define LOOM_CHECK_KERNEL(name, convention, result, params)                                  \
  static_assert(std::is_same_v<decltype(&convention(name)),                                  \
                               result (*)(LOOM_ABI_UNPAREN params)>,                         \
                #name "'s definition in loomrt differs from loom-c/Abi.h's kernel table");
LOOM_ABI_KERNELS(LOOM_CHECK_KERNEL)

} // namespace

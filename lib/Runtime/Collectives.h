//===- Collectives.h - loomrt's side of tensor parallelism ------*- C++ -*-===//

#ifndef LOOM_LIB_RUNTIME_COLLECTIVES_H
#define LOOM_LIB_RUNTIME_COLLECTIVES_H

#include "loom-c/Runtime.h"

#include <cstdint>

namespace loomrt {

/// Joins the `ranks` processes a partitioned model runs on (MPI, through
/// libloomrt_mpi.so): fails with a message saying what to do when this
/// process was not started as one of exactly `ranks` (mpirun -np RANKS).
/// Once joined, later calls only check the count.
loom_status startCollectives(int64_t ranks);

/// This process's rank, and the number of ranks (0 and 1 before
/// startCollectives).
int64_t commRank();
int64_t commSize();

/// Why the last collective failed (for RunErrors' message).
const char *communicationError();

} // namespace loomrt

#endif // LOOM_LIB_RUNTIME_COLLECTIVES_H

//===- LoomrtMpi.cpp - loomrt's collectives on MPI --------------*- C++ -*-===//
//
// libloomrt_mpi.so: the only part of loom that links MPI. loomrt loads it
// (dlopen, from its own folder) only when a model partitioned across ranks
// is loaded, so programs that never run one need no MPI installed. Every
// call comes from the thread that runs the model.
//
//===----------------------------------------------------------------------===//

#include "Collectives.h"

#include <mpi.h>

#include <climits>
#include <cstdlib>

namespace {
void finalize() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized)
    MPI_Finalize();
}
} // namespace

extern "C" int loomrt_mpi_start(int64_t *rank, int64_t *size) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    if (MPI_Init(nullptr, nullptr) != MPI_SUCCESS)
      return 1;
    std::atexit(finalize);
  }
  int r = 0, n = 0;
  if (MPI_Comm_rank(MPI_COMM_WORLD, &r) != MPI_SUCCESS ||
      MPI_Comm_size(MPI_COMM_WORLD, &n) != MPI_SUCCESS)
    return 1;
  *rank = r;
  *size = n;
  return 0;
}

extern "C" int loomrt_mpi_all_gather_f32(const float *in, float *out, int64_t count) {
  if (count < 0 || count > INT_MAX)
    return 1;
  return MPI_Allgather(in, int(count), MPI_FLOAT, out, int(count), MPI_FLOAT,
                       MPI_COMM_WORLD) == MPI_SUCCESS
             ? 0
             : 1;
}

extern "C" void loomrt_mpi_abort() { MPI_Abort(MPI_COMM_WORLD, 2); }

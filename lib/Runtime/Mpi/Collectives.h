//===- Collectives.h - what loomrt asks of libloomrt_mpi.so -----*- C++ -*-===//
//
// The plugin's C entry points, looked up by name after dlopen
// (lib/Runtime/Collectives.cpp). Each returns 0 on success.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_RUNTIME_MPI_COLLECTIVES_H
#define LOOM_LIB_RUNTIME_MPI_COLLECTIVES_H

#include <cstdint>

extern "C" {
/// Initializes MPI once (finalized at exit); this process's rank and the
/// number of processes.
int loomrt_mpi_start(int64_t *rank, int64_t *size);
/// out = every rank's `count` floats of `in`, in rank order.
int loomrt_mpi_all_gather_f32(const float *in, float *out, int64_t count);
/// Ends every rank (a rank that failed alone would leave the others waiting).
void loomrt_mpi_abort();
}

#define LOOMRT_MPI_LIBRARY "libloomrt_mpi.so"

#endif // LOOM_LIB_RUNTIME_MPI_COLLECTIVES_H

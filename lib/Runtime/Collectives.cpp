//===- Collectives.cpp - loomrt's side of tensor parallelism --------------===//
//
// A partitioned model (loom-partition) runs as one process per rank, all
// loading the same library; loomrt joins them when it loads the model and
// serves the two calls its generated code makes: the rank (loom.shard picks
// its block of the weights with it) and the sum of a tensor over the ranks
// (loom.all_reduce). MPI itself is in libloomrt_mpi.so, opened here only
// for such a model.
//
//===----------------------------------------------------------------------===//

#include "Collectives.h"
#include "RunErrors.h"

#include "Kernels/Kernels.h"
#include "Mpi/Collectives.h"
#include "Status.h"

#include "loom-c/Abi.h"

#include <cstdlib>
#include <dlfcn.h>
#include <mutex>
#include <string>
#include <vector>

using namespace loomrt;

namespace {

struct Communicator {
  std::mutex mutex;
  bool started = false;
  int64_t rank = 0, size = 1;
  int (*allGather)(const float *, float *, int64_t) = nullptr;
  std::string error;
  // Reused between calls (every decode step makes several): this rank's
  // contiguous copy and every rank's gathered.
  std::vector<float> mine, gathered;
};

Communicator &communicator() {
  static Communicator c;
  return c;
}

/// The launcher's process count, or 0 when this process was not started by
/// an MPI launcher (Open MPI's mpirun, MPICH's Hydra, PMIx, Slurm).
int64_t launchedProcesses() {
  for (const char *name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "SLURM_NTASKS"})
    if (const char *value = std::getenv(name))
      return std::atoll(value);
  return 0;
}

/// libloomrt_mpi.so from loomrt's own folder (where the build and the
/// install put it), else from the loader's search path.
void *openPlugin(std::string &why) {
  Dl_info self;
  std::string path = LOOMRT_MPI_LIBRARY;
  if (dladdr(reinterpret_cast<void *>(&startCollectives), &self) && self.dli_fname) {
    std::string own = self.dli_fname;
    size_t slash = own.rfind('/');
    if (slash != std::string::npos)
      path = own.substr(0, slash + 1) + LOOMRT_MPI_LIBRARY;
  }
  void *plugin = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!plugin)
    plugin = dlopen(LOOMRT_MPI_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  if (!plugin) {
    const char *error = dlerror();
    why = std::string("cannot load loomrt's MPI support (" LOOMRT_MPI_LIBRARY "): ") +
          (error ? error : "not found") +
          "; it is built when MPI is installed (Debian: libopenmpi-dev)";
  }
  return plugin;
}

} // namespace

loom_status loomrt::startCollectives(int64_t ranks) {
  Communicator &c = communicator();
  std::lock_guard<std::mutex> lock(c.mutex);
  std::string partitioned =
      "the model is partitioned across " + std::to_string(ranks) + " ranks";
  if (!c.started) {
    int64_t launched = launchedProcesses();
    if (launched == 0)
      return fail(LOOM_ERROR_INVALID_ARGUMENT,
                  partitioned + ": start it as " + std::to_string(ranks) +
                      " processes, e.g. mpirun -np " + std::to_string(ranks) + " loom-run ...");
    if (launched != ranks)
      return fail(LOOM_ERROR_INVALID_ARGUMENT,
                  partitioned + ", but " + std::to_string(launched) +
                      " processes were started: start exactly " + std::to_string(ranks) +
                      " (mpirun -np " + std::to_string(ranks) + ")");
    std::string why;
    void *plugin = openPlugin(why);
    if (!plugin)
      return fail(LOOM_ERROR_INVALID_ARGUMENT, partitioned + ", and " + why);
    auto start = reinterpret_cast<int (*)(int64_t *, int64_t *)>(dlsym(plugin, "loomrt_mpi_start"));
    c.allGather = reinterpret_cast<int (*)(const float *, float *, int64_t)>(
        dlsym(plugin, "loomrt_mpi_all_gather_f32"));
    if (!start || !c.allGather)
      return fail(LOOM_ERROR_INVALID_ARGUMENT,
                  partitioned + ", and " LOOMRT_MPI_LIBRARY " lacks its entry points");
    if (start(&c.rank, &c.size) != 0)
      return fail(LOOM_ERROR_INVALID_ARGUMENT, partitioned + ", and MPI failed to start");
    c.started = true;
  }
  if (c.size != ranks)
    return fail(LOOM_ERROR_INVALID_ARGUMENT,
                partitioned + ", but this process is one of " + std::to_string(c.size) +
                    ": start exactly " + std::to_string(ranks) + " (mpirun -np " +
                    std::to_string(ranks) + ")");
  return ok();
}

int64_t loomrt::commRank() { return communicator().rank; }
int64_t loomrt::commSize() { return communicator().size; }
const char *loomrt::communicationError() { return communicator().error.c_str(); }

extern "C" int64_t loomrt_comm_rank(int64_t ranks) {
  Communicator &c = communicator();
  if (!c.started || c.size != ranks) {
    c.error = "the model's code was compiled for " + std::to_string(ranks) +
              " ranks and runs in a process that has not joined them";
    loomrt::recordRunError(LOOM_ABI_ERROR_COMMUNICATION, -1);
    return 0; // a valid block: the run fails when it returns
  }
  return c.rank;
}

extern "C" void _mlir_ciface_loomrt_all_reduce_f32(MemRef<1> *in, MemRef<1> *out, int64_t ranks) {
  Communicator &c = communicator();
  int64_t n = in->sizes[0];
  auto copyThrough = [&] {
    for (int64_t i = 0; i < n; ++i)
      out->aligned[out->offset + i * out->strides[0]] =
          in->aligned[in->offset + i * in->strides[0]];
  };
  if (!c.started || c.size != ranks || out->sizes[0] != n) {
    c.error = "the model's code was compiled for " + std::to_string(ranks) +
              " ranks and runs in a process that has not joined them";
    loomrt::recordRunError(LOOM_ABI_ERROR_COMMUNICATION, -1);
    if (out->sizes[0] == n)
      copyThrough();
    return;
  }
  // Gather every rank's vector, then add them in rank order here: each rank
  // computes the same sums in the same order, so all hold the same bits
  // (MPI's own reductions may associate differently per rank).
  c.mine.resize(size_t(n));
  for (int64_t i = 0; i < n; ++i)
    c.mine[i] = in->aligned[in->offset + i * in->strides[0]];
  c.gathered.resize(size_t(n) * size_t(ranks));
  if (c.allGather(c.mine.data(), c.gathered.data(), n) != 0) {
    c.error = "MPI_Allgather failed";
    loomrt::recordRunError(LOOM_ABI_ERROR_COMMUNICATION, -1);
    copyThrough();
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    float sum = c.gathered[i];
    for (int64_t r = 1; r < ranks; ++r)
      sum += c.gathered[size_t(r) * size_t(n) + i];
    out->aligned[out->offset + i * out->strides[0]] = sum;
  }
}

extern "C" void _mlir_ciface_loomrt_all_gather_f32(MemRef<2> *in, MemRef<2> *out, int64_t ranks) {
  Communicator &c = communicator();
  int64_t rows = in->sizes[0], n = in->sizes[1];
  auto at = [](MemRef<2> *m, int64_t i, int64_t j) -> float & {
    return m->aligned[m->offset + i * m->strides[0] + j * m->strides[1]];
  };
  bool shaped = out->sizes[0] == rows && out->sizes[1] == n * ranks;
  if (!c.started || c.size != ranks || !shaped) {
    c.error = shaped ? "the model's code was compiled for " + std::to_string(ranks) +
                           " ranks and runs in a process that has not joined them"
                     : "loom.all_gather's output is not [rows, n * ranks]";
    loomrt::recordRunError(LOOM_ABI_ERROR_COMMUNICATION, -1);
    if (shaped) // a defined result: this rank's columns everywhere
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t r = 0; r < ranks; ++r)
          for (int64_t j = 0; j < n; ++j)
            at(out, i, r * n + j) = at(in, i, j);
    return;
  }
  c.mine.resize(size_t(rows) * size_t(n));
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < n; ++j)
      c.mine[size_t(i) * size_t(n) + size_t(j)] = at(in, i, j);
  c.gathered.resize(c.mine.size() * size_t(ranks));
  if (c.allGather(c.mine.data(), c.gathered.data(), int64_t(c.mine.size())) != 0) {
    c.error = "MPI_Allgather failed";
    loomrt::recordRunError(LOOM_ABI_ERROR_COMMUNICATION, -1);
    c.gathered.assign(c.gathered.size(), 0.0f);
  }
  // gathered is [ranks][rows][n]; out's row i is every rank's row i in turn.
  for (int64_t r = 0; r < ranks; ++r)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < n; ++j)
        at(out, i, r * n + j) = c.gathered[(size_t(r) * size_t(rows) + size_t(i)) * size_t(n) + size_t(j)];
}

//===- Model.cpp - loading and running compiled models --------------------===//
//
// A model compiled by loom-compile exports two symbols besides its MLIR entry:
//
//   const char loom_model_signature[];   text, one line per input and output:
//       "in|out <dtype> <rank> <size>... <name>" (size -1 = dynamic), and
//       "check <input> <dim> <other input> <other dim> <size> <op>" for
//       each input size the code takes to agree with another input's (or
//       with `size` when the other input is -1), verified before each run
//   void loom_model_entry(void **args);  args[0] points at the results (one
//       memref descriptor per output, back to back), args[1 + i] at input i's
//       descriptor.
//
// With `--weights=file` the signature also has "weights <bytes> <hash> <file>", and
// `void loom_model_bind_weights(void *base)` takes the address where loomrt
// mapped that file (found next to the library or executable).
//
// A memref descriptor is {allocated, aligned, offset, sizes[rank],
// strides[rank]}, all 64-bit. Outputs are malloc'ed by the generated code and
// handed to the caller's tensors without a copy when they are dense.
//
//===----------------------------------------------------------------------===//

#include "loom-c/Abi.h"

#include "BufferCache.h"
#include "Files.h"
#include "Kernels/Kernels.h"
#include "Model.h"
#include "Collectives.h"
#include "RunErrors.h"
#include "Status.h"
#include "Tensor.h"

#include <cstdlib>
#include <cstring>
#include <cerrno>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sstream>
#include <vector>

using namespace loomrt;

static std::string parseSignature(const char *text, loom_model &model) {
  std::istringstream lines(text);
  std::string line;
  int lineNo = 0;
  while (std::getline(lines, line)) {
    ++lineNo;
    if (line.empty())
      continue;
    std::istringstream fields(line);
    std::string kind;
    fields >> kind;
    if (kind == LOOM_ABI_SIG_GENERATE) {
      fields >> model.vocabSize >> model.contextLength;
      if (!fields || model.vocabSize <= 0 || model.contextLength <= 0)
        return "line " + std::to_string(lineNo) + " is malformed";
      std::string capability;
      if (fields >> capability) {
        if (capability != "branches")
          return "line " + std::to_string(lineNo) + " is malformed";
        model.branches = true;
      }
      model.generator = true;
      continue;
    }
    if (kind == LOOM_ABI_SIG_TOKENIZER) {
      fields >> model.tokenizerSize;
      fields.get();
      std::getline(fields, model.tokenizerName);
      if (!fields || model.tokenizerSize == 0 || model.tokenizerName.empty())
        return "line " + std::to_string(lineNo) + " is malformed";
      continue;
    }
    if (kind == LOOM_ABI_SIG_PARTITION) {
      fields >> model.partitionRanks;
      if (!fields || model.partitionRanks < 2 || model.partitionRanks > 4096)
        return "line " + std::to_string(lineNo) + " is malformed";
      continue;
    }
    if (kind == LOOM_ABI_SIG_ERROR_SITE) {
      size_t index = 0;
      fields >> index;
      fields.get();
      std::string text;
      std::getline(fields, text);
      if (!fields || index != model.errorSites.size() || text.empty())
        return "line " + std::to_string(lineNo) + " is malformed";
      model.errorSites.push_back(text);
      continue;
    }
    if (kind == LOOM_ABI_SIG_SPECULATION) {
      // A parent index per node, each an earlier node (the root's -1).
      int64_t parent = 0;
      model.speculationTree.clear();
      while (fields >> parent) {
        bool root = model.speculationTree.empty();
        if ((root ? parent != -1
                  : parent < 0 || parent >= int64_t(model.speculationTree.size())) ||
            model.speculationTree.size() >= 4096)
          return "line " + std::to_string(lineNo) + " is malformed";
        model.speculationTree.push_back(parent);
      }
      if (model.speculationTree.size() < 2 || !fields.eof())
        return "line " + std::to_string(lineNo) + " is malformed";
      continue;
    }
    if (kind == LOOM_ABI_SIG_WEIGHTS) {
      std::string hash;
      fields >> model.weightsSize >> hash;
      char *end = nullptr;
      model.weightsHash = std::strtoull(hash.c_str(), &end, 16);
      if (!fields || hash.size() != 16 || *end)
        return "line " + std::to_string(lineNo) + " is malformed";
      fields.get();
      std::getline(fields, model.weightsFile);
      if (!fields && !fields.eof())
        return "line " + std::to_string(lineNo) + " is malformed";
      continue;
    }
    if (kind == LOOM_ABI_SIG_CHECK) {
      SizeCondition c;
      fields >> c.input >> c.dim >> c.otherInput >> c.otherDim >> c.size;
      if (!fields)
        return "line " + std::to_string(lineNo) + " is malformed";
      fields.get();
      std::getline(fields, c.needer);
      model.sizeConditions.push_back(c);
      continue;
    }
    int dtype = 0;
    ValueInfo info;
    fields >> dtype >> info.rank;
    const bool input = kind == LOOM_ABI_SIG_INPUT;
    if (!fields || (!input && kind != LOOM_ABI_SIG_OUTPUT) || info.rank < 0 ||
        info.rank > LOOM_MAX_RANK || dtypeSize(dtype) == 0)
      return "line " + std::to_string(lineNo) + " is malformed";
    info.dtype = loom_dtype(dtype);
    for (int i = 0; i < info.rank; ++i)
      fields >> info.shape[i];
    fields.get(); // the space before the name
    std::getline(fields, info.name);
    if (!fields && !fields.eof())
      return "line " + std::to_string(lineNo) + " is malformed";
    (input ? model.inputs : model.outputs).push_back(info);
  }
  if (model.outputs.empty() && !model.generator)
    return "it declares no outputs";
  // The checks must name real input dimensions (they index the inputs).
  auto validDim = [&](int64_t input, int64_t dim) {
    return input >= 0 && size_t(input) < model.inputs.size() && dim >= 0 &&
           dim < model.inputs[size_t(input)].rank;
  };
  for (const SizeCondition &c : model.sizeConditions)
    if (!validDim(c.input, c.dim) ||
        (c.otherInput == -1 ? c.size < 0 : !validDim(c.otherInput, c.otherDim)))
      return "a size check names an input dimension the model does not have";
  return "";
}

/// Maps the model's weights file from `dir` and hands its address to the
/// generated code's `bind` function.
static loom_status mapWeights(loom_model &model, const std::string &dir,
                              void (*bind)(void *)) {
  if (model.weightsFile.empty())
    return LOOM_OK;
  std::string path = dir + "/" + model.weightsFile;
  if (!bind)
    return fail(LOOM_ERROR_FORMAT, "the model keeps its weights in '" + path +
                                       "' but has no loom_model_bind_weights");
  int fd;
  size_t size;
  if (loom_status status = openRegularFile(path, "the model's weights '" + path + "'", fd, size))
    return status;
  if (size != model.weightsSize) {
    close(fd);
    return fail(LOOM_ERROR_FORMAT, "the weights file '" + path + "' has " +
                                       std::to_string(size) + " bytes; the model expects " +
                                       std::to_string(model.weightsSize) +
                                       " (from another compile?)");
  }
  void *data = model.weightsSize ? mmap(nullptr, model.weightsSize, PROT_READ, MAP_PRIVATE, fd, 0)
                                 : nullptr;
  close(fd);
  if (data == MAP_FAILED)
    return fail(LOOM_ERROR_IO, "cannot map '" + path + "': " + std::strerror(errno));
  // Another compile's file of the same size, or a damaged one, would run
  // with wrong weights and no error: check its content.
  if (loom_abi_weights_hash(data, model.weightsSize) != model.weightsHash) {
    munmap(data, model.weightsSize);
    return fail(LOOM_ERROR_FORMAT, "the weights file '" + path +
                                       "' does not hold the weights this model was compiled "
                                       "with (another compile's, or damaged)");
  }
  // The check read every page. A rank of a partitioned model reads only its
  // blocks of the split weights (and the replicated ones): drop the pages
  // from this process so that only those come back (from the page cache,
  // which the ranks share).
  if (model.partitionRanks && model.weightsSize)
    madvise(data, model.weightsSize, MADV_DONTNEED);
  model.weights = data;
  bind(data);
  return LOOM_OK;
}

static loom_status createModel(const char *signature, void (*entry)(void **),
                               loom_model **out) {
  if (!signature || !entry || !out)
    return fail(LOOM_ERROR_INVALID_ARGUMENT, "loom_model_from_symbols: null argument");
  auto *model = new loom_model;
  std::string error = parseSignature(signature, *model);
  if (!error.empty()) {
    delete model;
    *out = nullptr;
    return fail(LOOM_ERROR_FORMAT, "the model's signature is invalid: " + error);
  }
  // A partitioned model runs only among its ranks: join them now, so that a
  // wrong process count is an error at load, not in the middle of a run.
  if (model->partitionRanks)
    if (loom_status status = startCollectives(model->partitionRanks)) {
      delete model;
      *out = nullptr;
      return status;
    }
  model->entry = entry;
  model->ompSetNumThreads =
      reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
  model->ompGetLevel = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "omp_get_level"));
  *out = model;
  return LOOM_OK;
}

extern "C" loom_status loom_model_from_symbols(const char *signature,
                                               void (*entry)(void **), loom_model **out) {
  if (loom_status status = createModel(signature, entry, out))
    return status;
  if ((*out)->weightsFile.empty())
    return ok();
  // Linked into a program: the weights lie next to the executable.
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  std::string dir = ".";
  if (n > 0) {
    self[n] = '\0';
    dir = self;
    dir = dir.substr(0, dir.rfind('/'));
  }
  auto bind =
      reinterpret_cast<void (*)(void *)>(dlsym(RTLD_DEFAULT, LOOM_ABI_BIND_WEIGHTS_SYMBOL));
  if (loom_status status = mapWeights(**out, dir, bind)) {
    loom_model_unload(*out);
    *out = nullptr;
    return status;
  }
  return ok();
}

extern "C" loom_status loom_model_load(const char *path, loom_model **out) {
  if (!path || !out)
    return fail(LOOM_ERROR_INVALID_ARGUMENT, "loom_model_load: path or out is null");
  *out = nullptr;
  // A bare file name would make dlopen search the library path.
  std::string file = std::strchr(path, '/') ? path : std::string("./") + path;
  {
    // dlopen maps a truncated library and faults (SIGBUS) when it touches
    // the missing pages: check the file is whole first.
    int fd;
    size_t size;
    std::string what = std::string("model '") + path + "'";
    if (loom_status status = openRegularFile(file, what, fd, size))
      return status;
    std::string problem = checkSharedObject(fd, size);
    close(fd);
    if (!problem.empty())
      return fail(LOOM_ERROR_FORMAT, "cannot load " + what + ": " + problem);
  }
  void *handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return fail(LOOM_ERROR_IO, std::string("cannot load model '") + path + "': " + dlerror());
  auto *signature = static_cast<const char *>(dlsym(handle, LOOM_ABI_SIGNATURE_SYMBOL));
  auto entry = reinterpret_cast<void (*)(void **)>(dlsym(handle, LOOM_ABI_ENTRY_SYMBOL));
  if (!signature || !entry) {
    dlclose(handle);
    return fail(LOOM_ERROR_FORMAT, std::string("'") + path +
                                       "' is not a model compiled by loom-compile "
                                       "(no loom_model_signature/loom_model_entry)");
  }
  loom_status status = createModel(signature, entry, out);
  if (status != LOOM_OK) {
    dlclose(handle);
    return fail(status, std::string("'") + path + "': " + loom_last_error());
  }
  (*out)->handle = handle;
  if ((*out)->tokenizerSize) {
    (*out)->tokenizerData = static_cast<const char *>(dlsym(handle, LOOM_ABI_TOKENIZER_SYMBOL));
    if (!(*out)->tokenizerData) {
      loom_model_unload(*out);
      *out = nullptr;
      return fail(LOOM_ERROR_FORMAT, std::string("'") + path +
                                         "' names an embedded tokenizer but has no " +
                                         LOOM_ABI_TOKENIZER_SYMBOL);
    }
  }
  if (void *set = dlsym(handle, "omp_set_num_threads"))
    (*out)->ompSetNumThreads = reinterpret_cast<void (*)(int)>(set);
  if (void *level = dlsym(handle, "omp_get_level"))
    (*out)->ompGetLevel = reinterpret_cast<int (*)()>(level);
  auto bind = reinterpret_cast<void (*)(void *)>(dlsym(handle, LOOM_ABI_BIND_WEIGHTS_SYMBOL));
  if ((status = mapWeights(**out, file.substr(0, file.rfind('/')), bind))) {
    loom_model_unload(*out);
    *out = nullptr;
    return status;
  }
  return ok();
}

extern "C" int64_t loom_model_ranks(const loom_model *model) {
  return model && model->partitionRanks ? model->partitionRanks : 1;
}

extern "C" int64_t loom_model_rank(const loom_model *model) {
  return model && model->partitionRanks ? commRank() : 0;
}

extern "C" void loom_model_unload(loom_model *model) {
  if (!model)
    return;
  if (model->weights)
    munmap(model->weights, model->weightsSize);
  if (model->handle)
    dlclose(model->handle);
  delete model;
  // Its buffers and packed weights: the addresses may hold another model's
  // constants after the next load.
  loomrt::trimBufferCache();
  loomrt::clearPackedConstants();
}

static const ValueInfo *info(const std::vector<ValueInfo> &list, int index) {
  return index >= 0 && size_t(index) < list.size() ? &list[index] : nullptr;
}

extern "C" int loom_model_num_inputs(const loom_model *m) { return m ? int(m->inputs.size()) : 0; }
extern "C" int loom_model_num_outputs(const loom_model *m) {
  return m ? int(m->outputs.size()) : 0;
}
extern "C" const char *loom_model_input_name(const loom_model *m, int i) {
  auto *v = m ? info(m->inputs, i) : nullptr;
  return v ? v->name.c_str() : nullptr;
}
extern "C" loom_dtype loom_model_input_dtype(const loom_model *m, int i) {
  auto *v = m ? info(m->inputs, i) : nullptr;
  return v ? v->dtype : LOOM_DTYPE_UNDEFINED;
}
extern "C" int loom_model_input_rank(const loom_model *m, int i) {
  auto *v = m ? info(m->inputs, i) : nullptr;
  return v ? v->rank : -1;
}
extern "C" const int64_t *loom_model_input_shape(const loom_model *m, int i) {
  auto *v = m ? info(m->inputs, i) : nullptr;
  return v ? v->shape : nullptr;
}
extern "C" const char *loom_model_output_name(const loom_model *m, int i) {
  auto *v = m ? info(m->outputs, i) : nullptr;
  return v ? v->name.c_str() : nullptr;
}
extern "C" loom_dtype loom_model_output_dtype(const loom_model *m, int i) {
  auto *v = m ? info(m->outputs, i) : nullptr;
  return v ? v->dtype : LOOM_DTYPE_UNDEFINED;
}
extern "C" int loom_model_output_rank(const loom_model *m, int i) {
  auto *v = m ? info(m->outputs, i) : nullptr;
  return v ? v->rank : -1;
}

static std::string describeInput(const ValueInfo &v, size_t i) {
  return "input " + std::to_string(i) + " ('" + printable(v.name) + "')";
}

/// Checks inputs against the signature before any generated code runs: that
/// code trusts static sizes and would read out of bounds otherwise.
static loom_status checkInputs(const loom_model &model, const loom_tensor *const *inputs,
                               size_t numInputs) {
  if (numInputs != model.inputs.size())
    return fail(LOOM_ERROR_SIGNATURE, "the model takes " + std::to_string(model.inputs.size()) +
                                          " input(s), got " + std::to_string(numInputs));
  for (size_t i = 0; i < numInputs; ++i) {
    const ValueInfo &v = model.inputs[i];
    const loom_tensor *t = inputs[i];
    if (!t)
      return fail(LOOM_ERROR_INVALID_ARGUMENT, describeInput(v, i) + " is null");
    if (t->dtype != v.dtype)
      return fail(LOOM_ERROR_SIGNATURE, describeInput(v, i) + " must be " +
                                            loom_dtype_name(v.dtype) + ", got " +
                                            loom_dtype_name(t->dtype));
    bool sameShape = t->rank == v.rank;
    for (int d = 0; sameShape && d < v.rank; ++d)
      sameShape = v.shape[d] < 0 || v.shape[d] == t->shape[d];
    if (!sameShape)
      return fail(LOOM_ERROR_SIGNATURE, describeInput(v, i) + " must have shape " +
                                            formatShape(v.shape, v.rank) + ", got " +
                                            formatShape(t->shape, t->rank));
  }
  // Dynamic sizes the generated code takes to agree (it would read past
  // the smaller buffer otherwise). loom does not broadcast a size of 1 that
  // is only known at run time, so that is refused here too.
  for (const SizeCondition &c : model.sizeConditions) {
    int64_t got = inputs[c.input]->shape[c.dim];
    int64_t want = c.otherInput < 0 ? c.size : inputs[c.otherInput]->shape[c.otherDim];
    if (got == want)
      continue;
    std::string where = describeInput(model.inputs[size_t(c.input)], size_t(c.input)) +
                        " dimension " + std::to_string(c.dim) + " is " + std::to_string(got);
    if (c.otherInput < 0)
      return fail(LOOM_ERROR_SIGNATURE, where + ", but " + c.needer + " needs " +
                                            std::to_string(want) + " there");
    return fail(LOOM_ERROR_SIGNATURE,
                where + " and " +
                    describeInput(model.inputs[size_t(c.otherInput)], size_t(c.otherInput)) +
                    " dimension " + std::to_string(c.otherDim) + " is " + std::to_string(want) +
                    ", but " + c.needer + " needs them equal");
  }
  return LOOM_OK;
}

/// Whether output descriptor `d`'s buffer is the model's to give away: not
/// a constant, not a caller's input, not already given to another output.
static bool ownableOutput(const int64_t *d, const std::vector<void *> &claimed) {
  auto *allocated = reinterpret_cast<char *>(d[0]);
  bool ownable = reinterpret_cast<uintptr_t>(allocated) != kGlobalMarker && allocated;
  for (void *p : claimed)
    ownable &= p != allocated;
  return ownable;
}

/// Frees the buffer of an output that is not returned (a failed run).
static void releaseOutput(const int64_t *d, std::vector<void *> &claimed) {
  if (!ownableOutput(d, claimed))
    return;
  claimed.push_back(reinterpret_cast<void *>(d[0]));
  loomrt_buffer_free(reinterpret_cast<void *>(d[0]));
}

/// Turns output descriptor `d` into a tensor, adopting its buffer when it is
/// dense and nobody else owns it, copying otherwise.
static loom_status takeOutput(const ValueInfo &v, const int64_t *d,
                              std::vector<void *> &claimed, loom_tensor **out) {
  auto *allocated = reinterpret_cast<char *>(d[0]);
  auto *aligned = reinterpret_cast<char *>(d[1]);
  int64_t offset = d[2];
  const int64_t *sizes = d + 3, *strides = d + 3 + v.rank;
  size_t elementSize = loom_dtype_size(v.dtype);
  std::string error;
  int64_t count = checkedElementCount(sizes, v.rank, error);
  if (count < 0) {
    releaseOutput(d, claimed);
    return fail(LOOM_ERROR_FORMAT, "output '" + printable(v.name) + "' came back with " + error);
  }
  // An empty tensor is dense (its other sizes may be huge: no products).
  bool dense = true;
  for (int64_t i = v.rank - 1, expected = 1; count > 0 && i >= 0; --i) {
    if (sizes[i] != 1 && strides[i] != expected)
      dense = false;
    expected *= sizes[i];
  }
  bool ownable = ownableOutput(d, claimed);
  char *first = aligned + offset * int64_t(elementSize);
  size_t bytes = size_t(count) * elementSize;
  if (dense && ownable) {
    claimed.push_back(allocated);
    *out = adoptBuffer(v.dtype, sizes, v.rank, first, bytes);
    (*out)->allocation = allocated;
    return LOOM_OK;
  }
  char *copy = static_cast<char *>(std::malloc(bytes ? bytes : 1));
  if (!copy) {
    releaseOutput(d, claimed);
    return fail(LOOM_ERROR_OUT_OF_MEMORY, "cannot allocate output '" + printable(v.name) + "'");
  }
  int64_t index[LOOM_MAX_RANK] = {};
  for (int64_t n = 0; n < count; ++n) {
    int64_t at = 0;
    for (int i = 0; i < v.rank; ++i)
      at += index[i] * strides[i];
    std::memcpy(copy + n * elementSize, first + at * int64_t(elementSize), elementSize);
    for (int i = v.rank - 1; i >= 0 && ++index[i] == sizes[i]; --i)
      index[i] = 0;
  }
  if (ownable) {
    claimed.push_back(allocated);
    loomrt_buffer_free(allocated);
  }
  *out = adoptBuffer(v.dtype, sizes, v.rank, copy, bytes);
  return LOOM_OK;
}

extern "C" loom_status loom_model_run(loom_model *model, const loom_tensor *const *inputs,
                                      size_t numInputs, loom_tensor **outputs,
                                      size_t numOutputs) {
  if (model && model->generator)
    return fail(LOOM_ERROR_UNSUPPORTED, "this model was compiled with --generate: run it with "
                                        "loom_model_generate");
  if (!model || (numInputs && !inputs) || !outputs)
    return fail(LOOM_ERROR_INVALID_ARGUMENT, "loom_model_run: null argument");
  if (numOutputs != model->outputs.size())
    return fail(LOOM_ERROR_SIGNATURE, "the model has " + std::to_string(model->outputs.size()) +
                                          " output(s); room for " + std::to_string(numOutputs) +
                                          " was passed");
  for (size_t i = 0; i < numOutputs; ++i)
    outputs[i] = nullptr;
  if (loom_status status = checkInputs(*model, inputs, numInputs))
    return status;

  // Descriptors, back to back: inputs each in their own vector, outputs in one.
  static int64_t emptyBuffer[1];
  std::vector<std::vector<int64_t>> inputDescriptors(numInputs);
  std::vector<void *> args(1 + numInputs);
  for (size_t i = 0; i < numInputs; ++i) {
    const loom_tensor *t = inputs[i];
    std::vector<int64_t> &d = inputDescriptors[i];
    void *data = t->data ? t->data : emptyBuffer;
    d = {int64_t(reinterpret_cast<intptr_t>(data)), int64_t(reinterpret_cast<intptr_t>(data)), 0};
    d.insert(d.end(), t->shape, t->shape + t->rank);
    std::vector<int64_t> strides(t->rank);
    for (int64_t r = t->rank - 1, s = 1; r >= 0; --r) {
      strides[r] = s;
      s *= t->shape[r];
    }
    d.insert(d.end(), strides.begin(), strides.end());
    args[1 + i] = d.data();
  }
  size_t resultWords = 0;
  for (const ValueInfo &v : model->outputs)
    resultWords += 3 + 2 * size_t(v.rank);
  std::vector<int64_t> results(resultWords, 0);
  args[0] = results.data();

  // Parallel loops of the generated code run on OpenMP's threads: as many
  // as loomrt's pool (set per calling thread, as OpenMP does).
  if (model->ompSetNumThreads)
    model->ompSetNumThreads(loom_get_num_threads());
  uint64_t errorsBefore = runErrorCount();
  uint64_t failedBytes = 0;
  if (!callGenerated(model->entry, args.data(), model->ompGetLevel, &failedBytes))
    // Left early; the run's buffers, outputs too, are freed.
    return failedBytes ? outOfMemoryInRun(failedBytes)
                       : checkRunErrors(errorsBefore, model->errorSites);

  // Buffers the caller owns must not be adopted by an output.
  std::vector<void *> claimed;
  for (size_t i = 0; i < numInputs; ++i)
    claimed.push_back(inputs[i]->data);
  const int64_t *d = results.data();
  // An error the model's code reported explains the run best (its outputs
  // may then have any sizes); its outputs are still freed.
  loom_status status = checkRunErrors(errorsBefore, model->errorSites);
  for (size_t i = 0; i < numOutputs; ++i) {
    const ValueInfo &v = model->outputs[i];
    if (status == LOOM_OK)
      status = takeOutput(v, d, claimed, &outputs[i]);
    else
      releaseOutput(d, claimed);
    d += 3 + 2 * v.rank;
  }
  if (status != LOOM_OK) {
    for (size_t i = 0; i < numOutputs; ++i) {
      loom_tensor_destroy(outputs[i]);
      outputs[i] = nullptr;
    }
    return status;
  }
  return ok();
}

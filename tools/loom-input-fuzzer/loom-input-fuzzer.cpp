//===- loom-input-fuzzer.cpp - hostile inputs to compiled models ----------===//
//
// The model fuzzer attacks the compiler; this one attacks what it produced.
// It loads compiled models (the libraries named by LOOM_FUZZ_MODELS,
// colon-separated) and runs them on inputs a careless or hostile caller
// passes through the C API: sizes that disagree with each other or with
// the model's static dimensions, empty tensors, the wrong element type or
// rank, indices far outside their axis, shapes and counts given as data
// (Reshape, Expand, Tile, Range, ConstantOfShape, TopK's k) that ask for
// absurd amounts of memory, NaN and infinities. Each run must either
// succeed or fail with a status and a message; a crash, a sanitizer report,
// an out-of-memory or a hang is a bug. Built in the sanitizer build
// (LOOM_SANITIZE): loomrt's kernels and checks run instrumented, the
// models' generated code does not (an out-of-bounds access there shows as a
// crash only when it leaves mapped memory). docs/hardening.md has the
// models (test/tools/loom-run/Inputs/input_fuzz_models.py) and the runs.
//
//===----------------------------------------------------------------------===//

#include "loom-c/Runtime.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace {

/// Loaded once, never unloaded (never destroyed: still reachable when the
/// leak checker looks at exit).
std::vector<loom_model *> &models() {
  static auto *loaded = new std::vector<loom_model *>();
  return *loaded;
}

/// Elements a fuzzed tensor may have: keeps runs fast; absurd sizes are
/// asked for through the data (shapes, counts), not by allocating them here.
constexpr int64_t kMaxElements = 1 << 12;

/// Integers that index, count and shape: mostly small, sometimes extreme.
int64_t hostileInteger(FuzzedDataProvider &in) {
  switch (in.ConsumeIntegralInRange<int>(0, 15)) {
  case 0:
    return std::numeric_limits<int64_t>::min();
  case 1:
    return std::numeric_limits<int64_t>::max();
  case 2:
    return int64_t(1) << in.ConsumeIntegralInRange<int>(16, 62);
  case 3:
    return -(int64_t(1) << in.ConsumeIntegralInRange<int>(16, 62));
  case 4:
    return in.ConsumeIntegral<int64_t>();
  default:
    return in.ConsumeIntegralInRange<int64_t>(-9, 9);
  }
}

float hostileFloat(FuzzedDataProvider &in) {
  switch (in.ConsumeIntegralInRange<int>(0, 15)) {
  case 0:
    return std::numeric_limits<float>::quiet_NaN();
  case 1:
    return std::numeric_limits<float>::infinity();
  case 2:
    return -std::numeric_limits<float>::infinity();
  case 3:
    return std::ldexp(1.0f, in.ConsumeIntegralInRange<int>(20, 127)); // huge
  case 4:
    return float(hostileInteger(in));
  default:
    return float(in.ConsumeIntegralInRange<int>(-40, 40)) / 4.0f;
  }
}

void fill(FuzzedDataProvider &in, loom_tensor *tensor) {
  int64_t count = loom_tensor_num_elements(tensor);
  void *data = loom_tensor_data(tensor);
  switch (loom_tensor_dtype(tensor)) {
  case LOOM_DTYPE_FLOAT32:
    for (int64_t i = 0; i < count; ++i)
      static_cast<float *>(data)[i] = hostileFloat(in);
    break;
  case LOOM_DTYPE_INT64:
    for (int64_t i = 0; i < count; ++i)
      static_cast<int64_t *>(data)[i] = hostileInteger(in);
    break;
  case LOOM_DTYPE_INT32:
    for (int64_t i = 0; i < count; ++i)
      static_cast<int32_t *>(data)[i] = int32_t(hostileInteger(in));
    break;
  default: {
    // Other types: raw bytes (bool and int8 included).
    std::vector<uint8_t> bytes = in.ConsumeBytes<uint8_t>(loom_tensor_byte_size(tensor));
    if (!bytes.empty())
      std::memcpy(data, bytes.data(), bytes.size());
    if (loom_tensor_dtype(tensor) == LOOM_DTYPE_BOOL)
      for (size_t i = 0; i < bytes.size(); ++i)
        static_cast<uint8_t *>(data)[i] &= 1;
  }
  }
}

/// A tensor for input `index`: mostly the declared type with fuzzed dynamic
/// sizes (and sometimes other static ones), sometimes another type or rank.
loom_tensor *makeInput(FuzzedDataProvider &in, loom_model *model, int index) {
  loom_dtype dtype = loom_model_input_dtype(model, index);
  int rank = loom_model_input_rank(model, index);
  const int64_t *declared = loom_model_input_shape(model, index);
  int mode = in.ConsumeIntegralInRange<int>(0, 31);
  if (mode == 0)
    dtype = in.PickValueInArray({LOOM_DTYPE_FLOAT32, LOOM_DTYPE_INT64, LOOM_DTYPE_INT32,
                                 LOOM_DTYPE_BOOL, LOOM_DTYPE_FLOAT16});
  if (mode == 1)
    rank = in.ConsumeIntegralInRange<int>(0, 5);
  std::vector<int64_t> shape(size_t(rank > 0 ? rank : 0));
  int64_t elements = 1;
  for (int d = 0; d < rank; ++d) {
    bool dynamic = d >= loom_model_input_rank(model, index) || declared[d] < 0;
    int64_t size = dynamic || mode == 2 ? in.ConsumeIntegralInRange<int64_t>(0, 9) : declared[d];
    if (elements * std::max<int64_t>(size, 1) > kMaxElements)
      size = 1;
    shape[size_t(d)] = size;
    elements *= std::max<int64_t>(size, 1);
  }
  loom_tensor *tensor = nullptr;
  if (loom_tensor_create(dtype, shape.data(), rank, &tensor) != LOOM_OK)
    return nullptr;
  fill(in, tensor);
  return tensor;
}

void describeInputs(loom_model *model, const std::vector<loom_tensor *> &inputs) {
  size_t index = 0;
  while (models()[index] != model)
    ++index;
  std::fprintf(stderr, "model %zu, %zu inputs:\n", index, inputs.size());
  for (const loom_tensor *t : inputs) {
    if (!t) {
      std::fprintf(stderr, "  (none)\n");
      continue;
    }
    std::fprintf(stderr, "  %s [", loom_dtype_name(loom_tensor_dtype(t)));
    for (int d = 0; d < loom_tensor_rank(t); ++d)
      std::fprintf(stderr, "%s%lld", d ? ", " : "", (long long)loom_tensor_shape(t)[d]);
    std::fprintf(stderr, "]");
    for (int64_t i = 0; i < std::min<int64_t>(loom_tensor_num_elements(t), 8); ++i) {
      if (loom_tensor_dtype(t) == LOOM_DTYPE_INT64)
        std::fprintf(stderr, " %lld", (long long)static_cast<int64_t *>(loom_tensor_data(t))[i]);
      else if (loom_tensor_dtype(t) == LOOM_DTYPE_FLOAT32)
        std::fprintf(stderr, " %g", static_cast<float *>(loom_tensor_data(t))[i]);
    }
    std::fprintf(stderr, "\n");
  }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  const char *list = std::getenv("LOOM_FUZZ_MODELS");
  if (!list || !*list) {
    std::fprintf(stderr, "loom-input-fuzzer: set LOOM_FUZZ_MODELS to the compiled models "
                         "(colon-separated .so paths)\n");
    std::exit(2);
  }
  std::string paths = list;
  for (size_t start = 0; start <= paths.size();) {
    size_t end = paths.find(':', start);
    if (end == std::string::npos)
      end = paths.size();
    std::string path = paths.substr(start, end - start);
    start = end + 1;
    if (path.empty())
      continue;
    loom_model *model = nullptr;
    if (loom_model_load(path.c_str(), &model) != LOOM_OK) {
      std::fprintf(stderr, "loom-input-fuzzer: %s\n", loom_last_error());
      std::exit(2);
    }
    models().push_back(model);
  }
  loom_set_num_threads(1); // deterministic, and the sanitizers see one thread
  // Sizes from input values are refused above this (loomrt_tensor_limit):
  // well under the fuzzer's malloc limit, so an allocation the limit lets
  // through and the machine cannot satisfy shows as an out-of-memory.
  setenv("LOOM_MAX_TENSOR_BYTES", "268435456", /*overwrite=*/0);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FuzzedDataProvider in(data, size);
  loom_model *model =
      models()[in.ConsumeIntegralInRange<size_t>(0, models().size() - 1)];
  int numInputs = loom_model_num_inputs(model), numOutputs = loom_model_num_outputs(model);
  // Sometimes one input too few or too many.
  int given = numInputs + in.PickValueInArray({0, 0, 0, 0, 0, 0, -1, 1});
  given = std::max(given, 0);
  std::vector<loom_tensor *> inputs(size_t(given), nullptr);
  for (int i = 0; i < given; ++i)
    inputs[size_t(i)] = makeInput(in, model, std::min(i, numInputs - 1));
  std::vector<loom_tensor *> outputs(size_t(numOutputs), nullptr);
  static const bool verbose = std::getenv("LOOM_FUZZ_VERBOSE") != nullptr;
  if (verbose) // what a saved input does, to reproduce it
    describeInputs(model, inputs);
  loom_status status = loom_model_run(model, inputs.data(), given, outputs.data(), numOutputs);
  if (verbose)
    std::fprintf(stderr, "status %d: %s\n", int(status), status == LOOM_OK ? "" : loom_last_error());
  if (status != LOOM_OK && std::strlen(loom_last_error()) == 0) {
    std::fprintf(stderr, "loom-input-fuzzer: a run failed without a message\n");
    std::abort();
  }
  for (loom_tensor *t : outputs)
    loom_tensor_destroy(t);
  for (loom_tensor *t : inputs)
    loom_tensor_destroy(t);
  return 0;
}

//===- Driver.cpp - run a model on tensor files ---------------------------===//

#include "loom-c/Driver.h"

#include "Files.h"
#include "Status.h"
#include "Tensor.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <string>
#include <vector>

namespace {

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000 | (mant << 13);
  } else if (exp == 0) {
    if (mant == 0)
      return sign ? -0.0f : 0.0f;
    float v = std::ldexp(float(mant), -24);
    return sign ? -v : v;
  } else {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// Element i of a numeric tensor as a double (integers exactly up to 2^53).
double valueAt(const loom_tensor *t, int64_t i) {
  const void *d = t->data;
  switch (t->dtype) {
  case LOOM_DTYPE_FLOAT32: return static_cast<const float *>(d)[i];
  case LOOM_DTYPE_FLOAT64: return static_cast<const double *>(d)[i];
  case LOOM_DTYPE_FLOAT16: return halfToFloat(static_cast<const uint16_t *>(d)[i]);
  case LOOM_DTYPE_BFLOAT16: {
    uint32_t bits = uint32_t(static_cast<const uint16_t *>(d)[i]) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  case LOOM_DTYPE_INT8: return static_cast<const int8_t *>(d)[i];
  case LOOM_DTYPE_UINT8: case LOOM_DTYPE_BOOL: return static_cast<const uint8_t *>(d)[i];
  case LOOM_DTYPE_INT16: return static_cast<const int16_t *>(d)[i];
  case LOOM_DTYPE_UINT16: return static_cast<const uint16_t *>(d)[i];
  case LOOM_DTYPE_INT32: return static_cast<const int32_t *>(d)[i];
  case LOOM_DTYPE_UINT32: return static_cast<const uint32_t *>(d)[i];
  case LOOM_DTYPE_INT64: return double(static_cast<const int64_t *>(d)[i]);
  case LOOM_DTYPE_UINT64: return double(static_cast<const uint64_t *>(d)[i]);
  default: return 0;
  }
}

bool isFloat(loom_dtype t) {
  return t == LOOM_DTYPE_FLOAT32 || t == LOOM_DTYPE_FLOAT64 || t == LOOM_DTYPE_FLOAT16 ||
         t == LOOM_DTYPE_BFLOAT16;
}

std::string indexOf(const loom_tensor *t, int64_t flat) {
  std::vector<int64_t> index(t->rank);
  for (int i = t->rank - 1; i >= 0; --i) {
    index[i] = t->shape[i] ? flat % t->shape[i] : 0;
    flat = t->shape[i] ? flat / t->shape[i] : 0;
  }
  std::string text = "[";
  for (int i = 0; i < t->rank; ++i)
    text += (i ? ", " : "") + std::to_string(index[i]);
  return text + "]";
}

/// input_N.pb or output_N.pb files of `dir`, ordered by N, which must run
/// from 0 without gaps or repeats (a gap would feed every later file to the
/// wrong input); otherwise prints why and sets `ok` to false.
std::vector<std::string> numberedFiles(const std::string &dir, const char *prefix, bool &ok) {
  std::vector<std::pair<long, std::string>> found;
  if (DIR *d = opendir(dir.c_str())) {
    size_t len = std::strlen(prefix);
    while (dirent *e = readdir(d)) {
      const char *name = e->d_name;
      if (std::strncmp(name, prefix, len) != 0)
        continue;
      char *end;
      long n = std::strtol(name + len, &end, 10);
      if (end != name + len && std::strcmp(end, ".pb") == 0)
        found.emplace_back(n, dir + "/" + name);
    }
    closedir(d);
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> files;
  for (auto &f : found) {
    if (f.first != long(files.size())) {
      std::fprintf(stderr,
                   "error: '%s' has no %s%zu.pb but has '%s': the files must be numbered "
                   "0, 1, 2, ... without gaps or repeats\n",
                   dir.c_str(), prefix, files.size(), f.second.c_str());
      ok = false;
      return {};
    }
    files.push_back(f.second);
  }
  return files;
}

struct Tensors {
  std::vector<loom_tensor *> list;
  ~Tensors() {
    for (loom_tensor *t : list)
      loom_tensor_destroy(t);
  }
};

bool readAll(const std::vector<std::string> &files, Tensors &out) {
  for (const std::string &file : files) {
    loom_tensor *t = nullptr;
    if (loom_tensor_read_file(file.c_str(), &t, nullptr) != LOOM_OK) {
      std::fprintf(stderr, "error: %s\n", loom_last_error());
      return false;
    }
    out.list.push_back(t);
  }
  return true;
}

void printSummary(int index, const char *name, const loom_tensor *t) {
  std::printf("output %d ('%s'): %s %s", index, loomrt::printable(name).c_str(),
              loom_dtype_name(t->dtype),
              loomrt::formatShape(t->shape, t->rank).c_str());
  int64_t n = loom_tensor_num_elements(t);
  std::printf(" =");
  for (int64_t i = 0; i < std::min<int64_t>(n, 8); ++i)
    std::printf(" %g", valueAt(t, i));
  std::printf("%s\n", n > 8 ? " ..." : "");
}

} // namespace

extern "C" void loom_driver_default_options(loom_driver_options *o) {
  std::memset(o, 0, sizeof *o);
  o->rtol = 1e-4;
  o->atol = 1e-5;
  o->repeat = 1;
}

extern "C" int loom_tensor_compare(const loom_tensor *got, const loom_tensor *expected,
                                   double rtol, double atol, char *report,
                                   size_t reportSize) {
  auto say = [&](const std::string &text) {
    if (report && reportSize)
      std::snprintf(report, reportSize, "%s", text.c_str());
  };
  if (got->dtype != expected->dtype) {
    say(std::string("dtype ") + loom_dtype_name(got->dtype) + ", expected " +
        loom_dtype_name(expected->dtype));
    return 0;
  }
  bool sameShape = got->rank == expected->rank;
  for (int i = 0; sameShape && i < got->rank; ++i)
    sameShape = got->shape[i] == expected->shape[i];
  if (!sameShape) {
    say("shape " + loomrt::formatShape(got->shape, got->rank) + ", expected " +
        loomrt::formatShape(expected->shape, expected->rank));
    return 0;
  }
  int64_t n = loom_tensor_num_elements(got), bad = 0, worst = -1;
  double worstExcess = 0, maxError = 0;
  bool floating = isFloat(got->dtype);
  for (int64_t i = 0; i < n; ++i) {
    double g = valueAt(got, i), e = valueAt(expected, i);
    if (!floating) {
      // Exact, and on the raw values: 64-bit integers beyond 2^53 too.
      size_t size = loom_dtype_size(got->dtype);
      if (std::memcmp(static_cast<const char *>(got->data) + i * size,
                      static_cast<const char *>(expected->data) + i * size, size) != 0) {
        if (worst < 0)
          worst = i;
        ++bad;
      }
      continue;
    }
    if (std::isnan(g) && std::isnan(e))
      continue;
    if (std::isinf(e) && g == e)
      continue;
    double error = std::fabs(g - e), bound = atol + rtol * std::fabs(e);
    if (!(error <= bound)) { // also catches a NaN on one side
      ++bad;
      double excess = std::isnan(error) ? INFINITY : error - bound;
      if (worst < 0 || excess > worstExcess)
        worst = i, worstExcess = excess;
    } else {
      maxError = std::max(maxError, error);
    }
  }
  if (bad == 0) {
    char text[64];
    std::snprintf(text, sizeof text, "max abs error %.3g", maxError);
    say(text);
    return 1;
  }
  char text[512];
  double g = valueAt(got, worst), e = valueAt(expected, worst);
  std::snprintf(text, sizeof text,
                "%lld of %lld elements differ; worst at %s: got %.9g, expected %.9g "
                "(|diff| %.3g; rtol %g, atol %g)",
                (long long)bad, (long long)n, indexOf(got, worst).c_str(), g, e,
                std::fabs(g - e), rtol, atol);
  say(text);
  return 0;
}

extern "C" int loom_driver_run(loom_model *model, const loom_driver_options *o) {
  Tensors inputs, expected;
  if (o->test_data) {
    std::string dir = o->test_data;
    // Said first: a file, FIFO or device here would otherwise read as a
    // folder without test data.
    if (DIR *d = opendir(dir.c_str())) {
      closedir(d);
    } else {
      std::fprintf(stderr, "error: cannot read the test data folder '%s': %s\n",
                   o->test_data, std::strerror(errno));
      return 2;
    }
    bool ok = true;
    std::vector<std::string> outs = numberedFiles(dir, "output_", ok);
    std::vector<std::string> ins = numberedFiles(dir, "input_", ok);
    if (!ok)
      return 2;
    if (outs.empty()) {
      std::fprintf(stderr, "error: '%s' has no output_N.pb files to compare with\n",
                   o->test_data);
      return 2;
    }
    if (!readAll(ins, inputs) || !readAll(outs, expected))
      return 2;
  } else {
    std::vector<std::string> files(o->input_files, o->input_files + o->num_input_files);
    if (!readAll(files, inputs))
      return 2;
  }

  // ONNX's test data stores bfloat16 tensors as uint16 (numpy has no
  // bfloat16): such a file is read as bfloat16 where the model has one.
  auto retypeBfloat16 = [](loom_tensor *t, loom_dtype wanted) {
    if (t && wanted == LOOM_DTYPE_BFLOAT16 && t->dtype == LOOM_DTYPE_UINT16)
      t->dtype = LOOM_DTYPE_BFLOAT16;
  };
  for (size_t i = 0; i < inputs.list.size(); ++i)
    retypeBfloat16(inputs.list[i], loom_model_input_dtype(model, int(i)));
  for (size_t i = 0; i < expected.list.size(); ++i)
    retypeBfloat16(expected.list[i], loom_model_output_dtype(model, int(i)));

  int numOutputs = loom_model_num_outputs(model);
  Tensors outputs;
  outputs.list.assign(numOutputs, nullptr);
  // Each run timed on its own: the median is the speed of a warm model (the
  // first run also faults in pages and fills loomrt's caches).
  std::vector<double> runMs;
  for (int run = 0; run < std::max(1, o->repeat); ++run) {
    for (loom_tensor *&t : outputs.list) {
      loom_tensor_destroy(t);
      t = nullptr;
    }
    auto start = std::chrono::steady_clock::now();
    if (loom_model_run(model, inputs.list.data(), inputs.list.size(), outputs.list.data(),
                       outputs.list.size()) != LOOM_OK) {
      std::fprintf(stderr, "error: %s\n", loom_last_error());
      return 2;
    }
    runMs.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  if (o->repeat > 1) {
    double first = runMs.front();
    std::sort(runMs.begin(), runMs.end());
    size_t half = runMs.size() / 2;
    double median =
        runMs.size() % 2 ? runMs[half] : (runMs[half - 1] + runMs[half]) / 2;
    std::printf("%d runs, %.3f ms per run (median; the first %.3f ms; %d threads)\n",
                o->repeat, median, first, loom_get_num_threads());
  }

  if (o->test_data) {
    if (expected.list.size() != outputs.list.size()) {
      std::fprintf(stderr, "error: the model has %d output(s) but '%s' expects %zu\n",
                   numOutputs, o->test_data, expected.list.size());
      return 2;
    }
    int status = 0;
    for (int i = 0; i < numOutputs; ++i) {
      char report[640];
      bool match = loom_tensor_compare(outputs.list[i], expected.list[i], o->rtol, o->atol,
                                       report, sizeof report);
      std::printf("output %d ('%s'): %s%s\n", i,
                  loomrt::printable(loom_model_output_name(model, i)).c_str(),
                  match ? "match, " : "MISMATCH: ", report);
      if (!match)
        status = 1;
    }
    return status;
  }
  // -o names a folder to write into: made if missing, as loom-compile does.
  if (o->output_dir && loomrt::makeDirectories(o->output_dir) != LOOM_OK) {
    std::fprintf(stderr, "error: %s\n", loom_last_error());
    return 2;
  }
  for (int i = 0; i < numOutputs; ++i) {
    const char *name = loom_model_output_name(model, i);
    printSummary(i, name, outputs.list[i]);
    if (o->output_dir) {
      std::string path = std::string(o->output_dir) + "/output_" + std::to_string(i) + ".pb";
      if (loom_tensor_write_file(path.c_str(), outputs.list[i], name) != LOOM_OK) {
        std::fprintf(stderr, "error: %s\n", loom_last_error());
        return 2;
      }
    }
  }
  return 0;
}

//===- TensorFile.cpp - ONNX TensorProto files without libprotobuf --------===//
//
// ONNX's test data stores each input and output as one serialized
// TensorProto. loomrt reads and writes them with a small wire-format decoder
// of its own so that the runtime (and executables built by loom-compile) need
// no protobuf library. Only the fields that carry dense numeric data are
// understood; strings and external data are rejected with a message.
//
//===----------------------------------------------------------------------===//

#include "Files.h"
#include "Status.h"
#include "Tensor.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <vector>

using namespace loomrt;

namespace {

/// TensorProto field numbers (onnx.proto).
enum Field {
  kDims = 1, kDataType = 2, kSegment = 3, kFloatData = 4, kInt32Data = 5,
  kStringData = 6, kInt64Data = 7, kName = 8, kRawData = 9, kDoubleData = 10,
  kUint64Data = 11, kDocString = 12, kExternalData = 13, kDataLocation = 14,
};

struct Reader {
  const uint8_t *p, *end;
  bool varint(uint64_t &v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p == end)
        return false;
      uint8_t byte = *p++;
      v |= uint64_t(byte & 0x7f) << shift;
      if (!(byte & 0x80))
        return true;
    }
    return false;
  }
  bool fixed(void *out, size_t n) {
    if (size_t(end - p) < n)
      return false;
    std::memcpy(out, p, n);
    p += n;
    return true;
  }
  bool bytes(const uint8_t *&data, size_t &n) {
    uint64_t len;
    if (!varint(len) || len > uint64_t(end - p))
      return false;
    data = p;
    n = size_t(len);
    p += len;
    return true;
  }
};

/// A parsed TensorProto: repeated numeric fields keep their values as read.
struct Proto {
  std::vector<int64_t> dims;
  int64_t dataType = 0;
  std::string name;
  const uint8_t *raw = nullptr;
  size_t rawSize = 0;
  bool hasRaw = false;
  std::vector<float> floats;
  std::vector<double> doubles;
  std::vector<uint64_t> varints; // int32_data, int64_data or uint64_data
  bool external = false, strings = false;
};

/// Reads a repeated scalar field in either packed or unpacked encoding.
bool readRepeated(Reader &r, unsigned wire, unsigned fixedSize, std::vector<uint64_t> *ints,
                  std::vector<float> *floats, std::vector<double> *doubles) {
  auto one = [&](Reader &in) {
    if (ints) {
      uint64_t v;
      if (!in.varint(v))
        return false;
      ints->push_back(v);
      return true;
    }
    if (floats) {
      float v;
      if (!in.fixed(&v, 4))
        return false;
      floats->push_back(v);
      return true;
    }
    double v;
    if (!in.fixed(&v, 8))
      return false;
    doubles->push_back(v);
    return true;
  };
  if (wire == 2) {
    const uint8_t *data;
    size_t n;
    if (!r.bytes(data, n))
      return false;
    Reader packed{data, data + n};
    while (packed.p != packed.end)
      if (!one(packed))
        return false;
    return true;
  }
  unsigned expected = ints ? 0 : (fixedSize == 4 ? 5 : 1);
  return wire == expected && one(r);
}

bool skipField(Reader &r, unsigned wire) {
  uint64_t v;
  const uint8_t *d;
  size_t n;
  switch (wire) {
  case 0: return r.varint(v);
  case 1: return r.fixed(&v, 8);
  case 2: return r.bytes(d, n);
  case 5: return r.fixed(&v, 4);
  default: return false;
  }
}

std::string parse(const uint8_t *data, size_t size, Proto &proto) {
  Reader r{data, data + size};
  while (r.p != r.end) {
    uint64_t key;
    if (!r.varint(key))
      return "truncated field key";
    unsigned field = unsigned(key >> 3), wire = unsigned(key & 7);
    bool okField = true;
    switch (field) {
    case kDims: {
      std::vector<uint64_t> dims;
      okField = readRepeated(r, wire, 0, &dims, nullptr, nullptr);
      for (uint64_t d : dims)
        proto.dims.push_back(int64_t(d));
      break;
    }
    case kDataType: {
      uint64_t v = 0;
      okField = wire == 0 && r.varint(v);
      proto.dataType = int64_t(v);
      break;
    }
    case kFloatData:
      okField = readRepeated(r, wire, 4, nullptr, &proto.floats, nullptr);
      break;
    case kDoubleData:
      okField = readRepeated(r, wire, 8, nullptr, nullptr, &proto.doubles);
      break;
    case kInt32Data: case kInt64Data: case kUint64Data:
      okField = readRepeated(r, wire, 0, &proto.varints, nullptr, nullptr);
      break;
    case kName: case kRawData: {
      const uint8_t *bytes;
      size_t n;
      okField = wire == 2 && r.bytes(bytes, n);
      if (field == kName)
        proto.name.assign(reinterpret_cast<const char *>(bytes), n);
      else
        proto.raw = bytes, proto.rawSize = n, proto.hasRaw = true;
      break;
    }
    case kStringData:
      proto.strings = true;
      okField = skipField(r, wire);
      break;
    case kExternalData:
      proto.external = true;
      okField = skipField(r, wire);
      break;
    case kDataLocation: {
      uint64_t v = 0;
      okField = wire == 0 && r.varint(v);
      proto.external |= v == 1;
      break;
    }
    default: // segment, doc_string, metadata and fields from newer ONNX
      okField = skipField(r, wire);
      break;
    }
    if (!okField)
      return "field " + std::to_string(field) + " is truncated or malformed";
  }
  return "";
}

/// Copies the repeated-field values into `out`, converted to `dtype`.
void storeValues(const Proto &proto, loom_dtype dtype, void *out, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    switch (dtype) {
    case LOOM_DTYPE_FLOAT32: static_cast<float *>(out)[i] = proto.floats[i]; break;
    case LOOM_DTYPE_FLOAT64: static_cast<double *>(out)[i] = proto.doubles[i]; break;
    case LOOM_DTYPE_INT64: case LOOM_DTYPE_UINT64:
      static_cast<uint64_t *>(out)[i] = proto.varints[i];
      break;
    case LOOM_DTYPE_INT32: case LOOM_DTYPE_UINT32:
      static_cast<uint32_t *>(out)[i] = uint32_t(proto.varints[i]);
      break;
    case LOOM_DTYPE_INT16: case LOOM_DTYPE_UINT16: case LOOM_DTYPE_FLOAT16:
    case LOOM_DTYPE_BFLOAT16:
      static_cast<uint16_t *>(out)[i] = uint16_t(proto.varints[i]);
      break;
    default: // int8, uint8, bool
      static_cast<uint8_t *>(out)[i] = uint8_t(proto.varints[i]);
      break;
    }
  }
}

size_t repeatedCount(const Proto &proto, loom_dtype dtype) {
  if (dtype == LOOM_DTYPE_FLOAT32)
    return proto.floats.size();
  if (dtype == LOOM_DTYPE_FLOAT64)
    return proto.doubles.size();
  return proto.varints.size();
}

void putVarint(std::string &out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(char(v | 0x80));
    v >>= 7;
  }
  out.push_back(char(v));
}

} // namespace

extern "C" loom_status loom_tensor_read_file(const char *path, loom_tensor **out,
                                             char **name) {
  if (!path || !out)
    return fail(LOOM_ERROR_INVALID_ARGUMENT, "loom_tensor_read_file: path or out is null");
  *out = nullptr;
  if (name)
    *name = nullptr;
  std::string where = std::string("tensor file '") + path + "'";
  int fd;
  size_t size;
  if (loom_status status = openRegularFile(path, where, fd, size))
    return status;
  std::vector<uint8_t> bytes(size);
  size_t got = 0;
  for (ssize_t n; got < size && (n = read(fd, bytes.data() + got, size - got)) > 0;)
    got += size_t(n);
  close(fd);
  if (got != size)
    return fail(LOOM_ERROR_IO, "cannot read " + where + " (it changed while being read?)");

  Proto proto;
  std::string error = parse(bytes.data(), bytes.size(), proto);
  if (!error.empty())
    return fail(LOOM_ERROR_FORMAT, where + " is not a TensorProto: " + error);
  if (proto.strings)
    return fail(LOOM_ERROR_UNSUPPORTED, where + " holds strings, which loom does not support");
  if (proto.external)
    return fail(LOOM_ERROR_UNSUPPORTED, where + " keeps its data in an external file, "
                                                "which loom-run does not read");
  size_t elementSize = dtypeSize(proto.dataType);
  auto dtype = elementSize ? loom_dtype(proto.dataType) : LOOM_DTYPE_UNDEFINED;
  if (elementSize == 0)
    return fail(LOOM_ERROR_UNSUPPORTED, where + " has data type " +
                                            std::to_string(proto.dataType) +
                                            ", which loom does not support");
  if (proto.dims.size() > LOOM_MAX_RANK)
    return fail(LOOM_ERROR_UNSUPPORTED, where + " has rank " +
                                            std::to_string(proto.dims.size()) +
                                            ", more than loom's " +
                                            std::to_string(LOOM_MAX_RANK));
  int rank = int(proto.dims.size());
  int64_t count = checkedElementCount(proto.dims.data(), rank, error);
  if (count < 0 || count > INT64_MAX / int64_t(elementSize))
    return fail(LOOM_ERROR_FORMAT, where + ": " + (error.empty() ? "too large" : error));
  size_t byteSize = size_t(count) * elementSize;
  if (proto.hasRaw ? proto.rawSize != byteSize : repeatedCount(proto, dtype) != size_t(count))
    return fail(LOOM_ERROR_FORMAT,
                where + ": shape " + formatShape(proto.dims.data(), rank) + " of " +
                    loom_dtype_name(dtype) + " needs " + std::to_string(count) +
                    " values, but the file holds " +
                    std::to_string(proto.hasRaw ? proto.rawSize / elementSize
                                                : repeatedCount(proto, dtype)));
  void *data = std::malloc(byteSize ? byteSize : 1);
  if (!data)
    return fail(LOOM_ERROR_OUT_OF_MEMORY, "cannot allocate " + std::to_string(byteSize) +
                                              " bytes for " + where);
  if (proto.hasRaw)
    std::memcpy(data, proto.raw, byteSize); // ONNX raw data is little-endian, as is x86
  else
    storeValues(proto, dtype, data, count);
  *out = adoptBuffer(dtype, proto.dims.data(), rank, data, byteSize);
  if (name && !proto.name.empty())
    *name = strdup(proto.name.c_str());
  return ok();
}

extern "C" loom_status loom_tensor_write_file(const char *path, const loom_tensor *tensor,
                                              const char *name) {
  if (!path || !tensor)
    return fail(LOOM_ERROR_INVALID_ARGUMENT, "loom_tensor_write_file: path or tensor is null");
  std::string bytes;
  if (tensor->rank > 0) {
    std::string dims;
    for (int i = 0; i < tensor->rank; ++i)
      putVarint(dims, uint64_t(tensor->shape[i]));
    putVarint(bytes, (kDims << 3) | 2);
    putVarint(bytes, dims.size());
    bytes += dims;
  }
  putVarint(bytes, kDataType << 3);
  putVarint(bytes, uint64_t(tensor->dtype));
  if (name && *name) {
    putVarint(bytes, (kName << 3) | 2);
    putVarint(bytes, std::strlen(name));
    bytes += name;
  }
  putVarint(bytes, (kRawData << 3) | 2);
  putVarint(bytes, tensor->byteSize);
  bytes.append(static_cast<const char *>(tensor->data), tensor->byteSize);
  FILE *f = std::fopen(path, "wb");
  if (!f)
    return fail(LOOM_ERROR_IO, std::string("cannot create '") + path + "': " +
                                   std::strerror(errno));
  bool written = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  written &= std::fclose(f) == 0;
  if (!written)
    return fail(LOOM_ERROR_IO, std::string("cannot write '") + path + "'");
  return ok();
}

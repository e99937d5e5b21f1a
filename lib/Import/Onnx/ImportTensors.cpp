//===- ImportTensors.cpp - ONNX types, tensors and attributes ---------------===//
//
// Element and value types, tensor data (raw, typed fields, external files)
// and node attributes, each checked before use: a bad dtype, an absurd shape
// or data that does not match its shape is an error naming the value.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "loom/Support/RegularFile.h"

#include "llvm/Support/FileSystem.h"

using namespace mlir;
using namespace loom::onnx_import;

namespace {

std::string shapeToString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += ", ";
    s += ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
  }
  return s + "]";
}

const char *dataTypeName(int32_t dtype) {
  if (proto::TensorProto_DataType_IsValid(dtype))
    return proto::TensorProto_DataType_Name(
               static_cast<proto::TensorProto_DataType>(dtype))
        .c_str();
  return "an invalid data type";
}

} // namespace

//===----------------------------------------------------------------------===//
// Types and tensors
//===----------------------------------------------------------------------===//

FailureOr<Type> OnnxImporter::convertElementType(int32_t dtype, StringRef what) {
  switch (dtype) {
  case proto::TensorProto::FLOAT:
    return Type(builder.getF32Type());
  case proto::TensorProto::FLOAT16:
    return Type(builder.getF16Type());
  case proto::TensorProto::BFLOAT16:
    return Type(builder.getBF16Type());
  case proto::TensorProto::DOUBLE:
    return Type(builder.getF64Type());
  case proto::TensorProto::BOOL:
    return Type(builder.getI1Type());
  case proto::TensorProto::INT8:
    return Type(builder.getIntegerType(8));
  case proto::TensorProto::INT16:
    return Type(builder.getIntegerType(16));
  case proto::TensorProto::INT32:
    return Type(builder.getIntegerType(32));
  case proto::TensorProto::INT64:
    return Type(builder.getIntegerType(64));
  case proto::TensorProto::UINT8:
    return Type(builder.getIntegerType(8, /*isSigned=*/false));
  case proto::TensorProto::UINT16:
    return Type(builder.getIntegerType(16, /*isSigned=*/false));
  case proto::TensorProto::UINT32:
    return Type(builder.getIntegerType(32, /*isSigned=*/false));
  case proto::TensorProto::UINT64:
    return Type(builder.getIntegerType(64, /*isSigned=*/false));
  case proto::TensorProto::COMPLEX64:
    return Type(ComplexType::get(builder.getF32Type()));
  case proto::TensorProto::COMPLEX128:
    return Type(ComplexType::get(builder.getF64Type()));
  default:
    fileError() << what << " has element type "
                << dataTypeName(dtype) << " (" << dtype
                << "), which loom does not support";
    return failure();
  }
}

uint64_t loom::onnx_import::storedElementBytes(int32_t dtype) {
  switch (dtype) {
  case proto::TensorProto::UINT8:
  case proto::TensorProto::INT8:
  case proto::TensorProto::BOOL:
    return 1;
  case proto::TensorProto::UINT16:
  case proto::TensorProto::INT16:
  case proto::TensorProto::FLOAT16:
  case proto::TensorProto::BFLOAT16:
    return 2;
  case proto::TensorProto::FLOAT:
  case proto::TensorProto::INT32:
  case proto::TensorProto::UINT32:
    return 4;
  case proto::TensorProto::DOUBLE:
  case proto::TensorProto::INT64:
  case proto::TensorProto::UINT64:
  case proto::TensorProto::COMPLEX64:
    return 8;
  case proto::TensorProto::COMPLEX128:
    return 16;
  default:
    return 0;
  }
}

int32_t loom::onnx_import::onnxDataType(Type type) {
  if (type.isF32())
    return proto::TensorProto::FLOAT;
  if (type.isF16())
    return proto::TensorProto::FLOAT16;
  if (type.isBF16())
    return proto::TensorProto::BFLOAT16;
  if (type.isF64())
    return proto::TensorProto::DOUBLE;
  if (auto complex = dyn_cast<ComplexType>(type))
    return complex.getElementType().isF32() ? proto::TensorProto::COMPLEX64
                                            : proto::TensorProto::COMPLEX128;
  auto integer = dyn_cast<IntegerType>(type);
  if (!integer)
    return proto::TensorProto::UNDEFINED;
  bool isUnsigned = integer.isUnsigned();
  switch (integer.getWidth()) {
  case 1:
    return proto::TensorProto::BOOL;
  case 8:
    return isUnsigned ? proto::TensorProto::UINT8 : proto::TensorProto::INT8;
  case 16:
    return isUnsigned ? proto::TensorProto::UINT16 : proto::TensorProto::INT16;
  case 32:
    return isUnsigned ? proto::TensorProto::UINT32 : proto::TensorProto::INT32;
  case 64:
    return isUnsigned ? proto::TensorProto::UINT64 : proto::TensorProto::INT64;
  default:
    return proto::TensorProto::UNDEFINED;
  }
}

const char *loom::onnx_import::onnxDataTypeName(int32_t dtype) { return dataTypeName(dtype); }

LogicalResult OnnxImporter::checkShape(ArrayRef<int64_t> shape, StringRef what) {
  // Products are formed in 128-bit-safe steps: stop as soon as the limit is
  // passed so that no multiplication can overflow.
  int64_t elements = 1;
  for (int64_t d : shape) {
    if (ShapedType::isDynamic(d))
      continue;
    if (d < 0) {
      fileError() << what << " has negative dimension " << d
                  << " in shape " << shapeToString(shape);
      return failure();
    }
    if (d != 0 && elements > options.maxTensorElements / d) {
      fileError() << what << " has shape "
                  << shapeToString(shape) << ", over loom's limit of "
                  << options.maxTensorElements
                  << " elements per tensor (corrupt file?)";
      return failure();
    }
    elements *= d;
  }
  return success();
}

FailureOr<Type> OnnxImporter::convertValueType(const proto::TypeProto &type,
                                               StringRef what) {
  switch (type.value_case()) {
  case proto::TypeProto::kTensorType: {
    const auto &tensor = type.tensor_type();
    if (!tensor.has_elem_type() || tensor.elem_type() == 0)
      return Type(NoneType::get(context));
    FailureOr<Type> elem = convertElementType(tensor.elem_type(), what);
    if (failed(elem))
      return failure();
    if (!tensor.has_shape())
      return Type(UnrankedTensorType::get(*elem));
    SmallVector<int64_t> shape;
    for (const auto &dim : tensor.shape().dim())
      shape.push_back(dim.has_dim_value() ? dim.dim_value() : ShapedType::kDynamic);
    if (failed(checkShape(shape, what)))
      return failure();
    return Type(RankedTensorType::get(shape, *elem));
  }
  case proto::TypeProto::VALUE_NOT_SET:
    return Type(NoneType::get(context));
  default:
    fileError() << what
                << " is not a tensor (sequence, map and optional values are "
                   "not supported yet)";
    return failure();
  }
}

FailureOr<std::string>
OnnxImporter::readExternalData(const proto::TensorProto &tensor, StringRef what,
                               uint64_t expected) {
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  for (const auto &entry : tensor.external_data()) {
    if (entry.key() == "location")
      location = entry.value();
    else if (entry.key() == "offset" || entry.key() == "length") {
      uint64_t value = 0;
      if (StringRef(entry.value()).getAsInteger(10, value)) {
        fileError() << what << " has external data "
                    << entry.key() << " '" << entry.value()
                    << "', which is not a number";
        return failure();
      }
      if (entry.key() == "offset")
        offset = value;
      else
        length = value;
    }
  }
  if (location.empty()) {
    fileError() << what
                << " is stored externally but names no location";
    return failure();
  }
  bool escapes = llvm::sys::path::is_absolute(location);
  for (StringRef part : llvm::make_range(llvm::sys::path::begin(location),
                                         llvm::sys::path::end(location)))
    escapes |= part == "..";
  if (escapes) {
    fileError() << what << " has external data location '"
                << location
                << "', which leaves the model's directory (ONNX forbids that)";
    return failure();
  }
  SmallString<256> path(options.externalDataDir);
  llvm::sys::path::append(path, location);
  // Links are followed only to files inside the directory too.
  SmallString<256> realDir, realPath;
  if (!llvm::sys::fs::real_path(options.externalDataDir.empty() ? "." : options.externalDataDir,
                                realDir) &&
      !llvm::sys::fs::real_path(path, realPath)) {
    if (!realDir.ends_with("/"))
      realDir.push_back('/');
    if (!StringRef(realPath).starts_with(realDir)) {
      fileError() << what << " has external data location '" << location
                  << "', a link to a file outside the model's directory (ONNX forbids "
                     "leaving it)";
      return failure();
    }
  }
  auto buffer = loom::readRegularFile(path);
  if (!buffer) {
    fileError() << what << ": external data file '" << location
                << "' cannot be read (looked for " << path << ": "
                << loom::readErrorMessage(buffer.getError()) << ")";
    return failure();
  }
  uint64_t size = (*buffer)->getBufferSize();
  uint64_t count = length.value_or(expected);
  if (offset > size || count > size - offset) {
    fileError() << what << ": external data file '" << location
                << "' has " << size << " bytes, too few for " << count
                << " bytes at offset " << offset;
    return failure();
  }
  return std::string((*buffer)->getBufferStart() + offset, count);
}

/// Appends `value` to `bytes` as `width` little-endian bytes.
static void appendLittleEndian(std::string &bytes, uint64_t value, int width) {
  for (int i = 0; i < width; ++i)
    bytes.push_back(char((value >> (8 * i)) & 0xff));
}

FailureOr<ElementsAttr> OnnxImporter::convertTensor(const proto::TensorProto &tensor,
                                                    StringRef what) {
  FailureOr<Type> elemOr = convertElementType(tensor.data_type(), what);
  if (failed(elemOr))
    return failure();
  Type elem = *elemOr;
  SmallVector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  // checkShape lets the dynamic-size marker through (value types may be
  // dynamic); a tensor's dims are data, and INT64_MIN is just negative.
  for (int64_t d : shape)
    if (d < 0) {
      fileError() << what << " has negative dimension " << d;
      return failure();
    }
  if (failed(checkShape(shape, what)))
    return failure();
  auto type = RankedTensorType::get(shape, elem);
  int64_t numElements = type.getNumElements();

  // convertElementType accepted the type: it has a fixed width.
  int width = int(storedElementBytes(tensor.data_type()));
  uint64_t expected = uint64_t(numElements) * width;

  std::string bytes;
  if (tensor.data_location() == proto::TensorProto::EXTERNAL) {
    FailureOr<std::string> data = readExternalData(tensor, what, expected);
    if (failed(data))
      return failure();
    bytes = std::move(*data);
  } else if (tensor.has_raw_data()) {
    bytes = tensor.raw_data();
  } else {
    // Typed storage: ONNX keeps small integer types and f16/bf16 widened in
    // int32_data, unsigned 32/64-bit in uint64_data.
    switch (tensor.data_type()) {
    case proto::TensorProto::FLOAT:
    case proto::TensorProto::COMPLEX64: // (real, imaginary) pairs of floats
      for (float v : tensor.float_data()) {
        uint32_t bits;
        std::memcpy(&bits, &v, 4);
        appendLittleEndian(bytes, bits, 4);
      }
      break;
    case proto::TensorProto::DOUBLE:
    case proto::TensorProto::COMPLEX128:
      for (double v : tensor.double_data()) {
        uint64_t bits;
        std::memcpy(&bits, &v, 8);
        appendLittleEndian(bytes, bits, 8);
      }
      break;
    case proto::TensorProto::INT64:
      for (int64_t v : tensor.int64_data())
        appendLittleEndian(bytes, uint64_t(v), 8);
      break;
    case proto::TensorProto::UINT32:
    case proto::TensorProto::UINT64:
      for (uint64_t v : tensor.uint64_data())
        appendLittleEndian(bytes, v, width);
      break;
    default:
      for (int32_t v : tensor.int32_data())
        appendLittleEndian(bytes, uint64_t(uint32_t(v)), width);
      break;
    }
  }
  if (bytes.size() != expected) {
    fileError() << what << " has " << bytes.size()
                << " bytes of data, but its shape " << shapeToString(shape)
                << " of " << elem << " needs " << expected;
    return failure();
  }
  if (elem.isInteger(1)) {
    // MLIR packs i1 differently from ONNX's byte per bool; go through values.
    SmallVector<bool> values;
    for (char c : bytes)
      values.push_back(c != 0);
    return cast<ElementsAttr>(DenseElementsAttr::get(type, ArrayRef<bool>(values)));
  }
  if (numElements <= options.maxInlineElements) {
    bool splat = false;
    if (!DenseElementsAttr::isValidRawBuffer(type, ArrayRef<char>(bytes.data(), bytes.size()),
                                             splat)) {
      fileError() << what << " has data that does not fit "
                  << type;
      return failure();
    }
    return cast<ElementsAttr>(
        DenseElementsAttr::getFromRawBuffer(type, ArrayRef<char>(bytes.data(), bytes.size())));
  }
  // Large tensors: a resource blob, printed once at the end of the module
  // rather than as an attribute, and never parsed back element by element.
  auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(bytes.data(), bytes.size()), alignof(uint64_t));
  std::string blobName = tensor.name().empty() ? std::string("tensor") : tensor.name();
  for (char &c : blobName)
    if (!llvm::isAlnum(c) && c != '_' && c != '.')
      c = '_';
  return cast<ElementsAttr>(DenseResourceElementsAttr::get(
      type, blobName + "_" + std::to_string(blobCounter++), std::move(blob)));
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

FailureOr<NamedAttribute>
OnnxImporter::convertAttribute(const proto::AttributeProto &attr, StringRef where) {
  std::string what = (Twine(where) + " attribute '" + attr.name() + "'").str();
  if (attr.name().empty()) {
    fileError() << where << " has an attribute with no name";
    return failure();
  }
  if (!attr.ref_attr_name().empty()) {
    fileError() << what
                << " refers to a function attribute, which is not supported";
    return failure();
  }
  auto name = builder.getStringAttr(attr.name());
  switch (attr.type()) {
  case proto::AttributeProto::FLOAT:
    return NamedAttribute(name, builder.getF32FloatAttr(attr.f()));
  case proto::AttributeProto::INT:
    return NamedAttribute(name, builder.getIntegerAttr(
                                    builder.getIntegerType(64, /*isSigned=*/true), attr.i()));
  case proto::AttributeProto::STRING:
    return NamedAttribute(name, builder.getStringAttr(attr.s()));
  case proto::AttributeProto::FLOATS:
    return NamedAttribute(
        name, builder.getF32ArrayAttr(SmallVector<float>(attr.floats().begin(),
                                                         attr.floats().end())));
  case proto::AttributeProto::INTS:
    return NamedAttribute(
        name, builder.getI64ArrayAttr(SmallVector<int64_t>(attr.ints().begin(),
                                                           attr.ints().end())));
  case proto::AttributeProto::STRINGS:
    return NamedAttribute(
        name, builder.getStrArrayAttr(SmallVector<StringRef>(attr.strings().begin(),
                                                             attr.strings().end())));
  case proto::AttributeProto::TENSOR: {
    FailureOr<ElementsAttr> value = convertTensor(attr.t(), what);
    if (failed(value))
      return failure();
    return NamedAttribute(name, *value);
  }
  case proto::AttributeProto::TYPE_PROTO: {
    FailureOr<Type> type = convertValueType(attr.tp(), what);
    if (failed(type))
      return failure();
    return NamedAttribute(name, TypeAttr::get(*type));
  }
  default:
    fileError() << what << " has kind "
                << proto::AttributeProto_AttributeType_Name(attr.type())
                << ", which loom does not support";
    return failure();
  }
}

//===- OnnxSchemas.cpp - the importer's view of libonnx ---------*- C++ -*-===//
//
// Compiled with exceptions and RTTI (see OnnxSchemas.h): every libonnx call
// that may throw is caught here and turned into a message.
//
//===----------------------------------------------------------------------===//

#include "OnnxSchemas.h"

#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <exception>

using namespace loom::onnx_import;

static Arity toArity(onnx::OpSchema::FormalParameterOption option) {
  switch (option) {
  case onnx::OpSchema::Single:
    return Arity::Single;
  case onnx::OpSchema::Optional:
    return Arity::Optional;
  case onnx::OpSchema::Variadic:
    return Arity::Variadic;
  }
  return Arity::Single;
}

namespace {
/// Formal parameters of the operators loom defines that libonnx does not: ONNX
/// Runtime's contrib ops (kept in sync with OnnxMicrosoftOps.td, whose lit
/// test imports each with every input present).
struct ContribSchema {
  const char *domain;
  const char *opType;
  const char *inputs;  // one letter per formal input: s(ingle), o(ptional)
  const char *outputs; // the same for outputs
};
constexpr ContribSchema kContribSchemas[] = {
    {"com.microsoft", "MatMulNBits", "sssooo", "s"},
    {"com.microsoft", "GroupQueryAttention", "sooooss" "ooooo", "ssso"},
    {"com.microsoft", "MultiHeadAttention", "soooooooo" "o", "sooo"},
    {"com.microsoft", "Attention", "ssooooo", "so"},
    {"com.microsoft", "RotaryEmbedding", "ssss", "s"},
    {"com.microsoft", "SkipSimplifiedLayerNormalization", "ssso", "sooo"},
    {"", "SimplifiedLayerNormalization", "ss", "so"},
};

std::optional<SchemaInfo> contribSchema(const std::string &opType,
                                        const std::string &domain) {
  for (const ContribSchema &c : kContribSchemas) {
    if (opType != c.opType || domain != c.domain)
      continue;
    SchemaInfo info;
    info.sinceVersion = 1;
    auto fill = [](const char *spec, std::vector<Arity> &out, int &min, int &max) {
      for (const char *p = spec; *p; ++p) {
        out.push_back(*p == 's' ? Arity::Single : Arity::Optional);
        if (*p == 's')
          min = int(out.size());
      }
      max = int(out.size());
    };
    fill(c.inputs, info.inputs, info.minInputs, info.maxInputs);
    fill(c.outputs, info.outputs, info.minOutputs, info.maxOutputs);
    return info;
  }
  return std::nullopt;
}
} // namespace

std::optional<SchemaInfo>
loom::onnx_import::lookupSchema(const std::string &opType,
                                const std::string &domain, int opset) {
  const std::string &onnxDomain = domain == "ai.onnx" ? std::string() : domain;
  const onnx::OpSchema *schema =
      opset < 0 ? onnx::OpSchemaRegistry::Schema(opType, onnxDomain)
                : onnx::OpSchemaRegistry::Schema(opType, opset, onnxDomain);
  if (!schema)
    return contribSchema(opType, onnxDomain);
  SchemaInfo info;
  info.sinceVersion = schema->since_version();
  for (const auto &param : schema->inputs()) {
    info.inputs.push_back(toArity(param.GetOption()));
    // A heterogeneous variadic (Loop's and Scan's carried values) binds its
    // constraint per value: no shared type.
    bool shared = param.GetOption() != onnx::OpSchema::Variadic || param.GetIsHomogeneous();
    info.inputTypeConstraints.push_back(shared ? param.GetTypeStr() : std::string());
  }
  for (const auto &param : schema->outputs())
    info.outputs.push_back(toArity(param.GetOption()));
  info.minInputs = schema->min_input();
  info.maxInputs = schema->max_input();
  info.minOutputs = schema->min_output();
  info.maxOutputs = schema->max_output();
  for (const auto &[name, attr] : schema->attributes())
    info.attributeTypes[name] = int(attr.type);
  return info;
}

std::string loom::onnx_import::inferShapes(onnx::ModelProto &model) {
  try {
    onnx::ShapeInferenceOptions options(/*check_type=*/false, /*error_mode=*/0,
                                        /*data_prop=*/true);
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                       options);
  } catch (const std::exception &e) {
    return e.what();
  } catch (...) {
    return "unknown error in ONNX shape inference";
  }
  return std::string();
}

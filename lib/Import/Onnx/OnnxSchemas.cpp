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

std::optional<SchemaInfo>
loom::onnx_import::lookupSchema(const std::string &opType,
                                const std::string &domain, int opset) {
  const std::string &onnxDomain = domain == "ai.onnx" ? std::string() : domain;
  const onnx::OpSchema *schema =
      opset < 0 ? onnx::OpSchemaRegistry::Schema(opType, onnxDomain)
                : onnx::OpSchemaRegistry::Schema(opType, opset, onnxDomain);
  if (!schema)
    return std::nullopt;
  SchemaInfo info;
  info.sinceVersion = schema->since_version();
  for (const auto &param : schema->inputs()) {
    info.inputs.push_back(toArity(param.GetOption()));
    info.inputTypeConstraints.push_back(param.GetTypeStr());
  }
  for (const auto &param : schema->outputs())
    info.outputs.push_back(toArity(param.GetOption()));
  info.minInputs = schema->min_input();
  info.maxInputs = schema->max_input();
  info.minOutputs = schema->min_output();
  info.maxOutputs = schema->max_output();
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

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

#include <algorithm>
#include <cctype>
#include <exception>
#include <mutex>
#include <set>

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
  for (const auto &constraint : schema->typeConstraintParams())
    for (const std::string &allowed : constraint.allowed_type_strs) {
      // "tensor(float16)" -> FLOAT16; sequences, maps and optionals are not
      // tensors and stay unchecked.
      const std::string prefix = "tensor(";
      if (allowed.compare(0, prefix.size(), prefix) != 0 || allowed.back() != ')')
        continue;
      std::string name = allowed.substr(prefix.size(), allowed.size() - prefix.size() - 1);
      for (char &c : name)
        c = char(std::toupper(static_cast<unsigned char>(c)));
      onnx::TensorProto_DataType type;
      if (onnx::TensorProto_DataType_Parse(name, &type))
        info.allowedTensorTypes[constraint.type_param_str].push_back(int(type));
    }
  for (const auto &[name, attr] : schema->attributes()) {
    info.attributeTypes[name] = int(attr.type);
    if (attr.required)
      info.requiredAttributes.push_back(name);
  }
  return info;
}

int loom::onnx_import::convolutionWeightInput(const std::string &opType) {
  if (opType == "Conv" || opType == "ConvTranspose" || opType == "ConvInteger")
    return 1;
  if (opType == "QLinearConv")
    return 3;
  return -1;
}

static int rankOf(const onnx::TypeProto *type) {
  if (!type || !type->has_tensor_type() || !type->tensor_type().has_shape())
    return -1;
  return type->tensor_type().shape().dim_size();
}

namespace {
/// An ONNX inference function that indexes input dimensions it has not
/// checked exist, and the condition under which it is safe to run.
struct InferenceGuard {
  const char *opType;
  bool (*safe)(onnx::InferenceContext &ctx);
  /// Whether output 0 takes input 0's element type (set when skipped).
  bool sameElementType;
};

template <int Weight> bool convolutionRanksAgree(onnx::InferenceContext &ctx) {
  int inputRank = rankOf(ctx.getInputType(0));
  int weightRank = ctx.getNumInputs() > Weight ? rankOf(ctx.getInputType(Weight)) : -1;
  // Without the input's shape the original returns before reading any
  // dimension; with it, it needs the weight's, of the same rank.
  return inputRank < 0 || weightRank == inputRank;
}

/// STFT reads the signal's dimensions 0 and 1 (signal rank 0 or 1: SIGSEGV).
bool signalHasTwoAxes(onnx::InferenceContext &ctx) {
  int rank = rankOf(ctx.getInputType(0));
  return rank < 0 || rank >= 2;
}

/// The recurrent ops' inference (opset 1's RNNShapeInference1 at least)
/// reads X's dimensions 0 and 1 without checking its rank (loom-model-fuzzer
/// crashed it with a rank-1 X); X, W and R are [seq, batch, input] and
/// [directions, gates * hidden, ...], rank 3 each.
bool recurrentRanksAreThree(onnx::InferenceContext &ctx) {
  for (size_t i = 0; i < std::min<size_t>(3, ctx.getNumInputs()); ++i) {
    int rank = rankOf(ctx.getInputType(i));
    if (rank >= 0 && rank != 3)
      return false;
  }
  return true;
}

constexpr InferenceGuard kInferenceGuards[] = {
    {"RNN", recurrentRanksAreThree, true},
    {"GRU", recurrentRanksAreThree, true},
    {"LSTM", recurrentRanksAreThree, true},
    {"Conv", convolutionRanksAgree<1>, true},
    {"ConvTranspose", convolutionRanksAgree<1>, true},
    {"ConvInteger", convolutionRanksAgree<1>, false},
    {"QLinearConv", convolutionRanksAgree<3>, false},
    {"STFT", signalHasTwoAxes, false},
};
} // namespace

/// Calls change(schema) once for each distinct default-domain schema of
/// `opType` (every opset version). libonnx's registry is the one place its
/// inference looks functions up, and the schemas it hands out by const
/// pointer are the (non-const) entries of the map it owns, so they can be
/// changed once, before any inference runs.
template <typename Change> static void forEachSchema(const char *opType, Change change) {
  std::set<const onnx::OpSchema *> seen;
  int newestOpset =
      onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map().at(onnx::ONNX_DOMAIN).second;
  for (int opset = 1; opset <= newestOpset; ++opset) {
    const onnx::OpSchema *found = onnx::OpSchemaRegistry::Schema(opType, opset, "");
    if (found && seen.insert(found).second)
      change(const_cast<onnx::OpSchema &>(*found));
  }
}

/// Puts each guard in front of the inference function of its operator's
/// default-domain schemas (every opset version): when it is not safe the
/// node's result shapes stay unknown (the importer reports the convolutions'
/// known mismatches by node name).
static void guardInferenceFunctions() {
  for (const InferenceGuard &guard : kInferenceGuards)
    forEachSchema(guard.opType, [&](onnx::OpSchema &schema) {
      onnx::InferenceFunction original = schema.GetTypeAndShapeInferenceFunction();
      if (!original)
        return;
      schema.TypeAndShapeInferenceFunction([original, guard](onnx::InferenceContext &ctx) {
        if (guard.safe(ctx))
          return original(ctx);
        if (guard.sameElementType)
          onnx::propagateElemTypeFromInputToOutput(ctx, 0, 0);
      });
    });
}

/// Shape's and Size's data propagation (which folds Shape chains) reads its
/// input's type without checking there is one: an input whose own
/// inference failed (a MatMul of mismatched sizes, found by
/// loom-model-fuzzer) crashed it. Without a shaped input nothing is
/// propagated; the node's result stays unknown.
static void guardDataPropagation() {
  for (const char *opType : {"Shape", "Size"})
    forEachSchema(opType, [](onnx::OpSchema &schema) {
      if (!schema.has_data_propagation_function())
        return;
      onnx::DataPropagationFunction original = schema.GetDataPropagationFunction();
      schema.PartialDataPropagationFunction([original](onnx::DataPropagationContext &ctx) {
        const onnx::TypeProto *input = ctx.getNumInputs() ? ctx.getInputType(0) : nullptr;
        if (input && input->has_tensor_type() && input->tensor_type().has_shape())
          original(ctx);
      });
    });
}

std::string loom::onnx_import::inferShapes(onnx::ModelProto &model) {
  static std::once_flag guarded;
  try {
    std::call_once(guarded, [] {
      guardInferenceFunctions();
      guardDataPropagation();
    });
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

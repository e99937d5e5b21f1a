//===- TrainingOptimizers.cpp - preview.training optimizers as tensor ops -===//
//
// ONNX's `ai.onnx.preview.training` domain has three optimizer steps —
// Adagrad, Adam and Momentum — that update n tensors at once:
//
//   Adagrad(R, T, X1..Xn, G1..Gn, H1..Hn)         -> X1'..Xn', H1'..Hn'
//   Momentum(R, T, X1..Xn, G1..Gn, V1..Vn)        -> X1'..Xn', V1'..Vn'
//   Adam(R, T, X1..Xn, G1..Gn, V1..Vn, H1..Hn)    -> X1'..Xn', V1'..Vn', H1'..Hn'
//
// (R the learning rate, T the step count, both scalars.) Each is elementwise
// arithmetic of the default domain, so this file writes every such node into
// that arithmetic in the protobuf graph before anything else reads it; the
// formulas are the ones of the operators' specifications (ONNX 1.12). The
// coefficients are written as f32 constants: the optimizers update f32
// tensors (an f64 model gets the importer's mixed-type error).
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include <functional>

using namespace loom::onnx_import;

namespace {

/// Emits the replacement nodes of one optimizer node, naming every new value
/// after the node so that names stay unique.
class Expander {
public:
  Expander(const proto::NodeProto &node, int index,
           google::protobuf::RepeatedPtrField<proto::NodeProto> &out)
      : node(node), out(out),
        prefix((node.name().empty() ? node.op_type() + "#" + std::to_string(index)
                                    : node.name()) +
               "/") {}

  float attr(const std::string &name, float otherwise) const {
    for (const auto &a : node.attribute())
      if (a.name() == name)
        return a.f();
    return otherwise;
  }
  std::string stringAttr(const std::string &name, const std::string &otherwise) const {
    for (const auto &a : node.attribute())
      if (a.name() == name)
        return a.s();
    return otherwise;
  }

  /// A new node `op(inputs)` with one output, given `name` when not empty.
  std::string emit(const std::string &op, std::vector<std::string> inputs,
                   std::string name = "") {
    if (name.empty())
      name = prefix + op + "_" + std::to_string(counter++);
    proto::NodeProto *n = out.Add();
    n->set_op_type(op);
    n->set_name(name);
    for (std::string &in : inputs)
      n->add_input(std::move(in));
    n->add_output(name);
    return name;
  }
  /// An f32 scalar constant.
  std::string constant(float value) {
    std::string name = prefix + "c_" + std::to_string(counter++);
    proto::NodeProto *n = out.Add();
    n->set_op_type("Constant");
    n->set_name(name);
    n->add_output(name);
    proto::AttributeProto *a = n->add_attribute();
    a->set_name("value");
    a->set_type(proto::AttributeProto::TENSOR);
    a->mutable_t()->set_data_type(proto::TensorProto::FLOAT);
    a->mutable_t()->add_float_data(value);
    return name;
  }
  /// `a * b + c * d` style helpers.
  std::string mul(const std::string &a, const std::string &b) { return emit("Mul", {a, b}); }
  std::string add(const std::string &a, const std::string &b) { return emit("Add", {a, b}); }
  std::string sub(const std::string &a, const std::string &b) { return emit("Sub", {a, b}); }
  std::string div(const std::string &a, const std::string &b) { return emit("Div", {a, b}); }
  /// Renames `value` to the node's output `name` (an Identity).
  void result(const std::string &value, const std::string &name) {
    if (!name.empty())
      emit("Identity", {value}, name);
  }
  /// T as f32, and whether T > 0.
  std::string stepAsFloat() {
    if (stepFloat.empty()) {
      stepFloat = emit("Cast", {node.input(1)});
      proto::AttributeProto *to = out.Mutable(out.size() - 1)->add_attribute();
      to->set_name("to");
      to->set_type(proto::AttributeProto::INT);
      to->set_i(proto::TensorProto::FLOAT);
    }
    return stepFloat;
  }
  std::string stepIsPositive() {
    return emit("Greater", {stepAsFloat(), constant(0.0f)});
  }

  const proto::NodeProto &node;

private:
  google::protobuf::RepeatedPtrField<proto::NodeProto> &out;
  std::string prefix;
  std::string stepFloat;
  int counter = 0;
};

/// The number of groups of n inputs after R and T: 2 (X, G) plus the
/// optimizer's state tensors.
int stateGroups(const std::string &op) {
  if (op == "Adagrad" || op == "Momentum")
    return 3;
  if (op == "Adam")
    return 4;
  return 0;
}

void expand(Expander &e) {
  const proto::NodeProto &node = e.node;
  const std::string &op = node.op_type();
  int groups = stateGroups(op);
  int n = (node.input_size() - 2) / groups;
  std::string r = node.input(0);
  float normCoefficient = e.attr("norm_coefficient", 0.0f);
  auto regularized = [&](int i) {
    std::string g = node.input(2 + n + i);
    if (normCoefficient == 0.0f)
      return g;
    return e.add(e.mul(e.constant(normCoefficient), node.input(2 + i)), g);
  };
  auto output = [&](int k) { return k < node.output_size() ? node.output(k) : std::string(); };

  if (op == "Adagrad") {
    // r = R / (1 + T decay); H' = H + g^2; X' = X - r g / (sqrt(H') + eps).
    std::string rate =
        e.div(r, e.add(e.constant(1.0f),
                       e.mul(e.stepAsFloat(), e.constant(e.attr("decay_factor", 0.0f)))));
    std::string epsilon = e.constant(e.attr("epsilon", 1e-6f));
    for (int i = 0; i < n; ++i) {
      std::string g = regularized(i);
      std::string h = e.add(node.input(2 + 2 * n + i), e.mul(g, g));
      std::string scale = e.add(e.emit("Sqrt", {h}), epsilon);
      e.result(e.sub(node.input(2 + i), e.div(e.mul(rate, g), scale)), output(i));
      e.result(h, output(n + i));
    }
    return;
  }
  if (op == "Momentum") {
    // V' = alpha V + (T > 0 ? beta : 1) g; X' = X - R V' (standard) or
    // X - R (g + alpha V') (nesterov).
    std::string alpha = e.constant(e.attr("alpha", 0.0f));
    std::string beta = e.emit("Where", {e.stepIsPositive(), e.constant(e.attr("beta", 0.0f)),
                                        e.constant(1.0f)});
    bool nesterov = e.stringAttr("mode", "standard") == "nesterov";
    for (int i = 0; i < n; ++i) {
      std::string g = regularized(i);
      std::string v = e.add(e.mul(alpha, node.input(2 + 2 * n + i)), e.mul(beta, g));
      std::string step = nesterov ? e.add(g, e.mul(alpha, v)) : v;
      e.result(e.sub(node.input(2 + i), e.mul(r, step)), output(i));
      e.result(v, output(n + i));
    }
    return;
  }
  // Adam: V' = alpha V + (1 - alpha) g; H' = beta H + (1 - beta) g^2;
  // r = T > 0 ? R sqrt(1 - beta^T) / (1 - alpha^T) : R;
  // X' = (1 - post) (X - r V' / (sqrt(H') + eps)).
  float alphaValue = e.attr("alpha", 0.9f), betaValue = e.attr("beta", 0.999f);
  std::string alpha = e.constant(alphaValue), beta = e.constant(betaValue);
  std::string oneMinusAlpha = e.constant(1.0f - alphaValue);
  std::string oneMinusBeta = e.constant(1.0f - betaValue);
  std::string t = e.stepAsFloat(), one = e.constant(1.0f);
  std::string corrected =
      e.div(e.mul(r, e.emit("Sqrt", {e.sub(one, e.emit("Pow", {beta, t}))})),
            e.sub(one, e.emit("Pow", {alpha, t})));
  std::string rate = e.emit("Where", {e.stepIsPositive(), corrected, r});
  std::string epsilon = e.constant(e.attr("epsilon", 1e-6f));
  std::string keep = e.constant(1.0f - e.attr("norm_coefficient_post", 0.0f));
  for (int i = 0; i < n; ++i) {
    std::string g = regularized(i);
    std::string v = e.add(e.mul(alpha, node.input(2 + 2 * n + i)), e.mul(oneMinusAlpha, g));
    std::string h =
        e.add(e.mul(beta, node.input(2 + 3 * n + i)), e.mul(oneMinusBeta, e.mul(g, g)));
    std::string x = e.sub(node.input(2 + i), e.mul(rate, e.div(v, e.add(e.emit("Sqrt", {h}),
                                                                       epsilon))));
    e.result(e.mul(keep, x), output(i));
    e.result(v, output(n + i));
    e.result(h, output(2 * n + i));
  }
}

} // namespace

void OnnxImporter::rewriteTrainingOptimizers(proto::ModelProto &model) {
  proto::GraphProto &graph = *model.mutable_graph();
  bool any = false;
  for (const proto::NodeProto &node : graph.node())
    any |= node.domain() == "ai.onnx.preview.training" && stateGroups(node.op_type()) > 0;
  if (!any)
    return;
  google::protobuf::RepeatedPtrField<proto::NodeProto> nodes;
  for (auto [i, node] : llvm::enumerate(graph.node())) {
    int groups = stateGroups(node.op_type());
    // A node whose inputs do not split into the groups stays as it is: the
    // importer then reports the domain as unsupported.
    if (node.domain() != "ai.onnx.preview.training" || groups == 0 || node.input_size() < 2 ||
        (node.input_size() - 2) % groups != 0 ||
        node.output_size() > (node.input_size() - 2) / groups * (groups - 1)) {
      *nodes.Add() = node;
      continue;
    }
    Expander expander(node, int(i), nodes);
    expand(expander);
  }
  graph.mutable_node()->Swap(&nodes);
  // The replacement is default-domain arithmetic; a model of optimizer nodes
  // alone may import no version of that domain (ONNX's tests do not).
  if (llvm::none_of(model.opset_import(), [](const proto::OperatorSetIdProto &opset) {
        return opset.domain().empty() || opset.domain() == "ai.onnx";
      })) {
    proto::OperatorSetIdProto *opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(defaultOpset);
  }
}

//===- SequenceIdioms.cpp - sequence-op idioms as tensor ops ----*- C++ -*-===//
//
// loom has no sequence values. torch.onnx exports some tensor functions
// through them: `x.repeat_interleave(r, dim)` (GPT-J's and CodeGen's rotary
// `duplicate_interleave`, many GQA `repeat_kv`s) becomes
//
//   pieces = SplitToSequence(x, ones, axis=dim)    repeats = SplitToSequence(R, ones)
//   out    = Loop(n, cond, SequenceEmpty) { insert Reshape(Expand(Unsqueeze(
//                pieces[i], dim + 1), shape with repeats[i]), ...) }
//   y      = ConcatFromSequence(out, axis=dim)
//
// When every repeat count is the same constant r (R an Expand of a constant,
// or a constant vector of equal values), that is
//
//   y = Reshape(Expand(Unsqueeze(x, dim + 1), shape(x)[:dim+1] ++ [r] ++ shape(x)[dim+1:]),
//               shape(x)[:dim] ++ [-1] ++ shape(x)[dim+1:])
//
// which this file writes into the protobuf graph before anything else reads
// it (ONNX's shape inference then sees tensors only). Other uses of
// sequences still get the importer's "not supported yet" error.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <cstring>

using namespace loom::onnx_import;

namespace {

/// The int64 values of a TensorProto stored inline (none for other types or
/// external data).
std::optional<std::vector<int64_t>> int64Values(const proto::TensorProto &tensor) {
  if (tensor.data_type() != proto::TensorProto::INT64 || tensor.data_location() == 1)
    return std::nullopt;
  std::vector<int64_t> values;
  if (tensor.has_raw_data()) {
    const std::string &raw = tensor.raw_data();
    if (raw.size() % 8 != 0)
      return std::nullopt;
    values.resize(raw.size() / 8);
    std::memcpy(values.data(), raw.data(), raw.size()); // ONNX stores little-endian
  } else {
    values.assign(tensor.int64_data().begin(), tensor.int64_data().end());
  }
  return values;
}

const proto::AttributeProto *findAttr(const proto::NodeProto &node, llvm::StringRef name) {
  for (const proto::AttributeProto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

int64_t intAttr(const proto::NodeProto &node, llvm::StringRef name, int64_t otherwise) {
  const proto::AttributeProto *attr = findAttr(node, name);
  return attr && attr->type() == proto::AttributeProto::INT ? attr->i() : otherwise;
}

/// One graph's producers and constants, for matching.
class GraphIndex {
public:
  explicit GraphIndex(const proto::GraphProto &graph) {
    for (int i = 0; i < graph.node_size(); ++i)
      for (const std::string &out : graph.node(i).output())
        producers[out] = &graph.node(i);
    for (const proto::TensorProto &init : graph.initializer())
      initializers[init.name()] = &init;
  }

  const proto::NodeProto *producer(const std::string &value) const {
    auto it = producers.find(value);
    return it == producers.end() ? nullptr : it->second;
  }

  /// The int64 values of a Constant node's or an initializer's tensor.
  std::optional<std::vector<int64_t>> constant(const std::string &value) const {
    if (auto it = initializers.find(value); it != initializers.end())
      return int64Values(*it->second);
    const proto::NodeProto *node = producer(value);
    if (!node || node->op_type() != "Constant" || !node->domain().empty())
      return std::nullopt;
    const proto::AttributeProto *attr = findAttr(*node, "value");
    if (!attr || !attr->has_t())
      return std::nullopt;
    return int64Values(attr->t());
  }

private:
  llvm::StringMap<const proto::NodeProto *> producers;
  llvm::StringMap<const proto::TensorProto *> initializers;
};

/// SplitToSequence(x, split) into pieces of size 1: its `x`, else "".
std::string splitIntoOnes(const GraphIndex &index, const std::string &sequence,
                          int64_t axis) {
  const proto::NodeProto *split = index.producer(sequence);
  if (!split || split->op_type() != "SplitToSequence" || split->input_size() != 2 ||
      intAttr(*split, "axis", 0) != axis || intAttr(*split, "keepdims", 1) != 1)
    return "";
  const std::string &sizes = split->input(1);
  bool ones = false;
  if (std::optional<std::vector<int64_t>> values = index.constant(sizes))
    ones = !values->empty() && llvm::all_of(*values, [](int64_t v) { return v == 1; });
  else if (const proto::NodeProto *fill = index.producer(sizes);
           fill && fill->op_type() == "ConstantOfShape")
    if (const proto::AttributeProto *value = findAttr(*fill, "value"); value && value->has_t())
      if (std::optional<std::vector<int64_t>> one = int64Values(value->t()))
        ones = one->size() == 1 && one->front() == 1;
  return ones ? split->input(0) : "";
}

/// The repeat count when every entry of `repeats` is the same constant.
std::optional<int64_t> uniformRepeats(const GraphIndex &index, const std::string &repeats) {
  std::optional<std::vector<int64_t>> values = index.constant(repeats);
  if (!values)
    if (const proto::NodeProto *expand = index.producer(repeats);
        expand && expand->op_type() == "Expand" && expand->input_size() == 2)
      if (std::optional<std::vector<int64_t>> scalar = index.constant(expand->input(0));
          scalar && scalar->size() == 1)
        values = scalar;
  if (!values || values->empty() ||
      !llvm::all_of(*values, [&](int64_t v) { return v == values->front(); }) ||
      values->front() < 0)
    return std::nullopt;
  return values->front();
}

/// What a matched repeat_interleave reads: x, the axis, the count.
struct RepeatInterleave {
  std::string input;
  int64_t axis = 0;
  int64_t repeats = 0;
  llvm::SmallVector<std::string> sequences; // the values that go away
};

/// Matches ConcatFromSequence(Loop(...)) as torch writes repeat_interleave.
std::optional<RepeatInterleave> matchRepeatInterleave(const GraphIndex &index,
                                                      const proto::NodeProto &concat) {
  int64_t axis = intAttr(concat, "axis", 0);
  if (concat.input_size() != 1 || intAttr(concat, "new_axis", 0) != 0 || axis < 0)
    return std::nullopt;
  const proto::NodeProto *loop = index.producer(concat.input(0));
  if (!loop || loop->op_type() != "Loop" || loop->input_size() != 3 ||
      loop->output_size() != 1)
    return std::nullopt;
  const proto::NodeProto *empty = index.producer(loop->input(2));
  const proto::AttributeProto *bodyAttr = findAttr(*loop, "body");
  if (!empty || empty->op_type() != "SequenceEmpty" || !bodyAttr || !bodyAttr->has_g())
    return std::nullopt;
  const proto::GraphProto &body = bodyAttr->g();
  if (body.input_size() != 3 || body.output_size() != 2)
    return std::nullopt;
  const std::string &iteration = body.input(0).name();
  GraphIndex inner(body);
  const proto::NodeProto *insert = inner.producer(body.output(1).name());
  if (!insert || insert->op_type() != "SequenceInsert" || insert->input_size() != 2 ||
      insert->input(0) != body.input(2).name())
    return std::nullopt;
  // The inserted piece: Reshape(Expand(Unsqueeze(pieces[i], axis + 1), ...)).
  const proto::NodeProto *reshape = inner.producer(insert->input(1));
  const proto::NodeProto *expand =
      reshape && reshape->op_type() == "Reshape" ? inner.producer(reshape->input(0)) : nullptr;
  const proto::NodeProto *unsqueeze =
      expand && expand->op_type() == "Expand" ? inner.producer(expand->input(0)) : nullptr;
  if (!unsqueeze || unsqueeze->op_type() != "Unsqueeze")
    return std::nullopt;
  std::optional<std::vector<int64_t>> axes;
  if (unsqueeze->input_size() == 2)
    axes = inner.constant(unsqueeze->input(1));
  else if (const proto::AttributeProto *attr = findAttr(*unsqueeze, "axes"))
    axes = std::vector<int64_t>(attr->ints().begin(), attr->ints().end());
  if (!axes || *axes != std::vector<int64_t>{axis + 1})
    return std::nullopt;
  const proto::NodeProto *piece = inner.producer(unsqueeze->input(0));
  if (!piece || piece->op_type() != "SequenceAt" || piece->input(1) != iteration)
    return std::nullopt;
  RepeatInterleave match;
  match.axis = axis;
  match.input = splitIntoOnes(index, piece->input(0), axis);
  if (match.input.empty())
    return std::nullopt;
  // The counts: the body reads repeats[i] from another split of ones.
  std::optional<int64_t> count;
  for (const proto::NodeProto &node : body.node())
    if (node.op_type() == "SequenceAt" && node.input(1) == iteration &&
        node.input(0) != piece->input(0)) {
      std::string repeats = splitIntoOnes(index, node.input(0), 0);
      if (repeats.empty() || count)
        return std::nullopt;
      count = uniformRepeats(index, repeats);
      if (!count)
        return std::nullopt;
      match.sequences.push_back(node.input(0));
    }
  if (!count)
    return std::nullopt;
  match.repeats = *count;
  match.sequences.append({piece->input(0), loop->input(2), concat.input(0)});
  return match;
}

/// Appends the tensor form of `match` writing `output`; names start with
/// `prefix`.
void emitRepeatInterleave(proto::GraphProto &graph, const RepeatInterleave &match,
                          const std::string &output, const std::string &prefix) {
  auto constant = [&](const std::string &name, const std::vector<int64_t> &values) {
    proto::NodeProto *node = graph.add_node();
    node->set_op_type("Constant");
    node->set_name(prefix + name);
    node->add_output(prefix + name);
    proto::AttributeProto *attr = node->add_attribute();
    attr->set_name("value");
    attr->set_type(proto::AttributeProto::TENSOR);
    proto::TensorProto *tensor = attr->mutable_t();
    tensor->set_data_type(proto::TensorProto::INT64);
    tensor->add_dims(int64_t(values.size()));
    for (int64_t v : values)
      tensor->add_int64_data(v);
    return prefix + name;
  };
  auto node = [&](const std::string &op, const std::string &name,
                  std::initializer_list<std::string> inputs, const std::string &out) {
    proto::NodeProto *n = graph.add_node();
    n->set_op_type(op);
    n->set_name(prefix + name);
    for (const std::string &input : inputs)
      n->add_input(input);
    n->add_output(out);
    return n;
  };
  int64_t axis = match.axis;
  std::string shape = prefix + "shape";
  node("Shape", "shape", {match.input}, shape);
  std::string zero = constant("zero", {0}), end = constant("end", {INT64_MAX});
  std::string head = prefix + "head", through = prefix + "through", tail = prefix + "tail";
  node("Slice", "head", {shape, zero, constant("axis", {axis})}, head);
  node("Slice", "through", {shape, zero, constant("axis_1", {axis + 1})}, through);
  node("Slice", "tail", {shape, constant("after", {axis + 1}), end}, tail);
  std::string unsqueezed = prefix + "unsqueezed";
  node("Unsqueeze", "unsqueeze", {match.input, constant("new_axis", {axis + 1})}, unsqueezed);
  std::string expandShape = prefix + "expand_shape";
  auto concatAlongZero = [](proto::NodeProto *concat) {
    proto::AttributeProto *attr = concat->add_attribute();
    attr->set_name("axis");
    attr->set_type(proto::AttributeProto::INT);
    attr->set_i(0);
  };
  concatAlongZero(node("Concat", "expand_shape",
                       {through, constant("repeats", {match.repeats}), tail}, expandShape));
  std::string expanded = prefix + "expanded";
  node("Expand", "expand", {unsqueezed, expandShape}, expanded);
  std::string merged = prefix + "merged_shape";
  concatAlongZero(
      node("Concat", "merged_shape", {head, constant("minus_one", {-1}), tail}, merged));
  node("Reshape", "reshape", {expanded, merged}, output);
}

} // namespace

void OnnxImporter::rewriteSequenceIdioms(proto::GraphProto &graph) {
  // Unsqueeze and Slice take their axes as inputs from opset 13 on, the
  // form written here.
  if (defaultOpset < 13)
    return;
  std::vector<std::pair<int, RepeatInterleave>> matches;
  {
    GraphIndex index(graph);
    for (int i = 0; i < graph.node_size(); ++i)
      if (graph.node(i).op_type() == "ConcatFromSequence" && graph.node(i).domain().empty())
        if (std::optional<RepeatInterleave> match = matchRepeatInterleave(index, graph.node(i)))
          matches.push_back({i, std::move(*match)});
  }
  if (matches.empty())
    return;
  std::vector<bool> dead(size_t(graph.node_size()), false);
  llvm::StringSet<> sequences;
  for (auto &[i, match] : matches) {
    dead[size_t(i)] = true;
    for (const std::string &value : match.sequences)
      sequences.insert(value);
    const proto::NodeProto &concat = graph.node(i);
    std::string prefix = (concat.name().empty() ? concat.output(0) : concat.name()) +
                         "/repeat_interleave/";
    emitRepeatInterleave(graph, match, concat.output(0), prefix);
  }
  dead.resize(size_t(graph.node_size()), false);
  // The sequence-producing nodes go when nothing else reads their values;
  // subgraphs (a Loop's body) read outer values by name.
  llvm::StringMap<int> readers;
  auto forEachRead = [](const proto::NodeProto &node, auto &&fn) {
    for (const std::string &input : node.input())
      fn(input);
    for (const proto::AttributeProto &attr : node.attribute())
      if (attr.has_g())
        for (const proto::NodeProto &inner : attr.g().node())
          for (const std::string &input : inner.input())
            fn(input);
  };
  for (int i = 0; i < graph.node_size(); ++i)
    if (!dead[size_t(i)])
      forEachRead(graph.node(i), [&](const std::string &v) { ++readers[v]; });
  for (bool changed = true; changed;) {
    changed = false;
    for (int i = 0; i < graph.node_size(); ++i) {
      const proto::NodeProto &node = graph.node(i);
      if (dead[size_t(i)] || node.output_size() != 1 || !sequences.contains(node.output(0)) ||
          readers.lookup(node.output(0)) != 0)
        continue;
      dead[size_t(i)] = true;
      forEachRead(node, [&](const std::string &v) { --readers[v]; });
      changed = true;
    }
  }
  google::protobuf::RepeatedPtrField<proto::NodeProto> kept;
  for (int i = 0; i < graph.node_size(); ++i)
    if (!dead[size_t(i)])
      kept.Add()->Swap(graph.mutable_node(i));
  graph.mutable_node()->Swap(&kept);
  // Declared types of the values that went (sequence types) go too.
  auto *infos = graph.mutable_value_info();
  for (int i = infos->size() - 1; i >= 0; --i)
    if (sequences.contains(infos->Get(i).name()))
      infos->DeleteSubrange(i, 1);
}

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
// it (ONNX's shape inference then sees tensors only).
//
// A scripted loop that appends to a list and stacks it afterwards (Mamba's
// reference selective scan, hand-written RNN cells: `ys.append(h)` in a
// `for`, then `torch.stack(ys, dim)` or `torch.cat(ys, dim)`) becomes
//
//   ys = Loop(..., SequenceEmpty) { ..., SequenceInsert(ys_in, h) }
//   y  = ConcatFromSequence(ys, axis, new_axis)
//
// which is a Loop scan output (the values stacked along a new first axis)
// moved to `axis` (an Einsum that only permutes) and, for a concatenation,
// merged with the axis after it (a Reshape). Other uses of sequences still
// get the importer's "not supported yet" error.
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

/// Writes new nodes named `prefix` + name into a node list.
class NodeWriter {
public:
  NodeWriter(google::protobuf::RepeatedPtrField<proto::NodeProto> &nodes, std::string prefix)
      : nodes(nodes), prefix(std::move(prefix)) {}

  proto::NodeProto &node(const std::string &op, const std::string &name,
                         std::initializer_list<std::string> inputs, const std::string &out) {
    proto::NodeProto &n = *nodes.Add();
    n.set_op_type(op);
    n.set_name(prefix + name);
    for (const std::string &input : inputs)
      n.add_input(input);
    n.add_output(out);
    return n;
  }

  /// A Constant node of int64 `values`; its output's name.
  std::string constant(const std::string &name, const std::vector<int64_t> &values) {
    proto::NodeProto &n = node("Constant", name, {}, prefix + name);
    proto::AttributeProto *attr = n.add_attribute();
    attr->set_name("value");
    attr->set_type(proto::AttributeProto::TENSOR);
    proto::TensorProto *tensor = attr->mutable_t();
    tensor->set_data_type(proto::TensorProto::INT64);
    tensor->add_dims(int64_t(values.size()));
    for (int64_t v : values)
      tensor->add_int64_data(v);
    return prefix + name;
  }

  static void setInt(proto::NodeProto &node, const std::string &name, int64_t value) {
    proto::AttributeProto *attr = node.add_attribute();
    attr->set_name(name);
    attr->set_type(proto::AttributeProto::INT);
    attr->set_i(value);
  }

private:
  google::protobuf::RepeatedPtrField<proto::NodeProto> &nodes;
  std::string prefix;
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
  NodeWriter write(*graph.mutable_node(), prefix);
  int64_t axis = match.axis;
  std::string shape = prefix + "shape";
  write.node("Shape", "shape", {match.input}, shape);
  std::string zero = write.constant("zero", {0}), end = write.constant("end", {INT64_MAX});
  std::string head = prefix + "head", through = prefix + "through", tail = prefix + "tail";
  write.node("Slice", "head", {shape, zero, write.constant("axis", {axis})}, head);
  write.node("Slice", "through", {shape, zero, write.constant("axis_1", {axis + 1})}, through);
  write.node("Slice", "tail", {shape, write.constant("after", {axis + 1}), end}, tail);
  std::string unsqueezed = prefix + "unsqueezed";
  write.node("Unsqueeze", "unsqueeze", {match.input, write.constant("new_axis", {axis + 1})},
             unsqueezed);
  std::string expandShape = prefix + "expand_shape";
  std::string repeats = write.constant("repeats", {match.repeats});
  NodeWriter::setInt(write.node("Concat", "expand_shape", {through, repeats, tail}, expandShape),
                     "axis", 0);
  std::string expanded = prefix + "expanded";
  write.node("Expand", "expand", {unsqueezed, expandShape}, expanded);
  std::string merged = prefix + "merged_shape";
  std::string minusOne = write.constant("minus_one", {-1});
  NodeWriter::setInt(write.node("Concat", "merged_shape", {head, minusOne, tail}, merged), "axis",
                     0);
  write.node("Reshape", "reshape", {expanded, merged}, output);
}

/// Calls fn(value) for each value `node` reads, its subgraphs' reads
/// included (a body reads outer values by name).
template <typename Fn>
void forEachRead(const proto::NodeProto &node, Fn &&fn) {
  for (const std::string &input : node.input())
    fn(input);
  for (const proto::AttributeProto &attr : node.attribute())
    if (attr.has_g())
      for (const proto::NodeProto &inner : attr.g().node())
        forEachRead(inner, fn);
}

/// How many times each value is read by `graph`'s nodes (and its outputs).
llvm::StringMap<int> countReads(const proto::GraphProto &graph) {
  llvm::StringMap<int> reads;
  for (const proto::NodeProto &node : graph.node())
    forEachRead(node, [&](const std::string &v) { ++reads[v]; });
  for (const proto::ValueInfoProto &out : graph.output())
    ++reads[out.name()];
  return reads;
}

/// A list appended to in a Loop and stacked or concatenated after it.
struct LoopAppend {
  int concat = -1, loop = -1, empty = -1; // node indices in the graph
  int carried = 0;                        // which carried value is the list
  int insert = -1;                        // the SequenceInsert in the body
};

std::optional<LoopAppend> matchLoopAppend(const proto::GraphProto &graph,
                                          const GraphIndex &index,
                                          const llvm::StringMap<int> &reads, int concatIndex) {
  const proto::NodeProto &concat = graph.node(concatIndex);
  if (concat.input_size() != 1 || reads.lookup(concat.input(0)) != 1)
    return std::nullopt;
  const proto::NodeProto *loop = index.producer(concat.input(0));
  const proto::AttributeProto *bodyAttr = loop ? findAttr(*loop, "body") : nullptr;
  if (!loop || loop->op_type() != "Loop" || !loop->domain().empty() || !bodyAttr ||
      !bodyAttr->has_g())
    return std::nullopt;
  int carriedCount = loop->input_size() - 2;
  int carried = -1;
  for (int i = 0; i < loop->output_size(); ++i)
    if (loop->output(i) == concat.input(0))
      carried = i;
  if (carried < 0 || carried >= carriedCount)
    return std::nullopt;
  const proto::NodeProto *empty = index.producer(loop->input(2 + carried));
  if (!empty || empty->op_type() != "SequenceEmpty" || reads.lookup(empty->output(0)) != 1)
    return std::nullopt;
  const proto::GraphProto &body = bodyAttr->g();
  if (body.input_size() != 2 + carriedCount || body.output_size() < 1 + carriedCount)
    return std::nullopt;
  const std::string &listIn = body.input(2 + carried).name();
  const std::string &listOut = body.output(1 + carried).name();
  llvm::StringMap<int> bodyReads = countReads(body);
  // The body only appends: list_out = SequenceInsert(list_in, x), and
  // neither list is read otherwise (len(ys), ys[-1] would need the list).
  LoopAppend match;
  for (int i = 0; i < body.node_size(); ++i) {
    const proto::NodeProto &node = body.node(i);
    if (node.output_size() == 1 && node.output(0) == listOut)
      match.insert = i;
  }
  if (match.insert < 0)
    return std::nullopt;
  const proto::NodeProto &insert = body.node(match.insert);
  if (insert.op_type() != "SequenceInsert" || !insert.domain().empty() ||
      insert.input_size() != 2 || insert.input(0) != listIn || bodyReads.lookup(listIn) != 1 ||
      bodyReads.lookup(listOut) != 1)
    return std::nullopt;
  match.concat = concatIndex;
  match.carried = carried;
  for (int i = 0; i < graph.node_size(); ++i) {
    if (&graph.node(i) == loop)
      match.loop = i;
    if (&graph.node(i) == empty)
      match.empty = i;
  }
  return match;
}

/// Rewrites `match` in place (see the file comment); `prefix` makes names.
void emitLoopAppend(proto::GraphProto &graph, const LoopAppend &match, const std::string &prefix) {
  proto::NodeProto &loop = *graph.mutable_node(match.loop);
  proto::GraphProto &body = *[&] {
    for (proto::AttributeProto &attr : *loop.mutable_attribute())
      if (attr.name() == "body")
        return attr.mutable_g();
    return static_cast<proto::GraphProto *>(nullptr);
  }();
  const int k = match.carried;
  auto eraseAt = [](auto *field, int i) { field->DeleteSubrange(i, 1); };
  // The body: the appended value becomes the last (scan) output.
  std::string appended = body.node(match.insert).input(1);
  std::string scanned = prefix + "appended";
  {
    proto::NodeProto *copy = body.mutable_node(match.insert);
    copy->Clear();
    copy->set_op_type("Identity");
    copy->set_name(prefix + "appended");
    copy->add_input(appended);
    copy->add_output(scanned);
  }
  llvm::StringSet<> gone = {body.input(2 + k).name(), body.output(1 + k).name()};
  eraseAt(body.mutable_input(), 2 + k);
  eraseAt(body.mutable_output(), 1 + k);
  body.add_output()->set_name(scanned);
  for (int i = body.value_info_size() - 1; i >= 0; --i)
    if (gone.contains(body.value_info(i).name()))
      eraseAt(body.mutable_value_info(), i);
  // The Loop: no list carried; a scan output [iterations, ...] instead.
  std::string list = loop.output(k);
  std::string stacked = prefix + "stacked";
  eraseAt(loop.mutable_input(), 2 + k);
  eraseAt(loop.mutable_output(), k);
  loop.add_output(stacked);
  for (int i = graph.value_info_size() - 1; i >= 0; --i)
    if (graph.value_info(i).name() == list ||
        graph.value_info(i).name() == graph.node(match.empty).output(0))
      eraseAt(graph.mutable_value_info(), i);

  // ConcatFromSequence(axis, new_axis) of the scan output, in its place.
  proto::NodeProto concat = graph.node(match.concat);
  int64_t axis = intAttr(concat, "axis", 0);
  bool stack = intAttr(concat, "new_axis", 0) != 0;
  const std::string &output = concat.output(0);
  google::protobuf::RepeatedPtrField<proto::NodeProto> nodes;
  NodeWriter write(nodes, prefix);
  // The iteration axis (first) moves to just before the element axis it
  // joins (concatenation) or to `axis` of the result (stacking): the axes
  // that stay in front of it, counted from the front or from the back.
  // Stacking at a negative axis counts in the result, which has one axis
  // more than an element; concatenating counts in an element.
  bool fromFront = axis >= 0;
  int64_t before = fromFront ? axis : (stack ? -axis - 1 : -axis);
  std::string letters;
  for (int64_t i = 0; i < before; ++i)
    letters.push_back(char('a' + i));
  std::string moved = stack ? output : prefix + "moved";
  if (before == 0 && fromFront) {
    write.node("Identity", "moved", {stacked}, moved);
  } else {
    std::string equation = fromFront ? "z" + letters + "...->" + letters + "z..."
                                     : "z..." + letters + "->...z" + letters;
    proto::NodeProto &einsum = write.node("Einsum", "moved", {stacked}, moved);
    proto::AttributeProto *attr = einsum.add_attribute();
    attr->set_name("equation");
    attr->set_type(proto::AttributeProto::STRING);
    attr->set_s(equation);
  }
  if (!stack) {
    // Merge the iteration axis with the element axis after it.
    std::string shape = prefix + "shape";
    write.node("Shape", "shape", {moved}, shape);
    int64_t at = fromFront ? axis : -axis; // iteration axis: from the front, or -(at + 1)
    int64_t headEnd = fromFront ? at : -(at + 1);
    int64_t tailStart = fromFront ? at + 2 : (at == 1 ? INT64_MAX : -at + 1);
    std::string head = prefix + "head", tail = prefix + "tail";
    std::string zero = write.constant("zero", {0}), end = write.constant("end", {INT64_MAX});
    write.node("Slice", "head", {shape, zero, write.constant("head_end", {headEnd})}, head);
    write.node("Slice", "tail", {shape, write.constant("tail_start", {tailStart}), end}, tail);
    std::string merged = prefix + "merged_shape";
    std::string minusOne = write.constant("minus_one", {-1});
    NodeWriter::setInt(write.node("Concat", "merged_shape", {head, minusOne, tail}, merged),
                       "axis", 0);
    write.node("Reshape", "merge", {moved, merged}, output);
  }
  // The new nodes take the ConcatFromSequence's place (the graph stays in
  // topological order); the SequenceEmpty goes.
  google::protobuf::RepeatedPtrField<proto::NodeProto> kept;
  for (int i = 0; i < graph.node_size(); ++i) {
    if (i == match.empty)
      continue;
    if (i == match.concat) {
      for (proto::NodeProto &n : nodes)
        kept.Add()->Swap(&n);
      continue;
    }
    kept.Add()->Swap(graph.mutable_node(i));
  }
  graph.mutable_node()->Swap(&kept);
}

void rewriteRepeatInterleaves(proto::GraphProto &graph);

/// Every list appended in a Loop and stacked after it, one at a time.
void rewriteLoopAppends(proto::GraphProto &graph) {
  for (int rewritten = 0;; ++rewritten) {
    std::optional<LoopAppend> match;
    {
      GraphIndex index(graph);
      llvm::StringMap<int> reads = countReads(graph);
      for (int i = 0; i < graph.node_size() && !match; ++i)
        if (graph.node(i).op_type() == "ConcatFromSequence" && graph.node(i).domain().empty())
          match = matchLoopAppend(graph, index, reads, i);
    }
    if (!match)
      return;
    const proto::NodeProto &concat = graph.node(match->concat);
    std::string prefix = (concat.name().empty() ? concat.output(0) : concat.name()) +
                         "/loop_append_" + std::to_string(rewritten) + "/";
    emitLoopAppend(graph, *match, prefix);
  }
}

} // namespace

void OnnxImporter::rewriteSequenceIdioms(proto::GraphProto &graph) {
  // Unsqueeze and Slice take their axes as inputs from opset 13 on, the
  // form written here.
  if (defaultOpset < 13)
    return;
  // repeat_interleave's loop appends too (pieces of another sequence): it
  // goes first, as a whole.
  rewriteRepeatInterleaves(graph);
  rewriteLoopAppends(graph);
}

namespace {
void rewriteRepeatInterleaves(proto::GraphProto &graph) {
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
} // namespace

#!/usr/bin/env python3
"""Generate the ODS definitions of the `onnx` dialect from ONNX's operator schemas.

The onnx dialect is 1:1 with the ONNX spec, so instead of hand-writing ~180 op
definitions we read the schemas that python3-onnx ships (`onnx.defs`) and emit
one ODS op per operator of the default (ai.onnx) domain, at the newest opset
that the installed ONNX defines. The importer normalizes older opsets to this
form.

Usage (regenerates the checked-in file):
  /usr/bin/python3 scripts/gen-onnx-ods.py > include/loom/Dialect/Onnx/IR/OnnxOps.gen.td
"""
import sys

import onnx
import onnx.defs
from onnx.defs import OpSchema

AttrType = OpSchema.AttrType
FormalParameterOption = OpSchema.FormalParameterOption

# ONNX attribute kind -> ODS attribute constraint. GRAPH attributes become
# regions instead (If/Loop/Scan bodies), see below.
ATTR_TYPES = {
    AttrType.FLOAT: "F32Attr",
    AttrType.INT: "SI64Attr",
    AttrType.STRING: "StrAttr",
    AttrType.TENSOR: "ElementsAttr",
    AttrType.SPARSE_TENSOR: "AnyAttr",
    AttrType.TYPE_PROTO: "TypeAttr",
    AttrType.FLOATS: "F32ArrayAttr",
    AttrType.INTS: "I64ArrayAttr",
    AttrType.STRINGS: "StrArrayAttr",
}


def default_value(attr):
    """The ODS default-value string of a schema attribute, or None."""
    proto = attr.default_value
    if proto is None or not proto.name:
        return None
    if attr.type == AttrType.INT:
        return f'"{proto.i}"'
    if attr.type == AttrType.FLOAT:
        return f'"{float(proto.f)!r}"'
    if attr.type == AttrType.STRING:
        text = proto.s.decode()
        return '"\\"' + text.replace('"', '\\"') + '\\""'
    return None  # list defaults stay optional; the importer fills them in.


def operand_constraint(param):
    if param.option == FormalParameterOption.Variadic:
        return "Variadic<AnyType>"
    if param.option == FormalParameterOption.Optional:
        return "Optional<AnyType>"
    return "AnyType"


def td_doc(text):
    return (text or "").strip().replace("[{", "[ {").replace("}]", "} ]")


def emit_op(schema, out):
    name = schema.name
    inputs = list(schema.inputs)
    outputs = list(schema.outputs)
    attrs = sorted(schema.attributes.values(), key=lambda a: a.name)
    graph_attrs = [a for a in attrs if a.type == AttrType.GRAPH]
    plain_attrs = [a for a in attrs if a.type != AttrType.GRAPH]

    names = [p.name for p in inputs] + [a.name for a in attrs]
    if len(set(names)) != len(names):
        sys.exit(f"gen-onnx-ods: {name}: an input and an attribute share a name")

    traits = []
    if sum(p.option != FormalParameterOption.Single for p in inputs) > 1:
        traits.append("AttrSizedOperandSegments")
    if sum(p.option != FormalParameterOption.Single for p in outputs) > 1:
        traits.append("AttrSizedResultSegments")

    out.write(f"//===----------------------------------------------------------------------===//\n")
    out.write(f"// {name} (opset {schema.since_version})\n")
    out.write(f"//===----------------------------------------------------------------------===//\n\n")
    out.write(f'def Onnx_{name}Op : Onnx_Op<"{name}", [{", ".join(traits)}]> {{\n')
    out.write(f'  let summary = "ONNX {name}, opset {schema.since_version}";\n')
    out.write(f"  let description = [{{\n{td_doc(schema.doc)}\n  }}];\n")
    args = [f"{operand_constraint(p)}:${p.name}" for p in inputs]
    for a in plain_attrs:
        base = ATTR_TYPES[a.type]
        default = default_value(a)
        if a.required:
            args.append(f"{base}:${a.name}")
        elif default is not None:
            args.append(f"DefaultValuedAttr<{base}, {default}>:${a.name}")
        else:
            args.append(f"OptionalAttr<{base}>:${a.name}")
    out.write("  let arguments = (ins" + ("\n    " if args else "") +
              ",\n    ".join(args) + ");\n")
    results = [f"{operand_constraint(p)}:${p.name}" for p in outputs]
    out.write("  let results = (outs" + ("\n    " if results else "") +
              ",\n    ".join(results) + ");\n")
    if graph_attrs:
        regions = [f"AnyRegion:${a.name}" for a in graph_attrs]
        out.write("  let regions = (region " + ", ".join(regions) + ");\n")
    out.write(f'  let extraClassDeclaration = [{{\n'
              f'    static constexpr int64_t kOpsetVersion = {schema.since_version};\n'
              f'  }}];\n')
    out.write("}\n\n")


def main():
    schemas = sorted((s for s in onnx.defs.get_all_schemas()
                      if s.domain == "" and not s.deprecated),
                     key=lambda s: s.name)
    out = sys.stdout
    out.write("//===- OnnxOps.gen.td - generated ONNX operator definitions -*- tablegen -*-===//\n")
    out.write("//\n// GENERATED FILE, do not edit. Regenerate with:\n")
    out.write("//   /usr/bin/python3 scripts/gen-onnx-ods.py > "
              "include/loom/Dialect/Onnx/IR/OnnxOps.gen.td\n")
    out.write(f"// from the operator schemas of ONNX {onnx.__version__} "
              f"(ai.onnx opsets up to {onnx.defs.onnx_opset_version()}), "
              f"{len(schemas)} operators.\n")
    out.write("//\n//===----------------------------------------------------------------------===//\n\n")
    for schema in schemas:
        emit_op(schema, out)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Survey: export every model of the corpus and push it through loom.

Usage:
  survey.py BUILD_BIN_DIR OUT_DIR [--only a,b] [--prompt "IDS"] [--max-tokens N]

For each model (export.py --list): export it with its test data; compile it
(loom-compile NAME.onnx -o libNAME.so); run the test data (loom-run
--test-data, rtol 1e-3, atol 1e-4); count loom.attention ops in the graph
stage (loom-compile --emit=mlir; when that fails, loom-translate | loom-opt
--loom-graph-pipeline=check-contract=false, marked *). For decoders also
compile the generation loop (--generate --context-length 128) and compare
loom-run --generate with PyTorch's KV-cached greedy tokens.

Prints one Markdown table row per model (also OUT_DIR/survey.md), then for
each model whose graph has tensors of unknown rank the ops that *produce*
them (an unranked result from ranked operands: where the rank is lost), by
ONNX node name. Every command and its output is in OUT_DIR/NAME.log.
Run with /usr/bin/python3 (the export needs torch 1.13 and onnx).
"""
import argparse
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

ERROR_RE = re.compile(r"error|Error|differs|mismatch|cannot|failed|Traceback")


class Survey:
    def __init__(self, bin_dir, out_dir, log):
        self.bin_dir = bin_dir
        self.out_dir = out_dir
        self.log = log

    def tool(self, name):
        """The tool's path; another engineer rebuilds them: wait if missing."""
        path = os.path.join(self.bin_dir, name)
        for _ in range(10):
            if os.access(path, os.X_OK):
                return path
            print(f"survey: {path} is missing, waiting a minute", file=sys.stderr)
            time.sleep(60)
        return path

    def run(self, argv, stdin=None, timeout=900):
        """(returncode, stdout, stderr), logged."""
        self.log.write("$ " + " ".join(argv) + "\n")
        self.log.flush()
        try:
            p = subprocess.run(argv, cwd=self.out_dir, input=stdin, capture_output=True,
                               text=True, timeout=timeout)
            rc, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            rc, out, err = 124, "", f"timed out after {timeout} s"
        except OSError as e:
            rc, out, err = 127, "", str(e)
        self.log.write(f"[exit {rc}]\n{out[-20000:]}{err[-20000:]}\n")
        return rc, out, err


def first_error(*texts):
    lines = [l.strip() for t in texts for l in t.splitlines() if l.strip()]
    lines = [l for l in lines if "In-place op on output of tensor.shape" not in l
             and not l.startswith("loom-compile: ") or "failed" in l]
    for i, l in enumerate(lines):
        if ERROR_RE.search(l):
            if l.endswith(":") and i + 1 < len(lines):
                return l + " " + lines[i + 1]
            return l
    return lines[-1] if lines else ""


LOC_DEF_RE = re.compile(r'^(#loc\d+) = loc\("([^"]*)"')
OP_RE = re.compile(r'^\s*(%[^ =]+) = "([\w.]+)"\(([^)]*)\).*?: \((.*)\) -> (.*?) loc\((.*)\)$')
SHAPE_LIKE = re.compile(r"^tensor<\?x[a-z]+\d*>$")  # 1-D of unknown length


def split_types(s):
    """Top-level comma split of a type list."""
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch in "<([{":
            depth += 1
        elif ch in ">)]}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def parse_ops(mlir):
    """[(result, op, operand names, operand types, result types, node)]"""
    locs = {}
    for line in mlir.splitlines():
        m = LOC_DEF_RE.match(line)
        if m:
            locs[m.group(1)] = m.group(2)
    ops = []
    for line in mlir.splitlines():
        m = OP_RE.match(line)
        if not m:
            continue
        result, op, names, operands, results, loc = m.groups()
        lm = re.match(r'(#loc\d+)', loc)
        node = locs.get(lm.group(1), loc) if lm else loc.strip('"')
        ops.append((result.split(":")[0], op, [n.strip() for n in names.split(",") if n.strip()],
                    split_types(operands), split_types(results.strip("()")), node))
    return ops


def unranked_origins(mlir):
    """Where rank is lost: ops with an unranked result and no unranked
    operand, in IR order, as (op, node, operand types, result types, root).
    An op that got a shape operand of unknown length (tensor<?xi64>) is
    traced back to the op where that length became unknown (`root`), e.g.
    an onnx.Shape whose ranked operand should have given a static length."""
    ops = parse_ops(mlir)
    defs = {o[0]: o for o in ops}

    def length_root(value, seen):
        d = defs.get(value)
        if d is None or value in seen:
            return None
        seen.add(value)
        _, op, names, otypes, _, node = d
        unknown = [n for n, t in zip(names, otypes) if SHAPE_LIKE.match(t)]
        if op == "onnx.Shape" and otypes and "tensor<*" not in otypes[0]:
            return f"{node} ({op}): ({', '.join(otypes)}) -> {d[4][0]}"
        for n in unknown:
            r = length_root(n, seen)
            if r:
                return r
        if not unknown:
            return f"{node} ({op}): ({', '.join(otypes)}) -> {d[4][0]}"
        return None

    origins = []
    for result, op, names, otypes, rtypes, node in ops:
        if any("tensor<*" in t for t in rtypes) and not any("tensor<*" in t for t in otypes):
            root = None
            for n, t in reversed(list(zip(names, otypes))):  # shape operands come last
                if SHAPE_LIKE.match(t):
                    root = length_root(n, set())
                    if root:
                        break
            origins.append((op, node, ", ".join(otypes), ", ".join(rtypes), root))
    return origins


def shape_gaps(mlir):
    """onnx.Shape ops whose operand is ranked but whose result length is
    unknown (tensor<?xi64>): refinement missed them, and the CPU lowering
    then fails on a dynamically sized tensor.from_elements."""
    return [(node, otypes[0], rtypes[0]) for _, op, _, otypes, rtypes, node in parse_ops(mlir)
            if op == "onnx.Shape" and otypes and "tensor<*" not in otypes[0]
            and SHAPE_LIKE.match(rtypes[0])]


MISSING_RE = re.compile(r"node '([^']*)' \((\w+)\): no CPU lowering for")


def graph_ir(s, onnx_path):
    """The graph stage's IR with ONNX node names, even if the contract fails."""
    rc, mlir, err = s.run([s.tool("loom-translate"), "--import-onnx", "--mlir-print-debuginfo",
                           onnx_path])
    if rc != 0:
        return None, first_error(err)
    rc, out, err = s.run([s.tool("loom-opt"), "--loom-graph-pipeline=check-contract=false",
                          "--mlir-print-debuginfo"], stdin=mlir)
    if rc != 0:
        return None, first_error(err)
    return out, ""


def survey_model(s, name, kind, prompt, max_tokens):
    py = sys.executable
    export = os.path.join(HERE, "export.py")
    r = {"model": name, "kind": kind, "export": "no", "compile": "-", "match": "-",
         "attention": "-", "generate": "-", "error": "", "origins": [],
         "shape_gaps": [], "missing": []}
    onnx_path = name + ".onnx"

    rc, out, err = s.run([py, "-W", "ignore", export, name, s.out_dir])
    if rc != 0:
        r["error"] = "export: " + first_error(err, out)
        return r
    r["export"] = "ok"
    errors = []

    rc, out, err = s.run([s.tool("loom-compile"), onnx_path, "-o", f"lib{name}.so"])
    r["compile"] = "ok" if rc == 0 else "FAIL"
    if rc != 0:
        errors.append("compile: " + first_error(err, out))
        for node, op in MISSING_RE.findall(err):
            if op not in [m[1] for m in r["missing"]]:
                r["missing"].append((node, op))
    else:
        rc, out, err = s.run([s.tool("loom-run"), f"lib{name}.so", "--test-data", f"{name}_data",
                              "--rtol", "1e-3", "--atol", "1e-4"])
        r["match"] = "yes" if rc == 0 else ("NO" if rc == 1 else "ERR")
        if rc != 0:
            errors.append("run: " + first_error(out, err))

    expected = ""
    if kind == "decoder":
        import export as export_mod  # the layer count, without exporting again
        expected = "/" + str(export_mod.build(name)[1].n_layers)
    rc, out, err = s.run([s.tool("loom-compile"), onnx_path, "--emit=mlir", "-o", "-"])
    if rc == 0:
        r["attention"] = str(out.count("loom.attention ")) + expected
    ir, ir_err = graph_ir(s, onnx_path)
    if ir is not None:
        if rc != 0:
            r["attention"] = str(ir.count("loom.attention ")) + "*" + expected
        r["origins"] = unranked_origins(ir)
        r["shape_gaps"] = shape_gaps(ir)
    elif ir_err and rc != 0:
        errors.append("graph IR: " + ir_err)

    if kind == "decoder":
        rc, ref, err = s.run([py, "-W", "ignore", export, name, "--greedy-reference", prompt,
                              "--max-tokens", str(max_tokens)])
        if rc != 0:
            r["generate"] = "ERR"
            errors.append("greedy reference: " + first_error(err))
        else:
            rc, out, err = s.run([s.tool("loom-compile"), onnx_path, "--generate",
                                  "--context-length", "128", "-o", f"lib{name}_gen.so"])
            if rc != 0:
                r["generate"] = "FAIL"
                errors.append("generate compile: " + first_error(err, out))
            else:
                rc, out, err = s.run([s.tool("loom-run"), f"lib{name}_gen.so", "--generate",
                                      "--prompt-tokens", prompt, "--max-tokens", str(max_tokens)])
                if rc != 0:
                    r["generate"] = "ERR"
                    errors.append("generate run: " + first_error(err, out))
                elif out.split() == ref.split():
                    r["generate"] = "yes"
                else:
                    r["generate"] = "NO"
                    errors.append(f"generate: loom {out.strip()!r} != torch {ref.strip()!r}")
    r["error"] = errors[0] if errors else ""
    return r


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("bin_dir", help="loom's build/bin (loom-compile, loom-run, loom-translate, loom-opt)")
    p.add_argument("out_dir", help="where models, libraries, logs and survey.md go")
    p.add_argument("--only", help="comma-separated model names")
    p.add_argument("--prompt", default="5 17 42 9", help="prompt for the greedy comparison")
    p.add_argument("--max-tokens", type=int, default=24)
    args = p.parse_args()

    import export as export_mod
    from models.common import DecoderSpec

    names = list(export_mod.MODELS)
    if args.only:
        names = [n for n in args.only.split(",") if n]
        unknown = [n for n in names if n not in export_mod.MODELS]
        if unknown:
            p.error(f"unknown models {unknown}")
    out_dir = os.path.abspath(args.out_dir)
    os.makedirs(out_dir, exist_ok=True)
    bin_dir = os.path.abspath(args.bin_dir)

    header = ("| model | kind | export | compile | numbers match | loom.attention (fused/layers) "
              "| generate = torch | first error |")
    rule = "|---|---|---|---|---|---|---|---|"
    print(header)
    print(rule)
    rows, results = [], []
    for name in names:
        kind = "decoder" if isinstance(export_mod.build(name)[1], DecoderSpec) else "other"
        with open(os.path.join(out_dir, name + ".log"), "w") as log:
            r = survey_model(Survey(bin_dir, out_dir, log), name, kind, args.prompt, args.max_tokens)
        error = r["error"].replace("|", "\\|")
        row = (f"| {name} | {kind} | {r['export']} | {r['compile']} | {r['match']} | "
               f"{r['attention']} | {r['generate']} | {error} |")
        print(row, flush=True)
        rows.append(row)
        results.append(r)

    details = []
    for r in results:
        if r["origins"]:
            details.append(f"\n{r['model']}: where tensors lose their rank "
                           f"({len(r['origins'])} op(s)):")
            for op, node, operands, res, root in r["origins"]:
                details.append(f"  {node} ({op}): ({operands}) -> {res}")
                if root:
                    details.append(f"    its shape operand's length is unknown from: {root}")
        if r["shape_gaps"]:
            details.append(f"\n{r['model']}: onnx.Shape of a ranked tensor with an unknown "
                           f"result length ({len(r['shape_gaps'])}):")
            for node, operand, res in r["shape_gaps"][:4]:
                details.append(f"  {node}: ({operand}) -> {res}")
        if r["missing"]:
            details.append(f"\n{r['model']}: no CPU lowering for "
                           + ", ".join(f"{op} (first: {node})" for node, op in r["missing"]))
    if details:
        print("\n".join(details))
    with open(os.path.join(out_dir, "survey.md"), "w") as f:
        f.write("\n".join([header, rule] + rows + details) + "\n")


if __name__ == "__main__":
    main()

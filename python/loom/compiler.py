"""Compile ONNX models from Python with the same flow as `loom-compile`.

    import loom.compiler
    lib = loom.compiler.compile("decoder.onnx", "out/libdecoder.so", generate=True,
                                context_length=512, softmax="online")

Runs the `loom-compile` tool, which builds the graph, generate and CPU stages
with loom's pipeline builders (lib/Pipelines), so Python, `loom-compile` and
`loom-opt`'s registered pipelines produce the same code for the same options.
The tool is found in $LOOM_COMPILE, in the build that `pip install ./python`
recorded (loom/_build.py), next to this package in a source checkout
(build/bin/), or on the PATH.
"""
import os
import shutil
import subprocess


class CompileError(RuntimeError):
    """loom-compile refused the model; the message is its diagnostics."""


def find_loom_compile():
    """The path of the loom-compile tool, or raises CompileError."""
    try:
        from ._build import TOOLS_DIR  # written by setup.py at install time
    except ImportError:
        TOOLS_DIR = None
    candidates = [os.environ.get("LOOM_COMPILE"),
                  TOOLS_DIR and os.path.join(TOOLS_DIR, "loom-compile"),
                  os.path.join(os.path.dirname(__file__), "..", "..", "build", "bin",
                               "loom-compile"),
                  shutil.which("loom-compile")]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return os.path.abspath(path)
    raise CompileError("loom-compile not found: build loom (scripts/build) or set "
                       "LOOM_COMPILE to the tool's path")


def _flag(name, value):
    if isinstance(value, bool):
        return f"--{name}={'true' if value else 'false'}"
    if isinstance(value, (list, tuple)):
        return f"--{name}=" + ",".join(str(v) for v in value)
    return f"--{name}={value}"


def compile(onnx_path, output=None, *, emit="lib", generate=False, softmax=None,
            fuse_attention=None, fuse_transformer_ops=None, context_length=None,
            stop_tokens=None, weights=None, speculate=None, tree=None, tokenizer=None,
            **names):
    """Compiles `onnx_path` and returns the output's path.

    emit: "lib" (a shared library and its header, the default), "exe", "obj",
    "llvm" or "mlir". generate: compile the decoder's generation loop.
    softmax, fuse_attention, fuse_transformer_ops, context_length, stop_tokens,
    weights ("embed" or "file"): loom-compile's options of the same names.
    speculate ("ngram", "ngram:N", "self:LAYERS" or "draft=FILE.onnx", a
    separate draft model with the same vocabulary) and tree ("chain:K" or
    "-1,0,1,..."): speculative decoding with --generate (loom-compile
    --speculate, --tree). tokenizer (a tokenizer file's path, with
    generate): embedded in the library (loom-compile --tokenizer).
    Other keyword arguments name a decoder's inputs and outputs (input_ids=,
    past_key=, logits=, ...: loom-compile's --input-ids, --past-key, ...).
    """
    if output is None:
        stem = os.path.splitext(os.path.basename(onnx_path))[0]
        output = {"lib": f"lib{stem}.so", "exe": stem, "obj": f"{stem}.o",
                  "llvm": f"{stem}.ll", "mlir": f"{stem}.mlir"}.get(emit)
        if output is None:
            raise CompileError(f"unknown emit kind '{emit}' (lib, exe, obj, llvm or mlir)")
    args = [find_loom_compile(), os.fspath(onnx_path), f"--emit={emit}", "-o",
            os.fspath(output)]
    if generate:
        args.append("--generate")
    options = {"softmax": softmax, "fuse-attention": fuse_attention,
               "fuse-transformer-ops": fuse_transformer_ops,
               "context-length": context_length, "stop-tokens": stop_tokens,
               "weights": weights, "speculate": speculate, "tree": tree,
               "tokenizer": os.fspath(tokenizer) if tokenizer is not None else None}
    options.update({key.replace("_", "-"): value for key, value in names.items()})
    args += [_flag(key, value) for key, value in options.items() if value is not None]
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        # The diagnostics without loom-compile's progress lines.
        progress = ("importing ", "building ", "lowering ", "linking ", "wrote ",
                    "context length ")
        lines = [line for line in result.stderr.splitlines()
                 if not line.startswith(tuple("loom-compile: " + p for p in progress))]
        raise CompileError("\n".join(lines).strip() or
                           f"loom-compile exited {result.returncode}")
    return os.fspath(output)

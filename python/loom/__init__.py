"""loom from Python: compile ONNX models, run them on numpy arrays, generate.

    import loom
    model = loom.compile("model.onnx")                 # loom-compile's flow
    outputs = model.run({"x": x})                      # numpy in, numpy out
    decoder = loom.compile("decoder.onnx", generate=True, tokenizer="tok512.bin")
    for piece in decoder.generate("Once upon a time", max_tokens=50):
        print(piece, end="", flush=True)

Modules: `loom.model` (compile, load, Model), `loom.compiler` (loom-compile
from Python), `loom.runtime` and `loom.generate` (the ctypes bindings of
loomrt), `loom.export_model` and `loom.models` (test-model export helpers,
which need torch).
"""
from .compiler import CompileError
from .generate import LoomError
from .model import Model, compile, load

__all__ = ["CompileError", "LoomError", "Model", "compile", "load"]

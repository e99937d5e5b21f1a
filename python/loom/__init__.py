"""loom's Python side: compiling ONNX models (`loom.compiler`, the same flow as
loom-compile), generating with compiled decoders (`loom.generate`), and model
export helpers for tests and benchmarks (`loom.export_model`, `loom.models`)."""

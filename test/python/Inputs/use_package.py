"""Uses the installed `loom` package the way docs/python.md shows: compile,
run on numpy arrays, stream generated tokens. Run from outside the source tree
with the interpreter of the environment the package was installed into.

usage: use_package.py GEMM_TEST_DIR TINY_GPT.onnx EXPECTED_TOKENS SAMPLED_TOKENS ALL_OPTIONS_TOKENS WORKDIR
"""
import os
import sys

import numpy as np
import onnx.numpy_helper

import loom

gemm_dir, gpt_onnx, expected_file, sampled_file, all_options_file, work = sys.argv[1:]
print("imported from", os.path.dirname(loom.__file__))

# A one-step model: run() on numpy arrays equals ONNX's expected output.
model = loom.compile(os.path.join(gemm_dir, "model.onnx"))
data = os.path.join(gemm_dir, "test_data_set_0")
read = lambda name: onnx.numpy_helper.to_array(
    onnx.load_tensor(os.path.join(data, name)))
inputs = [read(f"input_{i}.pb") for i in range(len(model.input_names))]
out = model.run(inputs)
print("run:", model.output_names, "max abs error",
      float(np.abs(out["y"] - read("output_0.pb")).max()) < 1e-4)
out2 = model.run(**dict(zip(model.input_names, inputs)))
print("run by keywords equal:", np.array_equal(out["y"], out2["y"]))
try:
    model.generate([1])
except loom.LoomError as e:
    print("LoomError:", e)

# A generation loop: streamed tokens equal loom-run's.
lib = os.path.join(work, "out", "libgpt.so")
gpt = loom.compile(gpt_onnx, lib, generate=True, context_length=128)
print("kept:", os.path.isfile(lib), "context", gpt.context_length, "vocab", gpt.vocab_size)
stream = gpt.generate([3, 17, 42], max_tokens=30)
print("iterator:", iter(stream) is stream)
tokens = list(stream)
print("greedy equals loom-run:", " ".join(map(str, tokens)) == open(expected_file).read().strip())
sampled = list(gpt.generate([3, 17, 42], max_tokens=30, temperature=0.7, seed=9))
print("sampled equals loom-run:", " ".join(map(str, sampled)) == open(sampled_file).read().strip())
print("stats:", gpt.stats.prompt_tokens, gpt.stats.generated_tokens)
# 30 tokens: the prefill over the 3-token prompt makes the first, 29 steps
# of one token each the rest.
print("runs:", gpt.stats.model_runs, "prefills:", gpt.stats.prefill_runs,
      "fed:", gpt.stats.fed_tokens)
# Every sampling option goes through; stop tokens end it; break stops early.
opts = list(gpt.generate([3, 17, 42], max_tokens=20, temperature=0.9, top_k=40, top_p=0.9,
                         min_p=0.05, repetition_penalty=1.3, seed=3))
print("all options:", len(opts), all(0 <= t < 256 for t in opts))
# ... and each changes the tokens as in loom-run (same options, same seed).
print("all options equal loom-run:",
      " ".join(map(str, opts)) == open(all_options_file).read().strip())
print("stop:", list(gpt.generate([3, 17, 42], max_tokens=30, stop_tokens=[tokens[4]])) ==
      tokens[:5])
first = []
for t in gpt.generate([3, 17, 42], max_tokens=30):
    first.append(t)
    if len(first) == 3:
        break
print("break after 3:", first == tokens[:3], "then", gpt.stats.generated_tokens)
for bad in (dict(top_k=-2), dict(temperature=-1.0)):
    try:
        list(gpt.generate([3], **bad))
    except loom.LoomError as e:
        print("LoomError:", e)
try:
    gpt.generate("text")
except loom.LoomError as e:
    print("LoomError:", e)
try:
    gpt.run([np.zeros((1, 1), np.int64)])
except loom.LoomError as e:
    print("LoomError:", e)
try:
    loom.compile(os.path.join(work, "missing.onnx"))
except loom.CompileError as e:
    print("CompileError:", e)

"""Text in and out through the installed `loom` package: stories260K with its
tokenizer, the generated text streamed piece by piece.

usage: use_package_text.py STORIES.onnx TOKENIZER PROMPT
"""
import sys

import loom

onnx_path, tokenizer, prompt = sys.argv[1:]
model = loom.compile(onnx_path, generate=True, context_length=512, tokenizer=tokenizer)
pieces = list(model.generate(prompt, max_tokens=60))
ids = list(model.generate(prompt, max_tokens=60, text=False))
print(model.decode(model.encode(prompt)) + "".join(pieces))
print("pieces:", len(pieces) > 10, all(isinstance(p, str) for p in pieces))
print("ids decode to the text:", model.decode(ids) == "".join(pieces))

#!/usr/bin/env python3
"""Renames a decoder's inputs and outputs away from Hugging Face's convention
(input_ids -> tokens, position_ids -> positions, past_key_values.N.key ->
cache_N_k, ..., logits -> scores, present.N.key -> new_cache_N_k, ...), to
test loom-compile's flags for other conventions.

Usage: rename_decoder_io.py IN.onnx OUT.onnx
"""
import re
import sys

import onnx


def rename(name):
    name = {"input_ids": "tokens", "position_ids": "positions", "logits": "scores"}.get(name, name)
    name = re.sub(r"^past_key_values\.(\d+)\.(key|value)$",
                  lambda m: f"cache_{m[1]}_{m[2][0]}", name)
    return re.sub(r"^present\.(\d+)\.(key|value)$",
                  lambda m: f"new_cache_{m[1]}_{m[2][0]}", name)


model = onnx.load(sys.argv[1])
graph = model.graph
for value in list(graph.input) + list(graph.output):
    old = value.name
    value.name = rename(old)
    for node in graph.node:
        node.input[:] = [value.name if n == old else n for n in node.input]
        node.output[:] = [value.name if n == old else n for n in node.output]
onnx.save(model, sys.argv[2])

#!/usr/bin/env python3
"""Export one model of the export-styles corpus to ONNX, with test data.

Usage:
  export.py NAME OUT_DIR          OUT_DIR/NAME.onnx and OUT_DIR/NAME_data/
                                  (input_N.pb in the exported graph's input
                                  order, output_N.pb from PyTorch); for models
                                  that define them, NAME_data_resized/ holds
                                  inputs of other batch/spatial sizes
  export.py NAME [OUT_DIR] --greedy-reference "IDS" --max-tokens N
                                  print PyTorch's KV-cached greedy token ids
                                  after the prompt IDS (decoders only)
  export.py --list                the models: NAME KIND (decoder|other)

Decoders are exported the way Hugging Face's ONNX exporters do it: inputs
input_ids, attention_mask, position_ids (where the model has them),
past_key_values.N.key/value ([batch, kv_heads, past, head_dim]); outputs
logits, present.N.key/value; dynamic batch, sequence and past axes. Their
test data is one step of batch 2 with 3 cached positions and 2 new tokens,
the second row left-padded by one position (attention_mask 0, position_ids
from the mask's cumulative sum, as generate() computes them).

Run with /usr/bin/python3 (torch 1.13, onnx 1.12).
"""
import argparse
import importlib
import os
import sys
import warnings

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from models.common import DecoderSpec  # noqa: E402

# name -> module in models/ (the module's build() makes the model)
MODELS = {
    "llama": "llama",
    "mistral": "mistral",
    "gpt2": "gpt2",
    "gpt_neox": "gpt_neox",
    "phi": "phi",
    "qwen2": "qwen2",
    "gemma": "gemma",
    "opt": "opt",
    "opt_postln": "opt",
    "bloom": "bloom",
    "mha": "torch_nn",
    "encoder_prenorm": "torch_nn",
    "encoder_postnorm": "torch_nn",
    "decoder_layer": "torch_nn",
    "convnet": "convnet",
    "unet": "resample",
    "upsampler": "resample",
    "groupnorm_net": "resample",
    "lstm": "rnn",
    "gru": "rnn",
    "gated_steps": "control_flow",
    "early_exit": "control_flow",
    "lstm_batch_first": "rnn",
    "rnn_tanh": "rnn",
    "bert": "bert",
    "vit": "vit",
    "falcon": "falcon",
    "t5_encoder": "t5_encoder",
    "mobilenet": "mobilenet",
    "conv_static": "conv_static",
    "conv1d_audio": "conv1d_audio",
    "gpt_j": "gpt_j",
    "bart": "bart",
    "resnet_basic": "resnet_basic",
    "wavenet": "routing_and_gating",
    "c2f_neck": "routing_and_gating",
    "moe_top2": "routing_and_gating",
    "last_step_norm": "routing_and_gating",
    "embedding_bag": "routing_and_gating",
    "argsort_lengths": "routing_and_gating",
}

OPSETS = (17, 16, 15, 14)  # the highest torch 1.13 can export wins

TEST_BATCH, TEST_PAST, TEST_SEQ = 2, 3, 2


def build(name):
    module = importlib.import_module("models." + MODELS[name])
    if hasattr(module, "build_" + name):
        return getattr(module, "build_" + name)()
    return module.build()


class DecoderForExport(nn.Module):
    """Flat positional inputs/outputs around a Hugging Face-style decoder."""

    def __init__(self, model, spec):
        super().__init__()
        self.model = model
        self.spec = spec

    def forward(self, input_ids, *rest):
        kwargs = {}
        i = 0
        if self.spec.has_attention_mask:
            kwargs["attention_mask"] = rest[i]
            i += 1
        if self.spec.has_position_ids:
            kwargs["position_ids"] = rest[i]
            i += 1
        flat = rest[i:]
        past = tuple((flat[2 * n], flat[2 * n + 1]) for n in range(self.spec.n_layers))
        logits, presents = self.model(input_ids, past_key_values=past, **kwargs)
        return (logits,) + tuple(t for kv in presents for t in kv)


def decoder_io(spec, batch, past, seq, gen, padded_row=True):
    """(names, tensors) of a decoder step; row 1 left-padded if padded_row."""
    input_ids = torch.randint(0, spec.vocab_size, (batch, seq), generator=gen)
    attention_mask = torch.ones(batch, past + seq, dtype=torch.int64)
    if padded_row and batch > 1 and past > 0:
        attention_mask[1, 0] = 0
    position_ids = attention_mask.cumsum(-1) - 1
    position_ids = position_ids.masked_fill(attention_mask == 0, 1)[:, -seq:].contiguous()
    names, tensors = ["input_ids"], [input_ids]
    if spec.has_attention_mask:
        names.append("attention_mask")
        tensors.append(attention_mask)
    if spec.has_position_ids:
        names.append("position_ids")
        tensors.append(position_ids)
    for n in range(spec.n_layers):
        for kind in ("key", "value"):
            names.append(f"past_key_values.{n}.{kind}")
            tensors.append(torch.randn(batch, spec.n_kv_heads, past, spec.head_dim, generator=gen))
    return names, tensors


def decoder_axes(spec, names):
    out_names = ["logits"] + [f"present.{n}.{kind}" for n in range(spec.n_layers)
                              for kind in ("key", "value")]
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "position_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "past_sequence_length + sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    for n in names + out_names:
        if n.startswith("past_key_values."):
            axes[n] = {0: "batch_size", 2: "past_sequence_length"}
        elif n.startswith("present."):
            axes[n] = {0: "batch_size", 2: "past_sequence_length + sequence_length"}
    return out_names, {k: v for k, v in axes.items() if k in names + out_names}


def export_onnx(module, args, path, input_names, output_names, dynamic_axes, opsets):
    last = None
    for opset in opsets:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(module, args, path, input_names=input_names,
                                  output_names=output_names, dynamic_axes=dynamic_axes,
                                  opset_version=opset, do_constant_folding=True)
            return opset
        except Exception as e:  # noqa: BLE001 - try the next opset
            last = e
            print(f"export: opset {opset} failed: {type(e).__name__}: {e}".splitlines()[0],
                  file=sys.stderr)
    raise last


def write_test_data(path, directory, named_inputs, named_outputs):
    """input_N.pb / output_N.pb numbered in the exported graph's order."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(path, load_external_data=False).graph
    inits = {i.name for i in graph.initializer}
    graph_inputs = [i.name for i in graph.input if i.name not in inits]
    dropped = [n for n in named_inputs if n not in graph_inputs]
    if dropped:
        print(f"export: torch dropped unused inputs {dropped}", file=sys.stderr)
    os.makedirs(directory, exist_ok=True)
    for f in os.listdir(directory):
        if f.endswith(".pb"):
            os.remove(os.path.join(directory, f))
    for kind, order, values in (("input", graph_inputs, named_inputs),
                                ("output", [o.name for o in graph.output], named_outputs)):
        for i, name in enumerate(order):
            array = np.array(values[name].detach().numpy(), order="C")  # 0-D stays 0-D
            with open(os.path.join(directory, f"{kind}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(array, name).SerializeToString())


def export_decoder(name, model, spec, out_dir):
    wrapper = DecoderForExport(model, spec).eval()
    path = os.path.join(out_dir, name + ".onnx")
    names, example = decoder_io(spec, TEST_BATCH, TEST_PAST, TEST_SEQ,
                                torch.Generator().manual_seed(0))
    out_names, axes = decoder_axes(spec, names)
    opset = export_onnx(wrapper, tuple(example), path, names, out_names, axes, OPSETS)
    names, inputs = decoder_io(spec, TEST_BATCH, TEST_PAST, TEST_SEQ,
                               torch.Generator().manual_seed(1))
    with torch.no_grad():
        outputs = wrapper(*inputs)
    write_test_data(path, os.path.join(out_dir, name + "_data"),
                    dict(zip(names, inputs)), dict(zip(out_names, outputs)))
    return path, opset


def export_plain(name, model, spec, out_dir, opset=None):
    path = os.path.join(out_dir, name + ".onnx")
    example = spec.make_inputs(torch.Generator().manual_seed(0))
    opsets = (opset,) if opset else (spec.opset,) if spec.opset else OPSETS
    opset = export_onnx(model, tuple(example), path, spec.input_names, spec.output_names,
                        spec.dynamic_axes, opsets)
    inputs = spec.make_inputs(torch.Generator().manual_seed(1))
    with torch.no_grad():
        outputs = model(*inputs)
    if isinstance(outputs, torch.Tensor):
        outputs = (outputs,)
    write_test_data(path, os.path.join(out_dir, name + "_data"),
                    dict(zip(spec.input_names, inputs)), dict(zip(spec.output_names, outputs)))
    if spec.make_resized_inputs:
        inputs = spec.make_resized_inputs(torch.Generator().manual_seed(2))
        with torch.no_grad():
            outputs = model(*inputs)
        if isinstance(outputs, torch.Tensor):
            outputs = (outputs,)
        write_test_data(path, os.path.join(out_dir, name + "_data_resized"),
                        dict(zip(spec.input_names, inputs)),
                        dict(zip(spec.output_names, outputs)))
    return path, opset


def greedy_generate(model, spec, prompt, max_new_tokens):
    """Greedy decoding with the model's own KV cache, batch 1, no padding:
    what loom-run --generate must reproduce."""
    past = tuple((torch.zeros(1, spec.n_kv_heads, 0, spec.head_dim),
                  torch.zeros(1, spec.n_kv_heads, 0, spec.head_dim))
                 for _ in range(spec.n_layers))
    ids = torch.tensor([prompt], dtype=torch.int64)
    length = 0
    out = []
    with torch.no_grad():
        for _ in range(max_new_tokens):
            kwargs = {}
            if spec.has_attention_mask:
                kwargs["attention_mask"] = torch.ones(1, length + ids.shape[1], dtype=torch.int64)
            if spec.has_position_ids:
                kwargs["position_ids"] = torch.arange(length, length + ids.shape[1])[None]
            logits, past = model(ids, past_key_values=past, **kwargs)
            length += ids.shape[1]
            token = int(torch.argmax(logits[0, -1]))
            out.append(token)
            ids = torch.tensor([[token]], dtype=torch.int64)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", nargs="?", help="the model (see --list)")
    p.add_argument("out_dir", nargs="?", help="where NAME.onnx and NAME_data/ go")
    p.add_argument("--list", action="store_true", help="print the models and their kind")
    p.add_argument("--greedy-reference", metavar="PROMPT",
                   help="print PyTorch's greedy token ids after PROMPT (ids separated by spaces)")
    p.add_argument("--max-tokens", type=int, default=32, help="tokens for --greedy-reference")
    p.add_argument("--opset", type=int,
                   help="export a non-decoder at this opset only, as NAME_opsetN.onnx")
    args = p.parse_args()

    if args.list:
        for name in MODELS:
            kind = "decoder" if isinstance(build(name)[1], DecoderSpec) else "other"
            print(name, kind)
        return
    if args.name not in MODELS:
        p.error(f"unknown model {args.name!r}; one of: {', '.join(MODELS)}")
    if args.out_dir is None and args.greedy_reference is None:
        p.error("give OUT_DIR, --greedy-reference, or both")

    model, spec = build(args.name)
    decoder = isinstance(spec, DecoderSpec)
    if args.out_dir is not None:
        os.makedirs(args.out_dir, exist_ok=True)
        if decoder:
            path, opset = export_decoder(args.name, model, spec, args.out_dir)
        elif args.opset:
            path, opset = export_plain(f"{args.name}_opset{args.opset}", model, spec,
                                       args.out_dir, args.opset)
        else:
            path, opset = export_plain(args.name, model, spec, args.out_dir)
        print(f"export: wrote {path} (opset {opset}) and its test data", file=sys.stderr)
    if args.greedy_reference is not None:
        if not decoder:
            p.error(f"{args.name} is not a decoder: no --greedy-reference")
        prompt = [int(t) for t in args.greedy_reference.split()]
        print(" ".join(map(str, greedy_generate(model, spec, prompt, args.max_tokens))))


if __name__ == "__main__":
    main()

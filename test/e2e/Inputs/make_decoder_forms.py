"""Decoder exports that --generate once got wrong without an error: a
1-layer, 1-head decoder with Hugging Face's names (input_ids,
past_key_values.0.key/value -> logits, present.0.key/value).

  lastlogit: logits = head(h[:, -1:, :]) (HF's num_logits_to_keep = 1), all
             axes dynamic: the prefill read row n-1 of a 1-row tensor
  static:    past fixed at [b, 1, 8, 8] (only batch dynamic): a traced
             graph for past length 8 only; it crashed or gave wrong tokens
  plain:     every axis dynamic, the full logits

Usage: make_decoder_forms.py KIND OUT.onnx  (prints PyTorch's KV-cached greedy
tokens for the prompt "3 1 4 1", 16 tokens, as loom-run --generate does)
"""
import math
import sys

import torch
from torch import nn

V, D, P = 32, 8, 8


class Decoder(nn.Module):
    def __init__(self, last_only):
        super().__init__()
        torch.manual_seed(0)
        self.last_only = last_only
        self.emb = nn.Embedding(V, D)
        self.pos = nn.Embedding(64, D)
        self.q, self.k, self.v = nn.Linear(D, D), nn.Linear(D, D), nn.Linear(D, D)
        self.head = nn.Linear(D, V)
        for p in self.parameters():
            p.data.normal_(0, 1.0)

    def forward(self, input_ids, past_key, past_value):
        past, s = past_key.shape[2], input_ids.shape[1]
        x = self.emb(input_ids) + self.pos(torch.arange(past, past + s)[None])
        q, k, v = self.q(x)[:, None], self.k(x)[:, None], self.v(x)[:, None]
        k, v = torch.cat([past_key, k], 2), torch.cat([past_value, v], 2)
        w = q @ k.transpose(2, 3) / math.sqrt(D)
        future = torch.arange(past + s)[None, :] > (torch.arange(s)[:, None] + past)
        h = (w.masked_fill(future, torch.finfo(torch.float32).min).softmax(-1) @ v)[:, 0] + x
        if self.last_only:
            h = h[:, -1:, :]
        return self.head(h), k, v


def greedy(model, prompt, count):
    pk = pv = torch.zeros(1, 1, 0, D)
    ids, out = torch.tensor([prompt]), []
    with torch.no_grad():
        for _ in range(count):
            logits, pk, pv = model(ids, pk, pv)
            out.append(int(logits[0, -1].argmax()))
            ids = torch.tensor([[out[-1]]])
    return out


kind, path = sys.argv[1], sys.argv[2]
model = Decoder(kind == "lastlogit").eval()
inputs = ["input_ids", "past_key_values.0.key", "past_key_values.0.value"]
outputs = ["logits", "present.0.key", "present.0.value"]
if kind == "static":
    example = (torch.zeros(2, 1, dtype=torch.long), torch.zeros(2, 1, P, D), torch.zeros(2, 1, P, D))
    axes = {n: {0: "batch"} for n in inputs + outputs}
else:
    example = (torch.zeros(2, 2, dtype=torch.long), torch.zeros(2, 1, 3, D), torch.zeros(2, 1, 3, D))
    axes = {"input_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"},
            "past_key_values.0.key": {0: "batch", 2: "past"},
            "past_key_values.0.value": {0: "batch", 2: "past"},
            "present.0.key": {0: "batch", 2: "total"}, "present.0.value": {0: "batch", 2: "total"}}
torch.onnx.export(model, example, path, input_names=inputs, output_names=outputs,
                  dynamic_axes=axes, opset_version=17)
print(" ".join(map(str, greedy(model, [3, 1, 4, 1], 16))))

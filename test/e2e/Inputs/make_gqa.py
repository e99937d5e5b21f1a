"""com.microsoft.GroupQueryAttention models with reference outputs computed
here in float64 numpy from ONNX Runtime's semantics (checked against
onnxruntime 1.30's CPU kernel on these cases when this test was written):
sequence b has seqlens_k[b] + 1 valid positions; its S new keys/values go
at past_b = seqlens_k[b] + 1 - S, or at 0 for a first prompt
(total_sequence_length == S); present_key/value have total_sequence_length
positions (past before past_b, then the new ones, zeros after); query i
sees the valid keys up to past_b + i.

Usage: make_gqa.py OUT_DIR
  chunk:   batch 1, 3 new tokens after 4 cached (chunked prefill)
  decode:  batch 2, one token each, 5 and 3 valid positions (ragged cache)
  prompt:  batch 2, no past inputs, prompts of 2 and 3 tokens right-padded to 3
  rotary / rotary_pairs: do_rotary=1 (halves / interleaved pairs), ragged
           decode, token i of sequence b at position past_b + i
  window:  local_window_size=3 (each query sees itself and the 2 keys
           before it), chunk after a cache
  packed / packed_rotary: Q, K and V packed in one input (key and value
           absent), a ragged decode and a rotary chunk
  partial_rotary / partial_rotary_pairs: rotating only the first half of
           each head (halves on a prompt, pairs on a ragged decode)
  softcap: softcap=1.5 (scores s become 1.5 tanh(s / 1.5)), a chunk after a cache
Each NAME gets NAME.onnx and NAME/ (input_N.pb, output_N.pb).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F, I32 = TensorProto.FLOAT, TensorProto.INT32
# Heads (head size 16 unless a case says otherwise: onnxruntime rotates
# heads of a multiple of 16 only, and a partial rotation's cos/sin width
# must be a multiple of 8).
N, NKV, H = 4, 2, 16


def rotate(x, cos, sin, positions, pairs):
    """x [b, heads, s, H] rotated at positions [b, s] (cos/sin [max, R/2]):
    the first R dimensions of each head turn, the others pass through."""
    c, sn = cos[positions][:, None], sin[positions][:, None]  # [b, 1, s, R/2]
    x = x.astype(np.float64)
    r = 2 * cos.shape[1]
    head, rest = x[..., :r], x[..., r:]
    if pairs:
        even, odd = head[..., 0::2], head[..., 1::2]
        turned = np.empty_like(head)
        turned[..., 0::2] = even * c - odd * sn
        turned[..., 1::2] = even * sn + odd * c
    else:
        lo, hi = head[..., :r // 2], head[..., r // 2:]
        turned = np.concatenate([lo * c - hi * sn, hi * c + lo * sn], axis=-1)
    return np.concatenate([turned, rest], axis=-1)


def reference(q, k, v, pk, pv, seqlens, total, rope=None, window=-1, softcap=0.0):
    b_, s, _ = q.shape
    h = q.shape[2] // N
    past_len = 0 if pk is None else pk.shape[2]
    qh = q.reshape(b_, s, N, h).transpose(0, 2, 1, 3).astype(np.float64)
    kh = k.reshape(b_, s, NKV, h).transpose(0, 2, 1, 3)
    if rope is not None:
        cos, sin, pairs = rope
        starts = [0 if total == s else int(seqlens[b]) + 1 - s for b in range(b_)]
        positions = np.array([[st + i for i in range(s)] for st in starts])
        qh = rotate(qh, cos, sin, positions, pairs)
        kh = rotate(kh, cos, sin, positions, pairs).astype(np.float32)
    vh = v.reshape(b_, s, NKV, h).transpose(0, 2, 1, 3)
    pres_k = np.zeros((b_, NKV, total, h), np.float32)
    pres_v = np.zeros_like(pres_k)
    out = np.zeros((b_, N, s, h))
    for b in range(b_):
        valid = int(seqlens[b]) + 1
        start = 0 if total == s else valid - s
        if past_len:
            pres_k[b, :, :start] = pk[b, :, :start]
            pres_v[b, :, :start] = pv[b, :, :start]
        pres_k[b, :, start:start + s] = kh[b]
        pres_v[b, :, start:start + s] = vh[b]
        for n in range(N):
            kv = n // (N // NKV)
            scores = qh[b, n] @ pres_k[b, kv, :valid].T.astype(np.float64) / np.sqrt(h)
            if softcap:
                scores = softcap * np.tanh(scores / softcap)
            for i in range(s):
                scores[i, start + i + 1:] = -np.inf
                if window > 0:
                    scores[i, :max(0, start + i - window + 1)] = -np.inf
            e = np.exp(scores - scores.max(-1, keepdims=True))
            out[b, n] = (e / e.sum(-1, keepdims=True)) @ pres_v[b, kv, :valid]
    y = out.transpose(0, 2, 1, 3).reshape(b_, s, N * h).astype(np.float32)
    return y, pres_k, pres_v


def write(out, name, batch, seq, past, seqlens, total, rotary=None, window=-1, packed=False,
          h=H, softcap=0.0):
    rng = np.random.default_rng(len(name))
    q = rng.standard_normal((batch, seq, N * h)).astype(np.float32)
    k = rng.standard_normal((batch, seq, NKV * h)).astype(np.float32)
    v = rng.standard_normal((batch, seq, NKV * h)).astype(np.float32)
    pk = rng.standard_normal((batch, NKV, past, h)).astype(np.float32) if past else None
    pv = rng.standard_normal((batch, NKV, past, h)).astype(np.float32) if past else None
    seqlens = np.array(seqlens, np.int32)
    total_t = np.array([total], np.int32)
    names = ["q", "" if packed else "k", "" if packed else "v", "pk" if past else "",
             "pv" if past else "", "seqlens_k", "total"]
    extra = {"local_window_size": window} if window > 0 else {}
    if softcap:
        extra["softcap"] = softcap
    if packed:
        inputs = [helper.make_tensor_value_info("q", F, [batch, seq, (N + 2 * NKV) * h])]
    else:
        inputs = [helper.make_tensor_value_info("q", F, [batch, seq, N * h]),
                  helper.make_tensor_value_info("k", F, [batch, seq, NKV * h]),
                  helper.make_tensor_value_info("v", F, [batch, seq, NKV * h])]
    if past:
        inputs += [helper.make_tensor_value_info("pk", F, [batch, NKV, past, h]),
                   helper.make_tensor_value_info("pv", F, [batch, NKV, past, h])]
    inputs += [helper.make_tensor_value_info("seqlens_k", I32, [batch]),
               helper.make_tensor_value_info("total", I32, [1])]
    inits = []
    rope = None
    if rotary:  # "halves", "pairs", "partial" (halves) or "partial_pairs"
        names += ["cos", "sin"]
        pairs = rotary in ("pairs", "partial_pairs")
        extra.update({"do_rotary": 1, "rotary_interleaved": int(pairs)})
        width = h // 4 if rotary.startswith("partial") else h // 2
        angles = np.arange(16)[:, None] * (10000.0 ** (-np.arange(width) / width))[None, :]
        cos, sin = np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)
        inits = [numpy_helper.from_array(cos, "cos"), numpy_helper.from_array(sin, "sin")]
        rope = (cos, sin, pairs)
    node = helper.make_node("GroupQueryAttention", names, ["y", "present_k", "present_v"],
                            domain="com.microsoft", num_heads=N, kv_num_heads=NKV, **extra)
    graph = helper.make_graph(
        [node], name, inputs,
        [helper.make_tensor_value_info("y", F, [batch, seq, N * h]),
         helper.make_tensor_value_info("present_k", F, [batch, NKV, "total", h]),
         helper.make_tensor_value_info("present_v", F, [batch, NKV, "total", h])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, name + ".onnx"))
    feeds = ([np.concatenate([q, k, v], axis=-1)] if packed else [q, k, v]) + \
        ([pk, pv] if past else []) + [seqlens, total_t]
    outputs = reference(q, k, v, pk, pv, seqlens, total, rope, window, softcap)
    os.makedirs(os.path.join(out, name), exist_ok=True)
    for kind, tensors in (("input", feeds), ("output", outputs)):
        for i, t in enumerate(tensors):
            with open(os.path.join(out, name, f"{kind}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(t).SerializeToString())


def main():
    out = sys.argv[1]
    write(out, "chunk", batch=1, seq=3, past=4, seqlens=[6], total=7)
    write(out, "decode", batch=2, seq=1, past=4, seqlens=[4, 2], total=5)
    write(out, "prompt", batch=2, seq=3, past=0, seqlens=[1, 2], total=3)
    write(out, "rotary", batch=2, seq=1, past=6, seqlens=[6, 3], total=7, rotary="halves")
    write(out, "rotary_pairs", batch=1, seq=3, past=4, seqlens=[6], total=7, rotary="pairs")
    write(out, "rotary_prompt", batch=2, seq=3, past=0, seqlens=[1, 2], total=3,
          rotary="halves")
    write(out, "window", batch=1, seq=4, past=6, seqlens=[9], total=10, window=3)
    write(out, "packed", batch=2, seq=1, past=4, seqlens=[4, 2], total=5, packed=True)
    write(out, "packed_rotary", batch=1, seq=3, past=4, seqlens=[6], total=7, rotary="halves",
          packed=True)
    write(out, "partial_rotary", batch=1, seq=3, past=0, seqlens=[2], total=3,
          rotary="partial", h=32)
    write(out, "partial_rotary_pairs", batch=2, seq=1, past=6, seqlens=[6, 3], total=7,
          rotary="partial_pairs", h=32)
    write(out, "softcap", batch=1, seq=3, past=4, seqlens=[6], total=7, softcap=1.5)


if __name__ == "__main__":
    main()

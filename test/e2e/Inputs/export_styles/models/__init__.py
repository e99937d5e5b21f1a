"""Small PyTorch models written in the idioms of the projects they imitate.

Each module re-implements (does not copy) the modeling code of one project in
that project's style: the same tensor idioms (slices at `x.shape[-1] // 2`,
boolean buffers sliced by the cache length, `torch.where` masks, fused QKV
splits, ...) so that `torch.onnx.export` emits the op patterns real exports
contain. Sizes are tiny and weights random (see `common.randomize`).

Every module has `build()` returning `(model, spec)`; `spec` is a
`common.DecoderSpec` for decoders (which take Hugging Face-style keyword
arguments and return `(logits, presents)`) or a `common.PlainSpec`.
"""

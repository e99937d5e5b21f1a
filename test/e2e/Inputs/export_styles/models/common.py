"""What export.py needs to know about a model, and the seeded weights."""
import dataclasses
from typing import Callable, List, Optional

import torch


@dataclasses.dataclass
class DecoderSpec:
    """A decoder in the Hugging Face ONNX convention.

    The model is called as `model(input_ids, attention_mask=..., position_ids=...,
    past_key_values=((k0, v0), (k1, v1), ...))` and returns
    `(logits, ((k0, v0), ...))`; keys and values are
    [batch, kv_heads, length, head_dim]."""
    n_layers: int
    n_kv_heads: int
    head_dim: int
    vocab_size: int
    has_position_ids: bool = True
    has_attention_mask: bool = True


@dataclasses.dataclass
class PlainSpec:
    """Any other model: `model(*inputs)` returns a tensor or a tuple of tensors.

    `make_inputs(generator)` gives the test inputs (batch 2, dynamic axes as
    named in `dynamic_axes`); the export uses the same shapes."""
    input_names: List[str]
    output_names: List[str]
    make_inputs: Callable[[torch.Generator], tuple]
    dynamic_axes: dict
    opset: Optional[int] = None
    # Inputs of other sizes along the dynamic axes (NAME_data_resized/): the
    # exported graph must not have kept the export's sizes.
    make_resized_inputs: Optional[Callable[[torch.Generator], tuple]] = None


def randomize(model, seed, std=0.3, bias_std=0.05, norm_std=0.1, zero_centered_norms=False):
    """Seeded random weights, larger than training inits so that greedy
    decoding of a random model does not collapse onto one token.

    Matrices and embeddings ~ N(0, std); 1-D biases ~ N(0, bias_std); 1-D
    norm weights ~ 1 + N(0, norm_std), or N(0, norm_std) for norms that
    multiply by (1 + weight) (Gemma)."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            leaf = name.rsplit(".", 1)[-1]
            if p.dim() >= 2:
                p.normal_(0.0, std)
            elif leaf == "bias":
                p.normal_(0.0, bias_std)
            elif zero_centered_norms:
                p.normal_(0.0, norm_std)
            else:
                p.copy_(1.0 + norm_std * torch.randn_like(p))
    return model.eval()

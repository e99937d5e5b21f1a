"""Falcon (falcon-7b layout) in the style of Hugging Face's modeling_falcon
(4.33): multi-query attention (one K/V head) from a fused `query_key_value`
Linear viewed as `[batch, seq, heads + 2, head_dim]` and split by indexing
(`[..., :-2, :]`, `[..., [-2], :]`, `[..., [-1], :]`), rotary embeddings from
a cos/sin cache grown to the needed length and sliced by the cache length
(no position_ids input), the single K/V head broadcast by `@` (no repeat),
`scores /= sqrt(head_dim)`, a boolean mask (`triu` causal | `~mask`) turned
additive by `masked_fill(mask, -1e9)`, attention and a GELU MLP in parallel
from one LayerNorm (`x + attn(ln(x)) + mlp(ln(x))`), no biases anywhere but
the LayerNorms."""
import math
from types import SimpleNamespace

import torch
from torch import nn
from torch.nn import functional as F

from .common import DecoderSpec, randomize

CONFIG = SimpleNamespace(vocab_size=128, hidden_size=64, num_hidden_layers=2,
                         num_attention_heads=4, layer_norm_epsilon=1e-5, bias=False,
                         multi_query=True, parallel_attn=True, rope_theta=10000.0)


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=x1.ndim - 1)


class FalconRotaryEmbedding(nn.Module):
    """cos/sin cached for seq_len_cached positions, recomputed when a longer
    sequence comes, sliced to [past, past + seq_len)."""

    def __init__(self, head_dim, base=10000):
        super().__init__()
        inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2).float() / head_dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        self.head_dim = head_dim
        self.seq_len_cached = -1
        self.cos_cached = None
        self.sin_cached = None

    def cos_sin(self, seq_len, past_key_values_length, dtype=torch.float32):
        total_length = seq_len + past_key_values_length
        if total_length > self.seq_len_cached:
            self.seq_len_cached = total_length
            t = torch.arange(total_length, dtype=self.inv_freq.dtype)
            freqs = torch.einsum("i,j->ij", t, self.inv_freq)
            emb = torch.cat((freqs, freqs), dim=-1)
            self.cos_cached = emb.cos()[None, :, :].to(dtype)
            self.sin_cached = emb.sin()[None, :, :].to(dtype)
        return (self.cos_cached[:, past_key_values_length : seq_len + past_key_values_length],
                self.sin_cached[:, past_key_values_length : seq_len + past_key_values_length])

    def forward(self, query, key, past_key_values_length=0):
        batch, seq_len, head_dim = query.shape
        cos, sin = self.cos_sin(seq_len, past_key_values_length, query.dtype)
        return (query * cos) + (rotate_half(query) * sin), (key * cos) + (rotate_half(key) * sin)


def _make_causal_mask(input_ids_shape, past_key_values_length):
    """[batch, 1, seq, past + seq] boolean, True where a query may NOT look."""
    batch_size, target_length = input_ids_shape
    mask = torch.triu(torch.ones((target_length, target_length), dtype=torch.bool), diagonal=1)
    # the past is always visible
    past_mask = torch.zeros((target_length, past_key_values_length), dtype=torch.bool)
    mask = torch.cat([past_mask, mask], dim=-1)
    return mask[None, None, :, :].expand(batch_size, 1, target_length,
                                         target_length + past_key_values_length)


def _expand_mask(mask, past_key_values_length):
    """[batch, total] of 1/0 -> [batch, 1, seq, total] boolean, True at padding."""
    batch_size, total_length = mask.shape
    seq_length = total_length - past_key_values_length
    expanded_mask = ~(mask[:, None, None, :].to(torch.bool))
    return expanded_mask.expand(batch_size, 1, seq_length, total_length)


class FalconAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.hidden_size = config.hidden_size
        self.num_heads = config.num_attention_heads
        self.head_dim = self.hidden_size // self.num_heads
        self.multi_query = config.multi_query
        self.num_kv_heads = 1 if config.multi_query else self.num_heads
        self.maybe_rotary = FalconRotaryEmbedding(self.head_dim, base=config.rope_theta)
        self.inv_norm_factor = 1.0 / math.sqrt(self.head_dim)
        qkv_out_dim = self.hidden_size + 2 * self.head_dim if config.multi_query else 3 * self.hidden_size
        self.query_key_value = nn.Linear(self.hidden_size, qkv_out_dim, bias=config.bias)
        self.dense = nn.Linear(self.hidden_size, self.hidden_size, bias=config.bias)
        self.attention_dropout = nn.Dropout(0.0)

    def _split_heads(self, fused_qkv):
        """[batch, seq, (heads + 2) * head_dim] -> q [batch, seq, heads, head_dim],
        k and v [batch, seq, 1, head_dim]."""
        batch_size, seq_length, three_times_hidden_size = fused_qkv.shape
        fused_qkv = fused_qkv.view(batch_size, seq_length, self.num_heads + 2, self.head_dim)
        return fused_qkv[..., :-2, :], fused_qkv[..., [-2], :], fused_qkv[..., [-1], :]

    def _merge_heads(self, x):
        # [batch * heads, seq, head_dim] -> [batch, seq, heads * head_dim]
        batch_size_and_num_heads, seq_length, _ = x.shape
        batch_size = batch_size_and_num_heads // self.num_heads
        x = x.view(batch_size, self.num_heads, seq_length, self.head_dim)
        x = x.permute(0, 2, 1, 3)
        return x.reshape(batch_size, seq_length, self.num_heads * self.head_dim)

    def forward(self, hidden_states, attention_mask, layer_past=None):
        fused_qkv = self.query_key_value(hidden_states)
        (query_layer, key_layer, value_layer) = self._split_heads(fused_qkv)
        batch_size, query_length, _, _ = query_layer.shape

        query_layer = query_layer.transpose(1, 2).reshape(batch_size * self.num_heads, query_length, self.head_dim)
        key_layer = key_layer.transpose(1, 2).reshape(batch_size * self.num_kv_heads, query_length, self.head_dim)
        value_layer = value_layer.transpose(1, 2).reshape(batch_size * self.num_kv_heads, query_length, self.head_dim)

        past_kv_length = 0 if layer_past is None else layer_past[0].shape[2]
        query_layer, key_layer = self.maybe_rotary(query_layer, key_layer, past_kv_length)

        # the cache is [batch, kv_heads, length, head_dim] (the ONNX convention)
        key_layer = key_layer.view(batch_size, self.num_kv_heads, query_length, self.head_dim)
        value_layer = value_layer.view(batch_size, self.num_kv_heads, query_length, self.head_dim)
        if layer_past is not None:
            past_key, past_value = layer_past
            key_layer = torch.cat((past_key, key_layer), dim=2)
            value_layer = torch.cat((past_value, value_layer), dim=2)
        present = (key_layer, value_layer)

        attention_mask_float = (attention_mask * 1.0).masked_fill(attention_mask, float("-1e9")).to(query_layer.dtype)

        query_layer_ = query_layer.reshape(batch_size, self.num_heads, -1, self.head_dim)
        # one K/V head: broadcast over the query heads by the matmuls
        attention_scores = query_layer_ @ key_layer.transpose(-1, -2)
        attention_scores /= math.sqrt(self.head_dim)
        attention_scores = F.softmax(attention_scores + attention_mask_float, dim=-1, dtype=hidden_states.dtype)
        attention_scores = self.attention_dropout(attention_scores)
        attn_output = attention_scores @ value_layer

        attn_output = attn_output.view(batch_size * self.num_heads, query_length, self.head_dim)
        attn_output = self._merge_heads(attn_output)
        return self.dense(attn_output), present


class FalconMLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        hidden_size = config.hidden_size
        self.dense_h_to_4h = nn.Linear(hidden_size, 4 * hidden_size, bias=config.bias)
        self.act = nn.GELU()
        self.dense_4h_to_h = nn.Linear(4 * hidden_size, hidden_size, bias=config.bias)

    def forward(self, x):
        x = self.act(self.dense_h_to_4h(x))
        return self.dense_4h_to_h(x)


class FalconDecoderLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.input_layernorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_epsilon)
        self.self_attention = FalconAttention(config)
        self.mlp = FalconMLP(config)
        self.hidden_dropout = 0.0

    def forward(self, hidden_states, attention_mask, layer_past=None):
        residual = hidden_states
        attention_layernorm_out = self.input_layernorm(hidden_states)
        attention_output, present = self.self_attention(attention_layernorm_out, attention_mask, layer_past)
        # parallel_attn: the MLP reads the same LayerNorm output
        mlp_output = self.mlp(attention_layernorm_out)
        mlp_output += attention_output
        output = F.dropout(mlp_output, p=self.hidden_dropout, training=self.training)
        return residual + output, present


class FalconModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.num_heads = config.num_attention_heads
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size)
        self.h = nn.ModuleList([FalconDecoderLayer(config) for _ in range(config.num_hidden_layers)])
        self.ln_f = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_epsilon)

    @staticmethod
    def _prepare_attn_mask(attention_mask, input_shape, past_key_values_length):
        combined_attention_mask = None
        if input_shape[1] > 1:
            combined_attention_mask = _make_causal_mask(input_shape, past_key_values_length)
        expanded_attn_mask = _expand_mask(attention_mask, past_key_values_length)
        if combined_attention_mask is None:
            return expanded_attn_mask
        return expanded_attn_mask | combined_attention_mask

    def forward(self, input_ids, attention_mask=None, past_key_values=None):
        batch_size, seq_length = input_ids.shape
        past_key_values_length = 0 if past_key_values is None else past_key_values[0][0].shape[2]
        if attention_mask is None:
            attention_mask = torch.ones((batch_size, seq_length + past_key_values_length))
        causal_mask = self._prepare_attn_mask(attention_mask, (batch_size, seq_length), past_key_values_length)

        hidden_states = self.word_embeddings(input_ids)
        presents = ()
        for i, block in enumerate(self.h):
            layer_past = past_key_values[i] if past_key_values is not None else None
            hidden_states, present = block(hidden_states, causal_mask, layer_past)
            presents = presents + (present,)
        return self.ln_f(hidden_states), presents


class FalconForCausalLM(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.transformer = FalconModel(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)

    def forward(self, input_ids, attention_mask=None, past_key_values=None):
        hidden_states, presents = self.transformer(input_ids, attention_mask, past_key_values)
        return self.lm_head(hidden_states), presents


def build():
    cfg = CONFIG
    model = randomize(FalconForCausalLM(cfg), seed=42)
    return model, DecoderSpec(n_layers=cfg.num_hidden_layers, n_kv_heads=1,
                              head_dim=cfg.hidden_size // cfg.num_attention_heads,
                              vocab_size=cfg.vocab_size, has_position_ids=False)

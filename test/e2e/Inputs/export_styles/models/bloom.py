"""BLOOM in the style of Hugging Face's modeling_bloom: no positions at all
but ALiBi (per-head slopes `torch.pow(base, arange)` times the key positions
`(cumsum(mask) - 1) * mask`, shaped [batch * heads, 1, kv_len] and added by
`alibi.baddbmm(q, k^T, beta, alpha)`), a LayerNorm right after the word
embedding, one `query_key_value` Linear viewed as [.., heads, 3, head_dim] and
indexed `[..., 0, :]`, heads folded into the batch, a boolean mask built by
slice assignment into `torch.empty(bool)` and OR'ed with the inverted padding
mask, applied by `torch.masked_fill`, BLOOM's tanh-GELU (0.79788456
constant), dropout_add residuals, the LM head tied to the embedding.

The cache uses the common [batch, heads, length, head_dim] layout (as BLOOM
does since transformers moved it to the shared cache classes; older versions
kept keys as [batch * heads, head_dim, length])."""
import math
from types import SimpleNamespace

import torch
from torch import nn
from torch.nn import functional as F

from .common import DecoderSpec, randomize

CONFIG = SimpleNamespace(vocab_size=128, hidden_size=64, n_layer=2, n_head=4,
                         layer_norm_epsilon=1e-5, apply_residual_connection_post_layernorm=False)


def build_alibi_tensor(attention_mask, num_heads, dtype):
    """[batch * num_heads, 1, max_seq_len]: each head's slope times the key's
    position (a bias on the keys only; softmax ignores the per-query constant)."""
    batch_size, seq_length = attention_mask.shape
    closest_power_of_2 = 2 ** math.floor(math.log2(num_heads))
    base = torch.tensor(2 ** (-(2 ** -(math.log2(closest_power_of_2) - 3))), dtype=torch.float32)
    powers = torch.arange(1, 1 + closest_power_of_2, dtype=torch.int32)
    slopes = torch.pow(base, powers)
    if closest_power_of_2 != num_heads:
        extra_base = torch.tensor(2 ** (-(2 ** -(math.log2(2 * closest_power_of_2) - 3))), dtype=torch.float32)
        num_remaining_heads = min(closest_power_of_2, num_heads - closest_power_of_2)
        extra_powers = torch.arange(1, 1 + 2 * num_remaining_heads, 2, dtype=torch.int32)
        slopes = torch.cat([slopes, torch.pow(extra_base, extra_powers)], dim=0)
    # positions from the mask: padding positions are 0
    arange_tensor = ((attention_mask.cumsum(dim=-1) - 1) * attention_mask)[:, None, :]
    alibi = slopes[..., None] * arange_tensor
    return alibi.reshape(batch_size * num_heads, 1, seq_length).to(dtype)


def dropout_add(x, residual, prob, training):
    out = F.dropout(x, p=prob, training=training)
    return residual + out


def bloom_gelu_forward(x):
    """tanh approximation of GELU with BLOOM's own constants"""
    return x * 0.5 * (1.0 + torch.tanh(0.79788456 * x * (1 + 0.044715 * x * x)))


class BloomGelu(nn.Module):
    def forward(self, x):
        return bloom_gelu_forward(x)


def _make_causal_mask(input_ids_shape, past_key_values_length):
    """True where a query may NOT look: [batch, 1, tgt, past + tgt]."""
    batch_size, target_length = input_ids_shape
    mask = torch.empty((target_length, target_length + past_key_values_length), dtype=torch.bool)
    # ONNX doesn't support `torch.Tensor.triu` properly, thus we use this workaround
    seq_ids = torch.arange(target_length)
    mask[:, past_key_values_length:] = seq_ids[:, None] < seq_ids[None, :]
    if past_key_values_length > 0:
        mask[:, :past_key_values_length] = False
    expanded_mask = mask[None, None, :, :].expand(batch_size, 1, target_length,
                                                  target_length + past_key_values_length)
    return expanded_mask


def _expand_mask(mask, tgt_length):
    """[batch, src] of 1/0 -> [batch, 1, tgt, src], True at padding."""
    batch_size, src_length = mask.shape
    expanded_mask = ~(mask[:, None, None, :].to(torch.bool))
    return expanded_mask.expand(batch_size, 1, tgt_length, src_length)


class BloomAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.hidden_size = config.hidden_size
        self.num_heads = config.n_head
        self.head_dim = self.hidden_size // self.num_heads
        self.split_size = self.hidden_size
        self.hidden_dropout = 0.0
        # layer-wise attention scaling
        self.inv_norm_factor = 1.0 / math.sqrt(self.head_dim)
        self.beta = 1.0
        self.query_key_value = nn.Linear(self.hidden_size, 3 * self.hidden_size, bias=True)
        self.dense = nn.Linear(self.hidden_size, self.hidden_size)
        self.attention_dropout = nn.Dropout(0.0)

    def _split_heads(self, fused_qkv):
        """[batch, seq, 3 * hidden] -> 3 x [batch, seq, heads, head_dim]"""
        batch_size, seq_length, three_times_hidden_size = fused_qkv.shape
        fused_qkv = fused_qkv.view(batch_size, seq_length, self.num_heads, 3, self.head_dim)
        return fused_qkv[..., 0, :], fused_qkv[..., 1, :], fused_qkv[..., 2, :]

    def _merge_heads(self, x):
        """[batch * heads, seq, head_dim] -> [batch, seq, heads * head_dim]"""
        batch_size_and_num_heads, seq_length, _ = x.shape
        batch_size = batch_size_and_num_heads // self.num_heads
        x = x.view(batch_size, self.num_heads, seq_length, self.head_dim)
        x = x.permute(0, 2, 1, 3)
        return x.reshape(batch_size, seq_length, self.num_heads * self.head_dim)

    def forward(self, hidden_states, residual, alibi, attention_mask, layer_past=None):
        fused_qkv = self.query_key_value(hidden_states)  # [batch, seq, 3 * hidden]
        (query_layer, key_layer, value_layer) = self._split_heads(fused_qkv)
        batch_size, q_length, _, _ = query_layer.shape

        query_layer = query_layer.transpose(1, 2).reshape(batch_size * self.num_heads, q_length, self.head_dim)
        key_layer = key_layer.transpose(1, 2)
        value_layer = value_layer.transpose(1, 2)
        if layer_past is not None:
            past_key, past_value = layer_past
            key_layer = torch.cat((past_key, key_layer), dim=2)
            value_layer = torch.cat((past_value, value_layer), dim=2)
        present = (key_layer, value_layer)

        # heads folded into the batch; keys transposed for baddbmm
        key_layer = key_layer.reshape(batch_size * self.num_heads, -1, self.head_dim).transpose(-1, -2)
        value_layer = value_layer.reshape(batch_size * self.num_heads, -1, self.head_dim)
        kv_length = key_layer.shape[-1]

        # [batch * heads, q_length, kv_length]
        matmul_result = alibi.baddbmm(batch1=query_layer, batch2=key_layer, beta=self.beta,
                                      alpha=self.inv_norm_factor)
        attention_scores = matmul_result.view(batch_size, self.num_heads, q_length, kv_length)

        input_dtype = attention_scores.dtype
        attn_weights = torch.masked_fill(attention_scores, attention_mask,
                                         torch.finfo(attention_scores.dtype).min)
        attention_probs = F.softmax(attn_weights, dim=-1, dtype=torch.float32).to(input_dtype)
        attention_probs = self.attention_dropout(attention_probs)

        attention_probs_reshaped = attention_probs.view(batch_size * self.num_heads, q_length, kv_length)
        context_layer = torch.bmm(attention_probs_reshaped, value_layer)
        context_layer = self._merge_heads(context_layer)
        output_tensor = self.dense(context_layer)
        output_tensor = dropout_add(output_tensor, residual, self.hidden_dropout, self.training)
        return output_tensor, present


class BloomMLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        hidden_size = config.hidden_size
        self.dense_h_to_4h = nn.Linear(hidden_size, 4 * hidden_size)
        self.gelu_impl = BloomGelu()
        self.dense_4h_to_h = nn.Linear(4 * hidden_size, hidden_size)
        self.hidden_dropout = 0.0

    def forward(self, hidden_states, residual):
        hidden_states = self.gelu_impl(self.dense_h_to_4h(hidden_states))
        intermediate_output = self.dense_4h_to_h(hidden_states)
        return dropout_add(intermediate_output, residual, self.hidden_dropout, self.training)


class BloomBlock(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.input_layernorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_epsilon)
        self.self_attention = BloomAttention(config)
        self.post_attention_layernorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_epsilon)
        self.mlp = BloomMLP(config)
        self.apply_residual_connection_post_layernorm = config.apply_residual_connection_post_layernorm

    def forward(self, hidden_states, alibi, attention_mask, layer_past=None):
        layernorm_output = self.input_layernorm(hidden_states)
        if self.apply_residual_connection_post_layernorm:
            residual = layernorm_output
        else:
            residual = hidden_states
        attention_output, present = self.self_attention(layernorm_output, residual, alibi=alibi,
                                                        attention_mask=attention_mask,
                                                        layer_past=layer_past)
        layernorm_output = self.post_attention_layernorm(attention_output)
        if self.apply_residual_connection_post_layernorm:
            residual = layernorm_output
        else:
            residual = attention_output
        return self.mlp(layernorm_output, residual), present


class BloomModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.num_heads = config.n_head
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size)
        self.word_embeddings_layernorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_epsilon)
        self.h = nn.ModuleList([BloomBlock(config) for _ in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_epsilon)

    def _prepare_attn_mask(self, attention_mask, input_shape, past_key_values_length):
        combined_attention_mask = None
        _, src_length = input_shape
        if src_length > 1:
            combined_attention_mask = _make_causal_mask(input_shape, past_key_values_length)
        # [batch_size, seq_length] -> [batch_size, 1, tgt_length, src_length]
        expanded_attn_mask = _expand_mask(attention_mask, tgt_length=src_length)
        return (expanded_attn_mask if combined_attention_mask is None
                else expanded_attn_mask | combined_attention_mask)

    def forward(self, input_ids, attention_mask=None, past_key_values=None):
        batch_size, seq_length = input_ids.shape
        if past_key_values is None:
            past_key_values = tuple([None] * len(self.h))
        inputs_embeds = self.word_embeddings(input_ids)
        hidden_states = self.word_embeddings_layernorm(inputs_embeds)

        seq_length_with_past = seq_length
        past_key_values_length = 0
        if past_key_values[0] is not None:
            past_key_values_length = past_key_values[0][0].shape[2]
            seq_length_with_past = seq_length_with_past + past_key_values_length
        if attention_mask is None:
            attention_mask = torch.ones((batch_size, seq_length_with_past))
        alibi = build_alibi_tensor(attention_mask, self.num_heads, dtype=hidden_states.dtype)
        causal_mask = self._prepare_attn_mask(attention_mask, input_shape=(batch_size, seq_length),
                                              past_key_values_length=past_key_values_length)
        presents = ()
        for block, layer_past in zip(self.h, past_key_values):
            hidden_states, present = block(hidden_states, alibi, causal_mask, layer_past=layer_past)
            presents = presents + (present,)
        return self.ln_f(hidden_states), presents


class BloomForCausalLM(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.transformer = BloomModel(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.lm_head.weight = self.transformer.word_embeddings.weight  # tied

    def forward(self, input_ids, attention_mask=None, past_key_values=None):
        hidden_states, presents = self.transformer(input_ids, attention_mask=attention_mask,
                                                   past_key_values=past_key_values)
        return self.lm_head(hidden_states), presents


def build():
    cfg = CONFIG
    model = randomize(BloomForCausalLM(cfg), seed=11, std=1.0)  # smaller repeats one token
    return model, DecoderSpec(n_layers=cfg.n_layer, n_kv_heads=cfg.n_head,
                              head_dim=cfg.hidden_size // cfg.n_head, vocab_size=cfg.vocab_size,
                              has_position_ids=False)

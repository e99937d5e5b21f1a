"""OPT in the style of Hugging Face's modeling_opt (4.30): learned positions
with an offset of 2 computed from the attention mask
(`cumsum(mask) * mask - 1`, sliced `[:, past_length:]`), so there is no
position_ids input; queries pre-scaled by head_dim**-0.5, heads folded into the
batch for `torch.bmm` (`view(bsz * heads, -1, head_dim)`), scores clamped by
`torch.max(w, finfo.min)`, ReLU FFN on a [tokens, hidden] reshape, the
mask from `_prepare_decoder_attention_mask`.

Two variants: `opt` (do_layer_norm_before=True, like OPT-125m and most
sizes: pre-LN and a final LayerNorm) and `opt_postln` (like OPT-350m:
post-LN, no final LayerNorm, and `project_in`/`project_out` between a
narrower word-embedding width and the hidden size)."""
from types import SimpleNamespace

import torch
from torch import nn

from .attn_mask_utils import expand_mask, make_causal_mask
from .common import DecoderSpec, randomize

CONFIG = SimpleNamespace(vocab_size=128, hidden_size=64, word_embed_proj_dim=64, ffn_dim=256,
                         num_hidden_layers=2, num_attention_heads=4, max_position_embeddings=128,
                         do_layer_norm_before=True, enable_bias=True)
CONFIG_POSTLN = SimpleNamespace(**{**vars(CONFIG), "word_embed_proj_dim": 32,
                                   "do_layer_norm_before": False})


class OPTLearnedPositionalEmbedding(nn.Embedding):
    def __init__(self, num_embeddings, embedding_dim):
        # OPT offsets the embedding ids by 2 and grows num_embeddings to match
        self.offset = 2
        super().__init__(num_embeddings + self.offset, embedding_dim)

    def forward(self, attention_mask, past_key_values_length=0):
        attention_mask = attention_mask.long()
        # positions from the mask: padding does not advance them
        positions = (torch.cumsum(attention_mask, dim=1).type_as(attention_mask) * attention_mask).long() - 1
        # cut positions if `past_key_values_length` is > 0
        positions = positions[:, past_key_values_length:]
        return super().forward(positions + self.offset)


class OPTAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, bias=True):
        super().__init__()
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.scaling = self.head_dim ** -0.5
        self.k_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.v_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def _shape(self, tensor, seq_len, bsz):
        return tensor.view(bsz, seq_len, self.num_heads, self.head_dim).transpose(1, 2).contiguous()

    def forward(self, hidden_states, past_key_value=None, attention_mask=None):
        bsz, tgt_len, _ = hidden_states.size()
        query_states = self.q_proj(hidden_states) * self.scaling
        key_states = self._shape(self.k_proj(hidden_states), -1, bsz)
        value_states = self._shape(self.v_proj(hidden_states), -1, bsz)
        if past_key_value is not None:
            key_states = torch.cat([past_key_value[0], key_states], dim=2)
            value_states = torch.cat([past_key_value[1], value_states], dim=2)
        past_key_value = (key_states, value_states)

        proj_shape = (bsz * self.num_heads, -1, self.head_dim)
        query_states = self._shape(query_states, tgt_len, bsz).view(*proj_shape)
        key_states = key_states.view(*proj_shape)
        value_states = value_states.view(*proj_shape)

        src_len = key_states.size(1)
        attn_weights = torch.bmm(query_states, key_states.transpose(1, 2))
        if attention_mask is not None:
            attn_weights = attn_weights.view(bsz, self.num_heads, tgt_len, src_len) + attention_mask
            attn_weights = torch.max(attn_weights, torch.tensor(torch.finfo(attn_weights.dtype).min))
            attn_weights = attn_weights.view(bsz * self.num_heads, tgt_len, src_len)
        attn_weights = nn.functional.softmax(attn_weights, dim=-1)

        attn_output = torch.bmm(attn_weights, value_states)
        attn_output = attn_output.view(bsz, self.num_heads, tgt_len, self.head_dim)
        attn_output = attn_output.transpose(1, 2)
        attn_output = attn_output.reshape(bsz, tgt_len, self.embed_dim)
        return self.out_proj(attn_output), past_key_value


class OPTDecoderLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embed_dim = config.hidden_size
        self.self_attn = OPTAttention(self.embed_dim, config.num_attention_heads, bias=config.enable_bias)
        self.do_layer_norm_before = config.do_layer_norm_before
        self.activation_fn = nn.ReLU()
        self.self_attn_layer_norm = nn.LayerNorm(self.embed_dim)
        self.fc1 = nn.Linear(self.embed_dim, config.ffn_dim, bias=config.enable_bias)
        self.fc2 = nn.Linear(config.ffn_dim, self.embed_dim, bias=config.enable_bias)
        self.final_layer_norm = nn.LayerNorm(self.embed_dim)

    def forward(self, hidden_states, attention_mask=None, past_key_value=None):
        residual = hidden_states
        # 125m, 1.7B, ..., 175B apply layer norm BEFORE attention
        if self.do_layer_norm_before:
            hidden_states = self.self_attn_layer_norm(hidden_states)
        hidden_states, present_key_value = self.self_attn(hidden_states, past_key_value=past_key_value,
                                                          attention_mask=attention_mask)
        hidden_states = residual + hidden_states
        # 350m applies layer norm AFTER attention
        if not self.do_layer_norm_before:
            hidden_states = self.self_attn_layer_norm(hidden_states)

        # Fully connected, on [tokens, hidden]
        hidden_states_shape = hidden_states.shape
        hidden_states = hidden_states.reshape(-1, hidden_states.size(-1))
        residual = hidden_states
        if self.do_layer_norm_before:
            hidden_states = self.final_layer_norm(hidden_states)
        hidden_states = self.fc1(hidden_states)
        hidden_states = self.activation_fn(hidden_states)
        hidden_states = self.fc2(hidden_states)
        hidden_states = (residual + hidden_states).view(hidden_states_shape)
        if not self.do_layer_norm_before:
            hidden_states = self.final_layer_norm(hidden_states)
        return hidden_states, present_key_value


class OPTDecoder(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embed_tokens = nn.Embedding(config.vocab_size, config.word_embed_proj_dim)
        self.embed_positions = OPTLearnedPositionalEmbedding(config.max_position_embeddings,
                                                             config.hidden_size)
        if config.word_embed_proj_dim != config.hidden_size:
            self.project_out = nn.Linear(config.hidden_size, config.word_embed_proj_dim, bias=False)
            self.project_in = nn.Linear(config.word_embed_proj_dim, config.hidden_size, bias=False)
        else:
            self.project_out = None
            self.project_in = None
        if config.do_layer_norm_before:
            self.final_layer_norm = nn.LayerNorm(config.hidden_size)
        else:
            self.final_layer_norm = None
        self.layers = nn.ModuleList([OPTDecoderLayer(config) for _ in range(config.num_hidden_layers)])

    def _prepare_decoder_attention_mask(self, attention_mask, input_shape, inputs_embeds,
                                        past_key_values_length):
        # [bsz, seq_len] -> [bsz, 1, tgt_seq_len, src_seq_len]
        combined_attention_mask = None
        if input_shape[-1] > 1:
            combined_attention_mask = make_causal_mask(input_shape, inputs_embeds.dtype,
                                                       past_key_values_length=past_key_values_length)
        if attention_mask is not None:
            expanded_attn_mask = expand_mask(attention_mask, inputs_embeds.dtype, tgt_len=input_shape[-1])
            combined_attention_mask = (expanded_attn_mask if combined_attention_mask is None
                                       else expanded_attn_mask + combined_attention_mask)
        return combined_attention_mask

    def forward(self, input_ids, attention_mask=None, past_key_values=None):
        input_shape = input_ids.size()
        input_ids = input_ids.view(-1, input_shape[-1])
        inputs_embeds = self.embed_tokens(input_ids)
        batch_size, seq_length = input_shape
        past_key_values_length = past_key_values[0][0].shape[2] if past_key_values is not None else 0
        mask_seq_length = past_key_values_length + seq_length
        if attention_mask is None:
            attention_mask = torch.ones(batch_size, mask_seq_length)
        causal_attention_mask = self._prepare_decoder_attention_mask(
            attention_mask, input_shape, inputs_embeds, past_key_values_length)
        pos_embeds = self.embed_positions(attention_mask, past_key_values_length)
        if self.project_in is not None:
            inputs_embeds = self.project_in(inputs_embeds)
        hidden_states = inputs_embeds + pos_embeds

        next_decoder_cache = ()
        for idx, decoder_layer in enumerate(self.layers):
            past_key_value = past_key_values[idx] if past_key_values is not None else None
            hidden_states, present = decoder_layer(hidden_states, attention_mask=causal_attention_mask,
                                                   past_key_value=past_key_value)
            next_decoder_cache += (present,)
        if self.final_layer_norm is not None:
            hidden_states = self.final_layer_norm(hidden_states)
        if self.project_out is not None:
            hidden_states = self.project_out(hidden_states)
        return hidden_states, next_decoder_cache


class OPTModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.decoder = OPTDecoder(config)

    def forward(self, input_ids, attention_mask=None, past_key_values=None):
        return self.decoder(input_ids, attention_mask=attention_mask, past_key_values=past_key_values)


class OPTForCausalLM(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.model = OPTModel(config)
        # the lm_head weight is tied to the input embedding
        self.lm_head = nn.Linear(config.word_embed_proj_dim, config.vocab_size, bias=False)
        self.lm_head.weight = self.model.decoder.embed_tokens.weight

    def forward(self, input_ids, attention_mask=None, past_key_values=None):
        hidden_states, presents = self.model(input_ids, attention_mask=attention_mask,
                                             past_key_values=past_key_values)
        return self.lm_head(hidden_states).contiguous(), presents


def _build(cfg, seed):
    model = randomize(OPTForCausalLM(cfg), seed=seed, std=0.6)  # 0.3 repeats one token
    return model, DecoderSpec(n_layers=cfg.num_hidden_layers, n_kv_heads=cfg.num_attention_heads,
                              head_dim=cfg.hidden_size // cfg.num_attention_heads,
                              vocab_size=cfg.vocab_size, has_position_ids=False)


def build_opt():
    return _build(CONFIG, seed=9)


def build_opt_postln():
    return _build(CONFIG_POSTLN, seed=9)

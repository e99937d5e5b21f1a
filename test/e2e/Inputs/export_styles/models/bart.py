"""BART (encoder-decoder) in the style of Hugging Face's modeling_bart (4.3x),
run as one full forward (no cache): a shared embedding scaled by
sqrt(d_model), learned positions with offset 2 (`arange(...).expand(bsz, -1)
+ offset`), `layernorm_embedding`, post-LN layers, queries multiplied by
`scaling` before `bmm` on heads folded into the batch (`_shape` then
`view(bsz * heads, -1, head_dim)`), the mask added on a
`view(bsz, heads, tgt, src)`, decoder self-attention under the 4.3x causal
mask, cross-attention (keys and values from the encoder output, the encoder's
padding mask `_expand_mask`ed to the decoder length), GELU FFNs, and the
tied LM head plus `final_logits_bias`. Inputs input_ids, attention_mask,
decoder_input_ids; dynamic batch, source and target lengths; row 1 of the
source ends in 2 padding tokens."""
import math
from types import SimpleNamespace

import torch
from torch import nn

from .attn_mask_utils import expand_mask, prepare_4d_causal_attention_mask
from .common import PlainSpec, randomize

CONFIG = SimpleNamespace(vocab_size=96, d_model=32, encoder_layers=2, decoder_layers=2,
                         encoder_attention_heads=4, decoder_attention_heads=4,
                         encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=64,
                         scale_embedding=True, dropout=0.1, pad_token_id=1)
BATCH, SRC, TGT = 2, 7, 5


class BartLearnedPositionalEmbedding(nn.Embedding):
    """Learned positions up to a fixed maximum, offset by 2 (BART's quirk)."""

    def __init__(self, num_embeddings, embedding_dim):
        self.offset = 2
        super().__init__(num_embeddings + self.offset, embedding_dim)

    def forward(self, input_ids, past_key_values_length=0):
        bsz, seq_len = input_ids.shape[:2]
        positions = torch.arange(past_key_values_length, past_key_values_length + seq_len,
                                 dtype=torch.long).expand(bsz, -1)
        return super().forward(positions + self.offset)


class BartAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True):
        super().__init__()
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.head_dim = embed_dim // num_heads
        self.scaling = self.head_dim ** -0.5
        self.k_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.v_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def _shape(self, tensor, seq_len, bsz):
        return tensor.view(bsz, seq_len, self.num_heads, self.head_dim).transpose(1, 2).contiguous()

    def forward(self, hidden_states, key_value_states=None, attention_mask=None):
        # keys and values from key_value_states: cross-attention
        is_cross_attention = key_value_states is not None
        bsz, tgt_len, _ = hidden_states.size()

        query_states = self.q_proj(hidden_states) * self.scaling
        if is_cross_attention:
            key_states = self._shape(self.k_proj(key_value_states), -1, bsz)
            value_states = self._shape(self.v_proj(key_value_states), -1, bsz)
        else:
            key_states = self._shape(self.k_proj(hidden_states), -1, bsz)
            value_states = self._shape(self.v_proj(hidden_states), -1, bsz)

        proj_shape = (bsz * self.num_heads, -1, self.head_dim)
        query_states = self._shape(query_states, tgt_len, bsz).view(*proj_shape)
        key_states = key_states.reshape(*proj_shape)
        value_states = value_states.reshape(*proj_shape)

        src_len = key_states.size(1)
        attn_weights = torch.bmm(query_states, key_states.transpose(1, 2))
        if attention_mask is not None:
            attn_weights = attn_weights.view(bsz, self.num_heads, tgt_len, src_len) + attention_mask
            attn_weights = attn_weights.view(bsz * self.num_heads, tgt_len, src_len)
        attn_weights = nn.functional.softmax(attn_weights, dim=-1)
        attn_probs = nn.functional.dropout(attn_weights, p=self.dropout, training=self.training)
        attn_output = torch.bmm(attn_probs, value_states)

        attn_output = attn_output.view(bsz, self.num_heads, tgt_len, self.head_dim)
        attn_output = attn_output.transpose(1, 2)
        attn_output = attn_output.reshape(bsz, tgt_len, self.embed_dim)
        return self.out_proj(attn_output)


class BartEncoderLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embed_dim = config.d_model
        self.self_attn = BartAttention(self.embed_dim, config.encoder_attention_heads)
        self.self_attn_layer_norm = nn.LayerNorm(self.embed_dim)
        self.activation_fn = nn.functional.gelu
        self.fc1 = nn.Linear(self.embed_dim, config.encoder_ffn_dim)
        self.fc2 = nn.Linear(config.encoder_ffn_dim, self.embed_dim)
        self.final_layer_norm = nn.LayerNorm(self.embed_dim)
        self.dropout = config.dropout

    def forward(self, hidden_states, attention_mask):
        residual = hidden_states
        hidden_states = self.self_attn(hidden_states, attention_mask=attention_mask)
        hidden_states = nn.functional.dropout(hidden_states, p=self.dropout, training=self.training)
        hidden_states = residual + hidden_states
        hidden_states = self.self_attn_layer_norm(hidden_states)

        residual = hidden_states
        hidden_states = self.activation_fn(self.fc1(hidden_states))
        hidden_states = self.fc2(hidden_states)
        hidden_states = nn.functional.dropout(hidden_states, p=self.dropout, training=self.training)
        hidden_states = residual + hidden_states
        return self.final_layer_norm(hidden_states)


class BartDecoderLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embed_dim = config.d_model
        self.self_attn = BartAttention(self.embed_dim, config.decoder_attention_heads)
        self.self_attn_layer_norm = nn.LayerNorm(self.embed_dim)
        self.encoder_attn = BartAttention(self.embed_dim, config.decoder_attention_heads)
        self.encoder_attn_layer_norm = nn.LayerNorm(self.embed_dim)
        self.activation_fn = nn.functional.gelu
        self.fc1 = nn.Linear(self.embed_dim, config.decoder_ffn_dim)
        self.fc2 = nn.Linear(config.decoder_ffn_dim, self.embed_dim)
        self.final_layer_norm = nn.LayerNorm(self.embed_dim)
        self.dropout = config.dropout

    def forward(self, hidden_states, attention_mask, encoder_hidden_states, encoder_attention_mask):
        residual = hidden_states
        hidden_states = self.self_attn(hidden_states, attention_mask=attention_mask)
        hidden_states = nn.functional.dropout(hidden_states, p=self.dropout, training=self.training)
        hidden_states = residual + hidden_states
        hidden_states = self.self_attn_layer_norm(hidden_states)

        # cross-attention block
        residual = hidden_states
        hidden_states = self.encoder_attn(hidden_states, key_value_states=encoder_hidden_states,
                                          attention_mask=encoder_attention_mask)
        hidden_states = nn.functional.dropout(hidden_states, p=self.dropout, training=self.training)
        hidden_states = residual + hidden_states
        hidden_states = self.encoder_attn_layer_norm(hidden_states)

        residual = hidden_states
        hidden_states = self.activation_fn(self.fc1(hidden_states))
        hidden_states = self.fc2(hidden_states)
        hidden_states = residual + hidden_states
        return self.final_layer_norm(hidden_states)


class BartEncoder(nn.Module):
    def __init__(self, config, embed_tokens):
        super().__init__()
        self.embed_scale = math.sqrt(config.d_model) if config.scale_embedding else 1.0
        self.embed_tokens = embed_tokens
        self.embed_positions = BartLearnedPositionalEmbedding(config.max_position_embeddings, config.d_model)
        self.layers = nn.ModuleList([BartEncoderLayer(config) for _ in range(config.encoder_layers)])
        self.layernorm_embedding = nn.LayerNorm(config.d_model)

    def forward(self, input_ids, attention_mask):
        inputs_embeds = self.embed_tokens(input_ids) * self.embed_scale
        embed_pos = self.embed_positions(input_ids)
        hidden_states = self.layernorm_embedding(inputs_embeds + embed_pos)
        # [bsz, seq_len] -> [bsz, 1, tgt_seq_len, src_seq_len]
        attention_mask = expand_mask(attention_mask, inputs_embeds.dtype)
        for encoder_layer in self.layers:
            hidden_states = encoder_layer(hidden_states, attention_mask)
        return hidden_states


class BartDecoder(nn.Module):
    def __init__(self, config, embed_tokens):
        super().__init__()
        self.embed_scale = math.sqrt(config.d_model) if config.scale_embedding else 1.0
        self.embed_tokens = embed_tokens
        self.embed_positions = BartLearnedPositionalEmbedding(config.max_position_embeddings, config.d_model)
        self.layers = nn.ModuleList([BartDecoderLayer(config) for _ in range(config.decoder_layers)])
        self.layernorm_embedding = nn.LayerNorm(config.d_model)

    def forward(self, input_ids, encoder_hidden_states, encoder_attention_mask):
        input_shape = input_ids.size()
        inputs_embeds = self.embed_tokens(input_ids) * self.embed_scale
        attention_mask = prepare_4d_causal_attention_mask(None, input_shape, inputs_embeds, 0)
        # [bsz, src_len] -> [bsz, 1, tgt_len, src_len]
        encoder_attention_mask = expand_mask(encoder_attention_mask, inputs_embeds.dtype,
                                             tgt_len=input_shape[-1])
        positions = self.embed_positions(input_ids, 0)
        hidden_states = self.layernorm_embedding(inputs_embeds + positions)
        for decoder_layer in self.layers:
            hidden_states = decoder_layer(hidden_states, attention_mask, encoder_hidden_states,
                                          encoder_attention_mask)
        return hidden_states


class BartModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.shared = nn.Embedding(config.vocab_size, config.d_model, config.pad_token_id)
        self.encoder = BartEncoder(config, self.shared)
        self.decoder = BartDecoder(config, self.shared)

    def forward(self, input_ids, attention_mask, decoder_input_ids):
        encoder_hidden_states = self.encoder(input_ids, attention_mask)
        decoder_hidden_states = self.decoder(decoder_input_ids, encoder_hidden_states, attention_mask)
        return decoder_hidden_states, encoder_hidden_states


class BartForConditionalGeneration(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.model = BartModel(config)
        self.register_buffer("final_logits_bias", torch.zeros((1, config.vocab_size)))
        self.lm_head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.lm_head.weight = self.model.shared.weight  # tied

    def forward(self, input_ids, attention_mask, decoder_input_ids):
        decoder_hidden_states, encoder_hidden_states = self.model(input_ids, attention_mask, decoder_input_ids)
        lm_logits = self.lm_head(decoder_hidden_states)
        lm_logits = lm_logits + self.final_logits_bias
        return lm_logits, encoder_hidden_states


def _inputs(g, batch=BATCH, src=SRC, tgt=TGT):
    input_ids = torch.randint(3, CONFIG.vocab_size, (batch, src), generator=g)
    attention_mask = torch.ones(batch, src, dtype=torch.int64)
    attention_mask[1, src - 2:] = 0
    input_ids[1, src - 2:] = CONFIG.pad_token_id
    decoder_input_ids = torch.randint(3, CONFIG.vocab_size, (batch, tgt), generator=g)
    decoder_input_ids[:, 0] = 2  # decoder_start_token_id
    return input_ids, attention_mask, decoder_input_ids


def build():
    model = randomize(BartForConditionalGeneration(CONFIG), seed=48, std=0.2)
    with torch.no_grad():
        model.final_logits_bias.normal_(0.0, 0.05)
    return model, PlainSpec(
        input_names=["input_ids", "attention_mask", "decoder_input_ids"],
        output_names=["logits", "encoder_last_hidden_state"],
        make_inputs=_inputs,
        make_resized_inputs=lambda g: _inputs(g, batch=3, src=11, tgt=8),
        dynamic_axes={"input_ids": {0: "batch", 1: "encoder_sequence"},
                      "attention_mask": {0: "batch", 1: "encoder_sequence"},
                      "decoder_input_ids": {0: "batch", 1: "decoder_sequence"},
                      "logits": {0: "batch", 1: "decoder_sequence"},
                      "encoder_last_hidden_state": {0: "batch", 1: "encoder_sequence"}})

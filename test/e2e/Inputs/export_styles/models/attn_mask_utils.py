"""4-D attention masks the way Hugging Face's shared mask helpers build them
(the `_prepare_4d_causal_attention_mask` / `_make_causal_mask` /
`_expand_mask` family of transformers 4.3x, used by Qwen2, Phi and OPT).

Masks are additive: 0 where a query may look, finfo.min where it may not."""
import torch


def make_causal_mask(input_shape, dtype, past_key_values_length=0, sliding_window=None):
    """[bsz, 1, tgt_len, past + tgt_len]: causal over the new tokens, all of
    the past visible (except beyond `sliding_window`)."""
    bsz, tgt_len = input_shape
    mask = torch.full((tgt_len, tgt_len), torch.finfo(dtype).min)
    mask_cond = torch.arange(mask.size(-1))
    mask.masked_fill_(mask_cond < (mask_cond + 1).view(mask.size(-1), 1), 0)
    mask = mask.to(dtype)
    if past_key_values_length > 0:
        mask = torch.cat([torch.zeros(tgt_len, past_key_values_length, dtype=dtype), mask], dim=-1)
    if sliding_window is not None:
        # keys more than `sliding_window` positions behind the query are cut
        q_pos = torch.arange(tgt_len).view(-1, 1) + past_key_values_length
        k_pos = torch.arange(tgt_len + past_key_values_length).view(1, -1)
        mask = mask.masked_fill(k_pos <= q_pos - sliding_window, torch.finfo(dtype).min)
    return mask[None, None, :, :].expand(bsz, 1, tgt_len, tgt_len + past_key_values_length)


def expand_mask(mask, dtype, tgt_len=None):
    """[bsz, src_len] of 1/0 -> [bsz, 1, tgt_len, src_len] additive."""
    bsz, src_len = mask.size()
    tgt_len = tgt_len if tgt_len is not None else src_len
    expanded_mask = mask[:, None, None, :].expand(bsz, 1, tgt_len, src_len).to(dtype)
    inverted_mask = 1.0 - expanded_mask
    return inverted_mask.masked_fill(inverted_mask.to(torch.bool), torch.finfo(dtype).min)


def prepare_4d_causal_attention_mask(attention_mask, input_shape, inputs_embeds,
                                     past_key_values_length, sliding_window=None):
    """The padding mask combined with the causal one, as the 4.3x models do."""
    dtype = inputs_embeds.dtype
    key_value_length = input_shape[-1] + past_key_values_length
    causal_4d_mask = None
    if input_shape[-1] > 1 or sliding_window is not None:
        causal_4d_mask = make_causal_mask(input_shape, dtype,
                                          past_key_values_length=key_value_length - input_shape[-1],
                                          sliding_window=sliding_window)
    if attention_mask is None:
        return causal_4d_mask
    expanded_attn_mask = expand_mask(attention_mask, dtype, tgt_len=input_shape[-1])
    if causal_4d_mask is not None:
        expanded_attn_mask = causal_4d_mask.masked_fill(expanded_attn_mask.bool(),
                                                        torch.finfo(dtype).min)
    return expanded_attn_mask

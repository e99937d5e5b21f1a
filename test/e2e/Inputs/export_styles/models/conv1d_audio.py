"""An audio encoder front end in the style of Whisper's AudioEncoder: two
Conv1d over log-mel features (kernel 3, padding 1; the second with stride 2),
erf GELU after each, `permute(0, 2, 1)` to [batch, time, channels], fixed
sinusoidal positions (a buffer, sliced `[: x.shape[1]]`) added, one
`nn.TransformerEncoderLayer(batch_first=True, norm_first=True,
activation="gelu")` and a final LayerNorm. Dynamic batch and time."""
import math

import torch
from torch import nn
from torch.nn import functional as F

from .common import PlainSpec

N_MELS, N_STATE, N_HEAD, N_CTX = 16, 32, 4, 64
BATCH, FRAMES = 2, 21


def sinusoids(length, channels, max_timescale=10000):
    """[length, channels]: sin of the first half of the timescales, then cos."""
    assert channels % 2 == 0
    log_timescale_increment = math.log(max_timescale) / (channels // 2 - 1)
    inv_timescales = torch.exp(-log_timescale_increment * torch.arange(channels // 2))
    scaled_time = torch.arange(length)[:, None] * inv_timescales[None, :]
    return torch.cat([torch.sin(scaled_time), torch.cos(scaled_time)], dim=1)


class AudioEncoder(nn.Module):
    def __init__(self, n_mels, n_ctx, n_state, n_head):
        super().__init__()
        self.conv1 = nn.Conv1d(n_mels, n_state, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(n_state, n_state, kernel_size=3, stride=2, padding=1)
        self.register_buffer("positional_embedding", sinusoids(n_ctx, n_state))
        self.block = nn.TransformerEncoderLayer(n_state, n_head, dim_feedforward=4 * n_state,
                                                dropout=0.1, activation="gelu",
                                                batch_first=True, norm_first=True)
        self.ln_post = nn.LayerNorm(n_state)

    def forward(self, x):
        """x: [batch, n_mels, frames] -> [batch, ceil(frames / 2), n_state]"""
        x = F.gelu(self.conv1(x))
        x = F.gelu(self.conv2(x))
        x = x.permute(0, 2, 1)
        x = (x + self.positional_embedding[: x.shape[1]]).to(x.dtype)
        x = self.block(x)
        return self.ln_post(x)


def build():
    torch.manual_seed(45)
    model = AudioEncoder(N_MELS, N_CTX, N_STATE, N_HEAD).eval()
    with torch.no_grad():  # non-trivial norms and biases
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.add_(0.1 * torch.randn_like(p))
    return model, PlainSpec(
        input_names=["input_features"], output_names=["last_hidden_state"],
        make_inputs=lambda g: (torch.randn(BATCH, N_MELS, FRAMES, generator=g),),
        make_resized_inputs=lambda g: (torch.randn(3, N_MELS, 40, generator=g),),
        dynamic_axes={"input_features": {0: "batch", 2: "frames"},
                      "last_hidden_state": {0: "batch", 1: "time"}})

"""LSTM, GRU and RNN in the forms ONNX's node tests leave out (bidirectional
and reverse, layout 1, sequence_lens with rows of different lengths and an
empty row, clip, input_forget, GRU linear_before_reset 0, peepholes, the
optional activation functions with alpha/beta), each against a numpy
reference written from the operator specification. X, initial states and
sequence_lens have symbolic batch and sequence sizes.

sequence_lens follows onnxruntime: steps past a row's length leave its
state as it was and give zero rows in Y (the reverse direction starts at
the row's last valid step); a row of length 0 has zero final states. Clip
bounds the input of every gate's activation (not LSTM's h(C));
activation_alpha and activation_beta are consumed in order by the functions
that take them.
(Every case but the layout 1 ones, which onnxruntime's CPU provider refuses,
agrees with onnxruntime 1.30 by bench/ort_check.py.)

Usage: make_recurrent.py OUT_DIR  (writes NAME.onnx and NAME_data/ per case;
prints the case names)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

DEFAULTS = {"Affine": (1.0, 0.0), "LeakyRelu": (0.01, None), "ThresholdedRelu": (1.0, None),
            "ScaledTanh": (1.0, 1.0), "HardSigmoid": (0.2, 0.5), "Elu": (1.0, None)}


def activation(name, alpha, beta):
    return {
        "Relu": lambda x: np.maximum(x, 0),
        "Tanh": np.tanh,
        "Sigmoid": lambda x: 1 / (1 + np.exp(-x)),
        "Affine": lambda x: alpha * x + beta,
        "LeakyRelu": lambda x: np.where(x < 0, alpha * x, x),
        "ThresholdedRelu": lambda x: np.where(x > alpha, x, 0),
        "ScaledTanh": lambda x: alpha * np.tanh(beta * x),
        "HardSigmoid": lambda x: np.clip(alpha * x + beta, 0, 1),
        "Elu": lambda x: np.where(x < 0, alpha * (np.exp(x) - 1), x),
        "Softsign": lambda x: x / (1 + np.abs(x)),
        "Softplus": lambda x: np.log1p(np.exp(x)),
    }[name]


def activations(names, alphas, betas, clip):
    """The functions, each also given unclipped as .plain."""
    alphas, betas, out = list(alphas), list(betas), []
    for name in names:
        alpha, beta = DEFAULTS.get(name, (None, None))
        if alpha is not None and alphas:
            alpha = alphas.pop(0)
        if beta is not None and betas:
            beta = betas.pop(0)
        f = activation(name, alpha, beta)
        clipped = f if clip is None else (lambda f: lambda x: f(np.clip(x, -clip, clip)))(f)
        out.append((clipped, f))
    return out


def reference(op, x, w, r, b, lens, h0, c0, p, hidden, direction, layout, names, alphas,
              betas, clip, input_forget, linear_before_reset):
    """Y, Y_h (, Y_c) in float64 from float32 inputs."""
    x, w, r = (v.astype(np.float64) for v in (x, w, r))
    if layout == 1:
        x = x.transpose(1, 0, 2)
        h0 = None if h0 is None else h0.transpose(1, 0, 2)
        c0 = None if c0 is None else c0.transpose(1, 0, 2)
    steps, batch, _ = x.shape
    dirs = 2 if direction == "bidirectional" else 1
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    per_dir = {"LSTM": 3, "GRU": 2, "RNN": 1}[op]
    funcs = activations(names, alphas, betas, clip)
    lens = np.full(batch, steps) if lens is None else lens
    y = np.zeros((steps, dirs, batch, hidden))
    yh = np.zeros((dirs, batch, hidden))
    yc = np.zeros((dirs, batch, hidden))
    for d in range(dirs):
        f = [clipped for clipped, _ in funcs[d * per_dir:(d + 1) * per_dir]]
        plain = [p for _, p in funcs[d * per_dir:(d + 1) * per_dir]]
        bias = np.zeros(2 * gates * hidden) if b is None else b[d].astype(np.float64)
        wb, rb = bias[:gates * hidden], bias[gates * hidden:]
        reverse = direction == "reverse" or d == 1
        for n in range(batch):
            h = np.zeros(hidden) if h0 is None else h0[d, n].astype(np.float64)
            c = np.zeros(hidden) if c0 is None else c0[d, n].astype(np.float64)
            order = range(lens[n] - 1, -1, -1) if reverse else range(lens[n])
            for t in order:
                gx = x[t, n] @ w[d].T + wb
                gh = h @ r[d].T + rb
                if op == "RNN":
                    h = f[0](gx + gh)
                elif op == "LSTM":
                    pi, po, pf = (np.zeros(hidden),) * 3 if p is None else np.split(p[d], 3)
                    xi, xo, xf, xc = np.split(gx + gh, 4)
                    i = f[0](xi + pi * c)
                    fg = 1 - i if input_forget else f[0](xf + pf * c)
                    c = fg * c + i * f[1](xc)
                    o = f[0](xo + po * c)
                    h = o * plain[2](c)
                else:
                    xz, xr, xh = np.split(gx, 3)
                    hz, hr, hh = np.split(gh, 3)
                    z = f[0](xz + hz)
                    rg = f[0](xr + hr)
                    if linear_before_reset:
                        ht = f[1](xh + rg * hh)
                    else:
                        rbh = rb[2 * hidden:]
                        ht = f[1](xh + (rg * h) @ r[d][2 * hidden:].T + rbh)
                    h = (1 - z) * ht + z * h
                y[t, d, n] = h
            yh[d, n] = h if lens[n] > 0 else 0
            yc[d, n] = c if lens[n] > 0 else 0
    if layout == 1:
        y, yh, yc = y.transpose(2, 0, 1, 3), yh.transpose(1, 0, 2), yc.transpose(1, 0, 2)
    outs = [y, yh] + ([yc] if op == "LSTM" else [])
    return [o.astype(np.float32) for o in outs]


def case(out, name, op, steps=5, batch=3, inputs=7, hidden=4, direction="forward", layout=0,
         bias=True, lens=None, h0=False, c0=False, peepholes=False, names=None, alphas=(),
         betas=(), clip=None, input_forget=0, linear_before_reset=0, seed=0):
    rng = np.random.default_rng(seed)
    dirs = 2 if direction == "bidirectional" else 1
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    per_dir = {"LSTM": 3, "GRU": 2, "RNN": 1}[op]
    if names is None:
        names = {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"],
                 "RNN": ["Tanh"]}[op] * dirs
    assert len(names) == per_dir * dirs

    def rand(*shape):
        return rng.uniform(-1, 1, shape).astype(np.float32)

    x = rand(*((batch, steps, inputs) if layout else (steps, batch, inputs)))
    w, r = rand(dirs, gates * hidden, inputs), rand(dirs, gates * hidden, hidden)
    b = rand(dirs, 2 * gates * hidden) if bias else None
    state = (batch, dirs, hidden) if layout else (dirs, batch, hidden)
    hv = rand(*state) if h0 else None
    cv = rand(*state) if c0 else None
    pv = rand(dirs, 3 * hidden) if peepholes else None
    lv = None if lens is None else np.array(lens, np.int32)

    seq, bat = ("batch", "seq") if layout else ("seq", "batch")
    sym_state = ["batch", dirs, hidden] if layout else [dirs, "batch", hidden]
    graph_inputs = [("X", x, [seq, bat, inputs])]
    node_inputs = ["X", "W", "R", "B" if bias else ""]
    inits = [numpy_helper.from_array(w, "W"), numpy_helper.from_array(r, "R")]
    if bias:
        inits.append(numpy_helper.from_array(b, "B"))
    optional = [("sequence_lens", lv, ["batch"]), ("initial_h", hv, sym_state)]
    if op == "LSTM":
        optional.append(("initial_c", cv, sym_state))
    for key, value, shape in optional:
        node_inputs.append(key if value is not None else "")
        if value is not None:
            graph_inputs.append((key, value, shape))
    if op == "LSTM" and peepholes:
        node_inputs.append("P")
        inits.append(numpy_helper.from_array(pv, "P"))
    while node_inputs[-1] == "":
        node_inputs.pop()

    attrs = {"hidden_size": hidden, "direction": direction, "activations": names}
    if layout:
        attrs["layout"] = layout
    if alphas:
        attrs["activation_alpha"] = list(alphas)
    if betas:
        attrs["activation_beta"] = list(betas)
    if clip is not None:
        attrs["clip"] = clip
    if op == "LSTM" and input_forget:
        attrs["input_forget"] = input_forget
    if op == "GRU":
        attrs["linear_before_reset"] = linear_before_reset
    outputs = ["Y", "Y_h"] + (["Y_c"] if op == "LSTM" else [])
    node = helper.make_node(op, node_inputs, outputs, **attrs)
    expected = reference(op, x, w, r, b, lv, hv, cv, pv, hidden, direction, layout, names,
                         alphas, betas, clip, input_forget, linear_before_reset)
    y_shape = ["batch", "seq", dirs, hidden] if layout else ["seq", dirs, "batch", hidden]
    out_shapes = [y_shape, sym_state, sym_state]
    elem = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.int32): TensorProto.INT32}
    graph = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info(n, elem[v.dtype], s) for n, v, s in graph_inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s)
         for n, s in zip(outputs, out_shapes)], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]),
              os.path.join(out, name + ".onnx"))
    data = os.path.join(out, name + "_data")
    os.makedirs(data, exist_ok=True)
    files = [(f"input_{i}", v) for i, (_, v, _) in enumerate(graph_inputs)]
    files += [(f"output_{i}", v) for i, v in enumerate(expected)]
    for fname, t in files:
        with open(os.path.join(data, fname + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(t).SerializeToString())
    print(name)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    case(out, "lstm_bidirectional_lens", "LSTM", direction="bidirectional", lens=[5, 2, 0],
         h0=True, c0=True, peepholes=True, seed=1)
    case(out, "lstm_reverse_layout1_clip", "LSTM", direction="reverse", layout=1, h0=True,
         c0=True, clip=0.4, input_forget=1, batch=2, seed=2)
    case(out, "lstm_reverse_clip_input_forget", "LSTM", direction="reverse", h0=True, c0=True,
         peepholes=True, clip=0.3, input_forget=1, lens=[2, 5, 4], seed=10)
    case(out, "lstm_activations", "LSTM", names=["HardSigmoid", "ScaledTanh", "Softsign"],
         alphas=[0.3, 0.8], betas=[0.4, 1.3], bias=False, seed=3)
    case(out, "gru_bidirectional_reset_after", "GRU", direction="bidirectional", lens=[3, 5, 1],
         h0=True, linear_before_reset=1, seed=4)
    case(out, "gru_reset_before_layout1", "GRU", direction="bidirectional", layout=1, h0=True,
         names=["Sigmoid", "Elu", "HardSigmoid", "Softplus"], alphas=[0.7, 0.25],
         betas=[0.45], seed=5)
    case(out, "gru_reverse_clip", "GRU", direction="reverse", clip=0.6, lens=[4, 5, 2], seed=6)
    case(out, "rnn_bidirectional_lens", "RNN", direction="bidirectional", lens=[1, 5, 3],
         h0=True, names=["Relu", "LeakyRelu"], alphas=[0.2], seed=7)
    case(out, "rnn_reverse_layout1", "RNN", direction="reverse", layout=1, h0=True,
         names=["Affine"], alphas=[0.5], betas=[0.1], seed=8)
    case(out, "rnn_thresholded_relu", "RNN", names=["ThresholdedRelu"], alphas=[0.1], seed=9)


if __name__ == "__main__":
    main()

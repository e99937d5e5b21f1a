#!/usr/bin/env python3
"""Generate with a library from `loom-compile --generate`, from Python.

    from loom.generate import Generator
    gen = Generator("libstories.so")
    tokens = gen.generate([1], max_new_tokens=50, temperature=0.8, top_p=0.9, seed=7)

The library links loomrt (its C API is include/loom-c/Generate.h); ctypes
loads both, so nothing else needs installing. Bad requests raise LoomError
with loomrt's message. Usable as a script too:

    python3 -m loom.generate libstories.so --prompt-tokens "1" --max-tokens 50
"""
import argparse
import ctypes
import os
import sys


class LoomError(RuntimeError):
    """A loomrt call failed; the message says what was wrong."""


class _Options(ctypes.Structure):
    _fields_ = [("max_new_tokens", ctypes.c_int64),
                ("temperature", ctypes.c_float),
                ("top_k", ctypes.c_int64),
                ("top_p", ctypes.c_float),
                ("min_p", ctypes.c_float),
                ("repetition_penalty", ctypes.c_float),
                ("seed", ctypes.c_uint64),
                ("stop_tokens", ctypes.POINTER(ctypes.c_int64)),
                ("num_stop_tokens", ctypes.c_size_t)]


class Stats(ctypes.Structure):
    """Token counts and seconds of the last generate call; with speculation
    (loom-compile --speculate), the verify steps and drafted/accepted tokens."""
    _fields_ = [("prompt_tokens", ctypes.c_int64),
                ("generated_tokens", ctypes.c_int64),
                ("prefill_seconds", ctypes.c_double),
                ("decode_seconds", ctypes.c_double),
                ("verify_steps", ctypes.c_int64),
                ("drafted_tokens", ctypes.c_int64),
                ("accepted_tokens", ctypes.c_int64)]

    @property
    def tokens_per_verify_step(self):
        """Mean tokens one verify step made (accepted drafts plus the target's own)."""
        if not self.verify_steps:
            return 0.0
        return (self.accepted_tokens + self.verify_steps) / self.verify_steps


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int64, ctypes.c_void_p)


class Generator:
    """A loaded --generate library."""

    def __init__(self, library, threads=0):
        path = os.path.abspath(library)
        if not os.path.isfile(path):
            raise LoomError(f"no such library: {library}")
        self._lib = lib = ctypes.CDLL(path)
        lib.loom_last_error.restype = ctypes.c_char_p
        lib.loom_model_load.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
        lib.loom_model_unload.argtypes = [ctypes.c_void_p]
        lib.loom_model_is_generator.argtypes = [ctypes.c_void_p]
        lib.loom_model_vocab_size.argtypes = [ctypes.c_void_p]
        lib.loom_model_vocab_size.restype = ctypes.c_int64
        lib.loom_model_context_length.argtypes = [ctypes.c_void_p]
        lib.loom_model_context_length.restype = ctypes.c_int64
        lib.loom_generate_options_init.argtypes = [ctypes.POINTER(_Options)]
        lib.loom_set_num_threads.argtypes = [ctypes.c_int]
        lib.loom_model_generate.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_int64), ctypes.c_size_t,
            ctypes.POINTER(_Options), _Callback, ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(ctypes.c_size_t),
            ctypes.POINTER(Stats)]
        self._check(lib.loom_set_num_threads(threads))
        self._model = ctypes.c_void_p()
        self._check(lib.loom_model_load(path.encode(), ctypes.byref(self._model)))
        if not lib.loom_model_is_generator(self._model):
            self.close()
            raise LoomError(f"{library} computes one step; compile it with "
                            "loom-compile --generate")
        self.vocab_size = lib.loom_model_vocab_size(self._model)
        self.context_length = lib.loom_model_context_length(self._model)
        self.stats = Stats()

    def _check(self, status):
        if status != 0:
            raise LoomError(self._lib.loom_last_error().decode())

    def generate(self, prompt, max_new_tokens=128, temperature=0.0, top_k=0, top_p=1.0,
                 min_p=0.0, repetition_penalty=1.0, seed=0, stop_tokens=(), on_token=None):
        """Token ids generated after `prompt`. `on_token(id)` sees each as it is
        made and may return True to stop."""
        options = _Options()
        self._lib.loom_generate_options_init(ctypes.byref(options))
        options.max_new_tokens = max_new_tokens
        options.temperature = temperature
        options.top_k = top_k
        options.top_p = top_p
        options.min_p = min_p
        options.repetition_penalty = repetition_penalty
        options.seed = seed
        stops = (ctypes.c_int64 * max(len(stop_tokens), 1))(*stop_tokens)
        options.stop_tokens = stops
        options.num_stop_tokens = len(stop_tokens)
        ids = (ctypes.c_int64 * max(len(prompt), 1))(*prompt)
        out = (ctypes.c_int64 * max(max_new_tokens, 1))()
        count = ctypes.c_size_t()
        callback = _Callback(lambda token, _: 1 if on_token and on_token(token) else 0)
        self._check(self._lib.loom_model_generate(
            self._model, ids, len(prompt), ctypes.byref(options), callback, None, out,
            ctypes.byref(count), ctypes.byref(self.stats)))
        return list(out[:count.value])

    def close(self):
        if self._model:
            self._lib.loom_model_unload(self._model)
            self._model = ctypes.c_void_p()

    def __del__(self):
        if getattr(self, "_model", None):
            self.close()


def main():
    ap = argparse.ArgumentParser(description="Generate with a loom-compile --generate library.")
    ap.add_argument("library")
    ap.add_argument("--prompt-tokens", required=True)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--temperature", type=float, default=0.0)
    ap.add_argument("--top-k", type=int, default=0)
    ap.add_argument("--top-p", type=float, default=1.0)
    ap.add_argument("--min-p", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--stop-tokens", default="")
    args = ap.parse_args()
    try:
        gen = Generator(args.library)
        tokens = gen.generate([int(t) for t in args.prompt_tokens.split()],
                              max_new_tokens=args.max_tokens, temperature=args.temperature,
                              top_k=args.top_k, top_p=args.top_p, min_p=args.min_p,
                              seed=args.seed,
                              stop_tokens=[int(t) for t in args.stop_tokens.split()])
    except LoomError as e:
        print(f"loom.generate: {e}", file=sys.stderr)
        return 2
    print(" ".join(map(str, tokens)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

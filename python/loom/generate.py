#!/usr/bin/env python3
"""Generate with a library from `loom-compile --generate`, from Python.

    from loom.generate import Generator
    gen = Generator("libstories.so")
    tokens = gen.generate([1], max_new_tokens=50, temperature=0.8, top_p=0.9, seed=7)

    gen = Generator("libstories.so", tokenizer="tok512.bin")   # text in and out
    tokens = gen.generate("Once upon a time", max_new_tokens=50,
                          on_text=lambda s: print(s, end="", flush=True))
    print(gen.decode(tokens))

    gen = Generator("libstories.so")   # compiled with loom-compile --tokenizer: the same

The library links loomrt (its C API is include/loom-c/Generate.h); ctypes
loads both, so nothing else needs installing. Bad requests raise LoomError
with loomrt's message. Usable as a script too:

    python3 -m loom.generate libstories.so --prompt-tokens "1" --max-tokens 50
    python3 -m loom.generate libstories.so --tokenizer tok512.bin --prompt "Once upon a time"
"""
import argparse
import collections
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
                ("num_stop_tokens", ctypes.c_size_t),
                ("node_drafted", ctypes.POINTER(ctypes.c_int64)),
                ("node_accepted", ctypes.POINTER(ctypes.c_int64))]


class Stats(ctypes.Structure):
    """Token counts and seconds of the last generate call; with speculation
    (loom-compile --speculate), the verify steps and drafted/accepted tokens;
    runs of the compiled step (model_runs), those over the prompt
    (prefill_runs: one for any number of branches) and the tokens fed to
    them (fed_tokens), as loomrt counted them."""
    _fields_ = [("prompt_tokens", ctypes.c_int64),
                ("generated_tokens", ctypes.c_int64),
                ("prefill_seconds", ctypes.c_double),
                ("decode_seconds", ctypes.c_double),
                ("verify_steps", ctypes.c_int64),
                ("drafted_tokens", ctypes.c_int64),
                ("accepted_tokens", ctypes.c_int64),
                ("model_runs", ctypes.c_int64),
                ("prefill_runs", ctypes.c_int64),
                ("fed_tokens", ctypes.c_int64)]

    @property
    def tokens_per_verify_step(self):
        """Mean tokens one verify step made (accepted drafts plus the target's own)."""
        if not self.verify_steps:
            return 0.0
        return (self.accepted_tokens + self.verify_steps) / self.verify_steps


class _BranchOptions(ctypes.Structure):
    _fields_ = [("num_branches", ctypes.c_int64),
                ("best_of", ctypes.c_int),
                ("length_penalty", ctypes.c_float),
                ("beam_search", ctypes.c_int),
                ("early_stopping", ctypes.c_int)]


class _BranchResult(ctypes.Structure):
    _fields_ = [("branch", ctypes.c_int64),
                ("tokens", ctypes.POINTER(ctypes.c_int64)),
                ("num_tokens", ctypes.c_size_t),
                ("log_prob", ctypes.c_double),
                ("score", ctypes.c_double)]


Branch = collections.namedtuple("Branch", "branch tokens log_prob score")
Branch.__doc__ = """One continuation of generate_branches: its index (it sampled with
seed + branch), token ids, the model's log-probability of them and its score
(log_prob / len(tokens) ** length_penalty)."""

_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int64, ctypes.c_void_p)


class Generator:
    """A loaded --generate library."""

    def __init__(self, library, threads=0, tokenizer=None):
        """`tokenizer`: a llama2.c tokenizer.bin or a Hugging Face tokenizer.json
        (loom-c/Tokenizer.h), for text prompts, `on_text` and decode()."""
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
        lib.loom_model_speculation_tree.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_int64), ctypes.c_size_t]
        lib.loom_model_speculation_tree.restype = ctypes.c_int64
        lib.loom_generate_options_init.argtypes = [ctypes.POINTER(_Options)]
        lib.loom_set_num_threads.argtypes = [ctypes.c_int]
        lib.loom_model_generate.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_int64), ctypes.c_size_t,
            ctypes.POINTER(_Options), _Callback, ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(ctypes.c_size_t),
            ctypes.POINTER(Stats)]
        lib.loom_branch_options_init.argtypes = [ctypes.POINTER(_BranchOptions)]
        lib.loom_model_generate_branches.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_int64), ctypes.c_size_t,
            ctypes.POINTER(_Options), ctypes.POINTER(_BranchOptions), ctypes.c_void_p,
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(_BranchResult),
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
        # The speculation tree (a parent index per node; empty without
        # speculation) and, per node, how often generate() drafted and
        # accepted it, summed over calls (loom-run --acceptance-profile).
        nodes = lib.loom_model_speculation_tree(self._model, None, 0)
        tree = (ctypes.c_int64 * max(nodes, 1))()
        lib.loom_model_speculation_tree(self._model, tree, nodes)
        self.speculation_tree = list(tree[:nodes])
        self._drafted = (ctypes.c_int64 * max(nodes, 1))()
        self._accepted = (ctypes.c_int64 * max(nodes, 1))()
        self.stats = Stats()
        self._tokenizer = ctypes.c_void_p()
        # Without a tokenizer file, the one loom-compile --tokenizer embedded
        # in the library, if any.
        lib.loom_model_tokenizer.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
        if tokenizer is not None:
            self._load_tokenizer(tokenizer)
        elif lib.loom_model_tokenizer(self._model, ctypes.byref(self._tokenizer)) == 0:
            self._load_tokenizer(None)
        else:
            self._tokenizer = ctypes.c_void_p()

    def _load_tokenizer(self, path):
        """`path`: a tokenizer file; None: self._tokenizer is loaded already."""
        lib = self._lib
        lib.loom_tokenizer_load.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
        lib.loom_tokenizer_destroy.argtypes = [ctypes.c_void_p]
        lib.loom_tokenizer_vocab_size.argtypes = [ctypes.c_void_p]
        lib.loom_tokenizer_vocab_size.restype = ctypes.c_int64
        lib.loom_tokenizer_end_tokens.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int64),
                                                  ctypes.c_size_t]
        lib.loom_tokenizer_end_tokens.restype = ctypes.c_size_t
        lib.loom_tokenizer_encode.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int,
            ctypes.POINTER(ctypes.POINTER(ctypes.c_int64)), ctypes.POINTER(ctypes.c_size_t)]
        lib.loom_detokenizer_create.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
        lib.loom_detokenizer_destroy.argtypes = [ctypes.c_void_p]
        for f in ("loom_detokenizer_push", "loom_detokenizer_flush"):
            getattr(lib, f).restype = ctypes.c_int
        lib.loom_detokenizer_push.argtypes = [
            ctypes.c_void_p, ctypes.c_int64, ctypes.POINTER(ctypes.c_char_p),
            ctypes.POINTER(ctypes.c_size_t)]
        lib.loom_detokenizer_flush.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_size_t)]
        self._free = ctypes.CDLL(None).free
        self._free.argtypes = [ctypes.c_void_p]
        if path is not None:
            self._check(lib.loom_tokenizer_load(os.fsencode(path),
                                                ctypes.byref(self._tokenizer)))
        size = lib.loom_tokenizer_vocab_size(self._tokenizer)
        if size != self.vocab_size:
            raise LoomError(f"the tokenizer '{path}' has {size} tokens but the model's logits "
                            f"have {self.vocab_size}: the tokenizer belongs to another model")
        ends = (ctypes.c_int64 * 2)()
        count = lib.loom_tokenizer_end_tokens(self._tokenizer, ends, 2)
        self.end_tokens = list(ends[:min(count, 2)])

    def encode(self, text):
        """The ids of `text` with the tokenizer's beginning-of-sequence token."""
        data = text.encode("utf-8")
        ids = ctypes.POINTER(ctypes.c_int64)()
        count = ctypes.c_size_t()
        self._check(self._lib.loom_tokenizer_encode(self._tokenizer, data, len(data), 1,
                                                    ctypes.byref(ids), ctypes.byref(count)))
        out = list(ids[:count.value])
        self._free(ids)
        return out

    def decode(self, tokens):
        """The text of `tokens` (special tokens print nothing)."""
        stream = ctypes.c_void_p()
        self._check(self._lib.loom_detokenizer_create(self._tokenizer, ctypes.byref(stream)))
        try:
            return "".join(self._push(stream, t) for t in tokens) + self._flush(stream)
        finally:
            self._lib.loom_detokenizer_destroy(stream)

    def _push(self, stream, token):
        text, length = ctypes.c_char_p(), ctypes.c_size_t()
        self._check(self._lib.loom_detokenizer_push(stream, token, ctypes.byref(text),
                                                    ctypes.byref(length)))
        return ctypes.string_at(text, length.value).decode("utf-8")

    def _flush(self, stream):
        text, length = ctypes.c_char_p(), ctypes.c_size_t()
        self._check(self._lib.loom_detokenizer_flush(stream, ctypes.byref(text),
                                                     ctypes.byref(length)))
        return ctypes.string_at(text, length.value).decode("utf-8")

    def _check(self, status):
        if status != 0:
            raise LoomError(self._lib.loom_last_error().decode())

    def generate(self, prompt, max_new_tokens=128, temperature=0.0, top_k=0, top_p=1.0,
                 min_p=0.0, repetition_penalty=1.0, seed=0, stop_tokens=None, on_token=None,
                 on_text=None):
        """Token ids generated after `prompt` (ids, or text with a tokenizer).
        `on_token(id)` sees each as it is made and may return True to stop;
        `on_text(str)` (with a tokenizer) sees the text each token completes.
        With a tokenizer, generation stops at its end of text (EOS; llama2.c:
        EOS or BOS) unless `stop_tokens` is given."""
        if isinstance(prompt, str):
            if not self._tokenizer:
                raise LoomError("a text prompt needs Generator(..., tokenizer=FILE)")
            if not prompt:
                raise LoomError("the prompt is empty")
            prompt = self.encode(prompt)
        options, stops = self._options(max_new_tokens, temperature, top_k, top_p, min_p,
                                      repetition_penalty, seed, stop_tokens)
        stream = ctypes.c_void_p()
        if on_text:
            if not self._tokenizer:
                raise LoomError("on_text needs Generator(..., tokenizer=FILE)")
            self._check(self._lib.loom_detokenizer_create(self._tokenizer,
                                                          ctypes.byref(stream)))
            for t in prompt:  # the spacing after the prompt, as loom-run has it
                self._push(stream, t)
        ids = (ctypes.c_int64 * max(len(prompt), 1))(*prompt)
        out = (ctypes.c_int64 * max(max_new_tokens, 1))()
        count = ctypes.c_size_t()
        def each(token, _):
            if on_text:
                on_text(self._push(stream, token))
            return 1 if on_token and on_token(token) else 0
        callback = _Callback(each)
        try:
            self._check(self._lib.loom_model_generate(
                self._model, ids, len(prompt), ctypes.byref(options), callback, None, out,
                ctypes.byref(count), ctypes.byref(self.stats)))
            if on_text:
                on_text(self._flush(stream))
        finally:
            if stream:
                self._lib.loom_detokenizer_destroy(stream)
        return list(out[:count.value])

    def _options(self, max_new_tokens, temperature, top_k, top_p, min_p, repetition_penalty,
                 seed, stop_tokens):
        """loom_generate_options, and the stop token array it points at."""
        if stop_tokens is None:
            stop_tokens = self.end_tokens if self._tokenizer else []
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
        if self.speculation_tree:
            options.node_drafted = self._drafted
            options.node_accepted = self._accepted
        return options, stops

    def acceptance_profile(self):
        """Per speculation tree node (node 0 the root): (times drafted, times
        accepted) summed over generate() calls; the root's counts are the
        verify steps."""
        return [(self._drafted[i], self._accepted[i])
                for i in range(len(self.speculation_tree))]

    def generate_branches(self, prompt, num_branches, best_of=False, length_penalty=1.0,
                          max_new_tokens=128, temperature=1.0, top_k=0, top_p=1.0, min_p=0.0,
                          repetition_penalty=1.0, seed=0, stop_tokens=None, beam_search=False,
                          early_stopping=False):
        """`num_branches` continuations of `prompt` (ids, or text with a
        tokenizer) after one prefill, as a list of Branch: in branch order, or
        with best_of=True best score first. Branch b samples with seed + b
        (the tokens generate() makes with that seed). With beam_search=True
        (temperature=0 and no other sampling options), a beam search of width
        num_branches: its finished hypotheses, best first."""
        if isinstance(prompt, str):
            if not self._tokenizer:
                raise LoomError("a text prompt needs Generator(..., tokenizer=FILE)")
            prompt = self.encode(prompt)
        options, stops = self._options(max_new_tokens, temperature, top_k, top_p, min_p,
                                      repetition_penalty, seed, stop_tokens)
        branches = _BranchOptions()
        self._lib.loom_branch_options_init(ctypes.byref(branches))
        branches.num_branches = num_branches
        branches.best_of = 1 if best_of else 0
        branches.length_penalty = length_penalty
        branches.beam_search = 1 if beam_search else 0
        branches.early_stopping = 1 if early_stopping else 0
        # Room for every branch's tokens: no more than the context leaves.
        room = max(1, min(max_new_tokens, self.context_length - len(prompt) + 1))
        options.max_new_tokens = room
        ids = (ctypes.c_int64 * max(len(prompt), 1))(*prompt)
        # A count loomrt refuses gets its message, not a huge allocation.
        count = num_branches if 1 <= num_branches <= 1024 else 1
        out = (ctypes.c_int64 * (room * count))()
        results = (_BranchResult * count)()
        self._check(self._lib.loom_model_generate_branches(
            self._model, ids, len(prompt), ctypes.byref(options), ctypes.byref(branches),
            None, None, out, results, ctypes.byref(self.stats)))
        return [Branch(r.branch, list(r.tokens[:r.num_tokens]), r.log_prob, r.score)
                for r in results if r.tokens]

    def close(self):
        """Unloads the model and its tokenizer now (otherwise when the
        Generator is garbage-collected); the Generator is unusable after."""
        if getattr(self, "_tokenizer", None):
            self._lib.loom_tokenizer_destroy(self._tokenizer)
            self._tokenizer = ctypes.c_void_p()
        if self._model:
            self._lib.loom_model_unload(self._model)
            self._model = ctypes.c_void_p()

    def __del__(self):
        if getattr(self, "_model", None):
            self.close()


def main():
    """`python -m loom.generate LIBRARY ...`: loom-run --generate's core
    options over this module (prints ids, or text with a tokenizer)."""
    ap = argparse.ArgumentParser(description="Generate with a loom-compile --generate library.")
    ap.add_argument("library")
    ap.add_argument("--prompt-tokens")
    ap.add_argument("--prompt", help="text (needs --tokenizer)")
    ap.add_argument("--tokenizer", help="tokenizer.bin or tokenizer.json: print text")
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--temperature", type=float, default=0.0)
    ap.add_argument("--top-k", type=int, default=0)
    ap.add_argument("--top-p", type=float, default=1.0)
    ap.add_argument("--min-p", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--stop-tokens", default=None)
    args = ap.parse_args()
    if (args.prompt is None) == (args.prompt_tokens is None):
        ap.error("give one of --prompt-tokens and --prompt")
    text = args.tokenizer is not None
    try:
        gen = Generator(args.library, tokenizer=args.tokenizer)
        prompt = args.prompt if args.prompt is not None else [
            int(t) for t in args.prompt_tokens.split()]
        if text:
            ids = gen.encode(prompt) if isinstance(prompt, str) else prompt
            sys.stdout.write(gen.decode(ids))
            prompt = ids
        stops = None if args.stop_tokens is None else [int(t) for t in args.stop_tokens.split()]
        tokens = gen.generate(prompt, max_new_tokens=args.max_tokens,
                              temperature=args.temperature, top_k=args.top_k,
                              top_p=args.top_p, min_p=args.min_p, seed=args.seed,
                              stop_tokens=stops,
                              on_text=(lambda s: (sys.stdout.write(s), sys.stdout.flush()))
                              if text else None)
    except LoomError as e:
        print(f"loom.generate: {e}", file=sys.stderr)
        return 2
    print("" if text else " ".join(map(str, tokens)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

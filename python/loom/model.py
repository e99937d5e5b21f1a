"""Compiled models from Python: `loom.compile`, `loom.load` and `Model`.

    import loom
    model = loom.compile("mlp.onnx")                        # any ONNX model
    outputs = model.run({"x": x})                            # numpy in, numpy out

    model = loom.compile("stories.onnx", generate=True, context_length=512,
                         tokenizer="tok512.bin")
    for piece in model.generate("Once upon a time", max_tokens=50, temperature=0.8,
                                top_p=0.9, seed=7):
        print(piece, end="", flush=True)                     # text as it is made

`compile` runs loom-compile (`loom.compiler`); `Model` loads the library with
ctypes through loomrt's C API (`loom.runtime` for one-step models,
`loom.generate` for generation loops).
"""
import os
import queue
import shutil
import tempfile
import threading

from . import compiler
from .generate import Generator, LoomError
from .runtime import Model as _StepModel


def compile(onnx_path, output=None, *, tokenizer=None, threads=0, **options):
    """Compiles the ONNX model at `onnx_path` and returns it loaded, a `Model`.

    `options` are loom-compile's, spelled with underscores: generate=True
    (compile the decoder's generation loop), context_length=N,
    stop_tokens=[...], softmax="online", quantize="int4", weights="file",
    speculate="ngram", mcpu=..., and the decoder's input/output names
    (input_ids=, past_key=, logits=, ...); see docs/tools.md. `output` keeps
    the shared library (and its header) at that path; without it the library
    is written to a temporary folder that is removed once it is loaded.
    `tokenizer` (a tokenizer.bin, tokenizer.json or SentencePiece .model)
    gives `Model.generate` text in and out; with generate=True it is also
    embedded in the library (loom-compile --tokenizer), so the library kept
    at `output` takes text without it (loom-run --prompt, NAME_generate_text).
    Raises `loom.CompileError` with loom-compile's diagnostics when the model
    cannot be compiled.
    """
    if tokenizer is not None and options.get("generate"):
        options.setdefault("tokenizer", tokenizer)
    if output is not None:
        path = compiler.compile(onnx_path, output, emit="lib", **options)
        return Model(path, tokenizer=tokenizer, threads=threads)
    folder = tempfile.mkdtemp(prefix="loom-")
    try:
        stem = os.path.splitext(os.path.basename(os.fspath(onnx_path)))[0]
        path = compiler.compile(onnx_path, os.path.join(folder, f"lib{stem}.so"), emit="lib",
                                **options)
        # A loaded library stays mapped after its file is removed; a side
        # weights file (weights="file") is mapped at load too. Messages name
        # the .onnx: the temporary path is gone once this returns.
        model = Model(path, tokenizer=tokenizer, threads=threads,
                      _name=f"the model compiled from {os.fspath(onnx_path)}")
        model.library = None
        return model
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def load(library, *, tokenizer=None, threads=0):
    """Loads a library from `loom-compile --emit=lib`; the same as `Model(library)`."""
    return Model(library, tokenizer=tokenizer, threads=threads)


class Model:
    """A compiled model: one step (`run`) or a generation loop (`generate`).

    Attributes: `is_generator`; for a one-step model `input_names`,
    `output_names`, `input_shapes` (-1 for a dynamic dimension) and
    `input_dtypes`; for a generator `vocab_size`, `context_length` and
    `stats` (token counts and seconds of the last `generate`); `library`, the
    path it was loaded from (None after `compile` without `output`, whose
    temporary folder is removed).
    """

    def __init__(self, library, *, tokenizer=None, threads=0, _name=None):
        """Loads `library` (a .so from loom-compile). `tokenizer`: see `compile`.
        `threads`: loomrt's worker threads, 0 for one per core."""
        self.library = os.fspath(library)
        self._name = _name or self.library
        self._step = None
        self._generator = None
        try:
            self._generator = Generator(self.library, threads=threads, tokenizer=tokenizer)
        except LoomError as e:
            if "computes one step" not in str(e):
                raise
            if tokenizer is not None:
                raise LoomError(f"{self._name} computes one step; a tokenizer is for "
                                "generation (compile with generate=True)") from None
            self._step = _StepModel(self.library, threads=threads)
        self.is_generator = self._generator is not None
        if self._step:
            self.input_names = self._step.input_names
            self.output_names = self._step.output_names
            self.input_shapes = self._step.input_shapes
            self.input_dtypes = self._step.input_dtypes
        else:
            self.vocab_size = self._generator.vocab_size
            self.context_length = self._generator.context_length

    @property
    def stats(self):
        """The last `generate`'s statistics (`loom.generate.Stats`)."""
        return self._generator.stats if self._generator else None

    def run(self, inputs=None, **named):
        """Runs a one-step model on numpy arrays and returns its outputs as a
        dict of numpy arrays by output name.

        `inputs` is a dict by input name or a list in input order; inputs can
        also be given as keywords: `model.run(x=array)`. Arrays are passed
        without a copy; their dtypes must be the model's (see `input_dtypes`).
        A generation loop has no single step to run: use `generate`.
        """
        if self._step is None:
            raise LoomError(f"{self._name} is a generation loop (compiled with "
                            "generate=True): use Model.generate")
        if inputs is None:
            inputs = named
        elif named:
            raise LoomError("give the inputs either as one dict/list or as keywords")
        return self._step.run(inputs)

    def encode(self, text):
        """The token ids of `text` (with the tokenizer's beginning of sequence)."""
        self._need_tokenizer("encode")
        return self._generator.encode(text)

    def decode(self, tokens):
        """The text of token ids."""
        self._need_tokenizer("decode")
        return self._generator.decode(tokens)

    def _need_tokenizer(self, what):
        if self._generator is None or not self._generator._tokenizer:
            raise LoomError(f"{what} needs a tokenizer: loom.compile(..., tokenizer=FILE) "
                            "or loom.load(..., tokenizer=FILE)")

    def generate(self, prompt, max_tokens=128, *, temperature=0.0, top_k=0, top_p=1.0,
                 min_p=0.0, repetition_penalty=1.0, seed=0, stop_tokens=None,
                 ignore_eos=False, text=None):
        """Generates after `prompt`, yielding each token as it is made.

        `prompt` is a list of token ids, or a string when the model has a
        tokenizer. Yields str pieces of text when the model has a tokenizer
        (the UTF-8 of byte-fallback tokens kept whole), else int token ids;
        `text=False` yields ids even with a tokenizer. The options are
        loom-run's: max_tokens (at most this many new tokens), temperature
        (0: greedy), top_k (0: all), top_p, min_p, repetition_penalty, seed
        (the same seed gives the same tokens), stop_tokens (ids that end
        generation; with a tokenizer its end of text unless given or
        ignore_eos=True). Stopping the iteration early (break) stops
        generation. Bad options raise `loom.LoomError` at the first next().
        """
        if self._generator is None:
            raise LoomError(f"{self._name} computes one step; compile it with "
                            "generate=True to generate, or use Model.run")
        gen = self._generator
        tokenizer = bool(gen._tokenizer)
        if text is None:
            text = tokenizer
        if text and not tokenizer:
            raise LoomError("text=True needs a tokenizer")
        if isinstance(prompt, str) and not tokenizer:
            raise LoomError("a text prompt needs a tokenizer: loom.compile(..., "
                            "tokenizer=FILE) or loom.load(..., tokenizer=FILE)")
        if ignore_eos and stop_tokens is None:
            stop_tokens = []
        return self._stream(prompt, text, dict(
            max_new_tokens=max_tokens, temperature=temperature, top_k=top_k, top_p=top_p,
            min_p=min_p, repetition_penalty=repetition_penalty, seed=seed,
            stop_tokens=None if stop_tokens is None else list(stop_tokens)))

    def generate_branches(self, prompt, num_samples=None, *, best_of=None, beams=None,
                          length_penalty=1.0, early_stopping=False, max_tokens=128,
                          temperature=None, top_k=0, top_p=1.0, min_p=0.0,
                          repetition_penalty=1.0, seed=0, stop_tokens=None,
                          ignore_eos=False):
        """Several continuations of one prompt, its prefill run once: give
        `num_samples` (a list of branches in order), `best_of` (sorted by
        score, best first) or `beams` (a beam search of that width: its
        finished hypotheses, best first; no sampling options). Each item is a
        loom.generate.Branch (branch, tokens, log_prob, score); a sampled
        branch b used seed + b, so its tokens are generate(..., seed=seed +
        b)'s. Sampling options as generate's (temperature, default 1, must be
        > 0 for more than one sampled branch); length_penalty: score =
        log_prob / len(tokens) ** length_penalty."""
        if self._generator is None:
            raise LoomError(f"{self._name} computes one step; compile it with "
                            "generate=True to generate, or use Model.run")
        counts = [c for c in (num_samples, best_of, beams) if c is not None]
        if len(counts) != 1:
            raise LoomError("give one of num_samples, best_of and beams")
        if temperature is None:
            temperature = 0.0 if beams is not None else 1.0
        if ignore_eos and stop_tokens is None:
            stop_tokens = []
        return self._generator.generate_branches(
            prompt, counts[0], best_of=best_of is not None, beam_search=beams is not None,
            early_stopping=early_stopping,
            length_penalty=length_penalty, max_new_tokens=max_tokens, temperature=temperature,
            top_k=top_k, top_p=top_p, min_p=min_p, repetition_penalty=repetition_penalty,
            seed=seed, stop_tokens=None if stop_tokens is None else list(stop_tokens))

    def _stream(self, prompt, text, options):
        # loomrt's generate loop calls back once per token; it runs in a
        # thread (ctypes releases the GIL) and hands each token over a queue,
        # then waits until the caller asks for the next one: a caller that
        # stops iterating stops generation at the token it stopped at.
        items = queue.Queue()
        resume = threading.Semaphore(0)
        stop = threading.Event()
        done = object()
        pending = []  # text pieces put for the current token

        def on_text(piece):
            if piece:
                items.put(piece)
                pending.append(piece)

        def on_token(token):
            if not text:
                items.put(token)
            elif not pending:
                return stop.is_set()  # a token that completes no text yet
            pending.clear()
            resume.acquire()
            return stop.is_set()

        def work():
            try:
                self._generator.generate(prompt, on_token=on_token,
                                         on_text=on_text if text else None, **options)
                items.put(done)
            except BaseException as e:  # handed to the caller
                items.put(e)

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        try:
            while True:
                item = items.get()
                if item is done:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
                resume.release()
        finally:
            stop.set()
            resume.release()
            thread.join()

    def close(self):
        """Unloads the model (also done when it is garbage-collected)."""
        for part in (self._step, self._generator):
            if part:
                part.close()
        self._step = self._generator = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

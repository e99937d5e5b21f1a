"""Small Hugging Face tokenizer.json files and an independent reference encoder.

Usage: hf_tokenizer.py make KIND OUT.json    KIND: byte-level | split-regex | byte-fallback
       hf_tokenizer.py encode TOKENIZER.json TEXTFILE [--no-special]  -> ids
       hf_tokenizer.py decode TOKENIZER.json "ids..."                 -> text

`make` trains a BPE vocabulary on a built-in paragraph (most frequent pair
first) and writes it in the tokenizer.json layout of the Hugging Face library:
  byte-level     GPT-2: ByteLevel pre-tokenizer (GPT-2's word split), byte
                 alphabet, "a b" merges, <|endoftext|> as a special token;
  split-regex    LLaMA 3: a Split pre-tokenizer with LLaMA 3's pattern, then
                 ByteLevel without its own split; ["a", "b"] merges,
                 ignore_merges, a <|begin_of_text|> template;
  byte-fallback  LLaMA 2: normalizer Prepend + Replace with U+2581, no
                 pre-tokenizer, byte fallback <0x00>..<0xFF> as ids 3..258,
                 <s> template, decoder Replace/ByteFallback/Fuse/Strip.
`encode`/`decode` implement those three pipelines from their description,
without regular expressions: the word splits are written out by hand over
Unicode categories (unicodedata), and BPE merges the lowest-ranked adjacent
pair, leftmost first, one merge at a time.
"""
import json
import sys
import unicodedata

CORPUS = """Once upon a time, there was a little girl named Lily. She loved to play
outside in the park. One day, she saw a big, red ball. "Can I play?" she asked.
The boy said, "Yes! It's fun." They played until 5 o'clock, then 6, then 1234.
Mom's café served naïve crêpes; Zoë didn't mind. We'll see what they've got.
東京 is a city. Ünïcödé letters: ÄÖÜ äöü ß. Numbers: 3.14 2,718 42!
   Indented text		with tabs
and blank lines.

I'm here, you're there, he'd go, we'll stay."""

SPECIAL_GPT2 = "<|endoftext|>"
METASPACE = "\u2581"
LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                  r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")


def byte_alphabet():
    """GPT-2's bytes -> printable characters map."""
    printable = (list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256)))
    table, extra = {}, 256
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(extra)
            extra += 1
    return table


def is_letter(c):
    return unicodedata.category(c).startswith("L")


def is_number(c):
    return unicodedata.category(c).startswith("N")


def is_space(c):
    return c.isspace()


def run_of(text, i, test):
    j = i
    while j < len(text) and test(text[j]):
        j += 1
    return j


def whitespace_tail(text, i):
    """\\s+(?!\\S) then \\s+ at i: the end of the match, or i."""
    j = run_of(text, i, is_space)
    if j == i:
        return i
    if j == len(text) or j - 1 == i:
        return j  # the run reaches the end, or only \s+ matches one char
    return j - 1  # leave the last space to start the next word


def split_gpt2(text):
    """'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"""
    words, i = [], 0
    other = lambda c: not (is_space(c) or is_letter(c) or is_number(c))
    while i < len(text):
        j = i
        for suffix in ("s", "t", "re", "ve", "m", "ll", "d"):
            if text.startswith("'" + suffix, i):
                j = i + 1 + len(suffix)
                break
        if j == i:
            start = i + 1 if text[i] == " " and i + 1 < len(text) else i
            for test in (is_letter, is_number, other):
                if test(text[start]):
                    j = run_of(text, start, test)
                    break
        if j == i:
            j = whitespace_tail(text, i)
        words.append(text[i:j])
        i = j
    return words


def split_llama3(text):
    """LLaMA 3's pattern (LLAMA3_PATTERN), alternative by alternative."""
    words, i = [], 0
    other = lambda c: not (is_space(c) or is_letter(c) or is_number(c))
    while i < len(text):
        j = i
        for suffix in ("s", "t", "re", "ve", "m", "ll", "d"):
            if text[i:i + 1 + len(suffix)].lower() == "'" + suffix:
                j = i + 1 + len(suffix)
                break
        if j == i:  # [^\r\n\p{L}\p{N}]?\p{L}+
            c = text[i]
            if is_letter(c):
                j = run_of(text, i, is_letter)
            elif c not in "\r\n" and not is_number(c) and i + 1 < len(text) and is_letter(text[i + 1]):
                j = run_of(text, i + 1, is_letter)
        if j == i and is_number(text[i]):  # \p{N}{1,3}
            j = i
            while j < len(text) and j - i < 3 and is_number(text[j]):
                j += 1
        if j == i:  #  ?[^\s\p{L}\p{N}]+[\r\n]*
            start = i + 1 if text[i] == " " and i + 1 < len(text) else i
            if other(text[start]):
                j = run_of(text, start, other)
                j = run_of(text, j, lambda c: c in "\r\n")
        if j == i:  # \s*[\r\n]+ : the last newline of the whitespace run, greedy
            end = run_of(text, i, is_space)
            last = max((k for k in range(i, end) if text[k] in "\r\n"), default=-1)
            if last >= 0:
                j = run_of(text, last + 1, lambda c: c in "\r\n")
        if j == i:
            j = whitespace_tail(text, i)
        words.append(text[i:j])
        i = j
    return words


def bpe(symbols, ranks):
    """Merge the lowest-ranked adjacent pair (leftmost first) until none merges."""
    while True:
        best, at = None, -1
        for i in range(len(symbols) - 1):
            r = ranks.get((symbols[i], symbols[i + 1]))
            if r is not None and (best is None or r < best):
                best, at = r, i
        if best is None:
            return symbols
        symbols[at:at + 2] = [symbols[at] + symbols[at + 1]]


def train(words, alphabet, merges_wanted):
    """Most frequent adjacent pair first, over `words` (lists of symbols)."""
    words = [list(w) for w in words]
    vocab, merges = list(alphabet), []
    for _ in range(merges_wanted):
        counts = {}
        for w in words:
            for a, b in zip(w, w[1:]):
                counts[(a, b)] = counts.get((a, b), 0) + 1
        if not counts:
            break
        pair = max(sorted(counts), key=lambda p: counts[p])
        merges.append(pair)
        vocab.append(pair[0] + pair[1])
        for w in words:
            i = 0
            while i < len(w) - 1:
                if (w[i], w[i + 1]) == pair:
                    w[i:i + 2] = [pair[0] + pair[1]]
                i += 1
    return vocab, merges


def make(kind, out):
    table = byte_alphabet()
    if kind in ("byte-level", "split-regex"):
        split = split_gpt2 if kind == "byte-level" else split_llama3
        words = ["".join(table[b] for b in w.encode()) for w in split(CORPUS)]
        vocab, merges = train(words, [table[b] for b in range(256)], 300)
        vocab_json = {p: i for i, p in enumerate(vocab)}
        special = SPECIAL_GPT2 if kind == "byte-level" else "<|begin_of_text|>"
        added = [{"id": len(vocab), "content": special, "single_word": False, "lstrip": False,
                  "rstrip": False, "normalized": False, "special": True}]
        model = {"type": "BPE", "dropout": None, "unk_token": None,
                 "continuing_subword_prefix": "", "end_of_word_suffix": "", "fuse_unk": False,
                 "byte_fallback": False, "vocab": vocab_json}
        if kind == "byte-level":
            model["merges"] = [a + " " + b for a, b in merges]
            pre = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                   "use_regex": True}
            post = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                    "use_regex": True}
        else:
            model["merges"] = [[a, b] for a, b in merges]
            model["ignore_merges"] = True
            added.append({"id": len(vocab) + 1, "content": "<|end_of_text|>", "single_word": False,
                          "lstrip": False, "rstrip": False, "normalized": False, "special": True})
            pre = {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": LLAMA3_PATTERN}, "behavior": "Isolated",
                 "invert": False},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                 "use_regex": False}]}
            post = {"type": "Sequence", "processors": [
                {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                 "use_regex": True},
                {"type": "TemplateProcessing",
                 "single": [{"SpecialToken": {"id": special, "type_id": 0}},
                            {"Sequence": {"id": "A", "type_id": 0}}],
                 "pair": [], "special_tokens": {special: {"id": special, "ids": [len(vocab)],
                                                          "tokens": [special]}}}]}
        doc = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
               "normalizer": None, "pre_tokenizer": pre, "post_processor": post,
               "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                           "use_regex": True},
               "model": model}
    else:
        text = METASPACE + CORPUS.replace(" ", METASPACE)
        chars = sorted(set(text))
        base = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)] + chars
        vocab, merges = train([text], base, 250)
        doc = {"version": "1.0", "truncation": None, "padding": None,
               "added_tokens": [{"id": i, "content": c, "single_word": False, "lstrip": False,
                                 "rstrip": False, "normalized": False, "special": True}
                                for i, c in enumerate(["<unk>", "<s>", "</s>"])],
               "normalizer": {"type": "Sequence", "normalizers": [
                   {"type": "Prepend", "prepend": METASPACE},
                   {"type": "Replace", "pattern": {"String": " "}, "content": METASPACE}]},
               "pre_tokenizer": None,
               "post_processor": {
                   "type": "TemplateProcessing",
                   "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                              {"Sequence": {"id": "A", "type_id": 0}}],
                   "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
               "decoder": {"type": "Sequence", "decoders": [
                   {"type": "Replace", "pattern": {"String": METASPACE}, "content": " "},
                   {"type": "ByteFallback"}, {"type": "Fuse"},
                   {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
               "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>",
                         "continuing_subword_prefix": None, "end_of_word_suffix": None,
                         "fuse_unk": True, "byte_fallback": True,
                         "vocab": {p: i for i, p in enumerate(vocab)},
                         "merges": [a + " " + b for a, b in merges]}}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)


def kind_of(doc):
    pre = doc["pre_tokenizer"]
    if pre is None:
        return "byte-fallback"
    return "byte-level" if pre["type"] == "ByteLevel" else "split-regex"


def encode(doc, text, special=True):
    kind = kind_of(doc)
    model = doc["model"]
    vocab = model["vocab"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    ranks = {}
    for r, m in enumerate(merges):
        ranks.setdefault(m, r)
    added = sorted(doc["added_tokens"], key=lambda a: (-len(a["content"]), a["id"]))
    ids = [1] if kind == "byte-fallback" and special else []
    if kind == "split-regex" and special:
        ids = [added_id(doc, "<|begin_of_text|>")]
    # Added tokens first: split the text around them.
    segments, start, i = [], 0, 0
    while i < len(text):
        hit = next((a for a in added if text.startswith(a["content"], i)), None)
        if hit is None:
            i += 1
            continue
        segments.append(text[start:i])
        segments.append(hit["id"])
        i += len(hit["content"])
        start = i
    segments.append(text[start:])
    table = byte_alphabet()
    for seg in segments:
        if isinstance(seg, int):
            ids.append(seg)
            continue
        if not seg:
            continue
        if kind == "byte-fallback":
            word = METASPACE + seg.replace(" ", METASPACE)
            symbols = []
            for c in word:
                if c in vocab:
                    symbols.append(c)
                else:
                    symbols.extend("<0x%02X>" % b for b in c.encode())
            ids.extend(vocab[s] for s in bpe(symbols, ranks))
            continue
        split = split_gpt2 if kind == "byte-level" else split_llama3
        for w in split(seg):
            mapped = "".join(table[b] for b in w.encode())
            if kind == "split-regex" and mapped in vocab:  # ignore_merges
                ids.append(vocab[mapped])
                continue
            ids.extend(vocab[s] for s in bpe(list(mapped), ranks))
    return ids


def added_id(doc, content):
    return next(a["id"] for a in doc["added_tokens"] if a["content"] == content)


def decode(doc, ids):
    kind = kind_of(doc)
    pieces = {i: p for p, i in doc["model"]["vocab"].items()}
    special = {a["id"] for a in doc["added_tokens"] if a["special"]}
    out = b""
    if kind == "byte-fallback":
        for t in ids:
            if t in special:
                continue
            p = pieces[t]
            if p.startswith("<0x") and len(p) == 6:
                out += bytes([int(p[3:5], 16)])
            else:
                out += p.replace(METASPACE, " ").encode()
        if out.startswith(b" "):
            out = out[1:]
    else:
        inverse = {c: b for b, c in byte_alphabet().items()}
        for t in ids:
            if t not in special:
                out += bytes(inverse[c] for c in pieces[t])
    return out.decode("utf-8", errors="replace")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3])
    else:
        doc = json.load(open(sys.argv[2], encoding="utf-8"))
        if sys.argv[1] == "encode":
            text = open(sys.argv[3], encoding="utf-8").read()
            print(" ".join(map(str, encode(doc, text, "--no-special" not in sys.argv))))
        else:
            sys.stdout.write(decode(doc, [int(t) for t in sys.argv[3].split()]) + "\n")

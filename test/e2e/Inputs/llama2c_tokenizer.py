"""llama2.c's BPE tokenizer (tok512.bin format, see ../shared/models/stories260K/README.md).

Usage: llama2c_tokenizer.py TOKENIZER encode "text"   -> BOS and the text's ids
       llama2c_tokenizer.py TOKENIZER encode-file FILE -> BOS and the ids of FILE's text
       llama2c_tokenizer.py TOKENIZER decode "ids..."  -> the text
       llama2c_tokenizer.py TOKENIZER decode-file FILE -> the text of FILE's ids
Written for the tests from the format's description: prepend a space (the
dummy prefix), one token per UTF-8 character (byte fallback <0xNN> = id 3 + byte
otherwise), then merge the adjacent pair with the highest score until none merges.
"""
import struct
import sys


def load(path):
    data = open(path, "rb").read()
    (max_len,) = struct.unpack_from("<i", data, 0)
    at, pieces, scores = 4, [], []
    while at < len(data):
        score, n = struct.unpack_from("<fi", data, at)
        at += 8
        pieces.append(data[at:at + n])
        scores.append(score)
        at += n
    return pieces, scores


def encode(pieces, scores, text):
    ids = {p: i for i, p in enumerate(pieces)}
    tokens = []
    for ch in " " + text:
        b = ch.encode("utf-8")
        if b in ids:
            tokens.append(ids[b])
        else:
            tokens.extend(3 + x for x in b)
    while True:
        best, at = None, -1
        for i in range(len(tokens) - 1):
            merged = pieces[tokens[i]] + pieces[tokens[i + 1]]
            j = ids.get(merged)
            if j is not None and (best is None or scores[j] > scores[best]):
                best, at = j, i
        if best is None:
            return [1] + tokens
        tokens[at:at + 2] = [best]


def decode(pieces, tokens):
    out = b""
    previous = None
    for t in tokens:
        if t in (0, 1, 2):
            previous = t
            continue
        piece = pieces[t]
        if 3 <= t <= 258:
            piece = bytes([t - 3])
        if previous == 1 and piece.startswith(b" "):
            piece = piece[1:]
        out += piece
        previous = t
    return out.decode("utf-8", errors="replace")


if __name__ == "__main__":
    pieces, scores = load(sys.argv[1])
    if sys.argv[2] in ("encode", "encode-file"):
        text = sys.argv[3]
        if sys.argv[2] == "encode-file":
            text = open(text, encoding="utf-8").read()
        print(" ".join(str(t) for t in encode(pieces, scores, text)))
    else:
        ids = sys.argv[3] if sys.argv[2] == "decode" else open(sys.argv[3]).read()
        print(decode(pieces, [int(t) for t in ids.split()]))

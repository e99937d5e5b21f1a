"""A small SentencePiece .model and the ids and text Google's own library gives.

Usage: spm_tokenizer.py train OUT.model [bpe|unigram]  trained on hf_tokenizer.CORPUS
       spm_tokenizer.py encode MODEL TEXTFILE        -> BOS and the ids
       spm_tokenizer.py decode MODEL "ids..."        -> the text

The reference is the sentencepiece Python package (Debian's
python3-sentencepiece): loomrt reads .model files with the same C++
library, so what this checks is loomrt's side: BOS, and decoding token by
token (byte pieces put together, the dummy prefix's space dropped).
"""
import io
import os
import sys

import sentencepiece as spm

sys.path.insert(0, os.path.dirname(__file__))
from hf_tokenizer import CORPUS  # noqa: E402


def train(out, kind):
    model = io.BytesIO()
    # byte_fallback: characters never seen become <0xNN> pieces, not <unk>.
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS.splitlines() * 4), model_writer=model,
        model_type=kind, vocab_size=400 if kind == "bpe" else 350, byte_fallback=True,
        character_coverage=1.0, bos_id=1, eos_id=2, unk_id=0, minloglevel=2)
    with open(out, "wb") as f:
        f.write(model.getvalue())


if __name__ == "__main__":
    if sys.argv[1] == "train":
        train(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "bpe")
        sys.exit(0)
    sp = spm.SentencePieceProcessor(model_file=sys.argv[2])
    if sys.argv[1] == "encode":
        text = open(sys.argv[3], encoding="utf-8").read()
        print(" ".join(map(str, [sp.bos_id()] + sp.encode(text))))
    else:
        sys.stdout.write(sp.decode([int(t) for t in sys.argv[3].split()]) + "\n")

"""loom.Model.generate_branches against Model.generate (branch b = seed + b).

Usage: use_branches.py LIBRARY TOKENIZER
Prints one line per check; exits 1 on the first failure.
"""
import sys

import loom

library, tokenizer = sys.argv[1:3]
model = loom.load(library, tokenizer=tokenizer)
options = dict(max_tokens=40, temperature=1.0, top_p=0.95, seed=21)

branches = model.generate_branches("Tom had a red ball", num_samples=3, **options)
s = model.stats
counted = (s.prefill_runs, s.model_runs, s.fed_tokens, s.prompt_tokens)
print("branches:", [b.branch for b in branches])
for b in branches:
    single = list(model.generate("Tom had a red ball", text=False,
                                 **dict(options, seed=options["seed"] + b.branch)))
    if single != b.tokens:
        print(f"FAIL: branch {b.branch} {b.tokens} != generate(seed + {b.branch}) {single}")
        sys.exit(1)
print("each branch equals generate with seed + branch: True")
# loomrt counted the compiled step's runs: one prefill over the prompt for
# every branch, then one run per token a branch feeds (each branch's first
# token comes from the prefill's logits; its last is not fed).
prefills, model_runs, fed, prompt_tokens = counted
runs = 1 + sum(len(b.tokens) - 1 for b in branches)
print("prefill runs:", prefills, "model runs as the branches need:", model_runs == runs,
      "fed tokens:", fed == prompt_tokens + runs - 1)

best = model.generate_branches("Tom had a red ball", best_of=3, length_penalty=0.0, **options)
scores = [b.score for b in best]
print("best-of sorted:", scores == sorted(scores, reverse=True))
print("best-of same branches:",
      sorted((b.branch, b.tokens) for b in best) == sorted((b.branch, b.tokens) for b in branches))
print("score is log_prob with length_penalty 0:", all(b.score == b.log_prob for b in best))

beams = model.generate_branches("Tom had a red ball", beams=3, max_tokens=20)
print("beams:", len(beams), [b.branch for b in beams],
      [b.score for b in beams] == sorted((b.score for b in beams), reverse=True))
print("beam search prefill runs:", model.stats.prefill_runs)
greedy = list(model.generate("Tom had a red ball", max_tokens=20, text=False))
width1 = model.generate_branches("Tom had a red ball", beams=1, max_tokens=20)
print("beams=1 is greedy:", width1[0].tokens == greedy)

for bad in (dict(num_samples=0), dict(num_samples=2, temperature=0.0), dict(),
            dict(beams=2, temperature=0.5)):
    try:
        model.generate_branches("Tom", **dict(dict(options, max_tokens=4), **bad))
        print("FAIL: accepted", bad)
        sys.exit(1)
    except loom.LoomError as e:
        print("LoomError:", e)

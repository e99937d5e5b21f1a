// ort_decode.js MODEL.onnx THREADS PROMPT NEW_TOKENS LAYERS KV_HEADS HEAD_DIM
// Greedy generation with onnxruntime-node running the same decoder ONNX file
// in a KV-cached loop, the way an application drives an exported model: feed
// the prompt with empty past keys/values, then one token at a time with the
// previous step's presents. PROMPT is comma-separated token ids. Prints the
// tokens, then "prefill_ms", "decode_ms" and "decode_tokens" lines (the
// fastest of three generations after a warm-up).
const ort = require('onnxruntime-node');

async function main() {
  const [model, threads, promptText, newTokens, layers, kvHeads, headDim] =
      process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: +threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
  const takesPositions = session.inputNames.includes('position_ids');
  async function generate(count) {
    const past = {};
    for (let l = 0; l < +layers; ++l)
      for (const kind of ['key', 'value'])
        past[`past_key_values.${l}.${kind}`] =
            new ort.Tensor('float32', new Float32Array(0), [1, +kvHeads, 0, +headDim]);
    let ids = promptText.split(',').map(BigInt);
    let position = 0;
    const tokens = [];
    const start = process.hrtime.bigint();
    let firstToken = start;
    for (let step = 0; step < count; ++step) {
      const n = ids.length;
      const feeds = {input_ids: new ort.Tensor('int64', BigInt64Array.from(ids), [1, n]), ...past};
      if (takesPositions)
        feeds.position_ids = new ort.Tensor(
            'int64', BigInt64Array.from({length: n}, (_, i) => BigInt(position + i)), [1, n]);
      const result = await session.run(feeds);
      const logits = result.logits;
      const vocab = logits.dims[2];
      const row = logits.data.subarray((n - 1) * vocab, n * vocab);
      let best = 0;
      for (let v = 1; v < vocab; ++v)
        if (row[v] > row[best]) best = v;
      for (let l = 0; l < +layers; ++l)
        for (const kind of ['key', 'value'])
          past[`past_key_values.${l}.${kind}`] = result[`present.${l}.${kind}`];
      position += n;
      ids = [BigInt(best)];
      tokens.push(best);
      if (step === 0) firstToken = process.hrtime.bigint();
    }
    const end = process.hrtime.bigint();
    return {tokens, prefillMs: Number(firstToken - start) / 1e6,
            decodeMs: Number(end - firstToken) / 1e6};
  }
  await generate(2); // warm-up: first-run initialization is not decode speed
  // The fastest of three generations (as for loom): on a shared machine one
  // short run can land on a busy moment.
  let r = null;
  for (let rep = 0; rep < 3; ++rep) {
    const g = await generate(+newTokens);
    if (r === null || g.decodeMs < r.decodeMs) r = g;
  }
  console.log(r.tokens.join(' '));
  console.log(`prefill_ms ${r.prefillMs.toFixed(3)}`);
  console.log(`decode_ms ${r.decodeMs.toFixed(3)}`);
  console.log(`decode_tokens ${r.tokens.length - 1}`);
}

main().catch((e) => { console.error(`ort_decode: ${e.message}`); process.exit(2); });

// ort_bench.js MODEL.onnx M K N THREADS REPS
// Runs the MatMul model with onnxruntime-node on random inputs (the same
// ONNX file loom compiles) and prints "onnxruntime <median ms> ms".
const ort = require('onnxruntime-node');

async function main() {
  const [model, m, k, n, threads, reps] = process.argv.slice(2);
  const M = +m, K = +k, N = +n;
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: +threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
  const rand = (size) => Float32Array.from({length: size}, () => Math.random() * 2 - 1);
  const feeds = {
    a: new ort.Tensor('float32', rand(M * K), [M, K]),
    b: new ort.Tensor('float32', rand(K * N), [K, N]),
  };
  await session.run(feeds); // warm-up
  const times = [];
  for (let i = 0; i < +reps; ++i) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((x, y) => x - y);
  console.log(`onnxruntime ${times[Math.floor(times.length / 2)].toFixed(4)} ms`);
}

main().catch((e) => { console.error(`ort_bench: ${e.message}`); process.exit(2); });

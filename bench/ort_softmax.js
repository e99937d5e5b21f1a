// ort_softmax.js MODEL.onnx ROWS COLS THREADS REPS
// Times onnxruntime-node on the softmax model (input 'x', random data) and
// prints "onnxruntime <median ms> ms".
const ort = require('onnxruntime-node');

async function main() {
  const [model, rows, cols, threads, reps] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: +threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
  const size = +rows * +cols;
  const data = new Float32Array(size);
  for (let i = 0; i < size; ++i) data[i] = (Math.random() * 2 - 1) * 10;
  const feeds = {x: new ort.Tensor('float32', data, [+rows, +cols])};
  await session.run(feeds);
  const times = [];
  for (let i = 0; i < +reps; ++i) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(`onnxruntime ${times[Math.floor(times.length / 2)].toFixed(4)} ms`);
}

main().catch((e) => { console.error(`ort_softmax: ${e.message}`); process.exit(2); });

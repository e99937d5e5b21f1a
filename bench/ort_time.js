// ort_time.js MODEL.onnx THREADS REPS NAME=D0xD1... [NAME=...]
// Times onnxruntime-node on MODEL with random float32 inputs of the given
// shapes (the same ONNX file loom compiles) and prints
// "onnxruntime <median ms> ms" over REPS runs after one warm-up.
const ort = require('onnxruntime-node');

async function main() {
  const [model, threads, reps, ...specs] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: +threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
  const feeds = {};
  for (const spec of specs) {
    const [name, shapeText] = spec.split('=');
    const shape = shapeText.split('x').map(Number);
    const data = Float32Array.from({length: shape.reduce((a, b) => a * b, 1)},
                                   () => Math.random() * 2 - 1);
    feeds[name] = new ort.Tensor('float32', data, shape);
  }
  await session.run(feeds);
  const times = [];
  for (let i = 0; i < +reps; ++i) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((x, y) => x - y);
  console.log(`onnxruntime ${times[Math.floor(times.length / 2)].toFixed(4)} ms`);
}

main().catch((e) => { console.error(`ort_time: ${e.message}`); process.exit(2); });

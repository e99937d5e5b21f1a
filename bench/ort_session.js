// ort_session.js MODEL.onnx
// Prints "onnxruntime_session <ms> ms": the time onnxruntime-node takes to
// load MODEL and prepare it (graph optimizations 'all'), its counterpart of
// loom's compile.
const ort = require('onnxruntime-node');

async function main() {
  const start = process.hrtime.bigint();
  await ort.InferenceSession.create(process.argv[2], {graphOptimizationLevel: 'all'});
  console.log(`onnxruntime_session ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(1)} ms`);
}

main().catch((e) => { console.error(`ort_session: ${e.message}`); process.exit(2); });

// ort_run.js DIR
// Runs onnxruntime-node on DIR/model.onnx with the inputs DIR/spec.json
// lists ({name, dims, type: float32|int32|int64}, data in DIR/NAME.bin) and
// writes each output as DIR/out_NAME.bin (raw little-endian values).
const ort = require('onnxruntime-node');
const fs = require('fs');

const arrays = {float32: Float32Array, int32: Int32Array, int64: BigInt64Array};

async function main() {
  const dir = process.argv[2];
  const session = await ort.InferenceSession.create(`${dir}/model.onnx`);
  const feeds = {};
  for (const t of JSON.parse(fs.readFileSync(`${dir}/spec.json`))) {
    const buf = fs.readFileSync(`${dir}/${t.name}.bin`);
    const Array = arrays[t.type];
    const data = new Array(buf.buffer, buf.byteOffset, buf.length / Array.BYTES_PER_ELEMENT);
    feeds[t.name] = new ort.Tensor(t.type, data, t.dims);
  }
  for (const [name, t] of Object.entries(await session.run(feeds)))
    fs.writeFileSync(`${dir}/out_${name}.bin`, Buffer.from(t.data.buffer));
}

main().catch((e) => { console.error(`ort_run: ${e.message}`); process.exit(2); });

// Runs examples/tiny-cnn through an installed umbrella package (whichever module format loaded
// it) and compares the output with expected_output.npy, which make-model.ts computed with plain
// loops, independently of Kiln's kernels.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const RTOL = 1e-4;
const ATOL = 1e-5;

async function checkTinyCnn(kiln, dir) {
  const input = kiln.parseNpy(readFileSync(join(dir, 'input.npy')));
  const expected = kiln.parseNpy(readFileSync(join(dir, 'expected_output.npy')));
  const session = await kiln.InferenceSession.create(join(dir, 'model.onnx'));
  try {
    const outputs = await session.run({ [session.inputNames[0]]: input });
    const actual = outputs[session.outputNames[0]];
    const got = Array.from(actual.toArray());
    const want = Array.from(expected.toArray());
    if (got.length !== want.length) throw new Error(`output has ${got.length} values, expected ${want.length}`);
    let maxAbsDiff = 0;
    let worstExcess = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < want.length; i++) {
      const diff = Math.abs(got[i] - want[i]);
      maxAbsDiff = Math.max(maxAbsDiff, diff);
      worstExcess = Math.max(worstExcess, diff - (ATOL + RTOL * Math.abs(want[i])));
    }
    return {
      shape: actual.shape.join('x'),
      values: want.length,
      maxAbsDiff,
      rtol: RTOL,
      atol: ATOL,
      ok: worstExcess <= 0,
      version: kiln.KILN_VERSION,
    };
  } finally {
    await session.release();
  }
}

module.exports = { checkTinyCnn };

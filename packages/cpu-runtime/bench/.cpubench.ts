import { NativeProgram } from '../src/index.js';
function random(n: number): Float32Array { return Float32Array.from({ length: n }, () => Math.random() - 0.5); }
const [c, h, m, k, s, p] = process.argv.slice(2, 8).map(Number) as number[];
const tactic = process.argv[8];
const oh = Math.floor((h + 2 * p - k) / s) + 1;
const program = { values: [
  { name: 'x', shape: [1, c, h, h], storage: { kind: 'input', index: 0 } },
  { name: 'w', shape: [m, c, k, k], storage: { kind: 'weight', index: 0 } },
  { name: 'y', shape: [1, m, oh, oh], storage: { kind: 'arena', offset: 0 } }],
  weights: [random(m * c * k * k)], ops: [{ op: 'conv2d', x: 0, w: 1, y: 2, strides: [s, s], pads: [p, p, p, p], dilations: [1, 1], groups: 1, ...(tactic ? { tactic } : {}) }],
  inputs: [0], outputs: [2], arenaBytes: 4 * m * oh * oh } as never;
const prog = NativeProgram.create(program);
const x = random(c * h * h);
await prog.run([x]);
const flops = 2 * m * oh * oh * c * k * k;
const reps = 30;
let wallMs = Infinity; let cpuMs = Infinity;
for (let i = 0; i < reps; i++) { const c0 = process.cpuUsage(); const t0 = performance.now(); await prog.run([x]); const t1 = performance.now(); const cu = process.cpuUsage(c0); wallMs = Math.min(wallMs, t1 - t0); cpuMs = Math.min(cpuMs, (cu.user + cu.system) / 1000); }
console.log(`${c}->${m} k${k}s${s}@${h} ${tactic ?? ''}: wall ${wallMs.toFixed(3)} ms (${(flops / wallMs / 1e6).toFixed(1)} GF/s)  cpu ${cpuMs.toFixed(3)} ms (${(flops / cpuMs / 1e6).toFixed(1)} GF/s per core)`);

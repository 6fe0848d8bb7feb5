/**
 * What the native program executor can run each op with, and the scratch memory that costs:
 * the engine's tactic selection times every listed tactic (NativeProgram.profile) and its
 * memory planner bounds the workspace with these numbers.
 */
import { checkProgramOp, ErrorCode, KilnError, type ProgramOp, type ProgramValue } from '@kiln-inference/core';
import { loadCpuNative } from './load-native.js';

/** GEMM blocking of native/cpu/src/program/packed_gemm.cpp (per-thread tile limits). */
const UNIT_ROWS = 144;
const UNIT_COLS = 256;
const MAX_K_BLOCK = 384;
/** direct_gemm is listed first for output rows this wide with few output or input channels. */
const DIRECT_MIN_WIDTH = 12;
const DIRECT_MAX_OUT_CHANNELS = 48;

function roundUp(v: number, m: number): number {
  return Math.ceil(v / m) * m;
}

function threadCount(): number {
  const native = loadCpuNative();
  return native.ok ? native.addon.threadCount() : 1;
}

/** Per-thread packing + accumulator floats of one GEMM, times the threads. */
function gemmScratchBytes(m: number, n: number, k: number): number {
  const mc = Math.min(roundUp(Math.max(m, 1), 6), UNIT_ROWS);
  const nc = Math.min(roundUp(Math.max(n, 1), 16), UNIT_COLS);
  const kc = Math.min(Math.max(k, 1), MAX_K_BLOCK);
  return threadCount() * (mc * kc + nc * kc + mc * nc) * 4;
}

interface ConvDims {
  batch: number;
  groups: number;
  mg: number;
  kg: number;
  pixels: number;
  pointwise: boolean;
  depthwise: boolean;
  /** Input channels per group (direct_gemm is the default when few). */
  groupChannels: number;
  outWidth: number;
}

function convDims(op: Extract<ProgramOp, { op: 'conv2d' }>, values: readonly ProgramValue[]): ConvDims {
  const xs = values[op.x]!.shape;
  const ws = values[op.w]!.shape;
  const ys = values[op.y]!.shape;
  const [kh, kw] = [ws[2]!, ws[3]!];
  return {
    batch: xs[0]!,
    groups: op.groups,
    mg: ws[0]! / op.groups,
    kg: ws[1]! * kh * kw,
    pixels: ys[2]! * ys[3]!,
    pointwise: kh === 1 && kw === 1 && op.strides.every((s) => s === 1) && op.pads.every((p) => p === 0),
    depthwise: ws[1] === 1 && op.groups > 1,
    groupChannels: ws[1]!,
    outWidth: ys[3]!,
  };
}

/**
 * The implementations that can run `op` (first = the default the executor picks without a
 * tactic). Validates the op first (KilnError naming it when invalid).
 */
export function nativeProgramTactics(op: ProgramOp, values: readonly ProgramValue[]): string[] {
  checkProgramOp(op, 0, values);
  switch (op.op) {
    case 'conv2d': {
      // Same order as conv_op.cpp's validTactics.
      const d = convDims(op, values);
      const directFirst = !d.pointwise && d.outWidth >= DIRECT_MIN_WIDTH && (d.mg <= DIRECT_MAX_OUT_CHANNELS || d.groupChannels <= 8);
      const directLast = !directFirst;
      return [
        ...(d.depthwise ? ['depthwise_direct'] : []),
        ...(d.pointwise ? ['pointwise_gemm'] : []),
        ...(directFirst ? ['direct_gemm'] : []),
        'implicit_gemm',
        'im2col_gemm',
        ...(directLast ? ['direct_gemm'] : []),
      ];
    }
    case 'gemm':
    case 'batched_matmul':
      return ['packed_gemm'];
    case 'deconv2d':
      // Same order as deconv_op.cpp: one input channel per group scatters directly.
      return values[op.x]!.shape[1]! / op.groups === 1 ? ['depthwise_direct', 'gemm_col2im'] : ['gemm_col2im'];
    default:
      return ['direct'];
  }
}

/** Scratch bytes `op` needs with `tactic` (default: the first of nativeProgramTactics). */
export function nativeProgramWorkspaceBytes(op: ProgramOp, values: readonly ProgramValue[], tactic?: string): number {
  const tactics = nativeProgramTactics(op, values);
  const chosen = tactic ?? tactics[0]!;
  if (!tactics.includes(chosen)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `program op (${op.op}): tactic '${chosen}' cannot run this op`, {
      hint: `valid tactics: ${tactics.join(', ')}`,
    });
  }
  switch (op.op) {
    case 'conv2d': {
      const d = convDims(op, values);
      if (chosen === 'depthwise_direct') return 0;
      if (chosen === 'direct_gemm') {
        // The zero-padded copy of the input (one plane per column phase), plus per-thread A
        // panels and partial sums.
        const xs = values[op.x]!.shape;
        const sw = op.strides[1];
        const phaseWidth = Math.ceil((xs[3]! + op.pads[1] + op.pads[3]) / sw) + 16;
        const padded = xs[0]! * xs[1]! * sw * (xs[2]! + op.pads[0] + op.pads[2]) * phaseWidth + 16;
        const rows = Math.min(roundUp(d.mg, 6), UNIT_ROWS);
        const kc = Math.min(d.kg, MAX_K_BLOCK);
        return 4 * (padded + threadCount() * (rows * kc + rows * 16 * 16));
      }
      const packing = gemmScratchBytes(d.mg, d.pixels, d.kg);
      return chosen === 'im2col_gemm' ? packing + d.batch * d.groups * d.kg * d.pixels * 4 : packing;
    }
    case 'gemm': {
      const as = values[op.a]!.shape;
      const bs = values[op.b]!.shape;
      const [m, k] = op.transA ? [as[1]!, as[0]!] : [as[0]!, as[1]!];
      const n = op.transB ? bs[0]! : bs[1]!;
      return gemmScratchBytes(m, n, k);
    }
    case 'batched_matmul': {
      const as = values[op.a]!.shape;
      const bs = values[op.b]!.shape;
      return gemmScratchBytes(as[as.length - 2]!, bs[bs.length - 1]!, as[as.length - 1]!);
    }
    case 'deconv2d': {
      if (chosen === 'depthwise_direct') return 0;
      // One image's column matrix [M·kH·kW, H·W] plus the packing scratch of its per-group GEMM.
      const xs = values[op.x]!.shape;
      const ws = values[op.w]!.shape;
      const inPlane = xs[2]! * xs[3]!;
      const rows = ws[1]! * ws[2]! * ws[3]!;
      return op.groups * rows * inPlane * 4 + gemmScratchBytes(rows, inPlane, xs[1]! / op.groups);
    }
    case 'lrn': {
      const xs = values[op.x]!.shape;
      const plane = xs.slice(2).reduce((a, b) => a * b, 1);
      return threadCount() * plane * 8;
    }
    default:
      return 0;
  }
}

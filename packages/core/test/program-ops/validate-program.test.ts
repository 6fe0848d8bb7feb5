/**
 * The Program validator (derived from the op descriptors): hostile sizes, window arithmetic,
 * storage, operand ids, attribute types, output shapes, overlap, and errors that name the op's
 * layer through its label.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, KilnError, type Program, type ProgramOp, resourceLimits, validateProgram } from '../../src/index.js';
import { ProgramBuilder, sizeOf } from './program-builder.js';

/** A 3x3 conv over a 1x1x4x4 input whose pads make the declared (consistent) output enormous. */
function paddedConv(pad: number): Program {
  const b = new ProgramBuilder();
  const x = b.input('x', [1, 1, 4, 4]);
  const w = b.weight('w', [1, 1, 3, 3]);
  const out = 4 + 2 * pad - 2;
  const y = b.arena('conv_out', [1, 1, out, out]);
  b.op({ op: 'conv2d', x, w, y, strides: [1, 1], pads: [pad, pad, pad, pad], dilations: [1, 1], groups: 1 }).output(y);
  return b.build();
}

/** A 2x2/2 max pool over 1x1x4x4 whose declared output is `outDims`. */
function pool(outDims: [number, number], label?: string): Program {
  const b = new ProgramBuilder();
  const x = b.input('x', [1, 1, 4, 4]);
  const y = b.arena('pool_out', [1, 1, ...outDims]);
  b.op({
    op: 'pool2d',
    type: 'max',
    x,
    y,
    window: [2, 2],
    strides: [2, 2],
    pads: [0, 0, 0, 0],
    dilations: [1, 1],
    countIncludePad: false,
    ...(label ? { label } : {}),
  });
  return b.output(y).build();
}

function copyWithArena(arenaBytes: number): Program {
  const b = new ProgramBuilder();
  const x = b.input('x', [4]);
  const y = b.arena('y', [4]);
  b.op({ op: 'copy', x, y }).output(y);
  return { ...b.build(), arenaBytes };
}

/** One op over freshly placed values: `shapes` are the inputs (feeds), `out` the arena output. */
function single(shapes: number[][], out: number[], make: (ids: number[], y: number) => ProgramOp): Program {
  const b = new ProgramBuilder();
  const ids = shapes.map((s, i) => b.input(`in${i}`, s));
  const y = b.arena('y', out);
  return b.op(make(ids, y)).output(y).build();
}

function expectKilnError(fn: () => unknown, code: ErrorCode, message: RegExp): KilnError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(KilnError);
  expect((caught as KilnError).code).toBe(code);
  expect((caught as KilnError).message).toMatch(message);
  return caught as KilnError;
}

const invalid = (program: Program, message: RegExp) => expectKilnError(() => validateProgram(program), ErrorCode.INVALID_ARGUMENT, message);

describe('the Program validator refuses hostile sizes and window arithmetic', () => {
  it('a pads value of 2^31 is a RESOURCE_LIMIT naming the conv output, not a huge allocation', () => {
    const e = expectKilnError(() => validateProgram(paddedConv(2 ** 31)), ErrorCode.RESOURCE_LIMIT, /maxTensor(Elements|Bytes)/);
    expect(e.layer).toMatchObject({ name: 'conv_out', kind: 'conv2d', index: 0 });
  });

  it('a pads value of 123456789 is refused too (its output alone would be ~6e16 floats)', () => {
    expectKilnError(() => validateProgram(paddedConv(123456789)), ErrorCode.RESOURCE_LIMIT, /maxTensor(Elements|Bytes)/);
  });

  it('an arena of 25 GB is over maxModelBytes', () => {
    expectKilnError(() => validateProgram(copyWithArena(25e9)), ErrorCode.RESOURCE_LIMIT, /maxModelBytes/);
  });

  it('a field of the wrong type is INVALID_ARGUMENT naming the op, not a TypeError from the message', () => {
    const program = single([[2, 3]], [3, 2], ([x], y) => ({ op: 'transpose', x: x!, y, perm: 7 as unknown as number[] }));
    const e = invalid(program, /program op 0 \(transpose\): perm = 7 must be an array of integers >= 0/);
    expect(e.layer).toMatchObject({ kind: 'transpose', index: 0 });
  });

  it('follows the limits it is given', () => {
    const program = paddedConv(10);
    expect(sizeOf(program.values[2]!.shape)).toBe(484);
    expect(() => validateProgram(program)).not.toThrow();
    expectKilnError(() => validateProgram(program, resourceLimits({ maxTensorElements: 100 })), ErrorCode.RESOURCE_LIMIT, /484 elements/);
  });

  it('a pool output that does not follow from its window is INVALID_ARGUMENT naming the op', () => {
    expect(() => validateProgram(pool([2, 2]))).not.toThrow();
    const e = invalid(pool([3, 2]), /program op 0 \(pool2d\).*OH = 3 does not follow from the window \(expected 2\)/);
    expect(e.layer).toMatchObject({ kind: 'pool2d', index: 0 });
  });
});

describe('errors name the layer through the op label', () => {
  it('a malformed op with a label is reported against that layer', () => {
    const e = invalid(pool([3, 2], 'backbone/pool1'), /^layer 'backbone\/pool1' \(pool2d\): program op 0 \(pool2d\): value 1 'pool_out'/);
    expect(e.layer).toEqual({ name: 'backbone/pool1', kind: 'pool2d', index: 0 });
  });

  it('the label names the layer for operand-id and attribute errors too', () => {
    const badId = single([[4]], [4], ([x], y) => ({ op: 'unary', type: 'exp', x: x!, y: y + 7, label: 'head/exp' }));
    expect(invalid(badId, /program op 0 \(unary\): y = 8 is not a value id \(the program has 2 values\)/).layer?.name).toBe('head/exp');
    const badType = single([[4]], [4], ([x], y) => ({ op: 'unary', type: 'cbrt' as never, x: x!, y, label: 'head/cbrt' }));
    const e = invalid(badType, /layer 'head\/cbrt' \(unary\): program op 0 \(unary\): type = "cbrt" must be one of 'abs'/);
    expect(e.layer).toEqual({ name: 'head/cbrt', kind: 'unary', index: 0 });
  });

  it('a label that is not a string is itself an error', () => {
    const program = single([[4]], [4], ([x], y) => ({ op: 'copy', x: x!, y, label: 42 as unknown as string }));
    invalid(program, /program op 0 \(copy\): label = 42 must be a string/);
  });

  it('an op that is not an object is named by its index', () => {
    const program = single([[4]], [4], () => null as unknown as ProgramOp);
    invalid(program, /program op 0 \(undefined\): must be an object with an op field/);
  });

  it('an unknown op kind is named', () => {
    const program = single([[4]], [4], ([x], y) => ({ op: 'fft', x: x!, y }) as unknown as ProgramOp);
    invalid(program, /program op 0 \(fft\): unknown op kind 'fft'/);
  });
});

describe('operands, attributes and output shapes', () => {
  it('operand ids must be values of the program', () => {
    invalid(
      single([[4]], [4], ([x], y) => ({ op: 'unary', type: 'exp', x: x! + 5, y })),
      /program op 0 \(unary\): x = 5 is not a value id \(the program has 2 values\)/,
    );
    invalid(
      single([[4]], [4], (_ids, y) => ({ op: 'concat', inputs: [], y, axis: 0 })),
      /inputs needs at least one value id/,
    );
    invalid(
      single([[4]], [8], ([x], y) => ({ op: 'concat', inputs: [x!, 1.5], y, axis: 0 })),
      /inputs\[1\] = 1.5 is not a value id/,
    );
  });

  it('required attributes must be present and of their type', () => {
    const conv = (extra: object) =>
      single([[1, 4, 5, 5]], [1, 4, 3, 3], ([x], y) => {
        return { op: 'conv2d', x: x!, w: x!, y, strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1, ...extra } as ProgramOp;
      });
    invalid(conv({ groups: undefined }), /program op 0 \(conv2d\): groups is missing/);
    invalid(conv({ groups: 2.5 }), /groups = 2.5 must be an integer >= 1/);
    invalid(conv({ strides: [1, 0] }), /strides\[1\] = 0 must be an integer >= 1/);
    invalid(conv({ strides: [1, 1, 1] }), /strides must be two integers >= 1/);
    invalid(conv({ activation: { type: 'swoosh' } }), /activation.type = "swoosh" must be one of 'relu'/);
  });

  it('gemm: inner dims, bias broadcast, finite alpha', () => {
    const gemm = (a: number[], bShape: number[], y: number[], extra: object = {}) =>
      single([a, bShape], y, ([ai, bi], yi) => ({
        op: 'gemm',
        a: ai!,
        b: bi!,
        y: yi,
        transA: false,
        transB: false,
        alpha: 1,
        beta: 1,
        ...extra,
      }));
    expect(() => validateProgram(gemm([2, 3], [3, 4], [2, 4]))).not.toThrow();
    invalid(gemm([2, 3], [4, 4], [2, 4]), /inner dimensions differ \(op\(a\) is \[2, 3\], op\(b\) is \[4, 4\]\)/);
    invalid(gemm([2, 3], [3, 4], [2, 5]), /y must be \[M, N\] = \[2, 4\]/);
    invalid(gemm([2, 3], [3, 4], [2, 4], { alpha: Number.NaN }), /alpha and beta must be finite numbers/);
  });

  it('binary: operands must broadcast, and y is exactly their broadcast', () => {
    const binary = (a: number[], bShape: number[], y: number[]) =>
      single([a, bShape], y, ([ai, bi], yi) => ({ op: 'binary', type: 'mul', a: ai!, b: bi!, y: yi }));
    expect(() => validateProgram(binary([4, 1], [3], [4, 3]))).not.toThrow();
    invalid(binary([4, 3], [5], [4, 3]), /value 1 'in1' \[5\]: does not broadcast with a \[4, 3\]/);
    invalid(binary([3], [3], [2, 3]), /y must be the broadcast of a and b = \[3\]/);
  });

  it('concat: ranks, dims outside the axis, and the sizes along it', () => {
    const concat = (shapes: number[][], y: number[]) => single(shapes, y, (ids, yi) => ({ op: 'concat', inputs: ids, y: yi, axis: 0 }));
    expect(() =>
      validateProgram(
        concat(
          [
            [2, 3],
            [1, 3],
          ],
          [3, 3],
        ),
      ),
    ).not.toThrow();
    invalid(concat([[2, 3], [6]], [4, 3]), /value 1 'in1' \[6\]: differs from y \[4, 3\] outside the concat axis/);
    invalid(
      concat(
        [
          [2, 3],
          [2, 3],
        ],
        [5, 3],
      ),
      /the inputs' sizes along axis 0 add up to 4, not 5/,
    );
  });

  it('deconv2d and slice check the output y carries', () => {
    const deconv = (out: number[], wShape = [2, 4, 3, 3]) => {
      const b = new ProgramBuilder();
      const x = b.input('x', [1, 2, 3, 3]);
      const w = b.weight('w', wShape);
      const y = b.arena('y', out);
      b.op({ op: 'deconv2d', x, w, y, strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], groups: 1 });
      return b.output(y).build();
    };
    // (3 - 1)·2 + 3 = 7 per spatial axis; one more is output padding.
    expect(() => validateProgram(deconv([1, 4, 7, 8]))).not.toThrow();
    invalid(deconv([1, 4, 6, 7]), /OH must be at least 1 and at least the deconvolution's size 7 \(more is output padding\)/);
    invalid(deconv([1, 3, 7, 7]), /y must be \[N, M, OH, OW\] with N = 1 and M = w\[1\] · groups = 4/);
    invalid(deconv([1, 4, 7, 7], [3, 4, 3, 3]), /value 1 'w' \[3, 4, 3, 3\]: w\[0\] must equal the input channels 2/);

    const slice = (starts: number[], steps: number[], out: number[]) =>
      single([[5, 4]], out, ([xi], y) => ({ op: 'slice', x: xi!, y, starts, steps }));
    expect(() => validateProgram(slice([4, 0], [-2, 1], [3, 4]))).not.toThrow();
    invalid(slice([4, 0], [-2, 1], [4, 4]), /axis 0: start 4 with step -2 reads outside x \[5, 4\] for y's 4 elements/);
    invalid(slice([0, 0], [0, 1], [1, 4]), /steps must be non-zero/);
  });
});

describe('storage and overlap', () => {
  it("refuses an 'input' storage index past the program's inputs and misaligned arena offsets", () => {
    const program = single([[4]], [4], ([x], y) => ({ op: 'binary', type: 'add', a: x!, b: x!, y }));
    program.values.push({ name: 'stray', dtype: 'float32', shape: [4], storage: { kind: 'input', index: 5 } });
    invalid(program, /value 2 'stray' reads feed 5 but the program has 1 inputs/);
    const misaligned = single([[4]], [4], ([x], y) => ({ op: 'copy', x: x!, y }));
    misaligned.values[1] = { ...misaligned.values[1]!, storage: { kind: 'arena', offset: 2 } };
    misaligned.arenaBytes = 32;
    invalid(misaligned, /occupies arena bytes \[2, 18\).*offsets must be multiples of the dtype's size/);
  });

  it('ops write only arena values', () => {
    const b = new ProgramBuilder();
    const x = b.input('x', [4]);
    const w = b.weight('w', [4]);
    b.op({ op: 'copy', x, y: w }).output(w);
    invalid(b.build(), /value 1 'w' \[4\]: writes a value that is not in the arena/);
  });

  it('lets an elementwise op write over its input exactly, and nothing else overlap', () => {
    const inPlace = new ProgramBuilder();
    const x = inPlace.input('x', [2, 3]);
    const t = inPlace.arena('t', [2, 3]);
    inPlace.op({ op: 'unary', type: 'exp', x, y: t });
    const u = inPlace.view('u', [2, 3], t);
    inPlace.op({ op: 'activation', x: t, y: u, activation: { type: 'relu' } }).output(u);
    expect(() => validateProgram(inPlace.build())).not.toThrow();

    // LRN reads neighbouring channels: in place it would read what it already overwrote.
    const lrn = new ProgramBuilder();
    const lx = lrn.input('x', [1, 4, 2, 2]);
    const lt = lrn.arena('t', [1, 4, 2, 2]);
    lrn.op({ op: 'copy', x: lx, y: lt });
    const ly = lrn.view('ly', [1, 4, 2, 2], lt);
    lrn.op({ op: 'lrn', x: lt, y: ly, size: 3, alpha: 1e-4, beta: 0.75, bias: 1, label: 'norm1' }).output(ly);
    const e = invalid(
      lrn.build(),
      /program op 1 \(lrn\): value 1 't' \[1, 4, 2, 2\]: x occupies arena bytes \[0, 64\) which overlap y's \[0, 64\)/,
    );
    expect(e.layer?.name).toBe('norm1');

    // A broadcast operand that shares part of y's bytes is overwritten before all of it is read.
    const partial = new ProgramBuilder();
    const px = partial.input('x', [2, 3]);
    const pt = partial.arena('t', [2, 3]);
    partial.op({ op: 'copy', x: px, y: pt });
    const row = partial.view('row', [3], pt, 3);
    const py = partial.view('py', [2, 3], pt);
    partial.op({ op: 'binary', type: 'add', a: pt, b: row, y: py }).output(py);
    invalid(partial.build(), /b occupies arena bytes \[12, 24\) which overlap y's \[0, 24\).*only exactly/);
  });

  it('lets a concat input sit at its own slice of y, and nowhere else', () => {
    const make = (firstAt: number, axisDims: [number, number]) => {
      const b = new ProgramBuilder();
      const x = b.input('x', [axisDims[0], 3]);
      const y = b.arena('y', [axisDims[0] + axisDims[1], 3]);
      const first = b.view('first', [axisDims[0], 3], y, firstAt);
      b.op({ op: 'copy', x, y: first });
      const second = b.input('second', [axisDims[1], 3]);
      b.op({ op: 'concat', inputs: [first, second], y, axis: 0 }).output(y);
      return b.build();
    };
    expect(() => validateProgram(make(0, [2, 1]))).not.toThrow();
    invalid(make(3, [1, 2]), /program op 1 \(concat\): value 2 'first' \[1, 3\]: inputs occupies arena bytes \[12, 24\)/);
  });
});

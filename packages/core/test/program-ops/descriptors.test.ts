/** The op descriptor table and the operand access derived from it. */
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  isKilnError,
  mapProgramOpOperands,
  PROGRAM_OP_DESCRIPTORS,
  PROGRAM_OP_KINDS,
  type ProgramOp,
  programOpDescriptor,
  programOpOperands,
  readProgramOperands,
} from '../../src/index.js';

describe('PROGRAM_OP_DESCRIPTORS', () => {
  it('describes every op kind, each with its own kind and exactly one output, listed last', () => {
    expect(Object.keys(PROGRAM_OP_DESCRIPTORS).sort()).toEqual([...PROGRAM_OP_KINDS].sort());
    for (const kind of PROGRAM_OP_KINDS) {
      const d = programOpDescriptor(kind)!;
      expect(d.kind).toBe(kind);
      const outputs = d.operands.filter((s) => s.role === 'output');
      expect(
        outputs.map((s) => s.field),
        kind,
      ).toEqual(['y']);
      expect(d.operands.at(-1)!.role, kind).toBe('output');
      const operandFields = d.operands.map((s) => s.field);
      expect(new Set(operandFields).size, kind).toBe(operandFields.length);
      for (const field of Object.keys(d.attributes)) expect(operandFields, `${kind}.${field}`).not.toContain(field);
    }
  });

  it('answers undefined for names that are not op kinds, including inherited properties', () => {
    expect(programOpDescriptor('fft')).toBeUndefined();
    expect(programOpDescriptor('toString')).toBeUndefined();
    expect(programOpDescriptor(3)).toBeUndefined();
  });
});

const conv: ProgramOp = {
  op: 'conv2d',
  x: 0,
  w: 1,
  residual: 2,
  y: 3,
  strides: [1, 1],
  pads: [0, 0, 0, 0],
  dilations: [1, 1],
  groups: 1,
  label: 'conv1',
};

describe('operand access', () => {
  it('lists the ids an op reads in descriptor order, skipping absent optional operands', () => {
    expect(programOpOperands(conv)).toEqual({ inputs: [0, 1, 2], output: 3 });
    expect(programOpOperands({ op: 'concat', inputs: [4, 2, 4], y: 7, axis: 1 })).toEqual({ inputs: [4, 2, 4], output: 7 });
    expect(programOpOperands({ op: 'channel_affine', x: 5, shift: 6, y: 5, channelAxis: 1 })).toEqual({ inputs: [5, 6], output: 5 });
  });

  it('maps operand ids (list ones too) and nothing else', () => {
    const mapped = mapProgramOpOperands(conv, (id) => id + 10);
    expect(mapped).toEqual({ ...conv, x: 10, w: 11, residual: 12, y: 13 });
    expect(conv.x).toBe(0);
    const concat = mapProgramOpOperands({ op: 'concat', inputs: [1, 2], y: 3, axis: 2 }, (id) => id * 2);
    expect(concat).toEqual({ op: 'concat', inputs: [2, 4], y: 6, axis: 2 });
  });

  it('reads each operand field through a callback, typed per kind', () => {
    const read = readProgramOperands(conv as Extract<ProgramOp, { op: 'conv2d' }>, (id) => `v${id}`);
    expect(read).toEqual({ x: 'v0', w: 'v1', b: undefined, residual: 'v2' });
  });

  it('an unknown kind is a KilnError, not a TypeError', () => {
    let caught: unknown;
    try {
      programOpOperands({ op: 'fft', x: 0, y: 1 } as unknown as ProgramOp);
    } catch (e) {
      caught = e;
    }
    expect(isKilnError(caught, ErrorCode.INVALID_ARGUMENT)).toBe(true);
    expect(String((caught as Error).message)).toMatch(/unknown program op kind 'fft'/);
  });
});

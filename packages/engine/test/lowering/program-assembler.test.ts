/** The Program assembler labels every op with the layer it was lowered from. */
import { describe, expect, it } from 'vitest';
import { ProgramAssembler } from '../../src/lowering/program-assembler.js';

describe('ProgramAssembler labels', () => {
  it('labels the ops a layer emits with its name, nested layers with theirs, and leaves other ops alone', () => {
    const asm = new ProgramAssembler(new Map(), () => 'float32');
    asm.setShape('x', [2, 3]);
    asm.setShape('y', [2, 3]);
    asm.setShape('z', [3, 2]);
    const [x, y, z] = [asm.ref('x'), asm.ref('y'), asm.ref('z')];
    asm.emit({ op: 'copy', x, y });
    asm.lowerLayer('block1/relu', () => {
      asm.emit({ op: 'activation', x, y, activation: { type: 'relu' } });
      asm.lowerLayer('block1/inner', () => asm.emit({ op: 'transpose', x: y, y: z, perm: [1, 0] }));
      asm.emit({ op: 'unary', type: 'exp', x: y, y, label: 'given' });
    });
    asm.emit({ op: 'copy', x: y, y });
    expect(asm.ops.map((p) => p.op.label)).toEqual([undefined, 'block1/relu', 'block1/inner', 'given', undefined]);
  });

  it('restores the outer layer when a lowerer throws', () => {
    const asm = new ProgramAssembler(new Map(), () => 'float32');
    asm.setShape('x', [1]);
    const x = asm.ref('x');
    expect(() =>
      asm.lowerLayer('bad', () => {
        throw new Error('lowering failed');
      }),
    ).toThrow('lowering failed');
    asm.emit({ op: 'copy', x, y: x });
    expect(asm.ops[0]!.op.label).toBeUndefined();
  });
});

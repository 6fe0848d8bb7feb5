/**
 * An unforeseen failure inside the ONNX import still reaches the caller as a KilnError, but one
 * that says which stage failed (decode, graph build, shape inference) and keeps the original
 * error, stack included, as its cause.
 */
import { isKilnError, type KilnError } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../src/index.js';
import { floatInput, modelBytes } from './helpers/model-builder.js';

describe('unforeseen import failures', () => {
  it('name the stage and keep the original error as the cause', () => {
    // A zero-length input dim makes the graph build warn; the warning callback throws.
    const bytes = modelBytes({ input: [floatInput('x', [0, 3])], output: [floatInput('x', [0, 3])] });
    const original = new RangeError('callback broke');
    let caught: unknown;
    try {
      importOnnx(bytes, {
        onWarning: () => {
          throw original;
        },
      });
    } catch (e) {
      caught = e;
    }
    expect(isKilnError(caught), String(caught)).toBe(true);
    const e = caught as KilnError;
    expect(e.code).toBe('INVALID_MODEL');
    expect(e.message).toMatch(/^could not import the ONNX model \(graph build failed\): RangeError: callback broke/);
    expect(e.cause).toBe(original);
  });

  it('leave KilnErrors as they are', () => {
    let caught: unknown;
    try {
      importOnnx(new Uint8Array([0x0a, 0xff]));
    } catch (e) {
      caught = e;
    }
    expect(isKilnError(caught), String(caught)).toBe(true);
    expect((caught as KilnError).message).not.toMatch(/could not import/);
  });
});

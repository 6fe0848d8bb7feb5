import { ErrorCode, isKilnError } from '@kiln-inference/core';
import { describe, expect, it } from 'vitest';
import { type CalibrationCache, parseCalibrationCache, serializeCalibrationCache } from '../src/index.js';

/** 0x3c010a14 as float32: sign 0, biased exponent 120, mantissa 0x010a14. */
const SCALE_3C010A14 = 2 ** (120 - 127) * (1 + 0x010a14 / 2 ** 23);

function errorOf(text: string): { code: string; message: string } {
  try {
    parseCalibrationCache(text);
  } catch (e) {
    if (isKilnError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('the cache was accepted');
}

describe('calibration cache (TensorRT text layout)', () => {
  it('reads the header and big-endian float32 scales', () => {
    const cache = parseCalibrationCache('TRT-8601-EntropyCalibration2\ninput: 3c010a14\nconv/BiasAdd:0: 3f800000\n');
    expect(cache.version).toBe('8601');
    expect(cache.algorithm).toBe('EntropyCalibration2');
    expect([...cache.scales.keys()]).toEqual(['input', 'conv/BiasAdd:0']);
    expect(cache.scales.get('input')).toBe(SCALE_3C010A14);
    expect(cache.scales.get('conv/BiasAdd:0')).toBe(1);
  });

  it('round-trips: write then read gives the same float32 scales, header and order', () => {
    const cache: CalibrationCache = {
      version: '8601',
      algorithm: 'MinMaxCalibration',
      scales: new Map([
        ['x', Math.fround(0.1)],
        ['(Unnamed Layer* 3) [Convolution]_output', Math.fround(3.5e-5)],
        ['relu_7', Math.fround(12.25)],
      ]),
    };
    const text = serializeCalibrationCache(cache);
    expect(text).toBe('TRT-8601-MinMaxCalibration\nx: 3dcccccd\n(Unnamed Layer* 3) [Convolution]_output: 3812ccf7\nrelu_7: 41440000\n');
    expect(parseCalibrationCache(text)).toEqual(cache);
    expect(serializeCalibrationCache(parseCalibrationCache(text))).toBe(text);
  });

  it('tolerates other versions and algorithm names, CRLF line ends, blank lines and upper-case hex', () => {
    for (const header of [
      'TRT-7000-EntropyCalibration',
      'TRT-10030-EntropyCalibration2',
      'TRT-8510-LegacyCalibration',
      'TRT-1-Custom_Algo9',
    ]) {
      const cache = parseCalibrationCache(`${header}\r\n\r\na: 3F800000\r\n`);
      expect(`TRT-${cache.version}-${cache.algorithm}`).toBe(header);
      expect(cache.scales).toEqual(new Map([['a', 1]]));
    }
    expect(parseCalibrationCache('TRT-8601-EntropyCalibration2').scales.size).toBe(0);
  });

  it('refuses hostile input with an error naming the line and what to do', () => {
    const cases: [string, RegExp][] = [
      ['', /line 1 \(''\): not a calibration cache header/],
      ['kiln cache\na: 3f800000', /line 1 \('kiln cache'\): not a calibration cache header/],
      ['TRT-8601-EntropyCalibration2\na: 3f80zz00', /line 2 \('a: 3f80zz00'\): '3f80zz00' is not 8 hexadecimal digits/],
      ['TRT-8601-EntropyCalibration2\na: 3f8000', /line 2 .*'3f8000' is not 8 hexadecimal digits/],
      ['TRT-8601-EntropyCalibration2\na: 3f8000001', /'3f8000001' is not 8 hexadecimal digits/],
      ['TRT-8601-EntropyCalibration2\na: 3f800000\nb 3f800000', /line 3 \('b 3f800000'\): no ':' between the tensor name and its scale/],
      ['TRT-8601-EntropyCalibration2\n: 3f800000', /line 2 .*the tensor name is empty/],
      ['TRT-8601-EntropyCalibration2\na: 7fc00000', /line 2 .*scale NaN is not a positive finite number/],
      ['TRT-8601-EntropyCalibration2\na: 7f800000', /scale Infinity is not a positive finite number/],
      ['TRT-8601-EntropyCalibration2\na: bf800000', /line 2 .*scale -1 is not a positive finite number/],
      ['TRT-8601-EntropyCalibration2\na: 00000000', /scale 0 is not a positive finite number/],
      ['TRT-8601-EntropyCalibration2\na: 3f800000\n\na: 3f800000', /line 4 \('a: 3f800000'\): tensor 'a' is listed twice/],
    ];
    for (const [text, message] of cases) {
      const error = errorOf(text);
      expect(error.code).toBe(ErrorCode.INVALID_ARGUMENT);
      expect(error.message).toMatch(message);
      expect(error.message).toMatch(/Hint: /);
    }
    // A very long line is shortened in the message.
    expect(errorOf(`TRT-8601-EntropyCalibration2\n${'n'.repeat(500)}`).message.length).toBeLessThan(300);
  });

  it('refuses to write what it could not read back', () => {
    const write = (name: string, scale: number, algorithm = 'EntropyCalibration2') =>
      serializeCalibrationCache({ version: '8601', algorithm, scales: new Map([[name, scale]]) });
    expect(() => write('a\nb', 1)).toThrow(/tensor name 'a\nb' cannot be written/);
    expect(() => write(' a', 1)).toThrow(/cannot be written/);
    expect(() => write('a', 0)).toThrow(/tensor 'a' has scale 0/);
    expect(() => write('a', Number.NaN)).toThrow(/scale NaN/);
    expect(() => write('a', 1e-50)).toThrow(/positive finite float32/);
    expect(() => write('a', 1, 'Entropy Calibration')).toThrow(/cannot write the header 'TRT-8601-Entropy Calibration'/);
  });
});

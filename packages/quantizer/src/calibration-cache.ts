/**
 * The calibration cache in TensorRT's text layout, so caches move between Kiln and TensorRT:
 *
 *   TRT-8601-EntropyCalibration2          header: TRT-<version>-<algorithm>
 *   input: 3c010a14                       <tensor name>: <float32 scale, big-endian bits, 8 hex digits>
 *
 * Any version number and algorithm name are accepted and kept. Tensor names may themselves hold
 * colons (TensorFlow's 'conv/BiasAdd:0'), so a line splits at its last colon. Blank lines are
 * skipped; CRLF line ends are accepted.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { isValidScale } from './symmetric-scale.js';

export interface CalibrationCache {
  /** The header's version field, e.g. '8601' (TensorRT 8.6.1). */
  version: string;
  /** The header's algorithm, e.g. 'EntropyCalibration2'. */
  algorithm: string;
  /** Tensor name → per-tensor scale (threshold / 127), a positive float32 value. */
  scales: Map<string, number>;
}

/** The version written into caches Kiln creates (TensorRT 8.6.1's, which reads the same layout). */
export const DEFAULT_CACHE_VERSION = '8601';

const HEADER = /^TRT-(\d+)-([A-Za-z0-9_]+)$/;
const HEX_SCALE = /^[0-9a-fA-F]{8}$/;

function lineError(lineNumber: number, line: string, problem: string, hint: string): KilnError {
  const shown = line.length > 80 ? `${line.slice(0, 77)}...` : line;
  return new KilnError(ErrorCode.INVALID_ARGUMENT, `calibration cache line ${lineNumber} ('${shown}'): ${problem}`, { hint });
}

function float32FromHex(hex: string): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, Number.parseInt(hex, 16));
  return view.getFloat32(0);
}

function hexFromFloat32(value: number): string {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value);
  return view.getUint32(0).toString(16).padStart(8, '0');
}

export function parseCalibrationCache(text: string): CalibrationCache {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const header = HEADER.exec(lines[0]?.trim() ?? '');
  if (!header) {
    throw lineError(1, lines[0] ?? '', 'not a calibration cache header', "the first line must look like 'TRT-8601-EntropyCalibration2'");
  }
  const scales = new Map<string, number>();
  const regenerate = 'fix the line, or delete the cache file and calibrate again';
  lines.slice(1).forEach((line, index) => {
    const lineNumber = index + 2;
    if (line.trim() === '') return;
    const colon = line.lastIndexOf(':');
    if (colon < 0) throw lineError(lineNumber, line, "no ':' between the tensor name and its scale", regenerate);
    const name = line.slice(0, colon).trim();
    const hex = line.slice(colon + 1).trim();
    if (name === '') throw lineError(lineNumber, line, 'the tensor name is empty', regenerate);
    if (!HEX_SCALE.test(hex)) throw lineError(lineNumber, line, `'${hex}' is not 8 hexadecimal digits`, regenerate);
    const scale = float32FromHex(hex);
    if (!isValidScale(scale)) throw lineError(lineNumber, line, `scale ${scale} is not a positive finite number`, regenerate);
    if (scales.has(name)) throw lineError(lineNumber, line, `tensor '${name}' is listed twice`, regenerate);
    scales.set(name, scale);
  });
  return { version: header[1]!, algorithm: header[2]!, scales };
}

export function serializeCalibrationCache(cache: CalibrationCache): string {
  const header = `TRT-${cache.version}-${cache.algorithm}`;
  if (!HEADER.test(header)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `cannot write the header '${header}'`, {
      hint: 'the version must be digits and the algorithm letters, digits or _',
    });
  }
  const lines = [header];
  for (const [name, scale] of cache.scales) {
    if (name.trim() !== name || name === '' || /[\r\n]/.test(name)) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `tensor name '${name}' cannot be written to a calibration cache`, {
        hint: 'names must be non-empty, on one line, without leading or trailing spaces',
      });
    }
    if (!isValidScale(scale) || !isValidScale(Math.fround(scale))) {
      throw new KilnError(ErrorCode.INVALID_ARGUMENT, `tensor '${name}' has scale ${scale}; a cache holds positive finite float32 scales`);
    }
    lines.push(`${name}: ${hexFromFloat32(scale)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The capability oracle of a named target: the converters' validators (a node must convert)
 * and the native backend's layer support table (what it converts to must run natively). The
 * `cuda` target asks the same table, since the CUDA backend lowers the same Program ops.
 */
import type { ConverterRegistry } from '@kiln-inference/converters';
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { type CapabilityOracle, combineOracles, converterOracle, layerTableOracle } from '@kiln-inference/partitioner';
import { type NativeTarget, programSupportTable } from './program-support-table.js';

export const TARGETS: readonly NativeTarget[] = ['cpu', 'cuda'];

export function isTarget(name: string): name is NativeTarget {
  return (TARGETS as readonly string[]).includes(name);
}

export function targetOracle(target: string, registry: ConverterRegistry): CapabilityOracle {
  if (!isTarget(target)) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, `unknown target '${target}'`, { hint: `targets are: ${TARGETS.join(', ')}` });
  }
  return combineOracles(converterOracle(registry), layerTableOracle(programSupportTable(target, registry)));
}

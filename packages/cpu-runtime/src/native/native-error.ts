/** Turns an error thrown or rejected by kiln_cpu.node into a KilnError with the same code. */
import { ErrorCode, type KilnError, kilnErrorFromNative, type LayerContext } from '@kiln-inference/core';

export function nativeErrorToKilnError(e: unknown, layer?: LayerContext): KilnError {
  return kilnErrorFromNative(e, ErrorCode.RUNTIME_ERROR, layer);
}

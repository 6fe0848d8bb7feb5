/**
 * Several oracles as one: a node is supported only when every oracle agrees. The first "no"
 * (in the order given) is the reason reported, prefixed with the oracle's name so users see
 * which part of the stack refused it.
 */
import { ErrorCode, KilnError } from '@kiln-inference/core';
import { type Capability, type CapabilityOracle, SUPPORTED_CAPABILITY } from './capability.js';

export function combineOracles(...oracles: CapabilityOracle[]): CapabilityOracle {
  if (oracles.length === 0) {
    throw new KilnError(ErrorCode.INVALID_ARGUMENT, 'combineOracles needs at least one oracle', {
      hint: 'pass converterOracle(registry) and the backend table oracle',
    });
  }
  return {
    name: oracles.map((o) => o.name).join(' + '),
    supports(graph, node): Capability {
      for (const oracle of oracles) {
        const verdict = oracle.supports(graph, node);
        if (!verdict.supported) {
          return oracles.length === 1 ? verdict : { ...verdict, reason: `${oracle.name}: ${verdict.reason}` };
        }
      }
      return SUPPORTED_CAPABILITY;
    },
  };
}

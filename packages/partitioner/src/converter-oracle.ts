/**
 * The converters as an oracle: a node is supported when a converter exists for its op at the
 * model's opset and that converter's validator accepts the node's attributes and input types.
 */
import { type ConverterRegistry, checkSupport } from '@kiln-inference/converters';
import { type Capability, type CapabilityOracle, notSupported, SUPPORTED_CAPABILITY } from './capability.js';

export function converterOracle(registry: ConverterRegistry, name = 'converters'): CapabilityOracle {
  return {
    name,
    supports(graph, node): Capability {
      try {
        const verdict = checkSupport(registry, graph, node);
        return verdict.supported ? SUPPORTED_CAPABILITY : notSupported(verdict.category, verdict.reason);
      } catch (e) {
        // A validator that crashes on an odd node must not take the whole partition down:
        // the node simply stays on the fallback backend, with the failure as its reason.
        const message = e instanceof Error ? e.message : String(e);
        return notSupported('other', `the ${node.op} validator failed: ${message}`);
      }
    },
  };
}

/** Attaches the node a failure happened in to KilnErrors raised without one. */
import { KilnError, type NodeContext } from '@kiln-inference/core';

export function withNode<T>(node: NodeContext, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof KilnError && !e.node) {
      // The composed message already ends with the hint; keep it separate so it is not repeated.
      const message = e.hint ? e.message.slice(0, e.message.lastIndexOf(' Hint: ')) : e.message;
      throw new KilnError(e.code, message, { node, hint: e.hint, cause: e });
    }
    throw e;
  }
}

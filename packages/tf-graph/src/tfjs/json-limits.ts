/**
 * model.json is parsed whole before anything reads it; a hostile file can nest arrays a million
 * deep (recursive readers then overflow the stack) or carry one enormous string. This walks the
 * parsed value once, without recursion, against maxNestingDepth and maxStringLength.
 */
import { checkCount } from '@kiln-inference/core';

export function checkJsonLimits(value: unknown, what: string): void {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: v, depth } = stack.pop()!;
    if (typeof v === 'string') {
      checkCount('maxStringLength', v.length, `${what}: the length of a string`);
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    checkCount('maxNestingDepth', depth + 1, `${what}: the nesting depth of its JSON`);
    const children = Array.isArray(v) ? v : Object.entries(v).flat();
    for (const child of children) stack.push({ value: child, depth: depth + 1 });
  }
}

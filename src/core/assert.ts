// Assertions are for bugs only (an impossible state). Bad input never reaches here:
// it becomes a typed drop reason instead (see drops.ts).

export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new AssertionError(message);
}

export function unreachable(x: never): never {
  throw new AssertionError(`unreachable: ${JSON.stringify(x)}`);
}

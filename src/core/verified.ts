// Verified<T>: a value that passed ingress (decode → bound → authenticate). The core accepts only
// Verified inputs, so it never sees unauthenticated data. Only src/ingress (and tests) may call
// markVerified; scripts/check-purity.ts enforces that.

declare const verifiedBrand: unique symbol;
export type Verified<T> = T & { readonly [verifiedBrand]: true };

export function markVerified<T>(value: T): Verified<T> {
  return value as Verified<T>;
}

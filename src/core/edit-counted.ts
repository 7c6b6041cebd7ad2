// Collections that count the calls that may change them, so that a checker can tell one has not
// changed since a check it passed without walking it again (src/pbft/invariants.ts, issue 17 item 5).
// Every change of a Set or Map goes through these methods, so none can be missed; the values must be
// immutable for "unchanged" to mean the same contents (messages and certificates are).

/** A Set counting add, delete and clear calls (a no-op one counts too). */
export class EditCountedSet<T> extends Set<T> {
  edits = 0;
  override add(value: T): this {
    this.edits++;
    return super.add(value);
  }
  override delete(value: T): boolean {
    this.edits++;
    return super.delete(value);
  }
  override clear(): void {
    this.edits++;
    super.clear();
  }
}

/** A Map counting set, delete and clear calls (a no-op one counts too). */
export class EditCountedMap<K, V> extends Map<K, V> {
  edits = 0;
  override set(key: K, value: V): this {
    this.edits++;
    return super.set(key, value);
  }
  override delete(key: K): boolean {
    this.edits++;
    return super.delete(key);
  }
  override clear(): void {
    this.edits++;
    super.clear();
  }
}

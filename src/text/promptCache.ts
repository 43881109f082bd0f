/**
 * A small least-recently-used map. The text encoder keeps one entry per recent prompt so that
 * pressing Generate again (new seed, more variations, other sampling settings) does not re-run T5.
 */
export const DEFAULT_PROMPT_CACHE_SIZE = 32;

export class PromptCache<V> {
  private readonly map = new Map<string, V>();

  constructor(readonly capacity = DEFAULT_PROMPT_CACHE_SIZE) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`cache capacity must be an integer >= 0, got ${capacity}`);
  }

  get size(): number {
    return this.map.size;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** The value for `key`, marking it most recently used. */
  get(key: string): V | undefined {
    if (!this.map.has(key)) return undefined;
    const v = this.map.get(key) as V;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  /** Stores `value` as most recently used, evicting the least recently used entry beyond capacity. */
  set(key: string, value: V): void {
    this.map.delete(key);
    if (this.capacity === 0) return;
    this.map.set(key, value);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }

  delete(key: string): boolean {
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }
}

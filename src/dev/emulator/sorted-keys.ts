/** Keys kept in sorted order so a page after a marker costs a binary search plus the page. */
export class SortedKeys {
  private readonly keys: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  add(key: string): void {
    const at = this.lowerBound(key);
    if (this.keys[at] !== key) this.keys.splice(at, 0, key);
  }

  delete(key: string): void {
    const at = this.lowerBound(key);
    if (this.keys[at] === key) this.keys.splice(at, 1);
  }

  clear(): void {
    this.keys.length = 0;
  }

  /**
   * Up to `limit` keys strictly after `after` that `accept` admits, and whether more would follow.
   * With a selective `accept` this scans past rejected keys, so keep such filters for small sets.
   */
  pageAfter(
    after: string | undefined,
    limit: number,
    accept: (key: string) => boolean = () => true,
  ): { keys: string[]; more: boolean } {
    let at = after === undefined ? 0 : this.upperBound(after);
    const page: string[] = [];
    for (; at < this.keys.length; at++) {
      const key = this.keys[at]!;
      if (!accept(key)) continue;
      if (page.length === limit) return { keys: page, more: true };
      page.push(key);
    }
    return { keys: page, more: false };
  }

  private lowerBound(key: string): number {
    let low = 0;
    let high = this.keys.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.keys[mid]! < key) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private upperBound(key: string): number {
    let low = 0;
    let high = this.keys.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.keys[mid]! <= key) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

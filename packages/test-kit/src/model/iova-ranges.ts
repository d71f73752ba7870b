/**
 * Non-overlapping IOVA ranges kept sorted by their first byte, for a DMA space and a
 * vfio-user client's maps. Behind a vIOMMU the guest's memory arrives one 4 KiB page at a time,
 * in whatever order the guest's IOVA allocator hands addresses out (Linux's goes downwards),
 * so a space may hold hundreds of thousands of ranges: they are kept in sorted chunks of at
 * most {@link CHUNK} ranges, a lookup is two binary searches, and an insert or removal moves
 * at most one chunk's entries.
 */

/** A range of IOVAs: `length` bytes from `iova`. */
export interface IovaRange {
  readonly iova: number;
  readonly length: number;
}

/** The most ranges one chunk holds; a fuller one is split in two. */
const CHUNK = 512;

function end(r: IovaRange): number {
  return r.iova + r.length;
}

/** The index of the first range in `list` (sorted) whose end is past `iova`; the length when none. */
function firstEndingAfter(list: readonly IovaRange[], iova: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (end(list[mid]) <= iova) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sorted, non-overlapping ranges of type `R`. */
export class IovaRanges<R extends IovaRange> {
  /** Non-empty sorted chunks, in order: every range of a chunk lies before every range of the next. */
  readonly #chunks: R[][] = [];
  #size = 0;

  /** How many ranges there are. */
  get size(): number {
    return this.#size;
  }

  /** Every range, by IOVA (a copy). */
  get all(): R[] {
    return this.#chunks.flat();
  }

  /** The range holding byte `iova`, or undefined. */
  at(iova: number): R | undefined {
    const c = this.#chunk(iova);
    if (c === this.#chunks.length) return undefined;
    const chunk = this.#chunks[c];
    const r = chunk[firstEndingAfter(chunk, iova)];
    return r.iova <= iova ? r : undefined;
  }

  /** The ranges sharing at least one byte with `length` bytes at `iova`, by IOVA. */
  overlapping(iova: number, length: number): R[] {
    const out: R[] = [];
    if (!(length > 0)) return out;
    const stop = iova + length;
    for (let c = this.#chunk(iova); c < this.#chunks.length; c++) {
      const chunk = this.#chunks[c];
      for (let i = out.length === 0 ? firstEndingAfter(chunk, iova) : 0; i < chunk.length; i++) {
        if (chunk[i].iova >= stop) return out;
        out.push(chunk[i]);
      }
    }
    return out;
  }

  /** Adds `range` in its place; false (and nothing added) when it is empty or overlaps a range there is. */
  add(range: R): boolean {
    if (!(range.length > 0)) return false;
    let c = this.#chunk(range.iova);
    if (c < this.#chunks.length) {
      const chunk = this.#chunks[c];
      const i = firstEndingAfter(chunk, range.iova);
      if (chunk[i].iova < end(range)) return false;
      chunk.splice(i, 0, range);
    } else if (c > 0) {
      c--;
      this.#chunks[c].push(range);
    } else {
      this.#chunks.push([range]);
    }
    this.#size++;
    const chunk = this.#chunks[c];
    if (chunk.length > CHUNK) this.#chunks.splice(c + 1, 0, chunk.splice(CHUNK / 2));
    return true;
  }

  /** Removes `range` (the object added); false when it is not there. */
  remove(range: R): boolean {
    const c = this.#chunk(range.iova);
    const chunk = this.#chunks[c];
    if (chunk === undefined) return false;
    const i = firstEndingAfter(chunk, range.iova);
    if (chunk[i] !== range) return false;
    chunk.splice(i, 1);
    if (chunk.length === 0) this.#chunks.splice(c, 1);
    this.#size--;
    return true;
  }

  /** Removes every range. */
  clear(): void {
    this.#chunks.length = 0;
    this.#size = 0;
  }

  /** The index of the first chunk whose last range ends past `iova`; the chunk count when none. */
  #chunk(iova: number): number {
    let lo = 0;
    let hi = this.#chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.#chunks[mid];
      if (end(chunk[chunk.length - 1]) <= iova) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * Free hugepages for tests that need a few: a host set up for DPDK may have any number free
 * (0 to thousands, moving with every other process), so a test asks for what it needs and
 * the pool grows when it falls short, and shrinks back when the test file ends.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { HUGEPAGE_2M, hugepagePool } from '../hugepage.js';

/** `nr_hugepages` of each pool this module raised, as it was before, by sysfs directory. */
const raised = new Map<string, string>();

/**
 * Makes sure `pages` pages of `pageSize` (default 2 MiB) are free and unreserved, raising the
 * pool's `nr_hugepages` when fewer are (this needs root); {@link restoreHugepagePools} puts
 * the pool back. Returns whether that many are free now: false without hugetlb, without the
 * right to grow the pool, or when the kernel found no memory for it.
 */
export function ensureFreeHugepages(pages: number, pageSize = HUGEPAGE_2M): boolean {
  const pool = hugepagePool(pageSize);
  if (!pool) return false;
  const free = pool.free - pool.reserved;
  if (free >= pages) return true;
  const knob = `${pool.sysfsDir}/nr_hugepages`;
  try {
    const before = readFileSync(knob, 'utf8').trim();
    writeFileSync(knob, String(pool.total + pages - free));
    if (!raised.has(pool.sysfsDir)) raised.set(pool.sysfsDir, before);
  } catch {
    return false;
  }
  const after = hugepagePool(pageSize);
  return after !== undefined && after.free - after.reserved >= pages;
}

/** Puts back `nr_hugepages` of every pool {@link ensureFreeHugepages} raised (call it in `afterAll`). */
export function restoreHugepagePools(): void {
  for (const [dir, total] of raised) writeFileSync(`${dir}/nr_hugepages`, total);
  raised.clear();
}

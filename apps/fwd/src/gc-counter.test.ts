// The GC counter starts from an emptied young generation: a collection it counts is one the
// counted code caused, however full the young generation was when counting began.
import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { flushYoungGeneration, GcCounter, youngBytes } from './gc-counter.js';

/** Bytes the counted code allocates: far below any young generation V8 sizes, far above the free room left by {@link fillYoung}. */
const COUNTED_BYTES = 256 * 1024;
/** The free room {@link fillYoung} leaves in the young generation. */
const LEFT_BYTES = 64 * 1024;
/** Elements of each array the tests allocate (8 KiB). */
const ELEMENTS = 1024;
const ROUNDS = 20;

let sink: number[][] = [];

function youngFree(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_available_size ?? 0;
}

/** Allocates garbage until the young generation has less than {@link LEFT_BYTES} free (a collection on the way starts it over). */
function fillYoung(): void {
  while (youngFree() >= LEFT_BYTES) sink = [new Array<number>(ELEMENTS).fill(1)];
}

/** Allocates {@link COUNTED_BYTES} and keeps it until the next call. */
function allocateCounted(): void {
  sink = [];
  for (let n = 0; n < COUNTED_BYTES; n += ELEMENTS * 8) sink.push(new Array<number>(ELEMENTS).fill(2));
}

describe('GcCounter', () => {
  it('counts no collection for allocations that fit the young generation, however full it was before', () => {
    for (let round = 0; round < ROUNDS; round++) {
      fillYoung();
      expect(youngFree()).toBeLessThan(LEFT_BYTES);
      const gcs = new GcCounter();
      allocateCounted();
      expect(gcs.stop()).toBe(0);
    }
  });

  it('counts the collections the counted code causes', () => {
    const gcs = new GcCounter();
    // Many times the young generation's size in garbage.
    for (let i = 0; i < 8192; i++) sink = [new Array<number>(ELEMENTS).fill(3)];
    expect(gcs.stop()).toBeGreaterThan(0);
  });

  it('flushYoungGeneration runs a scavenge and leaves the young generation nearly empty', () => {
    fillYoung();
    const before = youngBytes();
    expect(flushYoungGeneration()).toBe(true);
    expect(youngBytes()).toBeLessThan(before);
    expect(youngFree()).toBeGreaterThan(COUNTED_BYTES);
  });
});

/**
 * Reserves `count` memzones named `<prefix><i>`, frees every other one, then reserves
 * `count / 2` more, racing the other threads doing the same; posts the zones it holds.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Arena, memzoneFree, memzoneReserve } from '@nic/eal';
import { arriveAndWait } from './barrier.mjs';

const { arena: handle, prefix, count, barrier, parties } = workerData;
const arena = new Arena(handle);
arriveAndWait(barrier, parties);
const held = new Map();
for (let i = 0; i < count; i++) {
  const zone = memzoneReserve(arena, `${prefix}${i}`, 64 + (i % 7) * 200, { align: i % 3 === 0 ? 256 : 64 });
  held.set(zone.name, zone);
}
for (let i = 0; i < count; i += 2) {
  memzoneFree(arena, `${prefix}${i}`);
  held.delete(`${prefix}${i}`);
}
for (let i = 0; i < count / 2; i++) {
  const zone = memzoneReserve(arena, `${prefix}b${i}`, 1000 + i);
  held.set(zone.name, zone);
}
parentPort.postMessage([...held.values()].map((z) => ({ name: z.name, offset: z.offset, length: z.length, align: z.align })));

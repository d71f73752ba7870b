// The vhost-user frontend of the migration guest tests, run in the guest with node: @nic/vhost's
// VhostTestFrontend (one queue pair, kick and call eventfds, LOG_SHMFD) driven line by line
// from stdin, each answer one line and then the prompt `frontend> `. Commands:
//   connect <socket>  connect and set the rings up (the rx ring full of writable buffers)
//   log               start dirty logging as QEMU does at migration start (SET_LOG_BASE, LOG_ALL, VRING_F_LOG)
//   post <n>          put n numbered 64-byte frames on the tx ring (no kick)
//   snapshot          keep a copy of the frontend's memory (the diff's base)
//   kick <vring>      kick a vring
//   used              {"used":[rx used idx, tx used idx]}
//   pages             {"changed":[...],"logged":[...]}: region pages that differ from the snapshot, pages marked in the log
//   stop              {"bases":[rx, tx]}: GET_VRING_BASE of both vrings (the first stops the device)
import { createInterface } from 'node:readline';
import { VhostTestFrontend } from '@nic/vhost/testing';

const PROMPT = 'frontend> ';
/** The device's stop under TCG (rings disabled, vectors unbound, memory unmapped, reset). */
const STOP_MS = 60_000;
const FRAME_LENGTH = 64;
const ETHER_HEADER = 14;

/** Frame `n`: broadcast, source 02:00:00:00:00:01, the 32-bit `n` after the Ethernet header. */
function frame(n) {
  const f = Uint8Array.from({ length: FRAME_LENGTH }, (_, i) => (i < 6 ? 0xff : i === 6 ? 0x02 : i < 11 ? 0 : i === 11 ? 1 : i));
  new DataView(f.buffer).setUint32(ETHER_HEADER, n);
  return f;
}

let frontend;
let before;
let posted = 0;

const commands = {
  async connect(path) {
    frontend = await VhostTestFrontend.connect(path, { logShmfd: true, eventfds: true });
    return 'connected';
  },
  async log() {
    await frontend.startLogging();
    return 'logging';
  },
  post(n) {
    const frames = Array.from({ length: Number(n) }, (_, i) => frame(posted + i));
    const sent = frontend.send(0, frames);
    posted += sent;
    return `posted ${sent}`;
  },
  snapshot() {
    before = frontend.snapshot();
    return 'snapshot taken';
  },
  kick(vring) {
    frontend.kick(Number(vring));
    return `kicked ${vring}`;
  },
  used() {
    return JSON.stringify({ used: [frontend.usedIdx(0), frontend.usedIdx(1)] });
  },
  pages() {
    return JSON.stringify({ changed: frontend.changedPages(before), logged: frontend.loggedPages() });
  },
  async stop() {
    const bases = [];
    for (const v of [0, 1]) bases.push(await frontend.getVringBase(v, STOP_MS));
    return JSON.stringify({ bases });
  },
};

process.stdout.write(PROMPT);
for await (const line of createInterface({ input: process.stdin })) {
  const [name, ...args] = line.trim().split(/\s+/);
  try {
    if (!(name in commands)) throw new Error(`unknown command ${name}`);
    process.stdout.write(`${await commands[name](...args)}\n`);
  } catch (e) {
    process.stdout.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  process.stdout.write(PROMPT);
}
frontend?.close();

// Boots a guest with the built tier, prints `qemu <pid>`, then holds the guest until killed.
import { setInterval } from 'node:timers';
import { bootGuest } from '../../dist/index.js';

const guest = await bootGuest({ nics: 1, timeoutMs: Number(process.argv[2]) });
process.stdout.write(`qemu ${guest.pid}\n`);
setInterval(() => undefined, 1 << 30);

/**
 * nic-info: initialises EAL with the given EAL arguments and prints what it found.
 * `nic-info -h` shows the EAL options.
 */
import '@nic/pci';
import '@nic/intr';
import { init, NicError } from '@nic/eal';
import { ealReport } from './report.js';

async function main(): Promise<void> {
  const { eal } = await init(process.argv.slice(2), { programName: 'nic-info' });
  try {
    process.stdout.write(ealReport(eal));
  } finally {
    await eal.cleanup();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`nic-info: ${e instanceof NicError ? `${e.message} [${e.code}]` : String(e)}\n`);
  process.exitCode = 1;
});

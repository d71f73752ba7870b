/**
 * nic-info: initialises EAL with the given EAL arguments and prints what it found.
 * `nic-info -h` shows the EAL options.
 */
import '@nic/pci';
import '@nic/intr';
import { init, NicError, type Eal } from '@nic/eal';
import { ealReport } from './report.js';

/**
 * Initialises EAL. When hugepages are missing and the user did not choose the memory
 * backing, says so and falls back to ordinary locked memory, so a fresh machine still runs.
 */
async function start(argv: string[]): Promise<Eal> {
  try {
    return (await init(argv, { programName: 'nic-info' })).eal;
  } catch (e) {
    const chose = argv.some((a) => a === '--no-huge' || a.startsWith('--huge-dir'));
    if (!(e instanceof NicError) || e.code !== 'NIC_ENOMEM' || chose) throw e;
    process.stderr.write(`nic-info: ${e.message}\nnic-info: continuing with --no-huge\n`);
    return (await init(['--no-huge', ...argv], { programName: 'nic-info' })).eal;
  }
}

async function main(): Promise<void> {
  const eal = await start(process.argv.slice(2));
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

// The second stage of `npm test`: @nic/native's whole test suite again, against the addon
// built with AddressSanitizer and UndefinedBehaviorSanitizer (build-asan.mjs). It runs after
// the main run has finished, so its hugepage and interface tests never race that run's.
//
// The tests load the sanitized build through NIC_ADDON (addon.ts, and the children and
// workers they start), in processes that preload gcc's ASan runtime (the addon is dlopen'ed
// into an uninstrumented node, and ASan must come first). Every process writes any report to
// a file of its own in a fresh directory (log_path), so a report fails this stage even where
// a test does not look at that process's exit status or stderr; the reports are printed.
// Leak detection is off: Node itself leaves memory to the exit.
//
// Arguments are vitest's file filters (`npm run test:sanitized -w @nic/native -- safety`).
// Exit status: vitest's, or 1 when any report was written.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVitest } from 'vitest/node';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();

// Incremental: only sources newer than their objects are compiled (about 30 s of CPU from scratch).
const built = execFileSync(process.execPath, [join(root, 'scripts/build-asan.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const addon = built.trim().split('\n').at(-1);
const runtime = execFileSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
const reports = mkdtempSync(join(tmpdir(), 'nic-native-sanitizer-reports-'));
const env = {
  NIC_ADDON: addon,
  LD_PRELOAD: runtime,
  ASAN_OPTIONS: `detect_leaks=0:log_path=${reports}/asan`,
  UBSAN_OPTIONS: `print_stacktrace=1:log_path=${reports}/ubsan`,
};

// The stage proves nothing unless the runtime is really in the processes and the tests load
// this build: a child of the same environment must show both in its memory map (by their real
// paths: gcc names the runtime through a symlink).
const mapped = [runtime, addon].map((p) => realpathSync(p));
const probe = `import('@nic/native').then(() => {
  const maps = require('node:fs').readFileSync('/proc/self/maps', 'utf8');
  if (!${JSON.stringify(mapped)}.every((p) => maps.includes(p))) process.exit(1);
});`;
if (spawnSync(process.execPath, ['-e', probe], { env: { ...process.env, ...env }, cwd: root, stdio: 'inherit' }).status !== 0) {
  console.error(`sanitizer stage: a child of this environment does not map both ${runtime} and ${addon}`);
  process.exit(1);
}

// Reports are read when this process exits, however it does: a worker that a report ended is
// an unhandled error to vitest, which may then end the process itself.
process.on('exit', () => {
  const found = readdirSync(reports);
  for (const file of found) console.error(`\nsanitizer report ${file}:\n${readFileSync(join(reports, file), 'utf8')}`);
  rmSync(reports, { recursive: true, force: true });
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`sanitizer stage: @nic/native's suite against ${addon}, ${found.length} report(s), ${seconds} s`);
  if (found.length > 0) process.exitCode = 1;
});

// Vitest runs in this process, which has no ASan runtime (only a process started with
// LD_PRELOAD does): its workers, forked with this environment, load it. ASan slows a Node
// down several times, and vitest's own process has no addon to check.
Object.assign(process.env, env);
const vitest = await startVitest('test', process.argv.slice(2), { run: true, watch: false, root: join(root, '../..'), project: ['@nic/native'] });
process.exit(vitest === undefined ? 1 : (process.exitCode ?? 0));

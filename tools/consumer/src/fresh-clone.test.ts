/**
 * What a new user meets: a fresh clone of this repository, one `npm install`, then every
 * command a workspace package declares in `bin`, run as the root README shows it (from the
 * root, from inside an app, and after `npm install -g` of the app).
 *
 * The clone is of the committed HEAD. Its postinstall builds every package with turbo; the
 * clone shares this checkout's turbo cache, so after `npm test`'s own build of the same commit
 * that build is replayed from the cache (about 30 s in all instead of about 2 minutes).
 */
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, run, userEnv } from './run.js';
import { workspacePackages } from './workspace.js';

const MINUTES = 60_000;

/** Every command a workspace package declares, with the package's directory relative to the root. */
const commands = workspacePackages(REPO).flatMap(({ dir, manifest }) =>
  Object.entries((manifest.bin ?? {}) as Record<string, string>).map(([name, file]) => ({ dir: relative(REPO, dir), name, file })),
);

let work = '';
const clone = () => join(work, 'clone');
const env = () => userEnv({ TURBO_CACHE_DIR: join(REPO, '.turbo', 'cache'), TURBO_TELEMETRY_DISABLED: '1' });

/** `npx command args` in `cwd`, as a user types it. */
function npx(cwd: string, command: string, args: readonly string[]) {
  return run('npx', ['--no-install', command, ...args], { cwd, env: env(), timeoutMs: 2 * MINUTES });
}

describe('a fresh clone after one npm install', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'nic-fresh-clone-'));
    await run('git', ['clone', '--quiet', REPO, clone()], { cwd: work });
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: clone(), env: env(), timeoutMs: 15 * MINUTES });
  }, 16 * MINUTES);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the workspaces declare the commands the README documents', () => {
    expect(commands.map((c) => c.name).sort()).toEqual(['nic-devbind', 'nic-fwd', 'nic-fwd-demo', 'nic-info', 'nic-vdpa', 'nic-vfio-user']);
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    for (const { name } of commands) expect(readme, name).toContain(`npx ${name}`);
  });

  it('links every command into node_modules/.bin, to a committed file whose build output exists', () => {
    for (const { dir, name, file } of commands) {
      const link = join(clone(), 'node_modules', '.bin', name);
      expect(existsSync(link), name).toBe(true);
      expect(realpathSync(link)).toBe(realpathSync(join(clone(), dir, file)));
      // the shim imports the build output that postinstall made
      const target = /import '(\.\.\/dist\/[^']+)'/.exec(readFileSync(link, 'utf8'))?.[1];
      expect(target, name).toBeDefined();
      expect(existsSync(join(clone(), dir, 'bin', target ?? '')), `${name} -> ${target}`).toBe(true);
    }
  });

  it('runs each command with npx from the root and from inside the app', async () => {
    for (const cwd of [clone(), join(clone(), 'apps', 'fwd')]) {
      expect((await npx(cwd, 'nic-fwd', ['--help'])).stdout).toMatch(/^Usage: nic-fwd /);
      expect((await npx(cwd, 'nic-info', ['--help'])).stdout).toMatch(/^Usage: nic-info /);
      expect((await npx(cwd, 'nic-devbind', ['--status'])).stdout).toMatch(/^Network devices using kernel driver/m);
    }
    expect((await npx(clone(), 'nic-vfio-user', ['--help'])).stdout).toMatch(/^usage: nic-vfio-user /);
    expect((await npx(clone(), 'nic-vdpa', ['--help'])).stdout).toMatch(/^Usage: nic-vdpa [\s\S]*-- \[--iface <prefix>\]/);
  });

  it('runs nic-fwd after npm install -g of the app', async () => {
    const prefix = join(work, 'global');
    await run('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', join(clone(), 'apps', 'fwd')], { cwd: work, env: env() });
    const { stdout } = await run(join(prefix, 'bin', 'nic-fwd'), ['--help'], { cwd: work });
    expect(stdout).toMatch(/^Usage: nic-fwd /);
    expect(existsSync(join(prefix, 'bin', 'nic-fwd-demo'))).toBe(true);
  });
});

// npm start's demo (nic-fwd-demo) run as a user runs it, in both its modes: as root (two
// network namespaces across af_packet ports) and as an unprivileged user (net_ring ports).
// The demo checks its own accounting and exits with status 1 when it does not hold; here the
// printed accounting is also added up again, and what the demo built is gone afterwards.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILT } from './__fixtures__/harness.js';
import { ip, testbedUnavailable } from './testbed.js';

const DEMO = fileURLToPath(new URL('../dist/demo.js', import.meta.url));
/** Locked memory an ordinary user may have (the usual RLIMIT_MEMLOCK): the ring demo must fit in it. */
const USER_MEMLOCK = 8 << 20;
/** How long a demo may take on a loaded two-CPU machine (it runs for seconds alone). */
const DEMO_MS = 180_000;

interface Run {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

function runDemo(command: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? signal ?? 'unknown', stdout, stderr }));
  });
}

/** The accounting line the demo printed under `tag`: what was sent and each place's count. */
function accounting(stdout: string, tag: string): { sent: number; terms: Map<string, number> } {
  const line = new RegExp(`^\\[${tag}\\] sent (\\d+) = (.+): holds$`, 'm').exec(stdout);
  expect(line, `no [${tag}] accounting that holds in:\n${stdout}`).not.toBeNull();
  const terms = new Map<string, number>();
  for (const term of (line?.[2] ?? '').split(' + ')) {
    const [, count, where] = /^(\d+) (.+)$/.exec(term) ?? [];
    terms.set(where, Number(count));
  }
  return { sent: Number(line?.[1]), terms };
}

function sum(terms: Map<string, number>): number {
  return [...terms.values()].reduce((a, b) => a + b, 0);
}

const root = testbedUnavailable();

describe.skipIf(!BUILT)('npm start (nic-fwd-demo; worker lcores load dist: npm run build -w @nic/fwd)', () => {
  it(
    'without root: forwards over net_ring ports within 8 MiB of locked memory, every packet the generator sent received or counted as dropped, every mbuf back',
    async () => {
      // A user namespace: uid 65534 inside, no capability over the machine; and the usual limit.
      const run = await runDemo('prlimit', [`--memlock=${USER_MEMLOCK}:${USER_MEMLOCK}`, '--', 'unshare', '--user', process.execPath, DEMO]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain('nic-fwd demo: not running as root, so no network namespaces.');
      const { sent, terms } = accounting(run.stdout, 'ring');
      expect(sent).toBeGreaterThan(0);
      expect(sum(terms)).toBe(sent);
      expect([...terms.keys()]).toEqual(['received by the sink (net_ring3)', 'nic-fwd RX-dropped (net_ring1)', 'nic-fwd TX-dropped (net_ring2)']);
      expect(terms.get('received by the sink (net_ring3)')).toBeGreaterThan(0);
      expect(run.stdout).toMatch(/^mbufs: all \d+ back in pool mbuf_pool$/m);
    },
    DEMO_MS,
  );

  it.skipIf(root !== undefined)(
    'as root: a ping and a UDP stream between two namespaces across nic-fwd, every datagram received or counted as dropped, everything removed after',
    async () => {
      const run = await runDemo(process.execPath, [DEMO]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^\[ping\] 3 packets transmitted, 3 received/m);
      const { sent, terms } = accounting(run.stdout, 'udp');
      expect(sent).toBe(100_000);
      expect(sum(terms)).toBe(sent);
      expect(terms.size).toBe(6);
      expect([...terms.entries()].find(([where]) => where.startsWith('received in '))?.[1]).toBeGreaterThan(0);
      expect(run.stdout).toMatch(/^mbufs: all \d+ back in pool mbuf_pool$/m);
      // The namespaces it named are gone, and so are their veth pairs.
      const removed = /^Removed (\S+), (\S+) and their veth pairs\.$/m.exec(run.stdout);
      expect(removed).not.toBeNull();
      const namespaces = ip('netns', 'list');
      for (const ns of removed?.slice(1) ?? []) expect(namespaces).not.toContain(ns);
    },
    DEMO_MS,
  );
});

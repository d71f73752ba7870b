/**
 * A local stand-in for the npm registry, serving the packed workspace packages on loopback.
 * A consumer project sends only the `@nic` scope here (`@nic:registry` in its `.npmrc`), so it
 * installs nic exactly as from the registry: its package.json names versions
 * (`"@nic/eal": "^0.1.0"`), npm resolves dependencies and peers by version, checks each
 * tarball's integrity and applies its install-script policy to a registry package. Everything
 * else comes from the real registry or npm's cache.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import type { Manifest } from './workspace.js';

/** A packed package: its manifest and its tarball. */
export interface Packed {
  readonly manifest: Manifest;
  readonly tarball: string;
}

/** The registry document of one package with one version (a packument). */
function packument(pack: Packed, base: string): object {
  const { name, version } = pack.manifest;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(pack.tarball)).digest('base64')}`;
  const dist = { tarball: `${base}/-/${basename(pack.tarball)}`, integrity };
  return { name, 'dist-tags': { latest: version }, versions: { [version]: { ...pack.manifest, _id: `${name}@${version}`, dist } } };
}

/** The registry; {@link LocalRegistry.url} is what `@nic:registry` should say. */
export class LocalRegistry {
  readonly url: string;
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Serves `packs` on a free loopback port until {@link LocalRegistry.close}. */
  static async start(packs: readonly Packed[]): Promise<LocalRegistry> {
    const byName = new Map(packs.map((p) => [p.manifest.name, p]));
    const byFile = new Map(packs.map((p) => [basename(p.tarball), p]));
    const server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://registry').pathname).slice(1);
      const pack = byName.get(path);
      const file = path.startsWith('-/') ? byFile.get(path.slice(2)) : undefined;
      if (pack) {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(packument(pack, registry.url)));
      } else if (file) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(readFileSync(file.tarball));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `${path} is not a packed workspace package` }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const registry = new LocalRegistry(server);
    return registry;
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.#server.close((e) => (e ? reject(e) : resolve())));
  }
}

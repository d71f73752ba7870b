// npm's install step for @nic/native: nothing to do when a binary loads here already (the
// prebuilt one shipped in prebuilds/ for this platform, or an earlier build); otherwise, or
// when asked with `npm install --build-from-source`, it builds the addon from source.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function loads() {
  try {
    createRequire(import.meta.url)('node-gyp-build')(root);
    return true;
  } catch (e) {
    console.error(`@nic/native: no prebuilt binary loads here (${e.message.split('\n')[0]}); building from source`);
    return false;
  }
}

if (process.env.npm_config_build_from_source === 'true' || !loads()) {
  await import('./build-addon.mjs');
}

import { nicLibrary } from '../../tsup.shared.js';

// The lcore bootstrap is its own entry: worker threads start from it. Shared code lands in
// common chunks, so a worker that imports '@nic/eal' sees the same module state. `layout`
// (the mbuf layout constants) is the entry other packages compile into their own bundles.
export default nicLibrary(
  { 'lcore/worker': 'src/lcore/worker.ts', layout: 'src/memory/mbuf-layout.ts' },
  { index: 'src/index.ts', driver: 'src/driver.ts', layout: 'src/memory/mbuf-layout.ts' },
);

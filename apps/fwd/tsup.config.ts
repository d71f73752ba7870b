import { nicApp } from '../../tsup.shared.js';

// main: the CLI; lcore: the forwarding loop that worker lcores run (loaded by URL); demo:
// what `npm start` runs, with its UDP helpers that run inside namespaces; testbed and
// child: the namespace and child-process helpers the benchmark imports.
export default nicApp({
  main: 'src/main.ts',
  lcore: 'src/lcore.ts',
  demo: 'src/demo.ts',
  'udp-send': 'src/traffic/udp-send.ts',
  'udp-recv': 'src/traffic/udp-recv.ts',
  testbed: 'src/testbed.ts',
  child: 'src/child.ts',
});

/**
 * nic-devbind: the dpdk-devbind counterpart. `nic-devbind --help` shows the options.
 */
import { runDevbind } from './cli.js';
import { realSystem } from './system.js';

process.exitCode = runDevbind(process.argv.slice(2), realSystem);

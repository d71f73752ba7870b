import { nicLibrary } from '../../tsup.shared.js';

// `./testing`: kernel-tier test helpers (namespaces, veth pairs), shared with @nic/test-kit.
export default nicLibrary({ 'testing/index': 'src/testing/index.ts' });

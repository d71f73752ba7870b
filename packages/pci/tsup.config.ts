import { nicLibrary } from '../../tsup.shared.js';

// `./testing`: the fake sysfs tree builder, for this package's tests and @nic/test-kit.
export default nicLibrary({ 'testing/index': 'src/testing/index.ts' });

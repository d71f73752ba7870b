import { nicLibrary } from '../../tsup.shared.js';

// `./testing`: test frontends (guest memory, raw and full vhost-user clients) for packages built on this one.
export default nicLibrary({ 'testing/index': 'src/testing/index.ts' });

import { nicApp } from '../../tsup.shared.js';

export default nicApp({ main: 'src/main.ts' });

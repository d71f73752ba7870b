import { nicLibrary } from '../../tsup.shared.js';

export default nicLibrary({ models: 'src/models.ts' });

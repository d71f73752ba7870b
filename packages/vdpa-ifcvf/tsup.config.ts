import { nicLibrary } from '../../tsup.shared.js';

export default nicLibrary();

import { nicProject } from '../../vitest.shared.js';

export default nicProject('@nic/app-vdpa');

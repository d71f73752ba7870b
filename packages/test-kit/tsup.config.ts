import { nicLibrary } from '../../tsup.shared.js';

export default nicLibrary(
  { models: 'src/models.ts', 'vfio-user/index': 'src/vfio-user/index.ts', 'vfio-user/cli': 'src/vfio-user/cli.ts' },
  { index: 'src/index.ts', driver: 'src/driver.ts', models: 'src/models.ts', 'vfio-user/index': 'src/vfio-user/index.ts' },
);

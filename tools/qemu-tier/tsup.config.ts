import { nicLibrary } from '../../tsup.shared.js';

// `agent`: the command agent that the guest's node runs (dist/agent.js); it has no declarations.
export default nicLibrary({ agent: 'src/agent/main.ts' }, { index: 'src/index.ts', driver: 'src/driver.ts' });

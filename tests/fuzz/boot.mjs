// Entry of a fuzz worker thread: registers tsx (the thread does not inherit the parent's
// loader) and runs worker.ts, which reads workerData.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');

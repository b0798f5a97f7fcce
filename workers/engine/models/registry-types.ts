import type { LoadContext } from './common/load-context';
import type { ArchConfig, ModelWeights } from './common/types';

/** One architecture family: how its config.json and tensor names map onto the common model. */
export interface Family {
  /** config.json `model_type` values this family reads. */
  modelTypes: string[];
  /** The [V, d] embedding/unembedding tensors, which are uploaded in blocks and so may exceed one device buffer. */
  blockedTensors: string[];
  parseConfig(cfg: Record<string, unknown>, arch: string): ArchConfig;
  load(ctx: LoadContext, arch: ArchConfig): Promise<ModelWeights>;
}

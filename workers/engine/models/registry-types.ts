import type { ConfigReader } from './common/config';
import type { LoadContext } from './common/load-context';
import type { TensorPlan } from './common/tensor-check';
import type { ArchConfig, ModelWeights } from './common/types';

/**
 * One architecture family: how its config.json and tensor names map onto the common model.
 * loadModel calls parseConfig (every value validated as it is read), then checks `tensors`
 * against the headers (sizes, presence, shapes) and only then `load`, which reads and uploads.
 */
export interface Family {
  /** config.json `model_type` values this family reads. */
  modelTypes: string[];
  /** The [V, d] embedding/unembedding tensors, which are uploaded in blocks and so may exceed one device buffer. */
  blockedTensors: string[];
  parseConfig(c: ConfigReader): ArchConfig;
  /** Every tensor `load` will read, with the shape the config implies; `has` tells which optional names exist. */
  tensors(a: ArchConfig, c: ConfigReader, has: (name: string) => boolean): TensorPlan;
  load(ctx: LoadContext, arch: ArchConfig): Promise<ModelWeights>;
}

/**
 * Every analysis the engine runs, by kind. Adding one = its file here (name, DEFAULTS
 * from its contract, run), its contract in src/contracts, a view and a test.
 */
import type { AnalysisKind } from '../../../src/contracts/analyses';
import type { Analysis } from './analysis';
import { attentionAnalysis } from './attention';
import { chainSearchAnalysis } from './chain-search';
import { ckaAnalysis } from './cka';
import { saeAnalysis } from './sae';
import { saeCeAnalysis } from './sae-ce';
import { saeDatasetAnalysis } from './sae-dataset';
import { saeFeatureAnalysis, saeSearchAnalysis } from './sae-feature';
import { saeProbeAnalysis } from './sae-probe';
import { saeTrainAnalysis } from './sae-train';
import { depthProfileAnalysis } from './depth-profile';
import { extractAnalysis } from './extract';
import { latentAnalysis } from './latent';
import { lensAnalysis } from './logit-lens';
import { pathEffectAnalysis } from './path-effect';
import { probeAnalysis } from './probe';
import { probeScoreAnalysis } from './probe-score';
import { quantStudyAnalysis } from './quant-study';
import { residualAnalysis } from './residual';
import { skipSweepAnalysis } from './skip-sweep';
import { traceAnalysis } from './trace';
import { tunedLensAnalysis } from './tuned-lens';
import { tunedCompareAnalysis, tunedTrainAnalysis } from './tuned-lens-train';

export const ANALYSES: { [K in AnalysisKind]: Analysis<K> } = {
  lens: lensAnalysis,
  attention: attentionAnalysis,
  residual: residualAnalysis,
  trace: traceAnalysis,
  'path-effect': pathEffectAnalysis,
  'depth-profile': depthProfileAnalysis,
  'skip-sweep': skipSweepAnalysis,
  'chain-search': chainSearchAnalysis,
  'tuned-lens': tunedLensAnalysis,
  'tuned-train': tunedTrainAnalysis,
  'tuned-compare': tunedCompareAnalysis,
  extract: extractAnalysis,
  probe: probeAnalysis,
  'probe-score': probeScoreAnalysis,
  cka: ckaAnalysis,
  sae: saeAnalysis,
  'sae-dataset': saeDatasetAnalysis,
  'sae-ce': saeCeAnalysis,
  'sae-feature': saeFeatureAnalysis,
  'sae-search': saeSearchAnalysis,
  'sae-probe': saeProbeAnalysis,
  'sae-train': saeTrainAnalysis,
  latent: latentAnalysis,
  'quant-study': quantStudyAnalysis,
};

/**
 * Prompts longer than the model's trained context (ModelInfo.contextLength): what a run
 * does with them, and the one line that says so. Pure: no store, no engine.
 *
 * RoPE models run past their context, but what they predict there is extrapolation;
 * models with learned positions (GPT-2) have no embedding for a position past it, so the
 * engine cannot run them at all — that is said before anything runs.
 */
import type { ModelInfo } from '../contracts/model';

/** ask = warn and wait for a choice; last / first = keep that many tokens; extrapolate = run all; refuse = do not run. */
export const CONTEXT_POLICIES = ['ask', 'last', 'first', 'extrapolate', 'refuse'] as const;
export type ContextPolicy = (typeof CONTEXT_POLICIES)[number];

export type ContextAction = 'asked' | 'kept-last' | 'kept-first' | 'extrapolated' | 'refused';

/** What a too-long prompt met: sizes in tokens. */
export interface ContextVerdict {
  tokens: number;
  context: number;
  /** The model has learned positions: it cannot run past `context`. */
  learned: boolean;
  action: ContextAction;
  /** kept-last: the first token (BOS) was kept in front of the last context − 1. */
  keptBos?: boolean;
  /** refused because the policy asks for extrapolation the model cannot do. */
  cannotExtrapolate?: boolean;
}

/** Families whose positions are a learned table (model_type); every other supported family uses RoPE. */
const LEARNED_POSITIONS = new Set(['gpt2']);

export function learnedPositions(arch: string): boolean {
  return LEARNED_POSITIONS.has(arch);
}

export interface ContextFit {
  /** The ids to run; null = nothing runs (asked or refused). */
  ids: number[] | null;
  /** null when the prompt fits (or the model names no context length). */
  verdict: ContextVerdict | null;
}

/**
 * Fits a prompt's ids to the model's context under the policy. `bos`: the id the tokenizer
 * puts first; keeping the last N then keeps it too (many models attend to it as a sink).
 */
export function fitContext(ids: number[], info: Pick<ModelInfo, 'arch' | 'contextLength'>, policy: ContextPolicy, bos?: number): ContextFit {
  const context = info.contextLength;
  if (context === null || ids.length <= context) return { ids, verdict: null };
  const base = { tokens: ids.length, context, learned: learnedPositions(info.arch) };
  switch (policy) {
    case 'ask':
      return { ids: null, verdict: { ...base, action: 'asked' } };
    case 'refuse':
      return { ids: null, verdict: { ...base, action: 'refused' } };
    case 'first':
      return { ids: ids.slice(0, context), verdict: { ...base, action: 'kept-first' } };
    case 'last': {
      const keepBos = bos !== undefined && ids[0] === bos && context > 1;
      const kept = keepBos ? [bos, ...ids.slice(ids.length - (context - 1))] : ids.slice(ids.length - context);
      return { ids: kept, verdict: { ...base, action: 'kept-last', ...(keepBos ? { keptBos: true } : {}) } };
    }
    case 'extrapolate':
      if (base.learned) return { ids: null, verdict: { ...base, action: 'refused', cannotExtrapolate: true } };
      return { ids, verdict: { ...base, action: 'extrapolated' } };
  }
}

/** The line the prompt bar shows: the sizes, then what was done. */
export function contextLine(v: ContextVerdict, arch: string): string {
  const { tokens, context } = v;
  const head = `${tokens} tokens, the model was trained on ${context}`;
  const dropped = tokens - context;
  const learned = `${arch} has learned positions for ${context} only, so it cannot run past them`;
  switch (v.action) {
    case 'asked':
      return `${head}: not run yet — ${v.learned ? `${learned}; keep the first or the last ${context}` : 'keep the first or the last tokens, or run anyway'}?`;
    case 'refused':
      return v.cannotExtrapolate ? `${head}: not run — ${learned} (keep the first or the last ${context} instead)` : `${head}: not run (shorten the prompt or pick what to keep)`;
    case 'kept-first':
      return `${head}: kept the first ${context}, dropped the last ${dropped}`;
    case 'kept-last':
      return v.keptBos
        ? `${head}: kept the first token (BOS) and the last ${context - 1}, dropped the ${dropped} between (positions 1 to ${dropped})`
        : `${head}: kept the last ${context}, dropped the first ${dropped}`;
    case 'extrapolated':
      return `${head}: ran all ${tokens}; positions ${context} to ${tokens - 1} are past its training (RoPE extrapolation), read them with care`;
  }
}

/** The setting's choices in words (the learned-position model cannot extrapolate). */
export function policyLabel(p: ContextPolicy, context: number, learned: boolean): string {
  switch (p) {
    case 'ask': return 'warn and ask';
    case 'last': return `keep the last ${context}`;
    case 'first': return `keep the first ${context}`;
    case 'extrapolate': return learned ? 'run anyway (impossible: learned positions)' : 'run anyway (RoPE extrapolation)';
    case 'refuse': return 'refuse';
  }
}

import { CONTEXT_POLICIES, contextLine, learnedPositions, policyLabel, type ContextPolicy } from '../../state/context';
import { answerContext, setContextPolicy } from '../../state/run';
import { useStore } from '../../state/store';

/** The setting "past the context: …" beside the prompt (only for models whose config names a context length). */
export function ContextSetting() {
  const model = useStore((s) => s.model);
  const policy = useStore((s) => s.contextPolicy);
  const ctx = model?.info.contextLength ?? null;
  if (!model || ctx === null) return null;
  const learned = learnedPositions(model.info.arch);
  return (
    <label className="context-setting" title={learned ? `${model.info.arch} has learned positions: it cannot run past ${ctx}` : 'RoPE models run past their context, but predictions there are extrapolation'}>
      past the context ({ctx} tokens):{' '}
      <select data-testid="context-policy" value={policy} onChange={(e) => void setContextPolicy(e.target.value as ContextPolicy)}>
        {CONTEXT_POLICIES.map((p) => <option key={p} value={p} disabled={learned && p === 'extrapolate'}>{policyLabel(p, ctx, learned)}</option>)}
      </select>
    </label>
  );
}

/** The line a prompt past the context gets: its size, the model's, and what was done — or the question, with its answers. */
export function ContextLine() {
  const model = useStore((s) => s.model);
  const note = useStore((s) => s.contextNote);
  if (!model || !note || note.model !== model.modelId) return null;
  const asked = note.action === 'asked' && note.pending !== undefined;
  return (
    <div className={`context-note ${note.action === 'refused' || asked ? 'warn' : ''}`} data-testid="context-note" role="status">
      <span data-testid="context-line">{contextLine(note, model.info.arch)}</span>
      {asked && (
        <span className="context-answers">
          <button type="button" data-testid="context-keep-last" onClick={() => void answerContext('last')}>keep the last {note.context}</button>
          <button type="button" data-testid="context-keep-first" onClick={() => void answerContext('first')}>keep the first {note.context}</button>
          {!note.learned && <button type="button" data-testid="context-run-anyway" onClick={() => void answerContext('extrapolate')}>run all {note.tokens} anyway</button>}
          <button type="button" data-testid="context-cancel" onClick={() => void answerContext(null)}>do not run</button>
        </span>
      )}
    </div>
  );
}

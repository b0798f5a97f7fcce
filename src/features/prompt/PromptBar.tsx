import { useEffect, useState } from 'react';
import { runPrompt, runTokenText } from '../../state/run';
import { useStore } from '../../state/store';
import { fmtProb } from '../format';
import { ContextLine, ContextSetting } from './ContextLine';

/**
 * The prompt box (Enter runs), token ids as an alternative (the only way in for a model
 * without a tokenizer), the past-the-context setting and line, the token strip and the
 * next-token top-k.
 */
export function PromptBar() {
  const model = useStore((s) => s.model);
  const running = useStore((s) => !!s.jobs.run);
  const run = useStore((s) => s.run);
  // One k for the strip and the lens detail (the engine's run summary holds the top 10).
  const topk = useStore((s) => s.lensSettings.topk);
  const stored = useStore((s) => s.prompt);
  const [text, setText] = useState(stored);
  const [idText, setIdText] = useState('');
  // A link applied after mount sets the prompt in the store: show it.
  useEffect(() => setText(stored), [stored]);
  const disabled = !model || !model.hasTokenizer;
  const noTokenizer = !!model && !model.hasTokenizer;
  return (
    <section className="prompt">
      <form onSubmit={(e) => { e.preventDefault(); void runPrompt(text); }}>
        <input
          data-testid="prompt"
          aria-label="prompt"
          placeholder={disabled ? (model ? 'this model has no tokenizer: run token ids below, or drop a tokenizer.json on the model card' : 'load a model, then type a prompt and press Enter') : 'type a prompt and press Enter'}
          value={text}
          onChange={(e) => setText(e.target.value)}
          disabled={disabled}
        />
        {/* Never disabled while running: a disabled default button swallows Enter. A new
            prompt replaces the run in flight, so the views always follow the box. */}
        <button type="submit" data-testid="run" disabled={disabled}>{running ? 'Running… (Enter replaces)' : 'Run'}</button>
      </form>
      {model && (
        <div className="prompt-options">
          <form className={`ids ${noTokenizer ? 'main' : ''}`} onSubmit={(e) => { e.preventDefault(); void runTokenText(idText); }}>
            <label>
              {noTokenizer ? 'token ids' : 'or run token ids'}{' '}
              <input
                data-testid="token-ids"
                aria-label="token ids"
                placeholder={`e.g. 1, 7, 42 (0 to ${model.info.vocab - 1}), Enter runs`}
                value={idText}
                onChange={(e) => setIdText(e.target.value)}
              />
            </label>
          </form>
          <ContextSetting />
        </div>
      )}
      <ContextLine />
      {run && (
        <>
          <div className="tokens" data-testid="token-strip" aria-label="tokens">
            {run.tokens.map((t, i) => (
              <span key={i} className="tok" title={`position ${i}, id ${t.id}`}>
                <span className="piece">{t.text}</span><span className="id">{t.id}</span>
              </span>
            ))}
          </div>
          <div className="next" data-testid="next-tokens">
            next token:
            {run.next.slice(0, topk).map((n) => (
              <span key={n.id} className="cand" title={`id ${n.id}`}>
                <span className="piece">{n.text}</span> {fmtProb(n.prob)}
              </span>
            ))}
          </div>
        </>
      )}
    </section>
  );
}

import { useEffect, useState } from 'react';
import { runPrompt } from '../../state/run';
import { useStore } from '../../state/store';

/** The prompt box (Enter runs), the token strip and the next-token top-k. */
export function PromptBar() {
  const model = useStore((s) => s.model);
  const running = useStore((s) => !!s.jobs.run);
  const run = useStore((s) => s.run);
  const stored = useStore((s) => s.prompt);
  const [text, setText] = useState(stored);
  // A link applied after mount sets the prompt in the store: show it.
  useEffect(() => setText(stored), [stored]);
  const disabled = !model || !model.hasTokenizer;
  return (
    <section className="prompt">
      <form onSubmit={(e) => { e.preventDefault(); void runPrompt(text); }}>
        <input
          data-testid="prompt"
          aria-label="prompt"
          placeholder={disabled ? (model ? 'this model has no tokenizer' : 'load a model, then type a prompt and press Enter') : 'type a prompt and press Enter'}
          value={text}
          onChange={(e) => setText(e.target.value)}
          disabled={disabled}
        />
        {/* Never disabled while running: a disabled default button swallows Enter. A new
            prompt replaces the run in flight, so the views always follow the box. */}
        <button type="submit" data-testid="run" disabled={disabled}>{running ? 'Running… (Enter replaces)' : 'Run'}</button>
      </form>
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
            {run.next.map((n) => (
              <span key={n.id} className="cand" title={`id ${n.id}`}>
                <span className="piece">{n.text}</span> {(n.prob * 100).toFixed(1)}%
              </span>
            ))}
          </div>
        </>
      )}
    </section>
  );
}

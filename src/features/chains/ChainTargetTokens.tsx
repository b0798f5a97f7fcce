import { useEffect } from 'react';
import { previewChainTarget } from '../../state/chain-target';
import { useStore } from '../../state/store';

/** The typed target as its tokens after the prompt (␣ marks a leading space), or why it is not a continuation. */
export function ChainTargetTokens() {
  const target = useStore((s) => s.chainTarget);
  const prompt = useStore((s) => s.prompt);
  const model = useStore((s) => s.model);
  const preview = useStore((s) => s.chainTargetPreview);
  useEffect(() => {
    const t = window.setTimeout(() => void previewChainTarget(), 200);
    return () => window.clearTimeout(t);
  }, [target, prompt, model]);
  if (!target || !preview || preview.text !== target) return null;
  if (preview.problem) return <span className="hint warn" data-testid="chain-target-tokens">{preview.problem}</span>;
  return (
    <span className="tokens inline" data-testid="chain-target-tokens" title="the target as the model's tokens after the prompt">
      target tokens: {preview.tokens?.map((t, i) => <span key={i} className="tok"><span className="piece">{t.text}</span><span className="id">{t.id}</span></span>)}
    </span>
  );
}

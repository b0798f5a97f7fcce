import { useState } from 'react';
import { dropSae, loadSaeFiles, loadSaeHub, selectSae, useSae } from '../../state/sae';

/**
 * Where SAEs come from: a dropped folder or files (SAELens cfg.json + sae_weights.safetensors,
 * sparsify cfg.json + sae.safetensors, Gemma Scope params.npz), or a folder of a Hugging Face
 * repo (a release's `blocks.8.hook_resid_pre`, Gemma Scope's `layer_12/width_16k/average_l0_82`,
 * sparsify's `layers.10`). Several can be loaded (one per layer, say); one is the view's.
 */
export function SaeSources() {
  const { loaded, info } = useSae();
  const [hook, setHook] = useState('');
  const [scale, setScale] = useState('');
  const [repo, setRepo] = useState('');
  const [folder, setFolder] = useState('');
  const [endpoint, setEndpoint] = useState('https://huggingface.co');
  const [token, setToken] = useState('');
  const opts = (): [string | undefined, number | undefined] => {
    const s = Number(scale);
    return [hook.trim() || undefined, scale.trim() !== '' && Number.isFinite(s) ? s : undefined];
  };
  const load = (files: File[]): void => void loadSaeFiles(files, ...opts());
  const fromHub = (): void => {
    const req = { endpoint: endpoint.trim().replace(/\/+$/, ''), repo: repo.trim(), revision: 'main', ...(token ? { token } : {}) };
    void loadSaeHub(req, folder.trim(), ...opts());
  };
  return (
    <div className="sae-sources">
      <div className="sae-load">
        <label>SAE folder <input type="file" data-testid="sae-folder" ref={(el) => { if (el) el.setAttribute('webkitdirectory', ''); }} onChange={(e) => { const f = Array.from(e.target.files ?? []); e.target.value = ''; load(f); }} /></label>
        <label>or files <input type="file" multiple data-testid="sae-files" onChange={(e) => { const f = Array.from(e.target.files ?? []); e.target.value = ''; load(f); }} /></label>
        <label>hook (optional) <input data-testid="sae-hook" placeholder="blocks.12.hook_resid_post" value={hook} onChange={(e) => setHook(e.target.value)} /></label>
        <label title="SAELens normalize_activations expected_average_only_in keeps its factor s = √d_in / E‖x‖ outside cfg.json (pretrained_saes.yaml norm_scaling_factor)">norm scale <input data-testid="sae-norm-scale" size={6} value={scale} onChange={(e) => setScale(e.target.value)} /></label>
      </div>
      <form className="sae-load" onSubmit={(e) => { e.preventDefault(); fromHub(); }}>
        <label>or a hub repo <input data-testid="sae-hub-repo" placeholder="google/gemma-scope-2b-pt-res" value={repo} onChange={(e) => setRepo(e.target.value)} /></label>
        <label>folder <input data-testid="sae-hub-folder" placeholder="layer_12/width_16k/average_l0_82" value={folder} onChange={(e) => setFolder(e.target.value)} /></label>
        <details>
          <summary>token, endpoint</summary>
          <label>token (kept in memory only) <input type="password" data-testid="sae-hub-token" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" /></label>
          <label>endpoint <input data-testid="sae-hub-endpoint" value={endpoint} onChange={(e) => setEndpoint(e.target.value)} /></label>
        </details>
        <button type="submit" data-testid="sae-hub-load" disabled={!repo.trim()}>Load SAE from the hub</button>
      </form>
      {loaded.length > 1 && (
        <ul className="sae-loaded" data-testid="sae-loaded">
          {loaded.map((s) => (
            <li key={s.id} className={s.id === info?.id ? 'on' : ''}>
              <button type="button" data-testid={`sae-pick-${s.id}`} onClick={() => void selectSae(s.id)}>{s.hook} · {s.architecture} · {s.dSae}</button>
              <button type="button" data-testid={`sae-drop-${s.id}`} title="unload this SAE" onClick={() => void dropSae(s.id)}>×</button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

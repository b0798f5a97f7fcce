// @vitest-environment jsdom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackendInfo } from '../src/contracts/engine-api';
import { BackendBadge } from '../src/features/backend/BackendBadge';
import { useStore } from '../src/state/store';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let host: HTMLDivElement;
let root: Root;

beforeEach(() => {
  host = document.createElement('div');
  document.body.append(host);
  root = createRoot(host);
});
afterEach(() => {
  act(() => root.unmount());
  host.remove();
});

function show(backend: BackendInfo | null, engineStarting: boolean): { badge: string; skipped: HTMLElement | null; select: HTMLSelectElement } {
  act(() => useStore.setState({ backend, engineStarting }));
  act(() => root.render(<BackendBadge />));
  const q = (id: string) => host.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  const select = q('backend-select');
  if (!(select instanceof HTMLSelectElement)) throw new Error('no backend select');
  return { badge: q('backend')?.textContent ?? '', skipped: q('backend-skipped'), select };
}

const WEBGPU: BackendInfo = {
  name: 'webgpu',
  adapter: { vendor: 'google', architecture: 'swiftshader', description: '', maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 },
  skipped: [],
};

describe('BackendBadge', () => {
  it('claims no backend while one starts, even if the store still holds the last one', () => {
    const v = show({ ...WEBGPU, skipped: ['wasm: boom'] }, true);
    expect(v.badge).toBe('starting engine…');
    expect(v.skipped).toBeNull();
    expect(v.select.value).toBe('');
    expect(v.select.disabled).toBe(true);
  });

  it('says so when no backend started', () => {
    const v = show(null, false);
    expect(v.badge).toBe('no backend running');
    expect(v.select.value).toBe('');
    expect(v.select.disabled).toBe(false);
    expect(v.select.options[0]?.textContent).toBe('none');
  });

  it('names the adapter and its smaller buffer limit in MiB on webgpu', () => {
    expect(show(WEBGPU, false).badge).toBe('backend: webgpu · google swiftshader · max buffer 128 MiB');
  });

  it('names the wasm build and its thread count', () => {
    expect(show({ name: 'wasm', wasm: { build: 'threaded-simd', threads: 4 }, skipped: [] }, false).badge).toBe('backend: wasm · threaded SIMD · 4 threads');
    const single = show({ name: 'wasm', wasm: { build: 'simd', threads: 1 }, skipped: ['wasm threads: the page is not cross-origin isolated'] }, false);
    expect(single.badge).toBe('backend: wasm · SIMD · 1 thread');
    expect(single.skipped?.textContent).toBe(' (not used: wasm threads: the page is not cross-origin isolated)');
    expect(single.select.value).toBe('wasm');
  });

  it('shows why a preferred backend was skipped, long reasons cut to 120 characters with the whole text in the tooltip', () => {
    const long = `wasm: ${'x'.repeat(200)}`;
    const v = show({ ...WEBGPU, skipped: [long, 'webgl: no context'] }, false);
    expect(v.badge.startsWith('backend: webgpu')).toBe(true);
    expect(v.select.value).toBe('webgpu');
    expect(v.skipped?.textContent).toBe(` (not used: ${long.slice(0, 119)}…; webgl: no context)`);
    expect(v.skipped?.title).toBe(`${long}\nwebgl: no context`);
  });
});

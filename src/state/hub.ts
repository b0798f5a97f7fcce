/** The hub: listing a repo's files, the download cache, a link's pending model. */
import type { HubRequest } from '../contracts/engine-api';
import { engine } from '../services/engine';
import { message } from './job';
import { set } from './store';

export async function listHub(req: HubRequest): Promise<void> {
  try {
    const l = await engine.call((e) => e.hubList(req));
    set({ hubListing: { repo: req.repo, ...l }, error: null });
  } catch (e) {
    set({ hubListing: null, error: message(e) });
  }
}

export async function refreshCache(): Promise<void> {
  try {
    set({ cacheEntries: await engine.call((e) => e.cacheList()) });
  } catch (e) {
    set({ error: message(e) });
  }
}

export async function evictCache(prefix?: string): Promise<void> {
  try {
    await engine.call((e) => e.cacheEvict(prefix));
  } catch (e) {
    set({ error: message(e) });
  } finally {
    await refreshCache();
  }
}

/** The user declined the model a link names. */
export function dismissPendingModel(): void {
  set({ pendingModel: null });
}

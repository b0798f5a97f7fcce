/**
 * The browser side of the engine's Platform: backend start-up in a worker (wasm with
 * threads where they work: wasm.ts), and the WebGPU adapter's identity and buffer limits.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AdapterInfo, BackendInfo, BackendName } from '../../src/contracts/engine-api';
import type { Platform } from '../engine/api';
import { BROWSER_ORDER, initBackend } from '../engine/backend';
import { opfsAvailable, opfsCache } from './opfs-cache';
import { installWasm, wasmStatus } from './wasm';

installWasm();

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string };
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number };
}

async function adapterInfo(): Promise<AdapterInfo | undefined> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu;
  const adapter = gpu ? await gpu.requestAdapter() : null;
  if (!adapter) return undefined;
  return {
    vendor: adapter.info?.vendor ?? '',
    architecture: adapter.info?.architecture ?? '',
    description: adapter.info?.description ?? '',
    maxStorageBufferBindingSize: Number(adapter.limits.maxStorageBufferBindingSize),
    maxBufferSize: Number(adapter.limits.maxBufferSize),
  };
}

/**
 * A lost GPU device (driver reset, tab in the background on some systems) leaves every
 * tensor invalid. Rethrowing it uncaught fires the Worker's `error` event in the page,
 * which reports it and restarts the worker (src/services/engine.ts).
 */
function watchDeviceLoss(): void {
  const device = (tf.backend() as unknown as { device?: { lost?: Promise<{ message?: string; reason?: string }> } }).device;
  void device?.lost?.then((info) => {
    if (info.reason === 'destroyed') return;
    setTimeout(() => {
      throw new Error(`the GPU device was lost (${info.message ?? 'no reason given'})`);
    });
  });
}

export const browserPlatform: Platform = {
  async cache() {
    return (await opfsAvailable()) ? opfsCache : undefined;
  },
  async initBackend(prefer?: BackendName): Promise<BackendInfo> {
    const order = prefer ? [prefer, ...BROWSER_ORDER.filter((b) => b !== prefer)] : BROWSER_ORDER;
    const skipped: string[] = [];
    const name = await initBackend(order, skipped);
    if (name === 'wasm') {
      const { info, noThreads } = wasmStatus();
      return { name, wasm: info, skipped: noThreads ? [...skipped, `wasm threads: ${noThreads}`] : skipped };
    }
    if (name !== 'webgpu') return { name, skipped };
    watchDeviceLoss();
    const adapter = await adapterInfo();
    return adapter ? { name, adapter, skipped } : { name, skipped };
  },
};

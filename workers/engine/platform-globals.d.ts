/**
 * The web-platform globals the engine uses. The engine runs in a Web Worker and in
 * Node 20, and both provide these; workers/engine/tsconfig.json has neither DOM nor
 * Node types, so anything else (document, window, navigator, self, process, fs...) is
 * a type error there. Declare here only what both hosts have, only the members the
 * engine calls, and nothing a host injects (that goes through the Platform interface).
 *
 * The root tsconfig also sees this file, next to lib.dom and @types/node. So the
 * interfaces below repeat DOM's member types exactly (they merge), and each
 * constructor uses the same `typeof globalThis extends { onmessage… }` test that
 * @types/node uses: where DOM is loaded it is DOM's own constructor, elsewhere ours.
 */

interface AbortSignal {
  readonly aborted: boolean;
}
interface AbortController {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}
declare var AbortController: typeof globalThis extends { onmessage: unknown; AbortController: infer T } ? T : { prototype: AbortController; new (): AbortController };

interface Blob {
  readonly size: number;
  slice(start?: number, end?: number): Blob;
  arrayBuffer(): Promise<ArrayBuffer>;
}
declare var Blob: typeof globalThis extends { onmessage: unknown; Blob: infer T } ? T : {
  prototype: Blob;
  new (parts?: (ArrayBuffer | ArrayBufferView<ArrayBuffer> | Blob | string)[], options?: { type?: string }): Blob;
};

/** Only named in src/contracts (the files a page hands to loadFiles); never constructed here. */
interface File extends Blob {
  readonly name: string;
}

interface TextEncoder {
  encode(input?: string): Uint8Array<ArrayBuffer>;
}
declare var TextEncoder: typeof globalThis extends { onmessage: unknown; TextEncoder: infer T } ? T : { prototype: TextEncoder; new (): TextEncoder };

interface TextDecoder {
  decode(input?: ArrayBufferLike | ArrayBufferView<ArrayBufferLike>): string;
}
declare var TextDecoder: typeof globalThis extends { onmessage: unknown; TextDecoder: infer T } ? T : {
  prototype: TextDecoder;
  new (label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean }): TextDecoder;
};

interface Headers {
  set(name: string, value: string): void;
}
declare var Headers: typeof globalThis extends { onmessage: unknown; Headers: infer T } ? T : {
  prototype: Headers;
  new (init?: [string, string][] | Record<string, string> | Headers): Headers;
};

interface RequestInit {
  headers?: [string, string][] | Record<string, string> | Headers;
  signal?: AbortSignal | null;
}

interface ReadableStreamDefaultReader<R> {
  read(): Promise<{ done: true; value?: undefined } | { done: false; value: R }>;
}
interface ReadableStream<R> {
  getReader(): ReadableStreamDefaultReader<R>;
}

interface Response {
  readonly ok: boolean;
  readonly status: number;
  readonly body: ReadableStream<Uint8Array<ArrayBuffer>> | null;
  arrayBuffer(): Promise<ArrayBuffer>;
  json(): Promise<unknown>;
}
declare function fetch(input: string, init?: RequestInit): Promise<Response>;

/** Node returns a Timeout object, a Worker a number: the engine only awaits a tick. */
declare function setTimeout(callback: () => void, ms?: number): unknown;

interface SubtleCrypto {
  digest(algorithm: 'SHA-256', data: ArrayBuffer | ArrayBufferView<ArrayBuffer>): Promise<ArrayBuffer>;
}
interface Crypto {
  readonly subtle: SubtleCrypto;
}
declare var crypto: Crypto;

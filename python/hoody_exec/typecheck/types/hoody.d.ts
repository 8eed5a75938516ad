// Types of the names hoody-exec injects into a script (docs/typescript.md).
//
// Body-style scripts (no `export default`) see these as locals of the function
// their file becomes; module-style handlers get them through `ctx`. The Web APIs
// (Request, Response, fetch, URL, crypto, streams, timers, ...) come from
// TypeScript's `lib.webworker` declarations, which the checker loads cut down to
// the globals the runtime defines.
// This file is a global script (no imports or exports) so an editor can use it
// with a `/// <reference path="hoody.d.ts" />` line.

/** A query-string value: one value, or every value when the name repeats. */
type HoodyQueryValue = string | string[];

/** A parsed form field: text, repeated text, or an uploaded file's description. */
type HoodyFormValue = string | string[] | { [key: string]: unknown };

/** The plain request object `req` (values copied from the HTTP request). */
interface HoodyReq {
  /** Upper-case method, e.g. "GET". */
  readonly method: string;
  /** The full URL, e.g. "http://localhost:8080/users/42?x=1". */
  readonly url: string;
  /** The request path, e.g. "/users/42". */
  readonly path: string;
  readonly query: Record<string, HoodyQueryValue>;
  /** Route parameters from `[name]` / `[...rest]` file names. */
  readonly params: Record<string, string>;
  /** Lower-case header names; repeated headers joined with ", " (cookies with "; "). */
  readonly headers: Record<string, string>;
  /** The parsed body, as `body`. */
  readonly body: any;
  /** The client address, when known. */
  readonly ip: string | null;
  readonly cookies: Record<string, string>;
}

/** The structured logger: one log line per call, `fields` as JSON. */
interface HoodyLogger {
  debug(message: unknown, fields?: Record<string, unknown>): void;
  info(message: unknown, fields?: Record<string, unknown>): void;
  warn(message: unknown, fields?: Record<string, unknown>): void;
  error(message: unknown, fields?: Record<string, unknown>): void;
}

/** Everything a module-style handler receives as its second argument. */
interface HoodyContext {
  readonly request: Request;
  readonly req: HoodyReq;
  readonly body: any;
  readonly query: Record<string, HoodyQueryValue>;
  readonly params: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly env: Record<string, string>;
  readonly console: Console;
  readonly log: HoodyLogger;
  readonly fetch: typeof fetch;
  /** Worker mode: persists between requests. Serverless: a fresh empty object. */
  readonly shared: Record<string, any>;
  readonly requestId: string;
  /** Module id of the script, e.g. "users/[id].ts". */
  readonly script: string;
  readonly mode: "worker" | "serverless";
}

/** What a module-style `export default` may be. */
type HoodyHandler =
  | ((request: Request, ctx: HoodyContext) => unknown)
  | { fetch(request: Request, ctx: HoodyContext): unknown };

// ---------------------------------------------------------------- WebSockets
// `@websocket` (needs `@mode worker`), SPEC §2/§3; runtime/js/sockets.js, docs/websockets.md.

type HoodyMessage = string | ArrayBuffer | ArrayBufferView | object;

/** One connected client. */
interface HoodySocket<Data = Record<string, any>> {
  /** A unique id for this connection. */
  readonly id: string;
  /** Per-socket data the script may keep between messages. */
  data: Data;
  /** Rooms this socket has joined (a copy). */
  readonly rooms: ReadonlySet<string>;
  /** 1 open, 2 closing, 3 closed. */
  readonly readyState: 1 | 2 | 3;
  /** Bytes this socket's `send` queued that have not reached the network yet. */
  readonly bufferedAmount: number;
  /** Objects are sent as JSON text. true: queued; false: the socket's send buffer is
   * full (nothing was queued: wait for `ws.drain`) or the socket is closed. */
  send(message: HoodyMessage): boolean;
  /** `code`: 1000 or 3000-4999; `reason`: at most 123 bytes of UTF-8. */
  close(code?: number, reason?: string): void;
  join(room: string): void;
  leave(room: string): void;
}

/** The WebSocket helper a `@websocket` script sets handlers on. */
interface HoodyWebSockets<Data = Record<string, any>> {
  /** `request` is the upgrade request (URL with its query, headers, cookies). */
  open?: (socket: HoodySocket<Data>, request: Request) => unknown;
  message?: (socket: HoodySocket<Data>, message: string | Uint8Array) => unknown;
  close?: (socket: HoodySocket<Data>, code: number, reason: string) => unknown;
  /** A socket whose `send` returned false can send again. */
  drain?: (socket: HoodySocket<Data>) => unknown;
  /** Send to every open socket (or every one in `room`) but `except`; returns how many. */
  broadcast(
    message: HoodyMessage,
    room?: string | null,
    options?: { except?: HoodySocket<Data> | string | Array<HoodySocket<Data> | string> },
  ): number;
  /** Sockets currently connected (or in `room`). */
  sockets(room?: string): HoodySocket<Data>[];
  /** How many sockets are connected (or in `room`). */
  count(room?: string): number;
}

// ---------------------------------------------------------------- AI helpers
// `@ai true` (docs/ai.md): the AI SDK's own declarations, from the pre-bundled
// copy in the tools cache (the checker maps "ai" and "@ai-sdk/openai-compatible"
// there). Without that copy these names are `any`.

/** The AI SDK namespace (`ai.stepCountIs`, `ai.APICallError`, …). */
type HoodyAi = typeof import("ai");
/** The provider of the server's gateway: `openai("some/model")`. */
type HoodyOpenAiProvider = import("@ai-sdk/openai-compatible").OpenAICompatibleProvider & {
  /** The gateway's base URL (never its key: the host adds that). */
  readonly baseURL: string;
};
/** A language model of the gateway (what `model` and `openai(id)` are). */
type HoodyLanguageModel = ReturnType<HoodyOpenAiProvider>;

// ---------------------------------------------------------------- the injected names

/** The incoming request, a standard Web `Request`. */
declare const request: Request;
/** The plain request object: method, url, path, query, params, headers, body, ip, cookies. */
declare const req: HoodyReq;
/**
 * The parsed body: JSON → its value (the raw string if it does not parse), form →
 * object, text → string, anything else → Uint8Array; undefined without a body.
 */
declare const body: any;
declare const query: Record<string, HoodyQueryValue>;
declare const params: Record<string, string>;
/** Lower-case header names; repeated headers joined with ", " (cookies with "; "). */
declare const headers: Record<string, string>;
/** Only the variables the operator allows (`--env NAME`, the folder's `.env`). */
declare const env: Record<string, string>;
declare const log: HoodyLogger;
/** Worker mode: an object that persists between requests (serverless: fresh, empty). */
declare const shared: Record<string, any>;
/** `@websocket` scripts (worker mode): set `ws.open`, `ws.message`, `ws.close`. */
declare const ws: HoodyWebSockets;

/** `@ai true`: the model named by `@ai-model` (else the server's `--ai-model`). */
declare const model: HoodyLanguageModel;
/** `@ai true`: the OpenAI-compatible provider of the server's gateway. */
declare const openai: HoodyOpenAiProvider;
/** `@ai true`: the AI SDK namespace. */
declare const ai: HoodyAi;
declare const generateText: HoodyAi["generateText"];
declare const streamText: HoodyAi["streamText"];
declare const generateObject: HoodyAi["generateObject"];
declare const streamObject: HoodyAi["streamObject"];
declare const tool: HoodyAi["tool"];
declare const embed: HoodyAi["embed"];
declare const jsonSchema: HoodyAi["jsonSchema"];

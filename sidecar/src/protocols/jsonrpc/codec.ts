/**
 * JSON-RPC 2.0 messages: requests built with ids Ferry owns, responses validated strictly against the
 * spec (https://www.jsonrpc.org/specification), error objects mapped to Ferry error codes.
 */
import type { ErrorBody } from '@ferry/sdk/contract';
import { FerryError, type ErrorCode } from '../../errors.js';

export type JsonRpcParams = unknown[] | Record<string, unknown>;
export type JsonRpcId = string | number | null;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  method: string;
  params?: JsonRpcParams;
  /** Absent for a notification. */
  id?: number;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export type JsonRpcResponse =
  { id: JsonRpcId; result: unknown; error?: undefined } | { id: JsonRpcId; error: JsonRpcErrorObject; result?: undefined };

/** One call of a batch, as the app sends it to `POST /v1/batch/{service}`. */
export interface BatchItem {
  method: string;
  params?: JsonRpcParams;
  /** Send this item as a notification: no answer is expected for it. */
  notification?: boolean;
}

/** The arguments of a batch call (the batch route's checked items): no JSON body can forge one. */
export class JsonRpcBatch {
  constructor(readonly items: readonly BatchItem[]) {}
}

/** What the app gets back per batch item, in request order. */
export type BatchAnswer = { result: unknown } | { error: ErrorBody } | { notified: true };

let lastId = 0;
/** Ferry's request ids: positive integers, unique per process (the app never sees or invents them). */
export function nextId(): number {
  lastId = lastId >= Number.MAX_SAFE_INTEGER ? 1 : lastId + 1;
  return lastId;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The app's arguments as JSON-RPC params: an array is positional, an object is named, nothing (or `null`)
 * omits `params`. A bare scalar fits neither, so it is refused.
 */
export function toParams(args: unknown): JsonRpcParams | undefined {
  if (args === undefined || args === null) return undefined;
  if (Array.isArray(args) || isPlainObject(args)) return args as JsonRpcParams;
  throw new FerryError('FERRY_ERR_BAD_ARGUMENTS', 'JSON-RPC params must be an array (positional) or an object (named)');
}

export function buildRequest(method: string, params: JsonRpcParams | undefined, id: number | undefined): JsonRpcRequest {
  const request: JsonRpcRequest = { jsonrpc: '2.0', method };
  if (params !== undefined) request.params = params;
  if (id !== undefined) request.id = id;
  return request;
}

/**
 * A Request's JSON text. Params the app sent as JSON text (`paramsJson`, the text `params` was parsed from) go in as
 * that text: not serialized a second time, and big numbers keep their digits. Same members, same order as
 * `JSON.stringify(buildRequest(...))`.
 */
export function requestText(method: string, params: JsonRpcParams | undefined, paramsJson: string | undefined, id?: number): string {
  if (params === undefined || paramsJson === undefined) return JSON.stringify(buildRequest(method, params, id));
  return `{"jsonrpc":"2.0","method":${JSON.stringify(method)},"params":${paramsJson}${id === undefined ? '' : `,"id":${id}`}}`;
}

/** Checks and normalises one batch item from the app; `index` names it in errors. */
export function checkBatchItem(item: unknown, index: number): BatchItem {
  const where = `batch item ${index}`;
  if (!isPlainObject(item)) throw new FerryError('FERRY_ERR_BAD_REQUEST', `${where} is not an object`);
  for (const key of Object.keys(item)) {
    if (key !== 'method' && key !== 'params' && key !== 'notification') {
      throw new FerryError('FERRY_ERR_BAD_REQUEST', `${where} has an unknown member "${key}" (expected method, params, notification)`);
    }
  }
  if (typeof item.method !== 'string' || item.method === '')
    throw new FerryError('FERRY_ERR_BAD_REQUEST', `${where} needs a "method" string`);
  if (item.notification !== undefined && typeof item.notification !== 'boolean') {
    throw new FerryError('FERRY_ERR_BAD_REQUEST', `${where}: "notification" must be true or false`);
  }
  let params: JsonRpcParams | undefined;
  try {
    params = toParams(item.params);
  } catch (err) {
    throw new FerryError('FERRY_ERR_BAD_ARGUMENTS', `${where}: ${(err as Error).message}`);
  }
  const out: BatchItem = { method: item.method };
  if (params !== undefined) out.params = params;
  if (item.notification) out.notification = true;
  return out;
}

// ---------------------------------------------------------------- responses

function protocolError(message: string, endpoint: string, data?: unknown): FerryError {
  return new FerryError('FERRY_ERR_UPSTREAM_PROTOCOL', `invalid JSON-RPC answer: ${message}`, {
    upstream: { protocol: 'jsonrpc', endpoint, message, ...(data === undefined ? {} : { data }) },
  });
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Parses an answer body; anything that is not JSON is an upstream protocol error. */
export function parseAnswer(text: string, endpoint: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw protocolError(`not JSON (${(err as Error).message})`, endpoint, text.length > 200 ? `${text.slice(0, 200)}…` : text);
  }
}

/** Validates one Response object: `jsonrpc: "2.0"`, an `id`, exactly one of `result` and a well-formed `error`. */
export function checkResponse(value: unknown, endpoint: string): JsonRpcResponse {
  if (!isPlainObject(value)) throw protocolError(`expected a Response object, got ${describe(value)}`, endpoint);
  if (value.jsonrpc !== '2.0') throw protocolError(`"jsonrpc" must be "2.0" (got ${describe(value.jsonrpc)})`, endpoint);
  if (!('id' in value)) throw protocolError('the Response has no "id"', endpoint);
  const id = value.id;
  if (id !== null && typeof id !== 'string' && typeof id !== 'number')
    throw protocolError(`"id" must be a string, a number or null (got ${describe(id)})`, endpoint);
  const hasResult = 'result' in value;
  const hasError = 'error' in value;
  if (hasResult === hasError) throw protocolError('a Response must have exactly one of "result" and "error"', endpoint);
  if (hasResult) return { id, result: value.result };
  const error = value.error;
  if (!isPlainObject(error)) throw protocolError(`"error" must be an object (got ${describe(error)})`, endpoint);
  if (typeof error.code !== 'number' || !Number.isInteger(error.code))
    throw protocolError(`"error.code" must be an integer (got ${describe(error.code)})`, endpoint);
  if (typeof error.message !== 'string') throw protocolError(`"error.message" must be a string (got ${describe(error.message)})`, endpoint);
  const out: JsonRpcErrorObject = { code: error.code, message: error.message };
  if ('data' in error) out.data = error.data;
  return { id, error: out };
}

/** The spec's error codes → Ferry codes; the upstream's code, message and data are kept in `upstream`. */
export function errorCodeFor(code: number): ErrorCode {
  switch (code) {
    case -32700:
      return 'FERRY_ERR_JSONRPC_PARSE_ERROR';
    case -32600:
      return 'FERRY_ERR_JSONRPC_INVALID_REQUEST';
    case -32601:
      return 'FERRY_ERR_JSONRPC_METHOD_NOT_FOUND';
    case -32602:
      return 'FERRY_ERR_JSONRPC_INVALID_PARAMS';
    case -32603:
      return 'FERRY_ERR_JSONRPC_INTERNAL_ERROR';
    default:
      // -32000..-32099: implementation-defined server errors; the rest of -32768..-32000 is reserved.
      if (code >= -32768 && code <= -32000) return 'FERRY_ERR_JSONRPC_SERVER_ERROR';
      return 'FERRY_ERR_JSONRPC_APPLICATION_ERROR';
  }
}

export function mapError(error: JsonRpcErrorObject, endpoint: string): FerryError {
  return new FerryError(errorCodeFor(error.code), `JSON-RPC error ${error.code}: ${error.message}`, {
    upstream: {
      protocol: 'jsonrpc',
      status: error.code,
      message: error.message,
      ...('data' in error ? { data: error.data } : {}),
      endpoint,
    },
  });
}

/** The answer to one call with `id`: its result, or its error object thrown as a FerryError. */
export function resultOf(answer: unknown, id: number, endpoint: string): unknown {
  if (Array.isArray(answer)) throw protocolError('a batch (array) answered a single call', endpoint);
  const response = checkResponse(answer, endpoint);
  if (response.error) {
    // A parse error or invalid request may carry a null id: the server could not read ours.
    if (response.id === id || response.id === null) throw mapError(response.error, endpoint);
    throw protocolError(`the error answers id ${describe(response.id)}, not ${id}`, endpoint);
  }
  if (response.id !== id) throw protocolError(`the result answers id ${describe(response.id)}, not ${id}`, endpoint);
  return response.result;
}

/**
 * Matches a batch answer to the calls sent, in request order. `ids[i]` is the id of item i (undefined for a
 * notification). Items the server did not answer get an upstream-protocol error of their own; an error with
 * a null id (the server could not read an item's id) goes to the items left unanswered.
 */
export function batchAnswers(answer: unknown, ids: ReadonlyArray<number | undefined>, endpoint: string): BatchAnswer[] {
  const expected = ids.filter((id) => id !== undefined).length;
  if (answer === undefined) {
    if (expected > 0) throw protocolError(`an empty answer to a batch of ${expected} call(s)`, endpoint);
    return ids.map(() => ({ notified: true as const }));
  }
  if (!Array.isArray(answer)) {
    // The whole batch was refused (e.g. -32700 or -32600 with a null id).
    const response = checkResponse(answer, endpoint);
    if (response.error && response.id === null) throw mapError(response.error, endpoint);
    throw protocolError('a single Response answered a batch', endpoint);
  }
  const byId = new Map<number, JsonRpcResponse>();
  const wanted = new Set(ids.filter((id): id is number => id !== undefined));
  const anonymous: JsonRpcErrorObject[] = [];
  for (const element of answer) {
    const response = checkResponse(element, endpoint);
    if (response.id === null) {
      if (!response.error) throw protocolError('a result with a null id', endpoint);
      anonymous.push(response.error);
      continue;
    }
    if (typeof response.id !== 'number' || !wanted.has(response.id))
      throw protocolError(`a Response for id ${describe(response.id)}, which was not asked`, endpoint);
    if (byId.has(response.id)) throw protocolError(`two Responses for id ${response.id}`, endpoint);
    byId.set(response.id, response);
  }
  return ids.map((id) => {
    if (id === undefined) return { notified: true as const };
    const response = byId.get(id);
    if (response?.error) return { error: mapError(response.error, endpoint).toBody() };
    if (response) return { result: response.result };
    const nameless = anonymous[0];
    if (nameless) return { error: mapError(nameless, endpoint).toBody() };
    return { error: protocolError('the batch answer has no Response for this call', endpoint).toBody() };
  });
}

/** A non-2xx HTTP answer whose body is not JSON-RPC: what the status says about the endpoint. */
export function httpStatusError(statusCode: number, endpoint: string, body: string): FerryError {
  const upstream = {
    protocol: 'jsonrpc',
    status: statusCode,
    endpoint,
    ...(body ? { data: body.length > 200 ? `${body.slice(0, 200)}…` : body } : {}),
  };
  if (statusCode === 503 || statusCode === 429)
    return new FerryError('FERRY_ERR_UPSTREAM_OVERLOADED', `JSON-RPC endpoint answered HTTP ${statusCode}`, { upstream });
  if (statusCode === 400)
    return new FerryError('FERRY_ERR_UPSTREAM_BAD_REQUEST', `JSON-RPC endpoint refused the request (HTTP 400)`, { upstream });
  if (statusCode === 404)
    return new FerryError('FERRY_ERR_UPSTREAM_SERVICE_NOT_FOUND', `no JSON-RPC service at ${endpoint} (HTTP 404)`, { upstream });
  return new FerryError('FERRY_ERR_UPSTREAM_PROTOCOL', `invalid JSON-RPC answer: HTTP ${statusCode} without a JSON-RPC body`, { upstream });
}

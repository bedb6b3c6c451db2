export { FerryClient, type FerryClientOptions, type CallOptions, type DubboTarget, type BatchCall, type BatchItem } from './client.js';
export { FerryError } from './errors.js';
export { runWithHeaders, currentHeaders } from './context.js';
export * from './contract.js';

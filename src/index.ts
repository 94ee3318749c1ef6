/** The public API of digest. Curated: named exports only, no `export *`. */
export { createDigest, record, recordMany, closeDefaultClient } from './digest.js';
export type { Digest, DigestOptions } from './digest.js';
export type { RecordOptions, EventInput } from './record.js';
export type { RunNowOptions, RunNowResult } from './runner/run-now.js';
export { defineHandler } from './handlers/define.js';
export type { Handler, HandlerDefinition, EventGroup, GroupEvent, View, Grouping } from './handlers/define.js';
export { DigestError, ValidationError, UnknownEventTypeError, ConfigError } from './errors.js';
export type { Issue } from './errors.js';

/** The public API of digest. Curated: named exports only, no `export *`. */
export {
  createDigest, record, recordMany, setRecipient, getRecipient, deleteRecipient, suppress, unsuppress, listSuppressions, closeDefaultClient,
} from './digest.js';
export type { Digest, DigestOptions, EventTypeOf, PayloadOf, TypedRecorder, RecipientProfiles, Suppressions } from './digest.js';
export type { RecordOptions, EventInput, Recorder } from './record.js';
export type { RecipientProfileInput } from './recipients/profile.js';
export type { Frequency, RecipientProfile, StoredRecipientProfile, TypePreference, Weekday, Suppression, SuppressionCursor, SuppressionReason } from './types.js';
export type { RunNowOptions, RunNowResult } from './runner/run-now.js';
export type { PreviewMessage } from './runner/preview.js';
export type { RunProgress } from './runner/run.js';
export { createScheduler } from './scheduler-service.js';
export type { DigestScheduler, SchedulerServiceOptions } from './scheduler-service.js';
export type { LifecycleEvent, LifecycleEventName, LifecycleEvents, LifecycleSubscriptions } from './lifecycle.js';
export { defineHandler } from './handlers/define.js';
export type { Handler, HandlerDefinition, EventGroup, GroupEvent, View, Grouping, PayloadCheck } from './handlers/define.js';
export { DigestError, ValidationError, UnknownEventTypeError, ConfigError } from './errors.js';
export type { Issue } from './errors.js';

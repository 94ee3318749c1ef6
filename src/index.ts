/** The public API of digest. Curated: named exports only, no `export *`. */
export {
  createDigest, record, recordMany, setRecipient, getRecipient, deleteRecipient, suppress, unsuppress, listSuppressions, cancel, closeDefaultClient,
} from './digest.js';
export type { Digest, DigestOptions, EventTypeOf, PayloadOf, TypedRecorder, RecipientProfiles, Suppressions, Canceller } from './digest.js';
export type { CancelTarget, CancelResult } from './runner/cancel.js';
export type { RecordOptions, EventInput, Recorder } from './record.js';
export type { RecipientProfileInput } from './recipients/profile.js';
export type { EventState, Frequency, RecipientProfile, StoredRecipientProfile, TypePreference, Weekday, Suppression, SuppressionCursor, SuppressionReason } from './types.js';
export type { RunNowOptions, RunNowResult } from './runner/run-now.js';
export type { PreviewMessage } from './runner/preview.js';
export type { RunProgress } from './runner/run.js';
export { createScheduler } from './scheduler-service.js';
export type { DigestScheduler, SchedulerServiceOptions } from './scheduler-service.js';
export type { LifecycleEvent, LifecycleEventName, LifecycleEvents, LifecycleSubscriptions } from './lifecycle.js';
export { defineHandler } from './handlers/define.js';
export type { Handler, HandlerDefinition, EventGroup, GroupEvent, View, Grouping, PayloadCheck } from './handlers/define.js';
export { limitItems } from './handlers/max-items.js';
export type { LimitedItems } from './handlers/max-items.js';
export { collapse } from './handlers/collapse.js';
export type { CollapsedItem, CollapseKey } from './handlers/collapse.js';
export { DigestError, ValidationError, UnknownEventTypeError, ConfigError, EventNotFoundError, EventNotCancellableError } from './errors.js';
export type { Issue } from './errors.js';

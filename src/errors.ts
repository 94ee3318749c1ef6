/** Base class: every error digest throws on purpose has a stable `code`. */
export class DigestError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One problem with one field: where it is and which rule it broke. */
export interface Issue {
  path: string;
  message: string;
}

const listIssues = (issues: readonly Issue[]) =>
  issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');

/** A payload (or other input) that fails its schema. `issues` names each field. */
export class ValidationError extends DigestError {
  readonly issues: readonly Issue[];
  constructor(subject: string, issues: readonly Issue[]) {
    super('VALIDATION', `${subject} is invalid: ${listIssues(issues)}`);
    this.issues = issues;
  }
}

export class UnknownEventTypeError extends DigestError {
  readonly type: string;
  readonly known: readonly string[];
  constructor(type: string, known: readonly string[]) {
    super('UNKNOWN_EVENT_TYPE', `unknown event type "${type}" (known: ${known.join(', ') || 'none'})`);
    this.type = type;
    this.known = known;
  }
}

/** Invalid configuration: carries every problem found, not just the first. */
export class ConfigError extends DigestError {
  readonly issues: readonly Issue[];
  constructor(issues: readonly Issue[]) {
    super('CONFIG', `invalid configuration:\n${issues.map((i) => `  ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n')}`);
    this.issues = issues;
  }
}

/** cancel(): no event with this id, or with this idempotency key for this type. */
export class EventNotFoundError extends DigestError {
  constructor(readonly target: string) {
    super('NOT_FOUND', `no event ${target}`);
  }
}

/**
 * cancel(): the event is no longer outstanding — a run has claimed it (its
 * digest is being made or sent) or its delivery has ended. `state` says
 * where it is (claimed, sent, failed, dead, suppressed).
 */
export class EventNotCancellableError extends DigestError {
  constructor(readonly eventId: number, readonly state: string, readonly deliveryId: number | null) {
    super('NOT_CANCELLABLE', `event ${eventId} is ${state}${deliveryId == null ? '' : ` (delivery ${deliveryId})`}: only an outstanding event can be cancelled`);
  }
}

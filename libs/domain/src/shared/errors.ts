/**
 * Decision errors. Each carries a stable machine-readable `code` that the HTTP layer puts into
 * problem+json, so clients can branch on it without parsing prose.
 */
export abstract class DomainError extends Error {
  abstract readonly kind: 'rule' | 'forbidden' | 'not-found';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A business rule forbids the command in the current state (HTTP 409). */
export class BusinessRuleViolation extends DomainError {
  readonly kind = 'rule' as const;
}

/** The actor may not do this, whatever the state: four eyes, missing role (HTTP 403). */
export class NotPermitted extends DomainError {
  readonly kind = 'forbidden' as const;
}

/** The command addresses something that was never created (HTTP 404). */
export class NotFound extends DomainError {
  readonly kind = 'not-found' as const;
}

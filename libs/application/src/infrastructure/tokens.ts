/** Injection tokens for what the runtime opened before Nest started. */
export const EVENT_STORE = Symbol('EventStore');
export const PG_POOL = Symbol('PgPool');
export const RUNTIME = Symbol('Runtime');

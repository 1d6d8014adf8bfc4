export const ROLES = ['sales', 'deal_approver', 'compliance', 'platform_admin', 'finance_auditor', 'service'] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  readonly userId: string;
  readonly roles: readonly Role[];
}

/** What the shell tells a decider about a command: who asks and when (the domain has no clock). */
export interface CommandMetadata {
  readonly actor: Actor;
  /** ISO-8601 UTC instant at which the command is decided. */
  readonly now: string;
}

export interface Command<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata: CommandMetadata;
}

/** An event as a decider produces it; the shell adds ids, hashes and positions when it stores it. */
export interface Event<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

/** The part of an event's stored metadata that folds may depend on (four-eyes needs the author). */
export interface EventContext {
  readonly actor: Actor;
  readonly recordedAt: string;
}

/** A stored event as `evolve` sees it. */
export type Recorded<E extends Event> = E & { readonly metadata: EventContext };

/**
 * The type names of an event union, as a list for code that must account for every one of them
 * (read-model routing). Written as a record so the compiler insists on each type exactly once: a
 * type added to the union but not to the record fails to compile.
 */
export const eventTypesOf = <E extends Event>(types: { readonly [T in E['type']]: true }): readonly E['type'][] =>
  Object.keys(types) as E['type'][];

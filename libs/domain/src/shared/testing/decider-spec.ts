import type { Decider } from '../decider';
import { fold } from '../decider';
import type { DomainError } from '../errors';
import type { Actor, Command, CommandMetadata, Event, Recorded, Role } from '../messages';

export const actor = (userId: string, ...roles: Role[]): Actor => ({ userId, roles });

export const NOW = '2026-11-25T10:00:00.000Z';

export const metadataOf = (by: Actor, now: string = NOW): CommandMetadata => ({ actor: by, now });

/** Wraps an event as if `by` had recorded it at `at`. */
export const recorded = <E extends Event>(event: E, by: Actor, at: string = NOW): Recorded<E> => ({
  ...event,
  metadata: { actor: by, recordedAt: at },
});

type ErrorClass = abstract new (...args: never[]) => DomainError;

/**
 * Given/when/then for deciders:
 *   spec(decider).given([...]).when(command, facts).then([...events])
 *   spec(decider).given([...]).when(command, facts).thenThrows(BusinessRuleViolation, 'CODE')
 */
export const spec = <C extends Command, E extends Event, S, F>(decider: Decider<C, E, S, F>) => ({
  given: (events: Recorded<E>[]) => ({
    when: (command: C, facts: F) => {
      const run = () => decider.decide(command, fold(decider, events), facts);
      return {
        then: (expected: E[]) => expect(run()).toEqual(expected),
        thenThrows: (errorClass: ErrorClass, code?: string) => {
          let thrown: unknown;
          try {
            run();
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(errorClass);
          if (code !== undefined) expect((thrown as DomainError).code).toBe(code);
        },
      };
    },
  }),
});

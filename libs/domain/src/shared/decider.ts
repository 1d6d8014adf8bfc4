import type { Command, Event, Recorded } from './messages';

/**
 * One aggregate's behaviour as plain functions. `facts` are what the decision needs from other
 * aggregates; the shell reads them from the event store (never from a read model) and passes them in.
 */
export interface Decider<C extends Command, E extends Event, S, F = undefined> {
  readonly initialState: S;
  evolve(state: S, event: Recorded<E>): S;
  decide(command: C, state: S, facts: F): E[];
}

export const fold = <E extends Event, S>(
  decider: Pick<Decider<Command, E, S, unknown>, 'initialState' | 'evolve'>,
  events: Iterable<Recorded<E>>,
): S => {
  let state = decider.initialState;
  for (const event of events) state = decider.evolve(state, event);
  return state;
};

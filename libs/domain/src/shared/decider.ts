import type { Command, Event, Recorded } from './messages';

/**
 * One aggregate's behaviour as plain functions. `facts` are what the decision needs from other
 * aggregates; the shell reads them from the event store (never from a read model) and passes them in.
 */
export interface Decider<C extends Command, E extends Event, S, F = undefined> {
  /** Never changed by `evolve`: every fold may start from it. */
  readonly initialState: S;
  /**
   * The state after `event`. It takes ownership of `state`: to fold in time linear in the events it
   * may change the maps and lists inside `state` in place and share them with the state it returns,
   * so a caller must not keep using a state it passed in (fold from `initialState` again, or keep
   * a copy). Decisions and views never change a state; only `evolve` does.
   */
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

/**
 * A finite state machine over string statuses and actions, written as a table:
 * `transitions[from][action] = to`. Services keep their table, their error and their exported
 * function names (`transition`, `canTransition`, …); this is only the engine.
 */
export type TransitionTable<S extends string, A extends string> = Readonly<Record<S, Readonly<Partial<Record<A, S>>>>>;

export interface StateMachineDefinition<S extends string, A extends string> {
  statuses: readonly S[];
  actions: readonly A[];
  transitions: TransitionTable<S, A>;
  /** The error for an action not allowed from a status (each service throws its own code). */
  invalid: (from: S, action: A) => Error;
}

export interface StateMachine<S extends string, A extends string> {
  /** The next status, or the definition's `invalid` error when `action` is not allowed from `from`. */
  transition(from: S, action: A): S;
  canTransition(from: S, action: A): boolean;
  allowedActions(from: S): A[];
  /** No action leads anywhere from here. */
  isFinal(status: S): boolean;
  isStatus(value: unknown): value is S;
}

/** Builds the machine; its functions are plain closures, so they may be destructured. */
export function stateMachine<S extends string, A extends string>(def: StateMachineDefinition<S, A>): StateMachine<S, A> {
  // Own-property lookups only: callers may pass strings read from the database or a message,
  // and `{}['constructor']` must not count as a transition.
  const lookup = (from: S, action: A): S | undefined => {
    const row = Object.hasOwn(def.transitions, from) ? def.transitions[from] : undefined;
    return row !== undefined && Object.hasOwn(row, action) ? row[action] : undefined;
  };
  const canTransition = (from: S, action: A): boolean => lookup(from, action) !== undefined;
  const allowedActions = (from: S): A[] => def.actions.filter((action) => canTransition(from, action));
  return {
    transition(from, action) {
      const next = lookup(from, action);
      if (next === undefined) throw def.invalid(from, action);
      return next;
    },
    canTransition,
    allowedActions,
    isFinal: (status) => allowedActions(status).length === 0,
    isStatus: (value): value is S => typeof value === 'string' && (def.statuses as readonly string[]).includes(value),
  };
}

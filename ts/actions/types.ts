// What an action is handed, and what it must provide to be dispatched.
import type { AttackRecord, Ban } from '../attacks/types.js';

export type ActionKind = 'ban' | 'unban' | 'attack_details';

export interface ActionEvent {
  kind: ActionKind;
  /** Null for a manual ban, which has no attack behind it. */
  attack: AttackRecord | null;
  ban: Ban;
}

export interface Action {
  readonly name: string;
  /** Resolves when the action is done; rejects with an Error the operator can act on. */
  run(event: ActionEvent): Promise<void>;
  /**
   * How long one run can take at most, its own time limits included; the dispatcher abandons a
   * run only past it. Without it, the dispatcher's attemptTimeoutMs applies.
   */
  readonly attemptTimeoutMs?: number;
  /**
   * How many hosts' events the action takes at the same time (one host's events always go one
   * after the other). 1 for an action that does one thing at a time anyway, so that an event's
   * time limit does not run while it waits behind the others. Without it, the dispatcher's
   * concurrencyPerAction applies.
   */
  readonly concurrency?: number;
}

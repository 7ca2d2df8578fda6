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
}

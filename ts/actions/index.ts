// The actions floodwatch runs on a ban, an unban or an attack report, built from the configuration.
import type { Logger } from 'pino';
import { EmailAction, type EmailActionConfig, type EmailActionOptions } from './email.js';
import { ScriptAction, type ScriptActionConfig, type ScriptActionOptions } from './script.js';
import type { ExabgpActionConfig, GobgpActionConfig } from '../config/schema.js';
import type { AttackRecord, Ban } from '../attacks/types.js';
import { ExabgpAction } from './exabgp/action.js';
import { GobgpAction } from './gobgp/action.js';
import type { Action } from './types.js';

export { ActionDispatcher, type ActionCounters, type DispatcherOptions } from './dispatcher.js';
export { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.js';
export { EmailAction, smtpTransportOptions, type EmailActionConfig, type EmailActionOptions } from './email.js';
export { notifyScriptArgs, ScriptAction, type ScriptActionConfig, type ScriptActionOptions } from './script.js';
export type { Action, ActionEvent, ActionKind } from './types.js';

/** The `actions` section of the configuration. */
export interface ActionsConfig {
  script?: ScriptActionConfig;
  email?: EmailActionConfig;
  gobgp?: GobgpActionConfig;
  exabgp?: ExabgpActionConfig;
}

/** What the BGP actions need of the ban lifecycle: they re-announce every active ban. */
export interface BgpActionDeps {
  /** The active bans whose hostgroup uses the named action. */
  activeBans(action: 'gobgp' | 'exabgp'): Ban[];
  attackOf(ban: Ban): AttackRecord | null;
  flowspecFor(hostgroup: string): boolean;
}

/** An action with a life of its own (a resync loop, a pipe watcher). */
export interface LongRunningAction extends Action {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

export function isLongRunning(action: Action): action is LongRunningAction {
  return typeof (action as Partial<LongRunningAction>).start === 'function';
}

/** The enabled actions, named 'script', 'email', 'gobgp', 'exabgp' (the names hostgroups list). */
export function createActions(
  config: ActionsConfig,
  logger: Logger,
  options: { script?: ScriptActionOptions; email?: EmailActionOptions; bgp?: BgpActionDeps } = {},
): Action[] {
  const actions: Action[] = [];
  if (config.script?.enabled) actions.push(new ScriptAction(config.script, logger, options.script));
  if (config.email?.enabled) actions.push(new EmailAction(config.email, logger, options.email));
  const bgp = options.bgp;
  if (config.gobgp?.enabled && bgp) {
    actions.push(
      new GobgpAction(config.gobgp, { log: logger, activeBans: () => bgp.activeBans('gobgp'), attackOf: bgp.attackOf, flowspecFor: bgp.flowspecFor }),
    );
  }
  if (config.exabgp?.enabled && bgp) {
    actions.push(
      new ExabgpAction(config.exabgp, { log: logger, activeBans: () => bgp.activeBans('exabgp'), attackOf: bgp.attackOf, flowspecFor: bgp.flowspecFor }),
    );
  }
  return actions;
}

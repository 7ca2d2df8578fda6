// The actions floodwatch runs on a ban, an unban or an attack report, built from the configuration.
import type { Logger } from 'pino';
import { EmailAction, type EmailActionConfig, type EmailActionOptions } from './email.js';
import { ScriptAction, type ScriptActionConfig, type ScriptActionOptions } from './script.js';
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
}

/** The enabled actions, named 'script' and 'email' (the names hostgroups list). */
export function createActions(
  config: ActionsConfig,
  logger: Logger,
  options: { script?: ScriptActionOptions; email?: EmailActionOptions } = {},
): Action[] {
  const actions: Action[] = [];
  if (config.script?.enabled) actions.push(new ScriptAction(config.script, logger, options.script));
  if (config.email?.enabled) actions.push(new EmailAction(config.email, logger, options.email));
  return actions;
}

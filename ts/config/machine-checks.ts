// What a configuration needs from this machine and the environment, checked by `run` and
// `check-config` alike before anything starts: a state directory it may write, a notify script
// it may run, and a log level pino knows.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import pino from 'pino';
import type { ConfigProblem } from './errors.js';
import { ownershipAdvice } from '../state/ownership.js';
import type { FloodwatchConfig } from './schema.js';
import { stateDirProblems } from './state-dir.js';

export function machineProblems(config: FloodwatchConfig, env: NodeJS.ProcessEnv = process.env): ConfigProblem[] {
  const stateDir = stateDirProblems(config.state_dir);
  return [...stateDir, ...(stateDir.length === 0 ? stateFileProblems(config.state_dir) : []), ...notifyScriptProblems(config), ...logLevelProblems(env)];
}

/** The files floodwatch keeps in the state directory must be its own to read and rewrite. */
function stateFileProblems(stateDir: string): ConfigProblem[] {
  const dir = resolve(stateDir);
  const problems: ConfigProblem[] = [];
  for (const [name, mode] of STATE_FILES) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    try {
      accessSync(path, mode);
    } catch (error) {
      const advice = ownershipAdvice(path, dir, error as NodeJS.ErrnoException);
      problems.push({ where: 'state_dir', reason: advice ?? `${path} cannot be used (${(error as Error).message})` });
    }
  }
  return problems;
}

const STATE_FILES: [string, number][] = [
  ['bans.json', constants.R_OK | constants.W_OK],
  ['attacks', constants.R_OK | constants.W_OK | constants.X_OK],
];

/** The levels FLOODWATCH_LOG_LEVEL may name, most severe first. */
export const LOG_LEVELS = [
  ...Object.entries(pino.levels.values)
    .sort(([, a], [, b]) => b - a)
    .map(([name]) => name),
  'silent',
];

function logLevelProblems(env: NodeJS.ProcessEnv): ConfigProblem[] {
  const level = env.FLOODWATCH_LOG_LEVEL;
  if (level === undefined || LOG_LEVELS.includes(level)) return [];
  return [{ reason: `FLOODWATCH_LOG_LEVEL is '${level}', which is not a log level: use one of ${LOG_LEVELS.join(', ')} (or unset it for info)` }];
}

function notifyScriptProblems(config: FloodwatchConfig): ConfigProblem[] {
  const { script } = config.actions;
  // A relative path is refused by the semantic checks already.
  if (!script.enabled || !isAbsolute(script.path)) return [];
  const where = 'actions.script.path';
  const instead = 'or set actions.script.enabled: false';
  let isFile: boolean;
  try {
    isFile = statSync(script.path).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [{ where, reason: `${script.path} does not exist: install the notify script there, ${instead}` }];
    return [{ where, reason: `${script.path} cannot be read (${(error as Error).message}): fix its permissions, ${instead}` }];
  }
  if (!isFile) return [{ where, reason: `${script.path} is not a file: point actions.script.path at the notify script, ${instead}` }];
  try {
    accessSync(script.path, constants.X_OK);
  } catch {
    return [{ where, reason: `${script.path} is not executable by this user: run chmod +x ${script.path}, ${instead}` }];
  }
  return [];
}

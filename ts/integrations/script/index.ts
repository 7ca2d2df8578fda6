// The notify script: FastNetMon's, called with the same arguments on ban, unban and attack details.
import { isAbsolute } from 'node:path';
import { Type } from '@sinclair/typebox';
import { Choice, Rate, strict } from '../../config/schema-types.js';
import { defineIntegration } from '../types.js';
import { carryNotifyScript } from './fastnetmon.js';

export const ScriptActionSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    path: Type.String({ minLength: 1 }),
    format: Choice(['text', 'json'] as const),
    timeout_seconds: Rate,
  },
  strict,
);

export const script = defineIntegration({
  name: 'script',
  schema: ScriptActionSchema,
  defaults: () => ({ enabled: false, path: '/usr/local/bin/notify_about_attack.sh', format: 'text' as const, timeout_seconds: 30 }),
  describe: (config) => `script ${config.path}`,
  check: (config) =>
    config.enabled && !isAbsolute(config.path)
      ? [
          {
            where: 'actions.script.path',
            reason: `'${config.path}' is not an absolute path (the script runs without a shell or PATH lookup: write its full path, e.g. /usr/local/bin/notify_about_attack.sh)`,
          },
        ]
      : [],
  importFastnetmon: carryNotifyScript,
  create: async (config, deps) => {
    const { ScriptAction } = await import('./script.js');
    return new ScriptAction(config, deps.log);
  },
});

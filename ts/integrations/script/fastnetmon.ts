// FastNetMon's notify_script_path as actions.script (import-fastnetmon).
import { actionsOf } from '../../cli/import-fastnetmon/output.js';
import type { FastnetmonImportContext } from '../types.js';

export function carryNotifyScript({ keys, comments, out }: FastnetmonImportContext): void {
  const path = keys.value('notify_script_path');
  if (path === undefined) return;
  if (path === '') {
    keys.skip('notify_script_path', 'empty: no script to carry');
    return;
  }
  keys.carry('notify_script_path');
  const absolute = path.startsWith('/');
  if (!absolute) {
    keys.notes.push(`notify_script_path = ${path} is not an absolute path: carried switched off; write its full path and set enabled: true`);
  }
  actionsOf(out).script = { enabled: absolute, path, format: 'text' };
  comments.after.push([['actions', 'script', 'path'], 'notify_script_path; called as SCRIPT IP DIRECTION PPS ACTION, like FastNetMon']);
}

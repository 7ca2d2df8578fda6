// Bans: the list with the time left and the reason, a form to ban a host, and unban buttons.
// Changes go through the REST API, with the token when it asks for one.
import { ApiError, change, get } from '../api.js';
import type { App, View } from '../app.js';
import { h, table, updateRows } from '../dom.js';
import { duration, time } from '../format.js';
import type { Ban } from '../types.js';

export const bansView: View = (main, app) => {
  const list = table('Banned now', ['Host', 'Hostgroup', 'Direction', 'Reason', 'Banned', 'Time left', ''], { id: 'bans' });
  const ip = h('input', { id: 'ban-ip', name: 'ip', required: true, placeholder: '198.51.100.7', autocomplete: 'off', spellcheck: 'false' });
  const ttl = h('input', { id: 'ban-ttl', name: 'ttl', type: 'number', min: 1, placeholder: 'ban.time_seconds' });
  const comment = h('input', { id: 'ban-comment', name: 'comment', maxlength: 1000 });
  const force = h('input', { id: 'ban-force', name: 'force', type: 'checkbox' });
  const form = h(
    'form',
    { class: 'ban-form', 'aria-label': 'Ban a host' },
    h('label', {}, 'Address ', ip),
    h('label', {}, 'Seconds ', ttl),
    h('label', {}, 'Comment ', comment),
    h('label', { class: 'check' }, force, ' force (whitelisted, outside the networks)'),
    h('button', { type: 'submit', class: 'primary' }, 'Ban'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {
      ip: ip.value.trim(),
      ...(ttl.value && { ttl_seconds: Number(ttl.value) }),
      ...(comment.value && { comment: comment.value }),
      ...(force.checked && { force: true }),
    };
    if (await act(app, () => change<Ban>('POST', '/api/v1/bans', body), `${body.ip} is banned`)) {
      form.reset();
      await refresh();
    }
  });
  main.append(h('h2', {}, 'Bans'), h('section', { class: 'panel' }, form), h('section', { class: 'panel' }, list.table));

  let bans: Ban[] = app.live.latest?.bans.list ?? [];
  const draw = () => {
    const now = Date.now();
    updateRows(
      list.body,
      bans.map((ban) => [
        { text: ban.ip, href: `#/host/${encodeURIComponent(ban.ip)}` },
        ban.hostgroup,
        ban.direction,
        ban.attack_id
          ? { text: `attack ${ban.attack_id}`, href: `#/attacks/${encodeURIComponent(ban.attack_id)}` }
          : `manual${ban.comment ? `: ${ban.comment}` : ''}`,
        time(ban.banned_at),
        duration((Date.parse(ban.expires_at) - now) / 1000),
        unbanButton(app, ban.ip, refresh),
      ]),
      'no host is banned',
    );
  };
  // After a change, at once rather than at the next frame.
  const refresh = async () => {
    try {
      bans = (await get<{ bans: Ban[] }>('/api/v1/bans')).bans;
      draw();
    } catch (err) {
      app.say(`The bans could not be read: ${(err as Error).message}`, 'error');
    }
  };
  const off = app.live.onFrame((frame) => {
    if (frame.bans.count > frame.bans.list.length) void refresh();
    else {
      bans = frame.bans.list;
      draw();
    }
  });
  draw();
  return off;
};

/** The unban button of a row; the same element is reused while the row shows the same host. */
const buttons = new Map<string, HTMLButtonElement>();
function unbanButton(app: App, ip: string, refresh: () => Promise<void>): HTMLButtonElement {
  let button = buttons.get(ip);
  if (!button?.isConnected) {
    button = h('button', { type: 'button', class: 'danger', 'data-unban': ip, 'aria-label': `Unban ${ip}` }, 'Unban');
    button.addEventListener('click', async () => {
      button!.disabled = true;
      if (await act(app, () => change<Ban>('DELETE', `/api/v1/bans/${encodeURIComponent(ip)}`), `${ip} is unbanned`)) await refresh();
      button!.disabled = false;
    });
    buttons.set(ip, button);
  }
  return button;
}

/** Runs a change; says what happened, or the server's reason for refusing it. */
export async function act(app: App, run: () => Promise<unknown>, done: string): Promise<boolean> {
  try {
    await run();
    app.say(done);
    return true;
  } catch (err) {
    const reason = err instanceof ApiError ? `refused (${err.status}): ${err.message}` : `failed: ${(err as Error).message}`;
    app.say(`The change was ${reason}`, 'error');
    return false;
  }
}

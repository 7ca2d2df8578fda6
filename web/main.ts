// The dashboard: a header, one view at a time chosen by the URL's hash, all fed by the live stream
// and the REST API.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import type { App, View } from './app.js';
import { History } from './history.js';
import { Live } from './live.js';
import { setupTheme } from './theme.js';
import { attackView, attacksView } from './views/attacks.js';
import { bansView } from './views/bans.js';
import { hostView } from './views/host.js';
import { overviewView } from './views/overview.js';
import { sourcesView } from './views/sources.js';

const VIEWS: Record<string, View> = { overview: overviewView, attacks: attacksView, attack: attackView, bans: bansView, sources: sourcesView, host: hostView };
const CONNECTION_TEXT = { connecting: 'connecting…', live: 'live', lost: 'disconnected: reconnecting…', paused: 'paused while hidden' };

const live = new Live();
const history = new History();
const message = document.getElementById('message')!;
const app: App = {
  live,
  history,
  say(text, kind = 'info') {
    message.textContent = text;
    message.className = `message ${kind}`;
    message.hidden = false;
  },
};

live.onFrame((frame) => {
  history.add(frame);
  badge('attack-count', frame.attacks.length);
  badge('ban-count', frame.bans.count);
});
const connection = document.getElementById('connection')!;
live.onState((state) => {
  connection.textContent = CONNECTION_TEXT[state];
  connection.dataset.state = state;
});

function badge(id: string, count: number): void {
  const element = document.getElementById(id)!;
  element.hidden = count === 0;
  element.textContent = String(count);
}

let leave: (() => void) | null = null;
function route(): void {
  const [, name = 'overview', ...rest] = location.hash.split('/');
  const param = rest.length > 0 ? decodeURIComponent(rest.join('/')) : undefined;
  const viewName = name === 'attacks' && param ? 'attack' : name;
  const view = VIEWS[viewName] ?? overviewView;
  leave?.();
  message.hidden = true;
  const main = document.getElementById('main')!;
  main.replaceChildren();
  leave = view(main, app, param);
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    if (link.dataset.view === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

setupTheme(document.getElementById('theme') as HTMLButtonElement);
window.addEventListener('hashchange', route);
route();
live.start();
live.closeWhenHidden();

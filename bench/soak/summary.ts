// The soak's outcome as a table of figures and a list of checks.
import { notifyCalls, type NotifyScript } from '../notify-script.js';
import type { ApiCounts, BanLedger } from './api-load.js';
import type { AttackCounts } from './attacks.js';
import type { SoakDaemon } from './daemon.js';
import type { FloodCheck } from './flood.js';
import { FLOOD_PPS, isForgedHost, isSprayedHost, MAX_HOSTS, THRESHOLD_PPS } from './plan.js';
import type { ReplayCheck } from './real-stream.js';
import { mib, percentile, type Check } from './report.js';

export interface SoakOutcome {
  t0: number;
  load: { templateFlood: { fields: number }; idleConnections: number; watchdogFactor: number; banBoundSeconds: number };
  rssCap: number;
  daemon: SoakDaemon;
  script: NotifyScript;
  attacks: AttackCounts;
  api: ApiCounts;
  ledger: BanLedger;
  bans: Awaited<ReturnType<BanLedger['verify']>> | { error: string };
  /** /metrics at the end, or why it could not be read. */
  metrics: Map<string, number> | string;
  kernelDrops: { attack: number; real: number };
  idleHeldMin: number;
  idleAtEnd: number;
  stopSeconds: number;
  replays: ReplayCheck[];
  floods: FloodCheck[];
  harnessErrors: string[];
}

export function summarize(o: SoakOutcome): { figures: [string, string][]; checks: Check[] } {
  // Bans the detector made on its own, of hosts no flood was aimed at: what the attack traffic
  // (random counts, flipped bits) made it believe. The API's bans are of 192.0.2.0/24 and 203.0.113.0/24.
  // (A ban is applied again after each restart: one per address.)
  const autoBans = [
    ...new Map(
      notifyCalls(o.script)
        .filter((c) => c.action === 'ban' && !c.ip.startsWith('192.0.2.') && !c.ip.startsWith('203.0.113.'))
        .map((c) => [c.ip, c]),
    ).values(),
  ];
  const strayBans = autoBans.filter((c) => !o.floods.some((f) => f.target === c.ip));
  const singleDatagramBans = strayBans.filter((c) => isForgedHost(c.ip));
  const sprayedBans = strayBans.filter((c) => isSprayedHost(c.ip));
  const otherStrayBans = strayBans.filter((c) => !isForgedHost(c.ip) && !isSprayedHost(c.ip));
  const listBans = (list: typeof strayBans) =>
    list.length === 0
      ? '0'
      : `${list.length}: ${list
          .slice(0, 4)
          .map((c) => `${c.ip} (${c.pps})`)
          .join(', ')}`;
  const sum = (name: string) =>
    typeof o.metrics === 'string' ? NaN : [...o.metrics].filter(([k]) => k === name || k.startsWith(`${name}{`)).reduce((a, [, v]) => a + v, 0);
  const exact = o.replays.filter((r) => r.wrong.length === 0).length;
  const floodTimes = o.floods.map((f) => (f.banSeconds === null ? 'none' : `${f.banSeconds.toFixed(2)} s`)).join(', ');
  const figures: [string, string][] = [
    ['date (UTC)', new Date(o.t0).toISOString()],
    ['duration', `${((Date.now() - o.t0) / 60_000).toFixed(1)} min, 3 daemon runs (2 kill -9)`],
    [
      'start after a kill -9 until the API answers',
      o.daemon.starts
        .slice(1)
        .map((s) => `${(s.readyMs / 1000).toFixed(1)} s`)
        .join(', '),
    ],
    ['random-bodied datagrams (v5/v9/IPFIX/sFlow headers)', `${o.attacks.randomDatagrams}`],
    ['mutated real datagrams (1-3 bit flips, some truncated)', `${o.attacks.mutatedDatagrams}`],
    ['forged datagrams (sFlow rate 4e9, v5 2^32-1 packets 1:16383, IPFIX 2^62), a host each', `${o.attacks.forgedDatagrams}`],
    ['source ports of the random and mutated datagrams', `${o.attacks.noiseSourcePorts}`],
    [
      'template flood: sources / templates / fields each',
      `${o.attacks.templateSources} / ${o.attacks.templates} / ${o.load.templateFlood.fields} (${o.attacks.templateDatagrams} datagrams)`,
    ],
    ['exporter flood: distinct 127.0.0.0/8 sources', `${o.attacks.spoofedExporters}`],
    ['host spray: distinct destinations (max_hosts)', `${o.attacks.sprayHosts} (${MAX_HOSTS})`],
    ['API requests: 2xx / 4xx / 5xx / no answer', `${o.api.byClass['2xx']} / ${o.api.byClass['4xx']} / ${o.api.byClass['5xx']} / ${o.api.byClass.none}`],
    [
      'API answers by status',
      [...o.api.byStatus]
        .sort((a, b) => a[0] - b[0])
        .map(([status, n]) => `${status}: ${n}`)
        .join(', '),
    ],
    ['API latency p50 / p99', `${percentile(o.api.latenciesMs, 50)?.toFixed(0) ?? '-'} ms / ${percentile(o.api.latenciesMs, 99)?.toFixed(0) ?? '-'} ms`],
    ['bans acknowledged (201) / unbans acknowledged (200)', `${o.ledger.acknowledgedBans} / ${o.ledger.acknowledgedUnbans}`],
    ['idle API connections held (target, least held at a run end, at the end)', `${o.load.idleConnections}, ${o.idleHeldMin}, ${o.idleAtEnd}`],
    ['max RSS of the daemon (cap)', `${mib(o.daemon.maxRss)} (${mib(o.rssCap)})`],
    ['real stream replays exact', `${exact} of ${o.replays.length}`],
    [`flood at ${FLOOD_PPS / THRESHOLD_PPS}x the threshold: time to ban`, floodTimes || 'no flood injected'],
    ['bans of fixture hosts by mutated captures (pps reported)', listBans(otherStrayBans)],
    ['bans of sprayed hosts: a spray record and a random one (pps reported)', listBans(sprayedBans)],
    ['kernel drops on the attack / real exporter port (last run)', `${o.kernelDrops.attack} / ${o.kernelDrops.real}`],
    ['at the end: hosts, host evictions', typeof o.metrics === 'string' ? o.metrics : `${sum('floodwatch_hosts')}, ${sum('floodwatch_host_evictions_total')}`],
    [
      'at the end: exporter drops (all reasons), exporters held, exporter evictions',
      typeof o.metrics === 'string'
        ? o.metrics
        : `${sum('floodwatch_exporter_dropped_total')}, ${sum('floodwatch_flow_exporters')}, ${sum('floodwatch_flow_exporter_evictions_total')}`,
    ],
    [
      'at the end: template bytes held, template evictions',
      typeof o.metrics === 'string' ? o.metrics : `${mib(sum('floodwatch_flow_template_bytes'))}, ${sum('floodwatch_flow_template_evictions_total')}`,
    ],
    ['at the end: API connections refused', typeof o.metrics === 'string' ? o.metrics : `${sum('floodwatch_api_connections_refused_total')}`],
    ['SIGTERM to exit', `${o.stopSeconds.toFixed(1)} s`],
    [
      'log: warnings / errors (top messages)',
      `${[...o.daemon.warnings.values()].reduce((a, b) => a + b, 0)} / ${[...o.daemon.errors.values()].reduce((a, b) => a + b, 0)} ${[
        ...o.daemon.errors,
        ...o.daemon.warnings,
      ]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([msg, n]) => `${n}x "${msg.length > 50 ? `${msg.slice(0, 50)}…` : msg}"`)
        .join(', ')}`,
    ],
  ];

  const checks: Check[] = [
    {
      name: `max RSS under ${mib(o.rssCap)}`,
      ok: o.daemon.maxRss <= o.rssCap && o.daemon.watchdogKills === 0,
      found: `${mib(o.daemon.maxRss)}${o.daemon.watchdogKills ? `; killed ${o.daemon.watchdogKills}x past ${mib(o.rssCap * o.load.watchdogFactor)}` : ''}`,
    },
    'error' in o.bans
      ? { name: 'every acknowledged ban present, no acknowledged unban undone', ok: false, found: o.bans.error }
      : {
          name: 'every acknowledged ban present, no acknowledged unban undone',
          ok: o.bans.missing.length === 0 && o.bans.resurrected.length === 0 && o.ledger.contradictions.length === 0,
          found: `${o.bans.checked} checked; missing: ${o.bans.missing.length}, unbans undone: ${o.bans.resurrected.length}, contradicting answers: ${o.ledger.contradictions.length}${[
            ...o.bans.missing,
            ...o.bans.resurrected,
            ...o.ledger.contradictions,
          ]
            .slice(0, 3)
            .map((x) => `; ${x}`)
            .join('')}`,
        },
    {
      name: 'real stream totals exact on each run',
      ok: o.replays.length > 0 && exact === o.replays.length,
      found: `${exact}/${o.replays.length} replays${o.replays
        .flatMap((r) => r.wrong.slice(0, 2).map((w) => `; run ${r.run + 1}: ${w}`))
        .slice(0, 3)
        .join('')}${o.replays.some((r) => r.kernelDrops > 0) ? ' (the kernel dropped datagrams on the port meanwhile)' : ''}`,
    },
    {
      name: `flood banned within ${o.load.banBoundSeconds} s`,
      ok: o.floods.length > 0 && o.floods.every((f) => f.banSeconds !== null && f.banSeconds <= o.load.banBoundSeconds),
      found: floodTimes,
    },
    {
      name: 'no ban on a single datagram (forged hosts)',
      ok: singleDatagramBans.length === 0,
      found: `${singleDatagramBans.length}${singleDatagramBans
        .slice(0, 3)
        .map((c) => `; ${c.ip} at ${c.pps} pps`)
        .join('')}`,
    },
    {
      name: 'the daemon ran until killed',
      ok: o.daemon.unexpectedExits.length === 0,
      found: o.daemon.unexpectedExits.length === 0 ? 'no other exit' : o.daemon.unexpectedExits.map((e) => e.how).join(', '),
    },
    {
      name: 'no API answer 5xx',
      ok: o.api.byClass['5xx'] === 0,
      found: `${o.api.byClass['5xx']}${o.api.serverErrors
        .slice(0, 2)
        .map((e) => `; ${e}`)
        .join('')}`,
    },
    {
      name: 'the soak itself ran as planned',
      ok: o.harnessErrors.length === 0,
      found: o.harnessErrors.length === 0 ? 'yes' : o.harnessErrors.slice(0, 3).join('; '),
    },
  ];

  return { figures, checks };
}

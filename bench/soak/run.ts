// `npm run soak [-- --minutes N] [-- --smoke]`: the whole daemon under attack for 10 minutes (1
// with --smoke), killed with SIGKILL and started again twice at random moments, then checked:
// memory under a cap, every acknowledged ban present, a real exporter's totals exact, floods
// banned in time. Prints a table of figures and the checks; exits 1 when a check fails.
// Everything is sent to loopback ports; every loop is bounded in count and time.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { notifyCalls, writeNotifyScript } from '../notify-script.js';
import { freeTcpPort, freeUdpPort } from '../ports.js';
import { onExit, runCommand, sleep } from '../processes.js';
import { scrapePrometheus } from '../prometheus.js';
import { parseScenarioArgs } from '../scenario-args.js';
import { udpSocketDrops } from '../udp-socket.js';
import { BanLedger, IdleConnections, newApiCounts, readers } from './api-load.js';
import { exporterFlood, forged, newAttackCounts, noise, spray, templateFlood } from './attacks.js';
import { SoakDaemon } from './daemon.js';
import { injectFlood, type FloodCheck } from './flood.js';
import { floodTarget, isForgedHost, isSprayedHost, soakConfig, THRESHOLD_PPS, FLOOD_PPS, MAX_HOSTS } from './plan.js';
import { replayRealStream, type ReplayCheck } from './real-stream.js';
import { mib, percentile, renderChecks, renderFigures, type Check } from './report.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const USAGE = 'usage: npm run soak [-- --minutes N] [-- --smoke] [-- --rss-cap-mib N]';

/** How hard each attack pushes; the same in --smoke, which only runs shorter. */
const LOAD = {
  noisePerSecond: 800,
  forgedPerSecond: 20,
  sprayHostsPerSecond: 3000,
  templateFlood: { sources: 300, templates: 1024, fields: 512, rate: 2000 },
  exportersPerBurst: 140_000,
  apiReaders: 4,
  apiReaderPauseMs: 50,
  banPauseMs: 150,
  idleConnections: 300,
  /** Past the check's cap times this, the daemon is killed so that it cannot take the machine down. */
  watchdogFactor: 2,
  banBoundSeconds: 3,
};

const uniform = (a: number, b: number) => a + Math.random() * (b - a);
const shuffle = <T>(xs: T[]) => xs.map((x) => [Math.random(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);

async function buildDist(): Promise<void> {
  try {
    await runCommand('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: REPO, timeoutMs: 300_000 });
  } catch (err) {
    console.error(`warning: npx tsc -p tsconfig.json failed; soaking dist/ as it is:\n${(err as Error).message.slice(0, 2000)}`);
  }
}

async function main(): Promise<number> {
  const args = parseScenarioArgs(process.argv.slice(2), USAGE, { minutes: 'minutes', 'rss-cap-mib': 'rssCapMib' });
  const minutes = args.minutes ?? (args.smoke ? 1 : 10);
  const rssCap = (args.rssCapMib ?? 1024) * 2 ** 20;
  const replaysPerRun = minutes >= 5 ? 2 : 1;

  await buildDist();
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-soak-'));
  onExit(() => rmSync(dir, { recursive: true, force: true }));
  const attackPort = await freeUdpPort();
  let realPort = await freeUdpPort();
  while (realPort === attackPort) realPort = await freeUdpPort();
  const apiPort = await freeTcpPort();
  const apiUrl = `http://127.0.0.1:${apiPort}/api/v1`;
  const token = randomBytes(16).toString('hex');
  const script = writeNotifyScript(dir);
  const config = join(dir, 'floodwatch.yaml');
  writeFileSync(config, soakConfig(dir, { attack: attackPort, real: realPort, api: apiPort }, token, script.path));
  chmodSync(config, 0o600); // it holds the token

  const daemon = new SoakDaemon(config, dir, apiUrl, rssCap * LOAD.watchdogFactor);
  await daemon.start();
  console.error(`soak: ${minutes} min against floodwatch (pid ${daemon.pid}), flows on 127.0.0.1:${attackPort} (attacks) and :${realPort} (real exporter), API on :${apiPort}, state in ${dir}`);

  const t0 = Date.now();
  const end = t0 + minutes * 60_000;
  // The last resort: whatever hangs, the soak stops 5 minutes after its planned end.
  setTimeout(() => {
    console.error(`soak: still running 5 minutes after its planned end; giving up. The daemon's log ends with:\n${daemon.logTail()}`);
    process.exit(2);
  }, end - t0 + 300_000).unref();
  const kills = [t0 + (end - t0) * uniform(0.25, 0.4), t0 + (end - t0) * uniform(0.6, 0.75)];
  const runEnds = [...kills, end];

  const attacks = newAttackCounts();
  const api = newApiCounts();
  const ledger = new BanLedger(api, apiUrl, token);
  const idle = new IdleConnections(apiPort, LOAD.idleConnections);
  const harnessErrors: string[] = [];
  const background: Promise<void>[] = [];
  const pending = new Map<string, number>();
  const inBackground = (what: string, task: Promise<void>) => {
    pending.set(what, (pending.get(what) ?? 0) + 1);
    background.push(
      task
        .catch((err) => void harnessErrors.push(`${what}: ${(err as Error).message}`))
        .finally(() => pending.set(what, pending.get(what)! - 1)),
    );
  };
  const progress = setInterval(() => {
    const running = [...pending].filter(([, n]) => n > 0).map(([what]) => what).join(', ');
    console.error(
      `soak: ${((Date.now() - t0) / 1000).toFixed(0)} s, RSS ${mib(daemon.maxRss)} max; sent ${attacks.randomDatagrams + attacks.mutatedDatagrams} noise, ${attacks.templates} templates, ${attacks.spoofedExporters} exporters, ${attacks.sprayHosts} spray hosts; ${api.requests} API requests; running: ${running}`,
    );
  }, 10_000);
  const replays: ReplayCheck[] = [];
  const floods: FloodCheck[] = [];
  const realHosts: string[] = [];

  inBackground('noise', noise(attacks, attackPort, realPort, LOAD.noisePerSecond, end));
  inBackground('spray', spray(attacks, attackPort, LOAD.sprayHostsPerSecond, end));
  inBackground('forged datagrams', forged(attacks, attackPort, LOAD.forgedPerSecond, end));
  inBackground('API readers', readers(api, apiUrl, () => realHosts, LOAD.apiReaders, LOAD.apiReaderPauseMs, end));
  inBackground('ban ledger', ledger.run(LOAD.banPauseMs, end));
  await idle.fill();
  let idleHeldMin = idle.open;

  let replayNumber = 0;
  for (let run = 0; run < runEnds.length; run++) {
    const runStart = Date.now();
    const runEnd = runEnds[run];
    const length = runEnd - runStart;
    const at = (fraction: number) => runStart + length * fraction;
    // One burst of each flood early in the run, before the checks; one more a minute at random moments.
    const bursts = Math.max(1, Math.floor(length / 60_000));
    for (let b = 0; b < bursts; b++) {
      const window = b === 0 ? [0.05, 0.35] : [0.05, 0.95];
      const [templatesAt, exportersAt] = [at(uniform(window[0], window[1])), at(uniform(window[0], window[1]))];
      inBackground('template flood', sleep(templatesAt - Date.now()).then(() => templateFlood(attacks, attackPort, { ...LOAD.templateFlood, deadline: runEnd })));
      inBackground('exporter flood', sleep(exportersAt - Date.now()).then(() => exporterFlood(attacks, attackPort, LOAD.exportersPerBurst, runEnd)));
    }
    const events = shuffle([...Array.from({ length: replaysPerRun }, () => 'replay' as const), 'flood' as const]);
    const times = events.map(() => at(uniform(0.45, 0.85))).sort((a, b) => a - b);
    for (let e = 0; e < events.length; e++) {
      await sleep(times[e] - Date.now());
      await daemon.ready();
      if (events[e] === 'replay') {
        const k = ++replayNumber;
        const check = await replayRealStream(dir, k, run, realPort, apiUrl);
        realHosts.push(`198.18.${k}.10`, `198.18.${k}.20`);
        replays.push(check);
        console.error(`soak: run ${run + 1}, real stream ${k}: ${check.exact}/${check.hosts} host directions exact${check.wrong.length ? `; ${check.wrong.slice(0, 3).join('; ')}` : ''}`);
      } else {
        const check = await injectFlood(floodTarget(run), run, realPort, script);
        floods.push(check);
        console.error(`soak: run ${run + 1}, flood on ${check.target}: ${check.banSeconds === null ? 'not banned' : `banned after ${check.banSeconds.toFixed(3)} s`}`);
      }
    }
    idleHeldMin = Math.min(idleHeldMin, idle.open);
    await sleep(runEnd - Date.now());
    if (run < runEnds.length - 1) {
      console.error(`soak: kill -9 at ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      await daemon.restart();
      await idle.fill();
    }
  }
  await Promise.all(background);
  clearInterval(progress);

  // The checks, on the last run, still under its idle connections.
  const bans = await ledger.verify(floods.filter((f) => f.banSeconds !== null).map((f) => f.target)).catch((err) => ({ error: (err as Error).message }));
  const metrics = await scrapePrometheus(`http://127.0.0.1:${apiPort}/metrics`, 30_000).catch((err) => (err as Error).message);
  const kernelDrops = { attack: udpSocketDrops(attackPort) ?? 0, real: udpSocketDrops(realPort) ?? 0 };
  const idleAtEnd = idle.open;
  idle.close();
  const stopSeconds = await daemon.stop();

  // Bans the detector made on its own, of hosts no flood was aimed at: what the attack traffic
  // (random counts, flipped bits) made it believe. The API's bans are of 192.0.2.0/24 and 203.0.113.0/24.
  // (A ban is applied again after each restart: one per address.)
  const autoBans = [...new Map(notifyCalls(script).filter((c) => c.action === 'ban' && !c.ip.startsWith('192.0.2.') && !c.ip.startsWith('203.0.113.')).map((c) => [c.ip, c])).values()];
  const strayBans = autoBans.filter((c) => !floods.some((f) => f.target === c.ip));
  const singleDatagramBans = strayBans.filter((c) => isForgedHost(c.ip));
  const sprayedBans = strayBans.filter((c) => isSprayedHost(c.ip));
  const otherStrayBans = strayBans.filter((c) => !isForgedHost(c.ip) && !isSprayedHost(c.ip));
  const listBans = (bans: typeof strayBans) => (bans.length === 0 ? '0' : `${bans.length}: ${bans.slice(0, 4).map((c) => `${c.ip} (${c.pps})`).join(', ')}`);
  const sum = (name: string) => (typeof metrics === 'string' ? NaN : [...metrics].filter(([k]) => k === name || k.startsWith(`${name}{`)).reduce((a, [, v]) => a + v, 0));
  const exact = replays.filter((r) => r.wrong.length === 0).length;
  const floodTimes = floods.map((f) => (f.banSeconds === null ? 'none' : `${f.banSeconds.toFixed(2)} s`)).join(', ');
  const figures: [string, string][] = [
    ['date (UTC)', new Date(t0).toISOString()],
    ['duration', `${((Date.now() - t0) / 60_000).toFixed(1)} min, 3 daemon runs (2 kill -9)`],
    ['start after a kill -9 until the API answers', daemon.starts.slice(1).map((s) => `${(s.readyMs / 1000).toFixed(1)} s`).join(', ')],
    ['random-bodied datagrams (v5/v9/IPFIX/sFlow headers)', `${attacks.randomDatagrams}`],
    ['mutated real datagrams (1-3 bit flips, some truncated)', `${attacks.mutatedDatagrams}`],
    ['forged datagrams (sFlow rate 4e9, v5 2^32-1 packets 1:16383, IPFIX 2^62), a host each', `${attacks.forgedDatagrams}`],
    ['source ports of the random and mutated datagrams', `${attacks.noiseSourcePorts}`],
    ['template flood: sources / templates / fields each', `${attacks.templateSources} / ${attacks.templates} / ${LOAD.templateFlood.fields} (${attacks.templateDatagrams} datagrams)`],
    ['exporter flood: distinct 127.0.0.0/8 sources', `${attacks.spoofedExporters}`],
    ['host spray: distinct destinations (max_hosts)', `${attacks.sprayHosts} (${MAX_HOSTS})`],
    ['API requests: 2xx / 4xx / 5xx / no answer', `${api.byClass['2xx']} / ${api.byClass['4xx']} / ${api.byClass['5xx']} / ${api.byClass.none}`],
    ['API answers by status', [...api.byStatus].sort((a, b) => a[0] - b[0]).map(([status, n]) => `${status}: ${n}`).join(', ')],
    ['API latency p50 / p99', `${percentile(api.latenciesMs, 50)?.toFixed(0) ?? '-'} ms / ${percentile(api.latenciesMs, 99)?.toFixed(0) ?? '-'} ms`],
    ['bans acknowledged (201) / unbans acknowledged (200)', `${ledger.acknowledgedBans} / ${ledger.acknowledgedUnbans}`],
    ['idle API connections held (target, least held at a run end, at the end)', `${LOAD.idleConnections}, ${idleHeldMin}, ${idleAtEnd}`],
    ['max RSS of the daemon (cap)', `${mib(daemon.maxRss)} (${mib(rssCap)})`],
    ['real stream replays exact', `${exact} of ${replays.length}`],
    [`flood at ${FLOOD_PPS / THRESHOLD_PPS}x the threshold: time to ban`, floodTimes || 'no flood injected'],
    ['bans of fixture hosts by mutated captures (pps reported)', listBans(otherStrayBans)],
    ['bans of sprayed hosts: a spray record and a random one (pps reported)', listBans(sprayedBans)],
    ['kernel drops on the attack / real exporter port (last run)', `${kernelDrops.attack} / ${kernelDrops.real}`],
    ['at the end: hosts, host evictions', typeof metrics === 'string' ? metrics : `${sum('floodwatch_hosts')}, ${sum('floodwatch_host_evictions_total')}`],
    ['at the end: exporter drops (all reasons), exporters listed', typeof metrics === 'string' ? metrics : `${sum('floodwatch_exporter_dropped_total')}, ${sum('floodwatch_exporter_info')}`],
    ['SIGTERM to exit', `${stopSeconds.toFixed(1)} s`],
    ['log: warnings / errors (top messages)', `${[...daemon.warnings.values()].reduce((a, b) => a + b, 0)} / ${[...daemon.errors.values()].reduce((a, b) => a + b, 0)} ${[...daemon.errors, ...daemon.warnings].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([msg, n]) => `${n}x "${msg.length > 50 ? `${msg.slice(0, 50)}…` : msg}"`).join(', ')}`],
  ];

  const checks: Check[] = [
    { name: `max RSS under ${mib(rssCap)}`, ok: daemon.maxRss <= rssCap && daemon.watchdogKills === 0, found: `${mib(daemon.maxRss)}${daemon.watchdogKills ? `; killed ${daemon.watchdogKills}x past ${mib(rssCap * LOAD.watchdogFactor)}` : ''}` },
    'error' in bans
      ? { name: 'every acknowledged ban present, no acknowledged unban undone', ok: false, found: bans.error }
      : {
          name: 'every acknowledged ban present, no acknowledged unban undone',
          ok: bans.missing.length === 0 && bans.resurrected.length === 0 && ledger.contradictions.length === 0,
          found: `${bans.checked} checked; missing: ${bans.missing.length}, unbans undone: ${bans.resurrected.length}, contradicting answers: ${ledger.contradictions.length}${[...bans.missing, ...bans.resurrected, ...ledger.contradictions].slice(0, 3).map((x) => `; ${x}`).join('')}`,
        },
    { name: 'real stream totals exact on each run', ok: replays.length > 0 && exact === replays.length, found: `${exact}/${replays.length} replays${replays.flatMap((r) => r.wrong.slice(0, 2).map((w) => `; run ${r.run + 1}: ${w}`)).slice(0, 3).join('')}${replays.some((r) => r.kernelDrops > 0) ? ' (the kernel dropped datagrams on the port meanwhile)' : ''}` },
    { name: `flood banned within ${LOAD.banBoundSeconds} s`, ok: floods.length > 0 && floods.every((f) => f.banSeconds !== null && f.banSeconds <= LOAD.banBoundSeconds), found: floodTimes },
    {
      name: 'no ban on a single datagram (forged hosts)',
      ok: singleDatagramBans.length === 0,
      found: `${singleDatagramBans.length}${singleDatagramBans.slice(0, 3).map((c) => `; ${c.ip} at ${c.pps} pps`).join('')}`,
    },
    { name: 'the daemon ran until killed', ok: daemon.unexpectedExits.length === 0, found: daemon.unexpectedExits.length === 0 ? 'no other exit' : daemon.unexpectedExits.map((e) => e.how).join(', ') },
    { name: 'no API answer 5xx', ok: api.byClass['5xx'] === 0, found: `${api.byClass['5xx']}${api.serverErrors.slice(0, 2).map((e) => `; ${e}`).join('')}` },
    { name: 'the soak itself ran as planned', ok: harnessErrors.length === 0, found: harnessErrors.length === 0 ? 'yes' : harnessErrors.slice(0, 3).join('; ') },
  ];

  console.log(renderFigures(figures));
  console.log();
  console.log(renderChecks(checks));
  const failed = checks.filter((c) => !c.ok);
  if (failed.length > 0) {
    console.log(`\n${failed.length} check(s) failed.`);
    if (daemon.unexpectedExits.length > 0) console.log(`\nThe daemon's log before its first unplanned exit:\n${daemon.unexpectedExits[0].logTail}`);
  }
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`soak: ${(err as Error).stack ?? err}`);
    process.exit(2);
  },
);

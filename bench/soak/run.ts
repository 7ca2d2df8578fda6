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
import { writeNotifyScript } from '../notify-script.js';
import { freeTcpPort, freeUdpPort } from '../ports.js';
import { onExit, runCommand, sleep } from '../processes.js';
import { scrapePrometheus } from '../prometheus.js';
import { parseScenarioArgs } from '../scenario-args.js';
import { udpSocketDrops } from '../udp-socket.js';
import { BanLedger, IdleConnections, newApiCounts, readers } from './api-load.js';
import { exporterFlood, forged, newAttackCounts, noise, spray, templateFlood } from './attacks.js';
import { SoakDaemon } from './daemon.js';
import { injectFlood, type FloodCheck } from './flood.js';
import { floodTarget, soakConfig } from './plan.js';
import { replayRealStream, type ReplayCheck } from './real-stream.js';
import { mib, renderChecks, renderFigures } from './report.js';
import { summarize } from './summary.js';

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
const shuffle = <T>(xs: T[]) =>
  xs
    .map((x) => [Math.random(), x] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, x]) => x);

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
  console.error(
    `soak: ${minutes} min against floodwatch (pid ${daemon.pid}), flows on 127.0.0.1:${attackPort} (attacks) and :${realPort} (real exporter), API on :${apiPort}, state in ${dir}`,
  );

  const t0 = Date.now();
  const end = t0 + minutes * 60_000;
  // The last resort: whatever hangs, the soak stops 5 minutes after its planned end.
  setTimeout(
    () => {
      console.error(`soak: still running 5 minutes after its planned end; giving up. The daemon's log ends with:\n${daemon.logTail()}`);
      process.exit(2);
    },
    end - t0 + 300_000,
  ).unref();
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
      task.catch((err) => void harnessErrors.push(`${what}: ${(err as Error).message}`)).finally(() => pending.set(what, pending.get(what)! - 1)),
    );
  };
  const progress = setInterval(() => {
    const running = [...pending]
      .filter(([, n]) => n > 0)
      .map(([what]) => what)
      .join(', ');
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
  inBackground(
    'API readers',
    readers(api, apiUrl, () => realHosts, LOAD.apiReaders, LOAD.apiReaderPauseMs, end),
  );
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
      inBackground(
        'template flood',
        sleep(templatesAt - Date.now()).then(() => templateFlood(attacks, attackPort, { ...LOAD.templateFlood, deadline: runEnd })),
      );
      inBackground(
        'exporter flood',
        sleep(exportersAt - Date.now()).then(() => exporterFlood(attacks, attackPort, LOAD.exportersPerBurst, runEnd)),
      );
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
        console.error(
          `soak: run ${run + 1}, real stream ${k}: ${check.exact}/${check.hosts} host directions exact${check.wrong.length ? `; ${check.wrong.slice(0, 3).join('; ')}` : ''}`,
        );
      } else {
        const check = await injectFlood(floodTarget(run), run, realPort, script);
        floods.push(check);
        console.error(
          `soak: run ${run + 1}, flood on ${check.target}: ${check.banSeconds === null ? 'not banned' : `banned after ${check.banSeconds.toFixed(3)} s`}`,
        );
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

  const { figures, checks } = summarize({
    t0,
    load: LOAD,
    rssCap,
    daemon,
    script,
    attacks,
    api,
    ledger,
    bans,
    metrics,
    kernelDrops,
    idleHeldMin,
    idleAtEnd,
    stopSeconds,
    replays,
    floods,
    harnessErrors,
  });
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

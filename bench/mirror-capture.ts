// One system's run of the mirror scenario: trafgen sends a fixed number of packets at a fixed
// rate into the veth pair while the system captures the other end; the figures are the CPU
// time of the capturing process and of the sender per million packets, and the loss.
import { ksoftirqdCpuSeconds } from './ksoftirqd.js';
import type { MirrorCapturer } from './mirror-capturers.js';
import { sleep } from './processes.js';
import { runTrafgen, type TrafgenOptions } from './trafgen.js';

export interface MirrorFigures {
  system: string;
  packets_sent: number;
  packets_per_second_sent: number;
  packets_seen: number;
  loss: number;
  capture_cpu_seconds: number;
  capture_cpu_seconds_per_million_packets: number;
  sender_cpu_seconds: number;
  sender_cpu_seconds_per_million_packets: number;
  ksoftirqd_cpu_seconds_per_million_packets: number;
  details: Record<string, unknown>;
}

export interface SenderFigures {
  packets_sent: number;
  sender_cpu_seconds_per_million_packets: number;
  ksoftirqd_cpu_seconds_per_million_packets: number;
}

const WARM_UP_PACKETS = 1000;

const perMillion = (seconds: number, packets: number) => (packets > 0 ? seconds / (packets / 1e6) : Number.NaN);

/** Polls the system's count until it reached `expected` or stopped moving for a second. */
async function settledCount(capturer: MirrorCapturer, expected: number, maxMs = 10_000): Promise<number> {
  const deadline = Date.now() + maxMs;
  let last = await capturer.packetsSeen();
  let still = 0;
  while (Date.now() < deadline && last < expected && still < 4) {
    await sleep(250);
    const now = await capturer.packetsSeen();
    still = now === last ? still + 1 : 0;
    last = now;
  }
  return last;
}

/**
 * Sends a few packets until the system counts some: its capture is live (FastNetMon answers on
 * Prometheus before its AF_PACKET sockets are bound).
 */
async function warmUp(capturer: MirrorCapturer, traffic: TrafgenOptions): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await capturer.packetsSeen()) === 0) {
    if (Date.now() > deadline) throw new Error(`${capturer.name} counted no packet sent on ${traffic.device} within 30 s`);
    await runTrafgen({ ...traffic, packets: WARM_UP_PACKETS, packetsPerSecond: 10_000 });
    await settledCount(capturer, WARM_UP_PACKETS, 2000);
  }
}

/**
 * A process's start-up work can outlast the warm-up: V8's memory reducer, for one, collects
 * the start-up heap some 8 s after a node process goes idle.
 */
const SETTLE_MIN_MS = 10_000;
const SETTLE_MAX_MS = 30_000;
/** Two idle seconds in a row whose CPU time differs by less than this: settled. */
const SETTLED_DIFFERENCE_SECONDS = 0.002;

/**
 * Waits, for at least SETTLE_MIN_MS, until the system's idle CPU time per second stays the same
 * two seconds in a row, so that the measurement holds capture work and not start-up work.
 * Returns the last idle second's CPU time.
 */
async function settle(capturer: MirrorCapturer): Promise<number> {
  const started = Date.now();
  let last = capturer.cpuSeconds();
  let previousSecond = Number.POSITIVE_INFINITY;
  for (;;) {
    await sleep(1000);
    const now = capturer.cpuSeconds();
    const second = now - last;
    last = now;
    const elapsed = Date.now() - started;
    const stable = Math.abs(second - previousSecond) < SETTLED_DIFFERENCE_SECONDS;
    if ((stable && elapsed >= SETTLE_MIN_MS) || elapsed >= SETTLE_MAX_MS) return second;
    previousSecond = second;
  }
}

export async function measureMirrorCapture(capturer: MirrorCapturer, traffic: TrafgenOptions): Promise<MirrorFigures> {
  await warmUp(capturer, traffic);
  const idle = await settle(capturer);
  const seenBefore = await capturer.packetsSeen();
  const cpuBefore = capturer.cpuSeconds();
  const softirqBefore = ksoftirqdCpuSeconds();
  const sent = await runTrafgen(traffic);
  const seen = (await settledCount(capturer, seenBefore + sent.sent)) - seenBefore;
  const cpu = capturer.cpuSeconds() - cpuBefore;
  const softirq = ksoftirqdCpuSeconds() - softirqBefore;
  return {
    system: capturer.name,
    packets_sent: sent.sent,
    packets_per_second_sent: sent.sent / sent.seconds,
    packets_seen: seen,
    loss: sent.sent > 0 ? Math.max(0, 1 - seen / sent.sent) : 0,
    capture_cpu_seconds: cpu,
    capture_cpu_seconds_per_million_packets: perMillion(cpu, seen),
    sender_cpu_seconds: sent.cpuSeconds,
    sender_cpu_seconds_per_million_packets: perMillion(sent.cpuSeconds, sent.sent),
    ksoftirqd_cpu_seconds_per_million_packets: perMillion(softirq, sent.sent),
    details: { ...(await capturer.details()), idle_cpu_ms_per_second: Math.round(idle * 1e4) / 10 },
  };
}

/** The sender's own cost with nothing capturing: the baseline for the sender figures. */
export async function measureSenderAlone(traffic: TrafgenOptions): Promise<SenderFigures> {
  const softirqBefore = ksoftirqdCpuSeconds();
  const sent = await runTrafgen(traffic);
  return {
    packets_sent: sent.sent,
    sender_cpu_seconds_per_million_packets: perMillion(sent.cpuSeconds, sent.sent),
    ksoftirqd_cpu_seconds_per_million_packets: perMillion(ksoftirqdCpuSeconds() - softirqBefore, sent.sent),
  };
}

// The dispatcher: retries with backoff, isolation between actions and between hosts, per-host order, drain.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../ts/integrations/backoff.js';
import { ActionDispatcher, type DispatcherOptions } from '../../ts/integrations/dispatcher.js';
import { ScriptAction } from '../../ts/integrations/script/script.js';
import { banEvent, type BanEvent, type BanEventKind, type Integration } from '../../ts/integrations/types.js';
import { installScript, memoryLogger, sampleAttack, sampleBan } from './support.js';

const FAST_RETRY: DispatcherOptions = { retry: { attempts: 5, baseDelayMs: 20, maxDelayMs: 1_000 } };

function event(kind: BanEventKind, ip = '203.0.113.10'): BanEvent {
  return banEvent(kind, sampleBan({ ip }), sampleAttack({ ip }));
}

/** An action the test drives: it records each call, then behaves as `behave` says. */
class TestAction implements Integration {
  readonly accepts = () => true;
  readonly calls: { event: BanEvent; at: number }[] = [];
  readonly delivered: BanEvent[] = [];

  constructor(
    readonly name: string,
    private readonly behave: (call: number, event: BanEvent) => Promise<void> | void = () => {},
  ) {}

  async run(event: BanEvent): Promise<void> {
    this.calls.push({ event, at: performance.now() });
    await this.behave(this.calls.length, event);
    this.delivered.push(event);
  }
}

const never = () => new Promise<void>(() => {});
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('backoff', () => {
  it('doubles from the base delay up to the maximum, less up to half of it at random', () => {
    const policy = { attempts: 10, baseDelayMs: 1_000, maxDelayMs: 60_000 };
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(policy, n, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    expect(backoffDelay(policy, 3, () => 0)).toBe(2_000);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(policy, 3);
      expect(delay).toBeGreaterThanOrEqual(2_000);
      expect(delay).toBeLessThanOrEqual(4_000);
    }
  });
});

describe('ActionDispatcher', () => {
  it('retries a failing action with growing delays until it succeeds', async () => {
    const flaky = new TestAction('flaky', (call) => {
      if (call <= 3) throw new Error(`down (call ${call})`);
    });
    const { logger, records } = memoryLogger();
    const dispatcher = new ActionDispatcher([flaky], logger, { ...FAST_RETRY, random: () => 1 });
    dispatcher.dispatch(event('ban'));
    expect(await dispatcher.drain(10_000)).toBe(true);

    expect(flaky.calls).toHaveLength(4);
    expect(flaky.delivered).toHaveLength(1);
    const gaps = flaky.calls.slice(1).map((c, i) => c.at - flaky.calls[i].at);
    // 20, 40, 80 ms; a timer may fire a millisecond early by performance.now().
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(gaps[2]).toBeGreaterThanOrEqual(79);
    expect(dispatcher.counters().flaky).toEqual({ successes: 1, failures: 0, retries: 3, dropped: 0, pending: 0 });
    const retries = records.filter((r) => r.msg === 'action failed; will retry');
    expect(retries.map((r) => r.retry_in_ms)).toEqual([20, 40, 80]);
    expect(retries[0]).toMatchObject({ action: 'flaky', event: 'ban', ip: '203.0.113.10', attempt: 1 });
    expect((retries[0].err as { message: string }).message).toBe('down (call 1)');
    expect(records.find((r) => r.msg === 'action succeeded on retry')).toMatchObject({ attempt: 4 });
  });

  it('gives up after the configured attempts, logs it and counts a failure', async () => {
    const broken = new TestAction('broken', () => Promise.reject(new Error('SMTP server down')));
    const { logger, records } = memoryLogger();
    const dispatcher = new ActionDispatcher([broken], logger, { retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 10 } });
    dispatcher.dispatch(event('ban'));
    expect(await dispatcher.drain(10_000)).toBe(true);
    expect(broken.calls).toHaveLength(3);
    expect(dispatcher.counters().broken).toMatchObject({ successes: 0, failures: 1, retries: 2 });
    const gaveUp = records.find((r) => r.msg === 'action failed; giving up')!;
    expect(gaveUp).toMatchObject({ level: 50, action: 'broken', attempts: 3 });
    expect((gaveUp.err as { message: string }).message).toBe('SMTP server down');
  });

  it('returns from dispatch before any action runs, even one that throws', () => {
    const throwing = new TestAction('throwing', () => {
      throw new Error('synchronous');
    });
    const dispatcher = new ActionDispatcher([throwing], memoryLogger().logger, FAST_RETRY);
    expect(() => dispatcher.dispatch(event('ban'))).not.toThrow();
    expect(throwing.calls).toHaveLength(0);
  });

  it('does not let a hanging action delay another', async () => {
    const hanging = new TestAction('hanging', never);
    const quick = new TestAction('quick');
    const dispatcher = new ActionDispatcher([hanging, quick], memoryLogger().logger, FAST_RETRY);
    for (const ip of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) dispatcher.dispatch(event('ban', ip));
    await expect.poll(() => quick.delivered.length, { timeout: 5_000 }).toBe(3);
    expect(hanging.delivered).toHaveLength(0);
    expect(dispatcher.counters()).toMatchObject({ hanging: { pending: 3 }, quick: { successes: 3, pending: 0 } });
  });

  it('does not let a failing action delay another', async () => {
    const failing = new TestAction('failing', () => Promise.reject(new Error('no')));
    const quick = new TestAction('quick');
    const dispatcher = new ActionDispatcher([failing, quick], memoryLogger().logger, {
      retry: { attempts: 5, baseDelayMs: 10_000, maxDelayMs: 10_000 },
    });
    dispatcher.dispatch(event('ban'));
    dispatcher.dispatch(event('unban'));
    await expect.poll(() => quick.delivered.length, { timeout: 5_000 }).toBe(2);
    expect(failing.calls).toHaveLength(1);
  });

  it("delivers each action each host's events in order, retries and all", async () => {
    // Random latencies and a failed first try on every third call: order must still hold.
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const behave = (call: number) =>
      pause(random() * 5).then(() => {
        if (call % 3 === 0) throw new Error('transient');
      });
    const script = new TestAction('script', behave);
    const email = new TestAction('email', behave);
    // Enough attempts that no event is given up on however the calls interleave on a busy machine.
    const dispatcher = new ActionDispatcher([script, email], memoryLogger().logger, {
      retry: { attempts: 30, baseDelayMs: 2, maxDelayMs: 10 },
    });
    const sent: BanEvent[] = [];
    for (let i = 0; i < 20; i++) {
      const ip = `198.51.100.${i % 4}`;
      for (const kind of ['ban', 'attack_details', 'unban'] as const) {
        const e = event(kind, ip);
        sent.push(e);
        dispatcher.dispatch(e);
      }
      if (i % 5 === 0) await pause(3);
    }
    expect(await dispatcher.drain(30_000)).toBe(true);
    const ofHost = (events: BanEvent[], ip: string) => events.filter((e) => e.ban.ip === ip);
    for (const action of [script, email]) {
      expect(action.delivered).toHaveLength(sent.length);
      for (let i = 0; i < 4; i++) expect(ofHost(action.delivered, `198.51.100.${i}`)).toEqual(ofHost(sent, `198.51.100.${i}`));
    }
    expect(dispatcher.counters().script.retries).toBeGreaterThan(0);
    expect(dispatcher.counters().script.failures).toBe(0);
  });

  it('retries an integration by its own policy: one that records keeps an event until its server is back', async () => {
    const recorder = new TestAction('recorder', (call) => {
      if (call <= 20) throw new Error('server away');
    });
    Object.assign(recorder, { retry: { attempts: Infinity, baseDelayMs: 1, maxDelayMs: 2 } });
    const script = new TestAction('script', () => {
      throw new Error('always failing');
    });
    const dispatcher = new ActionDispatcher([recorder, script], memoryLogger().logger, FAST_RETRY);
    dispatcher.dispatch(event('ban'));
    expect(await dispatcher.drain(10_000)).toBe(true);
    expect(recorder.delivered).toHaveLength(1);
    expect(recorder.calls).toHaveLength(21);
    expect(dispatcher.counters().recorder).toMatchObject({ successes: 1, failures: 0, retries: 20 });
    expect(dispatcher.counters().script).toMatchObject({ successes: 0, failures: 1, retries: 4 });
  });

  it("does not let one host's slow event delay another host's events of the same action", async () => {
    let releaseA!: () => void;
    const aReleased = new Promise<void>((resolve) => (releaseA = resolve));
    const slowForA = new TestAction('email', (_call, e) => (e.ban.ip === '192.0.2.1' && e.kind === 'ban' ? aReleased : undefined));
    const dispatcher = new ActionDispatcher([slowForA], memoryLogger().logger, FAST_RETRY);
    dispatcher.dispatch(event('ban', '192.0.2.1'));
    dispatcher.dispatch(event('attack_details', '192.0.2.1'));
    dispatcher.dispatch(event('unban', '192.0.2.1'));
    for (const kind of ['ban', 'attack_details', 'unban'] as const) dispatcher.dispatch(event(kind, '192.0.2.2'));

    const delivered = (ip: string) => slowForA.delivered.filter((e) => e.ban.ip === ip).map((e) => e.kind);
    await expect.poll(() => delivered('192.0.2.2'), { timeout: 5_000 }).toEqual(['ban', 'attack_details', 'unban']);
    // Host A's later events wait for its ban.
    expect(slowForA.calls.filter((c) => c.event.ban.ip === '192.0.2.1').map((c) => c.event.kind)).toEqual(['ban']);
    expect(dispatcher.counters().email.pending).toBe(3);

    releaseA();
    expect(await dispatcher.drain(10_000)).toBe(true);
    expect(delivered('192.0.2.1')).toEqual(['ban', 'attack_details', 'unban']);
    expect(dispatcher.counters().email).toEqual({ successes: 6, failures: 0, retries: 0, dropped: 0, pending: 0 });
  });

  it('handles a bounded number of hosts at once per action', async () => {
    const hanging = new TestAction('hanging', never);
    const dispatcher = new ActionDispatcher([hanging], memoryLogger().logger, { concurrencyPerAction: 2 });
    for (let i = 0; i < 5; i++) dispatcher.dispatch(event('ban', `192.0.2.${i}`));
    await pause(50);
    expect(hanging.calls.map((c) => c.event.ban.ip)).toEqual(['192.0.2.0', '192.0.2.1']);
    expect(dispatcher.counters().hanging).toMatchObject({ pending: 5, dropped: 0 });
  });

  it("honours an action's own concurrency, taking hosts in turn", async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    const oneAtATime = Object.assign(
      new TestAction('gobgp', async () => {
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        await pause(5);
        inFlight--;
      }),
      { concurrency: 1 },
    );
    const dispatcher = new ActionDispatcher([oneAtATime], memoryLogger().logger, { concurrencyPerAction: 8 });
    dispatcher.dispatch(event('ban', '192.0.2.1'));
    dispatcher.dispatch(event('attack_details', '192.0.2.1'));
    dispatcher.dispatch(event('unban', '192.0.2.1'));
    dispatcher.dispatch(event('ban', '192.0.2.2'));
    expect(await dispatcher.drain(10_000)).toBe(true);
    expect(mostInFlight).toBe(1);
    expect(oneAtATime.delivered.map((e) => `${e.kind} ${e.ban.ip}`)).toEqual(['ban 192.0.2.1', 'ban 192.0.2.2', 'attack_details 192.0.2.1', 'unban 192.0.2.1']);
  });

  it('gives up on an attempt that runs past its time limit and goes on', async () => {
    const stuckOnce = new TestAction('stuck-once', (call) => (call === 1 ? never() : undefined));
    const dispatcher = new ActionDispatcher([stuckOnce], memoryLogger().logger, { ...FAST_RETRY, attemptTimeoutMs: 100 });
    dispatcher.dispatch(event('ban'));
    dispatcher.dispatch(event('unban'));
    expect(await dispatcher.drain(10_000)).toBe(true);
    expect(stuckOnce.delivered.map((e) => e.kind)).toEqual(['ban', 'unban']);
    expect(dispatcher.counters()['stuck-once']).toMatchObject({ successes: 2, retries: 1 });
  });

  it("honours an action's own attempt time limit", async () => {
    const stuckOnce = Object.assign(new TestAction('stuck-once', (call) => (call === 1 ? never() : undefined)), { attemptTimeoutMs: 100 });
    const dispatcher = new ActionDispatcher([stuckOnce], memoryLogger().logger, FAST_RETRY);
    dispatcher.dispatch(event('ban'));
    expect(await dispatcher.drain(10_000)).toBe(true);
    expect(stuckOnce.delivered).toHaveLength(1);
  });

  it('drains: true once all is delivered, false when the time is up first', async () => {
    const slow = new TestAction('slow', () => pause(50));
    const hanging = new TestAction('hanging', never);
    const idle = new ActionDispatcher([slow], memoryLogger().logger);
    expect(await idle.drain(10)).toBe(true);
    idle.dispatch(event('ban'));
    expect(await idle.drain(10_000)).toBe(true);
    expect(slow.delivered).toHaveLength(1);

    const { logger, records } = memoryLogger();
    const stuck = new ActionDispatcher([hanging, slow], logger);
    stuck.dispatch(event('ban'));
    const started = Date.now();
    expect(await stuck.drain(200)).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(records.find((r) => r.msg.startsWith('actions still busy'))).toMatchObject({
      msg: 'actions still busy after 200 ms: 1 events undelivered',
      pending: { hanging: 1 },
      undelivered: [{ action: 'hanging', event: 'ban', ip: '203.0.113.10', attack_id: '20240501T120000Z-0001' }],
      undelivered_total: 1,
    });
  });

  it('runs only the actions named, and says when a name is unknown', async () => {
    const script = new TestAction('script');
    const email = new TestAction('email');
    const { logger, records } = memoryLogger();
    const dispatcher = new ActionDispatcher([script, email], logger);
    dispatcher.dispatch(event('ban'), ['email', 'bgp']);
    expect(await dispatcher.drain(5_000)).toBe(true);
    expect(script.calls).toHaveLength(0);
    expect(email.delivered).toHaveLength(1);
    expect(records.find((r) => r.action === 'bgp')?.msg).toMatch(/no action of that name/);
  });

  it('drops and counts events past the queue limit', () => {
    const hanging = new TestAction('hanging', never);
    const dispatcher = new ActionDispatcher([hanging], memoryLogger().logger, { maxQueuedPerAction: 2 });
    for (let i = 0; i < 5; i++) dispatcher.dispatch(event('ban', `192.0.2.${i}`));
    expect(dispatcher.counters().hanging).toMatchObject({ dropped: 3, pending: 2 });
  });

  it('refuses two actions of the same name', () => {
    expect(() => new ActionDispatcher([new TestAction('a'), new TestAction('a')], memoryLogger().logger)).toThrow(/two actions are named a/);
  });

  it('retries a real notify script that fails once', async () => {
    const { dir, path } = installScript('flaky.sh');
    const { logger, records } = memoryLogger();
    const script = new ScriptAction({ enabled: true, path, format: 'text', timeout_seconds: 10 }, logger);
    const dispatcher = new ActionDispatcher([script], logger, FAST_RETRY);
    dispatcher.dispatch(event('ban'));
    dispatcher.dispatch(event('unban'));
    expect(await dispatcher.drain(20_000)).toBe(true);
    expect(readFileSync(join(dir, 'calls'), 'utf8')).toBe('203.0.113.10\nincoming\n41234\nban\n203.0.113.10\nincoming\n41234\nunban\n');
    expect(dispatcher.counters().script).toMatchObject({ successes: 2, retries: 1, failures: 0 });
    const retry = records.find((r) => r.msg === 'action failed; will retry')!;
    expect((retry.err as { message: string }).message).toMatch(/exited with code 1: first try fails$/);
  });
});

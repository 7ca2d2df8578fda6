// Writing to ExaBGP's named pipe when ExaBGP is not there, or not reading. The reader here opens
// the FIFO as ExaBGP's helper process does (O_RDWR|O_NONBLOCK); exabgp.test.ts has the real one.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExabgpAction } from '../../../ts/integrations/exabgp/action.js';
import { ExabgpPipe, ExabgpUnreachableError } from '../../../ts/integrations/exabgp/pipe.js';
import { eventually } from '../../support/exabgp.js';
import { BanBook, exabgpConfig, memoryLogger } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'floodwatch-exabgp-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fifo(name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', ['-m', '600', path]);
  return path;
}

/** Holds the FIFO open for reading, as ExaBGP's helper does. */
function reader(path: string): { read(): string; close(): void } {
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  return {
    read() {
      const buffer = Buffer.alloc(1 << 20);
      try {
        return buffer.subarray(0, readSync(fd, buffer)).toString();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return '';
        throw err;
      }
    },
    close: () => closeSync(fd),
  };
}

describe('ExaBGP pipe', () => {
  it('says what to do when the pipe does not exist', async () => {
    const pipe = new ExabgpPipe(join(dir, 'missing.in'));
    const error = await pipe.write(['announce route 192.0.2.9/32 next-hop 192.0.2.1']).catch((err: Error) => err);
    expect(error).toBeInstanceOf(ExabgpUnreachableError);
    expect((error as Error).message).toBe(
      `${dir}/missing.in does not exist: create ExaBGP's pipes (mkfifo ${dir}/missing.in ${dir}/missing.out) ` +
        'and start ExaBGP with exabgp_api_pipename=missing',
    );
  });

  it('fails at once, without blocking, when no ExaBGP reads the pipe', async () => {
    const path = fifo('nobody.in');
    const startedAt = Date.now();
    await expect(new ExabgpPipe(path).write(['announce route 192.0.2.9/32 next-hop 192.0.2.1'])).rejects.toThrow(
      `no ExaBGP is reading ${path}: is it running with exabgp_api_pipename=nobody?`,
    );
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(await new ExabgpPipe(path).hasReader()).toBe(false);
  });

  it('refuses to write into a file that is not a pipe', async () => {
    const path = join(dir, 'plain.in');
    writeFileSync(path, '');
    await expect(new ExabgpPipe(path).write(['x'])).rejects.toThrow(`${path} is not a named pipe`);
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('writes one command a line while a reader holds the pipe', async () => {
    const path = fifo('read.in');
    const exabgp = reader(path);
    try {
      const pipe = new ExabgpPipe(path);
      expect(await pipe.hasReader()).toBe(true);
      await pipe.write(['announce route 192.0.2.9/32 next-hop 192.0.2.1', 'withdraw route 192.0.2.9/32 next-hop 192.0.2.1']);
      expect(exabgp.read()).toBe('announce route 192.0.2.9/32 next-hop 192.0.2.1\nwithdraw route 192.0.2.9/32 next-hop 192.0.2.1\n');
    } finally {
      exabgp.close();
    }
    expect(await new ExabgpPipe(path).hasReader()).toBe(false);
  });

  it("reads ExaBGP's answers while they are due, and reports refusals", async () => {
    const path = fifo('answered.in');
    const out = fifo('answered.out');
    const exabgp = reader(path);
    let refused = 0;
    try {
      const pipe = new ExabgpPipe(path, { onRefused: () => refused++ });
      await pipe.write(['announce route 192.0.2.9/32 next-hop 192.0.2.1', 'bogus']);
      // As ExaBGP's helper answers: it opens NAME.out for each answer, which works only while someone reads it.
      for (const answer of ['done\n', 'error\n']) {
        const fd = openSync(out, constants.O_WRONLY | constants.O_NONBLOCK);
        writeSync(fd, answer);
        closeSync(fd);
      }
      await eventually('the refusal', () => refused === 1);
      await eventually('NAME.out left alone once every answer came', () => {
        try {
          closeSync(openSync(out, constants.O_WRONLY | constants.O_NONBLOCK));
          return false;
        } catch (err) {
          return (err as NodeJS.ErrnoException).code === 'ENXIO';
        }
      });
    } finally {
      exabgp.close();
    }
  });

  it('gives up on a pipe that stays full', async () => {
    const path = fifo('full.in');
    const exabgp = reader(path);
    try {
      const lines = Array.from({ length: 2000 }, (_, i) => `announce route 10.${i >> 8}.${i & 255}.1/32 next-hop 192.0.2.1`);
      await expect(new ExabgpPipe(path, { writeTimeoutMs: 200 }).write(lines)).rejects.toThrow(
        `ExaBGP is not reading ${path}: the pipe stayed full for 200 ms`,
      );
      // Whole lines only: what went in ends with a line break.
      expect(exabgp.read()).toMatch(/next-hop 192\.0\.2\.1\n$/);
    } finally {
      exabgp.close();
    }
  });
});

describe('ExaBGP action watching the pipe', () => {
  it('announces every active ban once a reader comes, and again after it went and came back', async () => {
    const path = fifo('watched.in');
    const book = new BanBook();
    const { logger, records } = memoryLogger();
    const action = new ExabgpAction(exabgpConfig({ pipe: path }), { log: logger, ...book, flowspecFor: () => false }, { probeIntervalMs: 50 });
    book.ban('192.0.2.9');
    await action.start();
    try {
      expect(records.map((r) => r.msg)).toContain('no ExaBGP is reading its pipe yet');
      await expect(action.run(book.ban('192.0.2.10'))).rejects.toThrow(ExabgpUnreachableError);

      let exabgp = reader(path);
      let received = '';
      await eventually('the active bans', () => (received += exabgp.read()).split('\n').length > 2);
      expect(received).toBe(
        'announce route 192.0.2.9/32 next-hop 192.0.2.1 community [65535:666]\n' + 'announce route 192.0.2.10/32 next-hop 192.0.2.1 community [65535:666]\n',
      );

      exabgp.close();
      await eventually('the reader to be missed', () => records.some((r) => r.msg.startsWith('ExaBGP stopped reading its pipe')));
      exabgp = reader(path);
      received = '';
      await eventually('the active bans again', () => (received += exabgp.read()).split('\n').length > 2);
      expect(received).toContain('192.0.2.9/32');
      exabgp.close();
    } finally {
      await action.stop();
    }
  });

  it('announces every active ban again now and then, in case a restart went unseen', async () => {
    const path = fifo('resync.in');
    const book = new BanBook();
    const { logger } = memoryLogger();
    const action = new ExabgpAction(
      exabgpConfig({ pipe: path }),
      { log: logger, ...book, flowspecFor: () => false },
      { probeIntervalMs: 20, resyncIntervalMs: 300 },
    );
    const exabgp = reader(path);
    try {
      await action.start();
      await action.run(book.ban('192.0.2.9'));
      let received = exabgp.read();
      expect(received).toBe('announce route 192.0.2.9/32 next-hop 192.0.2.1 community [65535:666]\n');
      await eventually('the ban announced again', () => (received += exabgp.read()).split('\n').length > 2);
      expect(received).toBe('announce route 192.0.2.9/32 next-hop 192.0.2.1 community [65535:666]\n'.repeat(2));
    } finally {
      await action.stop();
      exabgp.close();
    }
  });
});

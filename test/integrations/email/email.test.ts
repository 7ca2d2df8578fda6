// The e-mail action against a real SMTP server (the smtp-server package) on 127.0.0.1: plain,
// STARTTLS, SMTPS, with and without a login, and the failures an operator meets.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SMTPServerOptions } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmailAction, type EmailActionConfig, type EmailActionOptions } from '../../../ts/integrations/email/email.js';
import { emailSubject } from '../../../ts/report/subject.js';
import { renderTextReport } from '../../../ts/report/text.js';
import { mailBody, mailHeader, SMTP_PASSWORD, SMTP_USER, startSmtpServer, writeSelfSignedCertificate, type ReceivedMail } from '../../support/smtp.js';
import { memoryLogger, sampleEvent } from '../support.js';

let certDir: string;
let key: Buffer;
let cert: Buffer;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(() => {
  certDir = mkdtempSync(join(tmpdir(), 'floodwatch-smtp-tls-'));
  ({ key, cert } = writeSelfSignedCertificate(certDir));
});
afterAll(() => rmSync(certDir, { recursive: true, force: true }));
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function startSmtp(options: SMTPServerOptions): Promise<{ port: number; received: ReceivedMail[] }> {
  const server = await startSmtpServer(options);
  cleanups.push(server.close);
  return server;
}

function emailConfig(port: number, smtp: Partial<EmailActionConfig['smtp']> = {}): EmailActionConfig {
  return {
    enabled: true,
    from: 'floodwatch@example.net',
    to: ['noc@example.net', 'oncall@example.net'],
    smtp: { host: '127.0.0.1', port, secure: false, starttls: true, ...smtp },
  };
}

/** The self-signed test certificate is accepted only through this option. */
const TRUST_TEST_CERT: EmailActionOptions = { tls: { rejectUnauthorized: false } };

function expectReport(message: ReceivedMail): void {
  const event = sampleEvent();
  expect(message.from).toBe('floodwatch@example.net');
  expect(message.to).toEqual(['noc@example.net', 'oncall@example.net']);
  expect(mailHeader(message.raw, 'Subject')).toBe(emailSubject(event));
  expect(mailHeader(message.raw, 'X-Floodwatch-Event')).toBe('ban');
  expect(mailHeader(message.raw, 'X-Floodwatch-Attack-Id')).toBe(event.attack!.id);
  expect(mailBody(message.raw).trimEnd()).toBe(renderTextReport(event).trimEnd());
}

describe('e-mail action', () => {
  it('sends the report in clear when starttls is off', async () => {
    const { port, received } = await startSmtp({ authOptional: true, disabledCommands: ['STARTTLS'] });
    const { logger, records } = memoryLogger();
    await new EmailAction(emailConfig(port, { starttls: false }), logger).run(sampleEvent());
    expect(received).toHaveLength(1);
    expectReport(received[0]);
    expect(received[0].secure).toBe(false);
    expect(records.find((r) => r.msg === 'e-mail sent')).toMatchObject({ subject: emailSubject(sampleEvent()) });
  });

  it('upgrades with STARTTLS when the server offers it', async () => {
    const { port, received } = await startSmtp({ authOptional: true, key, cert });
    await new EmailAction(emailConfig(port), memoryLogger().logger, TRUST_TEST_CERT).run(sampleEvent());
    expectReport(received[0]);
    expect(received[0].secure).toBe(true);
  });

  it('logs in over STARTTLS', async () => {
    const { port, received } = await startSmtp({ key, cert, authMethods: ['PLAIN', 'LOGIN'] });
    const config = emailConfig(port, { user: SMTP_USER, password: SMTP_PASSWORD });
    await new EmailAction(config, memoryLogger().logger, TRUST_TEST_CERT).run(sampleEvent());
    expectReport(received[0]);
    expect(received[0]).toMatchObject({ secure: true, user: SMTP_USER });
  });

  it('logs in over TLS from the first byte (secure)', async () => {
    const { port, received } = await startSmtp({ secure: true, key, cert });
    const config = emailConfig(port, { secure: true, user: SMTP_USER, password: SMTP_PASSWORD });
    await new EmailAction(config, memoryLogger().logger, TRUST_TEST_CERT).run(sampleEvent());
    expectReport(received[0]);
    expect(received[0]).toMatchObject({ secure: true, user: SMTP_USER });
  });

  it('logs in without TLS when starttls is off', async () => {
    const { port, received } = await startSmtp({ allowInsecureAuth: true, disabledCommands: ['STARTTLS'] });
    const config = emailConfig(port, { starttls: false, user: SMTP_USER, password: SMTP_PASSWORD });
    await new EmailAction(config, memoryLogger().logger).run(sampleEvent());
    expect(received[0]).toMatchObject({ secure: false, user: SMTP_USER });
  });

  it('will not send a password in clear to a server without STARTTLS', async () => {
    const { port, received } = await startSmtp({ allowInsecureAuth: true, disabledCommands: ['STARTTLS'] });
    const config = emailConfig(port, { user: SMTP_USER, password: SMTP_PASSWORD });
    await expect(new EmailAction(config, memoryLogger().logger).run(sampleEvent())).rejects.toThrow(
      /failed: .*; the server does not offer STARTTLS, which is required to send the password/,
    );
    expect(received).toHaveLength(0);
  });

  it('fails with the SMTP reason on a wrong password', async () => {
    const { port } = await startSmtp({ key, cert });
    const config = emailConfig(port, { user: SMTP_USER, password: 'wrong' });
    await expect(new EmailAction(config, memoryLogger().logger, TRUST_TEST_CERT).run(sampleEvent())).rejects.toThrow(
      new RegExp(
        `^e-mail to noc@example.net, oncall@example.net through 127.0.0.1:${port} failed: 535 Invalid username or password; ` +
          'the server refused the login: check actions.email.smtp.user and actions.email.smtp.password$',
      ),
    );
  });

  it('verifies the server certificate unless told otherwise', async () => {
    const { port, received } = await startSmtp({ authOptional: true, key, cert });
    await expect(new EmailAction(emailConfig(port), memoryLogger().logger).run(sampleEvent())).rejects.toThrow(
      /failed: self-signed certificate; the TLS handshake failed: the server's certificate is not trusted/,
    );
    expect(received).toHaveLength(0);
  });

  it('gives up on a server that never answers, within its timeout', async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      silent.close();
      silent.unref();
    });
    const port = (silent.address() as AddressInfo).port;
    const action = new EmailAction(emailConfig(port), memoryLogger().logger, { timeoutMs: 300 });
    const started = Date.now();
    await expect(action.run(sampleEvent())).rejects.toThrow(/the server did not answer within 0\.3 s/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('says when secure is on for a server that does not speak TLS from the first byte', async () => {
    const { port } = await startSmtp({ authOptional: true, disabledCommands: ['STARTTLS'] });
    const action = new EmailAction(emailConfig(port, { secure: true }), memoryLogger().logger, { timeoutMs: 2_000 });
    await expect(action.run(sampleEvent())).rejects.toThrow(/check actions\.email\.smtp\.secure \(true only for TLS/);
  });

  it('says where it could not connect', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await expect(new EmailAction(emailConfig(port), memoryLogger().logger).run(sampleEvent())).rejects.toThrow(
      /through 127\.0\.0\.1:\d+ failed: .*ECONNREFUSED.*; nothing accepts connections there: check actions\.email\.smtp\.host and/,
    );
  });
});

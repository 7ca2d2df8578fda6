// A ban is mailed: floodwatch run, a SYN flood on a live NetFlow stream, and a real SMTP server
// (the smtp-server package) that takes the message over STARTTLS after a login.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daemonConfig, DaemonProcess, freeUdpPort, Teardown, waitFor, writeConfig } from '../support/daemon.js';
import { stream, synFlood, writeCapture } from './floods.js';
import { startLiveNetFlow } from './live.js';

const FLOODED = '198.51.100.10';
const USER = 'floodwatch';
const PASSWORD = 'correct horse';

interface Mail {
  from: string;
  to: string[];
  secure: boolean;
  user: unknown;
  raw: string;
}

const teardown = new Teardown();
const mails: Mail[] = [];
let dir: string;

/** A self-signed certificate for 127.0.0.1, trusted by the daemon through NODE_EXTRA_CA_CERTS. */
function writeCertificate(): { key: string; cert: string } {
  const key = join(dir, 'smtp-key.pem');
  const cert = join(dir, 'smtp-cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'ignore' });
  return { key, cert };
}

async function startSmtpServer(tls: { key: string; cert: string }): Promise<number> {
  const server = new SMTPServer({
    logger: false,
    key: readFileSync(tls.key),
    cert: readFileSync(tls.cert),
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          user: session.user,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  teardown.defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.server.address() as AddressInfo).port;
}

function header(raw: string, name: string): string | undefined {
  const head = raw.split('\r\n\r\n')[0].replace(/\r\n[ \t]+/g, ' ');
  return new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1];
}

function body(raw: string): string {
  const text = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  const decoded =
    header(raw, 'Content-Transfer-Encoding') === 'quoted-printable'
      ? text.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
      : text;
  return decoded.replace(/\r\n/g, '\n');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floodwatch-daemon-email-'));
  teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
  const tls = writeCertificate();
  const smtpPort = await startSmtpServer(tls);
  const port = await freeUdpPort();
  const email = {
    enabled: true,
    from: 'floodwatch@example.net',
    to: ['noc@example.net'],
    smtp: { host: '127.0.0.1', port: smtpPort, secure: false, starttls: true, user: USER, password: PASSWORD },
  };
  const config = writeConfig(join(dir, 'floodwatch.yaml'), daemonConfig({ stateDir: join(dir, 'state'), port, banSeconds: 60, email }));
  const daemon = await DaemonProcess.start(config, { NODE_EXTRA_CA_CERTS: tls.cert });
  teardown.defer(() => daemon.kill());
  const live = await startLiveNetFlow(dir, port);
  teardown.defer(() => live.close());
  const replaying = live.replay(writeCapture(join(dir, 'syn-flood.pcap'), stream(3000, 3, synFlood(FLOODED))));
  replaying.catch(() => {});
});

afterAll(() => teardown.run());

describe('floodwatch run with the e-mail action', () => {
  it('mails the ban, with the IP in the subject and the report in the body, over STARTTLS after a login', async () => {
    const mail = await waitFor('the ban e-mail', () => mails.find((m) => header(m.raw, 'X-Floodwatch-Event') === 'ban'));
    expect(mail).toMatchObject({ from: 'floodwatch@example.net', to: ['noc@example.net'], secure: true, user: USER });
    expect(header(mail.raw, 'Subject')).toMatch(new RegExp(`^floodwatch: ${FLOODED.replaceAll('.', '\\.')} banned \\(SYN flood, incoming \\d+ pps\\)$`));
    const report = body(mail.raw);
    expect(report).toMatch(new RegExp(`^IP address: +${FLOODED.replaceAll('.', '\\.')}$`, 'm'));
    expect(report).toMatch(/^Attack type: +SYN flood \(syn_flood\)$/m);
    expect(report).toMatch(/^Threshold crossed: +TCP SYN 1000 pps, observed \d+ pps$/m);
    expect(report).toContain('Protocol breakdown');
  });
});

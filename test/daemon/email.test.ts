// A ban is mailed: floodwatch run, a SYN flood on a live NetFlow stream, and a real SMTP server
// (the smtp-server package) that takes the message over STARTTLS after a login.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailBody, mailHeader, SMTP_PASSWORD, SMTP_USER, startSmtpServer, writeSelfSignedCertificate, type ReceivedMail } from '../support/smtp.js';
import { daemonConfig, DaemonProcess, freeUdpPort, Teardown, waitFor, writeConfig } from '../support/daemon.js';
import { stream, synFlood, writeCapture } from './floods.js';
import { startLiveNetFlow } from './live.js';

const FLOODED = '198.51.100.10';
const teardown = new Teardown();
let mails: ReceivedMail[] = [];
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floodwatch-daemon-email-'));
  teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
  const tls = writeSelfSignedCertificate(dir);
  const smtp = await startSmtpServer({ key: tls.key, cert: tls.cert });
  teardown.defer(smtp.close);
  mails = smtp.received;
  const smtpPort = smtp.port;
  const port = await freeUdpPort();
  const email = {
    enabled: true,
    from: 'floodwatch@example.net',
    to: ['noc@example.net'],
    smtp: { host: '127.0.0.1', port: smtpPort, secure: false, starttls: true, user: SMTP_USER, password: SMTP_PASSWORD },
  };
  const config = writeConfig(join(dir, 'floodwatch.yaml'), daemonConfig({ stateDir: join(dir, 'state'), port, banSeconds: 60, email }));
  const daemon = await DaemonProcess.start(config, { NODE_EXTRA_CA_CERTS: tls.certPath });
  teardown.defer(() => daemon.kill());
  const live = await startLiveNetFlow(dir, port);
  teardown.defer(() => live.close());
  const replaying = live.replay(writeCapture(join(dir, 'syn-flood.pcap'), stream(3000, 3, synFlood(FLOODED))));
  replaying.catch(() => {});
});

afterAll(() => teardown.run());

describe('floodwatch run with the e-mail action', () => {
  it('mails the ban, with the IP in the subject and the report in the body, over STARTTLS after a login', async () => {
    const mail = await waitFor('the ban e-mail', () => mails.find((m) => mailHeader(m.raw, 'X-Floodwatch-Event') === 'ban'));
    expect(mail).toMatchObject({ from: 'floodwatch@example.net', to: ['noc@example.net'], secure: true, user: SMTP_USER });
    expect(mailHeader(mail.raw, 'Subject')).toMatch(new RegExp(`^floodwatch: ${FLOODED.replaceAll('.', '\\.')} banned \\(SYN flood, incoming \\d+ pps\\)$`));
    const report = mailBody(mail.raw);
    expect(report).toMatch(new RegExp(`^IP address: +${FLOODED.replaceAll('.', '\\.')}$`, 'm'));
    expect(report).toMatch(/^Attack type: +SYN flood \(syn_flood\)$/m);
    expect(report).toMatch(/^Threshold crossed: +TCP SYN 1000 pps, observed \d+ pps$/m);
    expect(report).toContain('Protocol breakdown');
  });
});

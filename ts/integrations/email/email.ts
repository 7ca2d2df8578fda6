// The attack report by e-mail, through an SMTP server.
//
// Transport security, as the configuration reads:
// - smtp.secure: true: TLS from the first byte (SMTPS, usually port 465); starttls does not apply.
// - smtp.starttls: true: upgrade with STARTTLS whenever the server offers it, and treat a failed
//   upgrade as an error rather than carry on in clear. When smtp.user is set, STARTTLS is required:
//   the password never crosses the network in clear, and a server that does not offer STARTTLS is
//   reported as such.
// - smtp.starttls: false: plain SMTP even when the server offers STARTTLS.
// Certificates are verified against the system's CAs unless EmailActionOptions.tls says otherwise.
import type { ConnectionOptions } from 'node:tls';
import nodemailer, { type NodemailerError, type SMTPTransportOptions, type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import { emailSubject } from '../../report/subject.js';
import { renderTextReport } from '../../report/text.js';
import { isBanEvent, type BanEvent, type Integration } from '../types.js';

/** actions.email in the configuration file. */
export interface EmailActionConfig {
  enabled: boolean;
  from: string;
  to: string[];
  smtp: {
    host: string;
    port: number;
    secure: boolean;
    starttls: boolean;
    user?: string;
    password?: string;
  };
}

export interface EmailActionOptions {
  /** For connecting, the greeting, and each wait for the server. Default 30 s. */
  timeoutMs?: number;
  /** Extra TLS settings, e.g. a CA for a private server. */
  tls?: ConnectionOptions;
}

export function smtpTransportOptions(config: EmailActionConfig, options: EmailActionOptions = {}): SMTPTransportOptions {
  const { smtp } = config;
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ignoreTLS: !smtp.secure && !smtp.starttls,
    requireTLS: !smtp.secure && smtp.starttls && smtp.user !== undefined,
    auth: smtp.user !== undefined ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
    tls: options.tls,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
  };
}

export class EmailAction implements Integration {
  readonly name = 'email';
  /** Bans, unbans, and the details of the attack a host is banned for. */
  readonly accepts = isBanEvent;
  /** Connecting, the greeting, STARTTLS, login and the message: each wait is bounded by timeoutMs. */
  readonly attemptTimeoutMs: number;
  private readonly transporter: Transporter;
  private readonly timeoutMs: number;

  constructor(
    private readonly config: EmailActionConfig,
    private readonly logger: Logger,
    options: EmailActionOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.attemptTimeoutMs = 10 * this.timeoutMs;
    this.transporter = nodemailer.createTransport(smtpTransportOptions(config, options));
  }

  async run(event: BanEvent): Promise<void> {
    const subject = emailSubject(event);
    try {
      const info = await this.transporter.sendMail({
        from: this.config.from,
        to: this.config.to,
        subject,
        text: renderTextReport(event),
        headers: {
          'X-Floodwatch-Event': event.kind,
          ...(event.attack && { 'X-Floodwatch-Attack-Id': event.attack.id }),
        },
      });
      this.logger.info({ action: this.name, to: this.config.to, subject, response: info.response, message_id: info.messageId }, 'e-mail sent');
    } catch (err) {
      throw new Error(this.failure(err as NodemailerError), { cause: err });
    }
  }

  private failure(err: NodemailerError): string {
    const { host, port } = this.config.smtp;
    const reason = err.response ?? err.message;
    return `e-mail to ${this.config.to.join(', ')} through ${host}:${port} failed: ${reason}; ${this.hint(err)}`;
  }

  private hint(err: NodemailerError): string {
    const smtp = 'actions.email.smtp';
    const secureHint = `${smtp}.secure (true only for TLS from the first byte, usually port 465)`;
    const systemCode = err.originalCode ?? '';
    if (systemCode === 'ECONNREFUSED') return `nothing accepts connections there: check ${smtp}.host and ${smtp}.port`;
    if (/WRONG_VERSION_NUMBER/.test(systemCode)) return `the server does not speak TLS there: check ${secureHint}`;
    if (/CERT|SELF_SIGNED|ERR_TLS|ERR_SSL/.test(systemCode)) {
      return (
        `the TLS handshake failed: the server's certificate is not trusted or not issued for ${smtp}.host; ` +
        `fix the certificate, or set ${smtp}.host to the name it was issued for`
      );
    }
    switch (err.code) {
      case 'EAUTH':
      case 'ENOAUTH':
        return `the server refused the login: check ${smtp}.user and ${smtp}.password`;
      case 'ETLS':
        if (err.command === 'STARTTLS' && err.response) {
          return (
            `the server does not offer STARTTLS, which is required to send the password: enable it on the ` +
            `server, use ${smtp}.secure: true if it takes TLS from the first byte, or set ${smtp}.starttls: false ` +
            `and ${smtp}.allow_plaintext_auth: true to send the password in clear`
          );
        }
        return `the TLS upgrade failed: check the server's TLS setup, or set ${smtp}.starttls: false`;
      case 'ETIMEDOUT':
        return `the server did not answer within ${this.timeoutMs / 1000} s: check ${smtp}.host, ${smtp}.port and ${secureHint}`;
      case 'EENVELOPE':
        return `the server refused the sender or a recipient: check actions.email.from and actions.email.to`;
      case 'EDNS':
        return `the name ${this.config.smtp.host} does not resolve: check ${smtp}.host`;
      case 'ESOCKET':
      case 'ECONNECTION':
        return `could not talk to the server: check ${smtp}.host, ${smtp}.port and ${secureHint}`;
      default:
        return `the server refused the message: see its reason above`;
    }
  }
}

// The attack report by e-mail through an SMTP server, on ban, unban and attack details.
import { Type } from '@sinclair/typebox';
import type { ConfigProblem } from '../../config/errors.js';
import { FormattedString, Port, strict } from '../../config/schema-types.js';
import { defineIntegration } from '../types.js';

export const SmtpSchema = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: Port,
    secure: Type.Boolean(),
    starttls: Type.Boolean(),
    user: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String()),
    /** Send the password with neither TLS nor STARTTLS; refused unless set. */
    allow_plaintext_auth: Type.Boolean(),
  },
  strict,
);

export const EmailActionSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    from: FormattedString('email-address'),
    to: Type.Array(FormattedString('email-address')),
    smtp: SmtpSchema,
  },
  strict,
);

export const email = defineIntegration({
  name: 'email',
  schema: EmailActionSchema,
  defaults: () => ({
    enabled: false,
    from: 'floodwatch@example.net',
    to: ['noc@example.net'],
    smtp: { host: '127.0.0.1', port: 25, secure: false, starttls: true, allow_plaintext_auth: false },
  }),
  describe: (config) => `email to ${config.to.join(', ')}`,
  check: (config) => {
    if (!config.enabled) return [];
    const problems: ConfigProblem[] = [];
    const { smtp } = config;
    if (config.to.length === 0) {
      problems.push({ where: 'actions.email.to', reason: 'is empty, but the e-mail action is enabled (add a recipient, or set actions.email.enabled: false)' });
    }
    if (smtp.user !== undefined && smtp.password === undefined) {
      problems.push({ where: 'actions.email.smtp.password', reason: 'missing: smtp.user is set, so the password is needed too' });
    }
    if (smtp.password !== undefined && !smtp.secure && !smtp.starttls && !smtp.allow_plaintext_auth) {
      problems.push({
        where: 'actions.email.smtp',
        reason:
          'the password would cross the network in clear (secure and starttls are both false): set starttls: true (or secure: true for TLS from the first byte), ' +
          'or, if you really mean it (a server on this machine), allow_plaintext_auth: true',
      });
    }
    return problems;
  },
  secretKeys: (config) => (config.smtp.password !== undefined ? ['smtp.password'] : []),
  create: async (config, deps) => {
    const { EmailAction } = await import('./email.js');
    return new EmailAction(config, deps.log);
  },
});

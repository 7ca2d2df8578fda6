// Why Redis could not be reached or refused a write, in words that name what to check.

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

export function describeRedisError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const message = error.message;
  if (code === 'ECONNREFUSED') return `connection refused (is redis-server running and listening there? actions.redis.host and port)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host name not found (actions.redis.host): ${message}`;
  if (code === 'ETIMEDOUT' || /connect ETIMEDOUT/.test(message)) return `no answer to connecting (a firewall, or the wrong actions.redis.host and port?)`;
  if (/Command timed out/.test(message)) return `no answer within actions.redis.timeout_seconds (the server is overloaded or stopped?)`;
  if (/WRONGPASS|invalid password|invalid username-password/i.test(message)) return `${message} (check actions.redis.username and actions.redis.password)`;
  if (/NOAUTH/.test(message)) return `${message} (the server asks for a password: set actions.redis.password)`;
  if (/without any password configured|no password is set/i.test(message)) return `${message} (the server has no password: remove actions.redis.password)`;
  if (/NOPERM/.test(message)) return `${message} (give actions.redis.username the right to SET, HSET, EXPIRE, XADD and PUBLISH on these keys)`;
  if (/DB index is out of range/i.test(message)) return `${message} (actions.redis.database is past the server's databases setting)`;
  if (TLS_CODES.test(code)) return `${message} (check actions.redis.tls: the server's certificate and ca_file)`;
  return message;
}

// Logs through pino: JSON lines, or pretty lines when the log's stream is a terminal. Standard
// output by default; standard error when standard output is taken (floodwatch run as an ExaBGP
// process writes its API commands there).
import pino, { type Logger } from 'pino';

export function createLogger(options: { level?: string; toStderr?: boolean } = {}): Logger {
  const level = options.level ?? process.env.FLOODWATCH_LOG_LEVEL ?? 'info';
  const fd = options.toStderr ? 2 : 1;
  const stream = options.toStderr ? process.stderr : process.stdout;
  if (stream.isTTY) {
    return pino({ level, transport: { target: 'pino-pretty', options: { colorize: true, destination: fd } } });
  }
  return pino({ level }, pino.destination(fd));
}

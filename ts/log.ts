// Logs through pino: JSON lines, or pretty lines when standard output is a terminal.
import pino, { type Logger } from 'pino';

export function createLogger(level = process.env.FLOODWATCH_LOG_LEVEL ?? 'info'): Logger {
  if (process.stdout.isTTY) {
    return pino({ level, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino({ level });
}

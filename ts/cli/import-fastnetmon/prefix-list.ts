// FastNetMon's prefix list files (networks_list, networks_whitelist): one prefix per line, '#'
// comments and blank lines.
import { formatPrefix, parseLenientPrefix } from '../../config/prefix.js';

export interface PrefixList {
  /** Canonical, host bits zero, each once. */
  prefixes: string[];
  /** What was changed or skipped, one sentence each, naming the file and line. */
  notes: string[];
}

export function parsePrefixList(text: string, source: string): PrefixList {
  const prefixes: string[] = [];
  const notes: string[] = [];
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.replace(/#.*/, '').trim();
    if (line === '') return;
    const where = `${source} line ${index + 1}`;
    const parsed = parseLenientPrefix(line);
    if (!parsed.ok) {
      notes.push(`${where}: skipped: ${parsed.reason}`);
      return;
    }
    const prefix = formatPrefix(parsed.value.prefix);
    if (parsed.value.adjusted) notes.push(`${where}: ${parsed.value.adjusted}`);
    if (prefixes.includes(prefix)) {
      notes.push(`${where}: ${prefix} is listed already: taken once`);
      return;
    }
    prefixes.push(prefix);
  });
  return { prefixes, notes };
}

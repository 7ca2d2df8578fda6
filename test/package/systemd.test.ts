// The systemd unit shipped in the package: valid for systemd (no error, no warning), and a
// service that is not root but has what a mirror port needs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const UNIT = fileURLToPath(new URL('../../packaging/floodwatch.service', import.meta.url));
const text = readFileSync(UNIT, 'utf8');
const setting = (key: string) => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]);

describe('packaging/floodwatch.service', () => {
  it('passes systemd-analyze verify without a warning', () => {
    const result = spawnSync('systemd-analyze', ['verify', '--man=no', UNIT], { encoding: 'utf8' });
    expect(result.error).toBeUndefined();
    // verify also loads the units installed on this machine (Debian's carbon-cache.service warns
    // about its own settings): only what concerns floodwatch's unit counts.
    const installedUnit = /^\/(usr\/)?lib\/systemd\/system\/(?!floodwatch)[^:]+:\d+: /;
    const lines = result.stderr.split('\n').filter((line) => line !== '' && !installedUnit.test(line));
    expect(lines).toEqual([]);
    expect(result.status).toBe(0);
  });

  it('runs as a user of its own with only the capabilities a mirror port needs', () => {
    expect(setting('DynamicUser')).toEqual(['yes']);
    expect(setting('AmbientCapabilities')).toEqual(['CAP_NET_RAW CAP_NET_ADMIN CAP_BPF']);
    expect(setting('CapabilityBoundingSet')).toEqual(['CAP_NET_RAW CAP_NET_ADMIN CAP_BPF']);
    expect(setting('NoNewPrivileges')).toEqual(['yes']);
    expect(setting('ProtectSystem')).toEqual(['strict']);
  });

  it('keeps its state in /var/lib/floodwatch and reloads with SIGHUP', () => {
    expect(setting('StateDirectory')).toEqual(['floodwatch']);
    expect(setting('ExecStart')).toEqual(['/usr/bin/env floodwatch run']);
    expect(setting('ExecReload')).toEqual(['/bin/kill -HUP $MAINPID']);
  });
});

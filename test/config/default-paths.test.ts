// What `floodwatch run` loads when not told: /etc/floodwatch/floodwatch.yaml when present, and
// under systemd (STATE_DIRECTORY) the unit's state directory instead of one under the working
// directory.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRunConfig } from '../../ts/config/default-paths.js';

const dir = mkdtempSync(join(tmpdir(), 'floodwatch-default-paths-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const systemConfig = join(dir, 'floodwatch.yaml');
writeFileSync(systemConfig, 'log_level: warn\n');
const given = join(dir, 'given.yaml');
writeFileSync(given, 'log_level: error\nstate_dir: /srv/floodwatch\n');
const absent = join(dir, 'absent.yaml');

describe('loadRunConfig', () => {
  it('loads the system config file when no --config is given and it exists', async () => {
    const { configPath, loaded } = await loadRunConfig(undefined, { env: {}, systemConfigPath: systemConfig });
    expect(configPath).toBe(systemConfig);
    expect(loaded.source).toBe(systemConfig);
    expect(loaded.config.log_level).toBe('warn');
  });

  it('falls back to the embedded default when the system config file is absent', async () => {
    const { configPath, loaded } = await loadRunConfig(undefined, { env: {}, systemConfigPath: absent });
    expect(configPath).toBeUndefined();
    expect(loaded.source).toBe('embedded default');
    expect(loaded.config.state_dir).toBe('./floodwatch-state');
  });

  it('prefers --config over the system config file', async () => {
    const { configPath, loaded } = await loadRunConfig(given, { env: {}, systemConfigPath: systemConfig });
    expect(configPath).toBe(given);
    expect(loaded.config.log_level).toBe('error');
  });

  it("keeps state in systemd's STATE_DIRECTORY when state_dir is left at its default", async () => {
    const env = { STATE_DIRECTORY: '/var/lib/floodwatch' };
    expect((await loadRunConfig(undefined, { env, systemConfigPath: systemConfig })).loaded.config.state_dir).toBe('/var/lib/floodwatch');
    expect((await loadRunConfig(undefined, { env, systemConfigPath: absent })).loaded.config.state_dir).toBe('/var/lib/floodwatch');
  });

  it('keeps a state_dir the config names, under systemd too', async () => {
    const { loaded } = await loadRunConfig(given, { env: { STATE_DIRECTORY: '/var/lib/floodwatch' }, systemConfigPath: absent });
    expect(loaded.config.state_dir).toBe('/srv/floodwatch');
  });
});

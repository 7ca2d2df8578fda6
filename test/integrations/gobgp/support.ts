// Shared by the GoBGP action's tests: its configuration, and a ban book standing in for the ban manager.
import type { AttackRecord, Ban } from '../../../ts/attacks/types.js';
import { embeddedDefault } from '../../../ts/config/defaults.js';
import type { GobgpActionConfig } from '../../../ts/integrations/gobgp/config.js';
import type { GobgpActionDeps } from '../../../ts/integrations/gobgp/action.js';
import { memoryLogger, sampleAttack, sampleBan } from '../support.js';

export const FLOWSPEC_GROUP = 'scrubbed';

/** The embedded default with `api`, the subnet on, communities of both kinds and a fast resync. */
export function gobgpConfig(api: string, overrides: (config: GobgpActionConfig) => void = () => {}): GobgpActionConfig {
  const config = embeddedDefault().actions.gobgp;
  config.enabled = true;
  config.api = api;
  config.resync_seconds = 1;
  config.blackhole.communities = ['65535:666', '64512:100'];
  config.blackhole.large_communities = ['64512:666:1'];
  config.blackhole.subnet = { enabled: true, ipv4_length: 24, ipv6_length: 64, communities: ['64512:24'], large_communities: ['64512:666:24'] };
  config.flowspec.enabled = true;
  overrides(config);
  return config;
}

/** The active bans and their attacks, as the ban manager would hand them to the action. */
export class BanBook {
  readonly #entries = new Map<string, { ban: Ban; attack: AttackRecord | null }>();
  readonly log = memoryLogger();

  add(ip: string, attack: Partial<AttackRecord> | null = {}, hostgroup = 'customers'): { ban: Ban; attack: AttackRecord | null } {
    const record = attack === null ? null : sampleAttack({ ip, hostgroup, ...attack });
    const ban = sampleBan({ ip, hostgroup, attack_id: record?.id ?? null, manual: record === null });
    const entry = { ban, attack: record };
    this.#entries.set(ip, entry);
    return entry;
  }

  remove(ip: string): void {
    this.#entries.delete(ip);
  }

  /** The bans other members of a cluster hold, as the bans topic has them. */
  elsewhere: Ban[] = [];

  deps(): GobgpActionDeps {
    return {
      log: this.log.logger,
      activeBans: () => [...this.#entries.values()].map((e) => e.ban),
      heldElsewhere: () => this.elsewhere,
      attackOf: (ban) => this.#entries.get(ban.ip)?.attack ?? null,
      flowspecFor: (hostgroup) => hostgroup === FLOWSPEC_GROUP,
    };
  }
}

/** NTP amplification on `ip`: reflectors' UDP port 123, 468-byte replies. */
export function ntpAmplification(ip: string): Partial<AttackRecord> {
  return {
    ip,
    type: 'ntp_amplification',
    threshold: { metric: 'udp_mbps', value: 100, observed: 374.4 },
    peak: { pps: 100_000, mbps: 374.4, flows: 900 },
    protocols: { udp: { pps: 100_000, mbps: 374.4 } },
    top_source_ports: [{ key: 'udp/123', packets: 5000, bytes: 2_340_000 }],
    top_destination_ports: [
      { key: 'udp/34567', packets: 20, bytes: 9360 },
      { key: 'udp/41234', packets: 18, bytes: 8424 },
    ],
  };
}

// Shared by the ExaBGP action's tests: its configuration, bans and attacks as the lifecycle hands
// them over, and a ban book that plays the lifecycle's part (activeBans, attackOf).
import type { AttackRecord, Ban } from '../../../ts/attacks/types.js';
import { banEvent, type BanEvent } from '../../../ts/integrations/types.js';
import { embeddedDefault } from '../../../ts/config/defaults.js';
import type { ExabgpActionConfig } from '../../../ts/integrations/exabgp/config.js';
import { sampleAttack, sampleBan } from '../support.js';

export { memoryLogger, type LogRecord } from '../support.js';

type ConfigOverrides = Partial<Omit<ExabgpActionConfig, 'blackhole' | 'flowspec'>> & {
  blackhole?: Partial<Omit<ExabgpActionConfig['blackhole'], 'subnet'>> & { subnet?: Partial<ExabgpActionConfig['blackhole']['subnet']> };
  flowspec?: Partial<ExabgpActionConfig['flowspec']>;
};

/** The embedded default's actions.exabgp, enabled, with the overrides. */
export function exabgpConfig(overrides: ConfigOverrides = {}): ExabgpActionConfig {
  const base = embeddedDefault().actions.exabgp;
  return {
    ...base,
    enabled: true,
    ...overrides,
    blackhole: {
      ...base.blackhole,
      ...overrides.blackhole,
      subnet: { ...base.blackhole.subnet, ...overrides.blackhole?.subnet },
    },
    flowspec: { ...base.flowspec, ...overrides.flowspec },
  };
}

/** An NTP amplification attack on the host, with its details known. */
export function ntpAttack(ip: string, overrides: Partial<AttackRecord> = {}): AttackRecord {
  return sampleAttack({
    ip,
    type: 'ntp_amplification',
    threshold: { metric: 'udp_pps', value: 10000, observed: 52000 },
    top_source_ports: [{ key: 'udp/123', packets: 5000, bytes: 2_400_000 }],
    top_destination_ports: [
      { key: 'udp/40000', packets: 30, bytes: 14_000 },
      { key: 'udp/40001', packets: 28, bytes: 13_000 },
    ],
    ...overrides,
  });
}

export function banOf(ip: string, overrides: Partial<Ban> = {}): Ban {
  return sampleBan({ ip, attack_id: `attack-${ip}`, ...overrides });
}

/** The lifecycle's side: the bans in force and their attacks, and the events it dispatches. */
export class BanBook {
  private readonly bans = new Map<string, { ban: Ban; attack: AttackRecord | null }>();

  activeBans = (): Ban[] => [...this.bans.values()].map((entry) => entry.ban);

  attackOf = (ban: Ban): AttackRecord | null => this.bans.get(ban.ip)?.attack ?? null;

  ban(ip: string, attack: AttackRecord | null = null): BanEvent {
    const ban = banOf(ip, attack ? {} : { attack_id: null, manual: true });
    this.bans.set(ip, { ban, attack });
    return banEvent('ban', ban, attack);
  }

  details(ip: string, attack: AttackRecord): BanEvent {
    const entry = this.bans.get(ip);
    if (!entry) throw new Error(`${ip} is not banned`);
    entry.attack = attack;
    return banEvent('attack_details', entry.ban, attack);
  }

  unban(ip: string): BanEvent {
    const entry = this.bans.get(ip);
    if (!entry) throw new Error(`${ip} is not banned`);
    this.bans.delete(ip);
    return banEvent('unban', entry.ban, entry.attack);
  }
}

// What floodwatch has told ExaBGP, and the commands each event adds: the host's blackhole route,
// the covering subnet's (held while any ban inside it is), and the FlowSpec rule when the
// hostgroup has FlowSpec on. Once the rule is in, the host route stays only with blackhole_too.
//
// Commands are computed first and remembered only once ExaBGP has them (`commit`), so that an
// event that failed and is retried computes the same commands again.
import type { BanEvent } from '../types.js';
import type { AttackRecord, Ban } from '../../attacks/types.js';
import type { ExabgpActionConfig } from './config.js';
import { hostRoute, subnetRoute } from './blackhole.js';
import { announceFlow, announceRoute, flowMatch, withdrawFlow, withdrawRoute } from './commands.js';
import { flowActionOf, flowRuleFor, type FlowRule } from './flowspec.js';

export interface AnnouncementSources {
  /** Every ban in force. */
  activeBans(): Ban[];
  /** The attack behind a ban, when the ban came from one. */
  attackOf(ban: Ban): AttackRecord | null;
  /** Whether the hostgroup asks for FlowSpec rules. */
  flowspecFor(hostgroup: string): boolean;
}

export interface Step {
  /** The commands, in order. */
  lines: string[];
  /** Records that ExaBGP has the commands. */
  commit(): void;
}

/** What this process announced for one banned host. */
interface Held {
  ip: string;
  flow: FlowRule | null;
  hostRoute: boolean;
}

export class Announcements {
  /** By the host route's prefix, so that two spellings of one IPv6 address are one host. */
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly config: ExabgpActionConfig,
    private readonly sources: AnnouncementSources,
  ) {}

  forEvent(event: BanEvent): Step {
    switch (event.kind) {
      case 'ban':
        return this.announce(event.ban, this.flowRule(event.ban, event.attack));
      case 'attack_details':
        return this.attackDetails(event.ban, event.attack);
      case 'unban':
        return this.unban(event.ban, event.attack);
    }
  }

  /** Every active ban's announcements: for an ExaBGP that has just (re)started, or to make sure it holds them. */
  everyActiveBan(): Step {
    const lines: string[] = [];
    const subnets = new Set<string>();
    const held = new Map<string, Held>();
    for (const ban of this.sources.activeBans()) {
      const host = hostRoute(ban.ip, this.config.blackhole);
      const flow = this.held.has(host.prefix) ? this.held.get(host.prefix)!.flow : this.flowRule(ban, this.sources.attackOf(ban));
      if (flow) lines.push(announceFlow(flow, flowActionOf(this.config.flowspec)));
      const keepsHostRoute = this.keepsHostRoute(flow);
      if (keepsHostRoute) lines.push(announceRoute(host));
      const subnet = subnetRoute(ban.ip, this.config.blackhole);
      if (subnet && !subnets.has(subnet.prefix)) {
        subnets.add(subnet.prefix);
        lines.push(announceRoute(subnet));
      }
      held.set(host.prefix, { ip: ban.ip, flow, hostRoute: keepsHostRoute });
    }
    return { lines, commit: () => held.forEach((value, key) => this.held.set(key, value)) };
  }

  private attackDetails(ban: Ban, attack: AttackRecord | null): Step {
    const flow = this.flowRule(ban, attack);
    const held = this.held.get(hostRoute(ban.ip, this.config.blackhole).prefix);
    if (!flow || (held?.flow && sameRule(held.flow, flow))) return { lines: [], commit: () => {} };
    return this.announce(ban, flow);
  }

  private announce(ban: Ban, flow: FlowRule | null): Step {
    const host = hostRoute(ban.ip, this.config.blackhole);
    const held = this.held.get(host.prefix);
    const lines: string[] = [];
    if (held?.flow && !(flow && sameRule(held.flow, flow))) lines.push(withdrawFlow(held.flow));
    if (flow) lines.push(announceFlow(flow, flowActionOf(this.config.flowspec)));
    const keepsHostRoute = this.keepsHostRoute(flow);
    if (keepsHostRoute) lines.push(announceRoute(host));
    // Not held by this process does not mean not in ExaBGP: floodwatch may have restarted since.
    else if (held?.hostRoute ?? true) lines.push(withdrawRoute(host));
    const subnet = subnetRoute(ban.ip, this.config.blackhole);
    if (subnet) lines.push(announceRoute(subnet));
    return { lines, commit: () => this.held.set(host.prefix, { ip: ban.ip, flow, hostRoute: keepsHostRoute }) };
  }

  private unban(ban: Ban, attack: AttackRecord | null): Step {
    const host = hostRoute(ban.ip, this.config.blackhole);
    const lines: string[] = [];
    // The rule held, and the one the attack gives (floodwatch may have restarted since it was announced).
    const rules = new Map<string, FlowRule>();
    for (const rule of [this.held.get(host.prefix)?.flow, this.flowRule(ban, attack ?? this.sources.attackOf(ban))]) {
      if (rule) rules.set(flowMatch(rule), rule);
    }
    for (const rule of rules.values()) lines.push(withdrawFlow(rule));
    lines.push(withdrawRoute(host));
    const subnet = subnetRoute(ban.ip, this.config.blackhole);
    if (subnet && !this.othersInSubnet(subnet.prefix, host.prefix)) lines.push(withdrawRoute(subnet));
    return { lines, commit: () => this.held.delete(host.prefix) };
  }

  /** Whether another banned host, held here or in force, keeps the subnet route. */
  private othersInSubnet(subnet: string, exceptHost: string): boolean {
    const ips = [...[...this.held.values()].map((held) => held.ip), ...this.sources.activeBans().map((ban) => ban.ip)];
    return ips.some((ip) => hostRoute(ip, this.config.blackhole).prefix !== exceptHost && subnetRoute(ip, this.config.blackhole)?.prefix === subnet);
  }

  private flowRule(ban: Ban, attack: AttackRecord | null): FlowRule | null {
    if (!attack || !this.config.flowspec.enabled || !this.sources.flowspecFor(ban.hostgroup)) return null;
    return flowRuleFor(ban, attack);
  }

  private keepsHostRoute(flow: FlowRule | null): boolean {
    return flow === null || this.config.flowspec.blackhole_too;
  }
}

function sameRule(a: FlowRule, b: FlowRule): boolean {
  return flowMatch(a) === flowMatch(b);
}

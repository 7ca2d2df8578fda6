// The text of each ExaBGP 4.2 API command floodwatch sends: one command a line, as ExaBGP reads
// them from a process's standard output or from its named pipe.
import type { FlowAction, FlowRule } from './flowspec.js';

/** A blackhole route: a host (/32, /128) or the subnet that covers it. */
export interface Route {
  /** `ADDRESS/LENGTH`, canonical. */
  prefix: string;
  nextHop: string;
  /** "ASN:VALUE" */
  communities: readonly string[];
  /** "ASN:DATA1:DATA2" */
  largeCommunities: readonly string[];
}

export function announceRoute(route: Route): string {
  const parts = [`announce route ${route.prefix} next-hop ${route.nextHop}`];
  if (route.communities.length > 0) parts.push(`community [${route.communities.join(' ')}]`);
  if (route.largeCommunities.length > 0) parts.push(`large-community [${route.largeCommunities.join(' ')}]`);
  return singleLine(parts.join(' '));
}

export function withdrawRoute(route: Route): string {
  return singleLine(`withdraw route ${route.prefix} next-hop ${route.nextHop}`);
}

export function announceFlow(rule: FlowRule, action: FlowAction): string {
  const then = action.kind === 'discard' ? 'discard;' : `rate-limit ${Math.round(action.bytesPerSecond)};`;
  return singleLine(`announce flow route { match { ${flowMatch(rule)} } then { ${then} } }`);
}

/** ExaBGP finds the rule to withdraw by its match alone. */
export function withdrawFlow(rule: FlowRule): string {
  return singleLine(`withdraw flow route { match { ${flowMatch(rule)} } }`);
}

/** The conditions of a flow rule, e.g. `destination 192.0.2.1/32; protocol udp; source-port =123;`. */
export function flowMatch(rule: FlowRule): string {
  const conditions: string[] = [];
  if (rule.destination) conditions.push(`destination ${rule.destination};`);
  if (rule.source) conditions.push(`source ${rule.source};`);
  if (rule.protocol) {
    // ExaBGP says `next-header` for IPv6, and knows ICMPv6 by its number only.
    if (rule.family === 4) conditions.push(`protocol ${rule.protocol};`);
    else conditions.push(`next-header ${rule.protocol === 'icmp' ? '58' : rule.protocol};`);
  }
  if (rule.sourcePorts.length > 0) conditions.push(`source-port ${portList(rule.sourcePorts)};`);
  if (rule.destinationPorts.length > 0) conditions.push(`destination-port ${portList(rule.destinationPorts)};`);
  if (rule.tcpFlags) conditions.push(`tcp-flags [ =${rule.tcpFlags} ];`);
  if (rule.fragments) conditions.push('fragment [ is-fragment ];');
  return conditions.join(' ');
}

function portList(ports: readonly number[]): string {
  return ports.length === 1 ? `=${ports[0]}` : `[ ${ports.map((port) => `=${port}`).join(' ')} ]`;
}

/** A line break inside a command would split it in two for ExaBGP. */
function singleLine(command: string): string {
  if (/[\r\n]/.test(command)) throw new Error(`refusing an ExaBGP command with a line break: ${JSON.stringify(command)}`);
  return command;
}

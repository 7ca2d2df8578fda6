// FastNetMon's mirror-port capture (mirror_afpacket, mirror_afxdp and their settings) as
// floodwatch's sources.mirror: one entry per interface, with the same engine.
import type { YamlComments } from './commented-yaml.js';
import type { FastnetmonKeys } from './keys.js';
import type { MirrorSource } from '../../config/schema.js';

/** Each engine: the switch that turns it on, and the keys only it reads. */
const ENGINES = {
  af_packet: {
    switch: 'mirror_afpacket',
    own: ['mirror_af_packet_custom_sampling_rate', 'mirror_af_packet_fanout_mode'],
  },
  af_xdp: {
    switch: 'mirror_afxdp',
    own: ['xdp_set_promisc', 'zero_copy_xdp', 'force_native_mode_xdp', 'poll_mode_xdp', 'microcode_xdp_path'],
  },
} as const;

type Engine = keyof typeof ENGINES;

/** FastNetMon's AF_PACKET fanout modes that floodwatch has too. */
const FANOUT_MODES: Record<string, 'hash' | 'cpu' | 'lb'> = { cpu: 'cpu', lb: 'lb', hash: 'hash' };

/** Those it has not: the packet(7) fanout FastNetMon asks for, and why nothing replaces it. */
const FANOUT_NOT_CARRIED: Record<string, string> = {
  random:
    "random (PACKET_FANOUT_RND) is not one of floodwatch's fanout modes (hash, cpu, lb): floodwatch's default, hash, is used; lb spreads packets evenly too",
  rollover:
    "rollover (PACKET_FANOUT_ROLLOVER, fill one socket before the next) is not one of floodwatch's fanout modes (hash, cpu, lb): floodwatch's default, hash, is used",
  queue_mapping:
    "queue_mapping (PACKET_FANOUT_QM, by RX queue) is not one of floodwatch's fanout modes (hash, cpu, lb): floodwatch's default, hash, is used; cpu is the same when each RX queue's interrupt has a core of its own",
};

/** What Linux takes as an interface name (dev_valid_name): 1 to 15 bytes, no '/', ':' or space. */
function isInterfaceName(name: string): boolean {
  return Buffer.byteLength(name) <= 15 && name !== '.' && name !== '..' && !/[/:\s]/.test(name);
}

export function carryMirror(keys: FastnetmonKeys, comments: YamlComments, out: Record<string, unknown>): void {
  const on = { af_packet: keys.flag('mirror_afpacket') ?? false, af_xdp: keys.flag('mirror_afxdp') ?? false };
  if (!on.af_packet && !on.af_xdp) {
    for (const engine of Object.values(ENGINES)) {
      for (const key of [engine.switch, ...engine.own]) keys.skip(key, 'mirror_afpacket and mirror_afxdp are both off here');
    }
    const others = ['mirror_netmap', 'pcap'].filter((key) => keys.value(key) === 'on');
    keys.skip(
      'interfaces',
      others.length > 0
        ? `the interfaces of ${others.map((key) => `${key} = on`).join(' and ')}, which floodwatch has no equivalent for (see ${others.join(', ')})`
        : 'mirror_afpacket, mirror_afxdp, mirror_netmap and pcap are all off here: no interface is captured',
    );
    return;
  }
  // FastNetMon runs both captures on the same interfaces; floodwatch captures an interface once.
  const engine: Engine = on.af_packet ? 'af_packet' : 'af_xdp';
  const other: Engine = engine === 'af_packet' ? 'af_xdp' : 'af_packet';
  const interfaces = mirrorInterfaces(keys);
  if (interfaces.length === 0) {
    const reason = `${ENGINES[engine].switch} = on but interfaces lists no usable interface: FastNetMon captures nothing, and no mirror source is carried`;
    keys.skip('interfaces', reason);
    for (const { switch: key, own } of Object.values(ENGINES)) for (const k of [key, ...own]) keys.skip(k, reason);
    keys.notes.push(`${reason}; add sources.mirror entries by hand`);
    return;
  }
  keys.carry(ENGINES[engine].switch);
  if (on[other]) {
    const reason =
      'mirror_afpacket is on too: floodwatch captures an interface with one engine, and the import keeps AF_PACKET (set engine: af_xdp to use AF_XDP instead)';
    keys.skip('mirror_afxdp', reason);
    for (const key of ENGINES.af_xdp.own) keys.skip(key, 'mirror_afxdp is not carried (mirror_afpacket is on too)');
    keys.notes.push(`mirror_afxdp = on in FastNetMon: ${reason}`);
  } else {
    keys.carry(ENGINES[other].switch);
    for (const key of ENGINES[other].own) keys.skip(key, `${ENGINES[other].switch} = off`);
  }
  keys.carry('interfaces');

  const settings = engine === 'af_packet' ? afPacketSettings(keys) : afXdpSettings(keys, interfaces);
  const mirror: MirrorSource[] = interfaces.map((name) => ({ interface: name, engine, ...settings.values }));
  out.sources = { ...((out.sources as Record<string, unknown> | undefined) ?? {}), mirror };
  comments.before.push([['sources', 'mirror'], `From ${ENGINES[engine].switch} = on and interfaces (${interfaces.join(',')}): one entry per interface.`]);
  mirror.forEach((_, index) => {
    comments.after.push([['sources', 'mirror', index, 'engine'], `${ENGINES[engine].switch} = on`]);
    for (const [field, from] of Object.entries(settings.from)) comments.after.push([['sources', 'mirror', index, field], from]);
  });
}

/** `interfaces = eth3,eth4`, as FastNetMon splits it; names Linux would refuse are left out. */
function mirrorInterfaces(keys: FastnetmonKeys): string[] {
  const names: string[] = [];
  for (const name of (keys.value('interfaces') ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    if (!isInterfaceName(name)) {
      keys.notes.push(`interfaces: '${name}' is not a Linux interface name (at most 15 characters, no '/', ':' or space): left out`);
    } else if (names.includes(name)) {
      keys.notes.push(`interfaces: ${name} is listed twice: captured once`);
    } else {
      names.push(name);
    }
  }
  return names;
}

interface MirrorSettings {
  values: Partial<MirrorSource>;
  /** The comment for each field set: where it comes from. */
  from: Record<string, string>;
}

function afPacketSettings(keys: FastnetmonKeys): MirrorSettings {
  const settings: MirrorSettings = { values: {}, from: {} };
  const fanoutKey = 'mirror_af_packet_fanout_mode';
  const mode = keys.value(fanoutKey);
  if (mode === undefined || mode === '') {
    settings.values.fanout = 'cpu';
    settings.from.fanout = `${fanoutKey} ${mode === undefined ? 'not set' : 'empty'}: cpu, FastNetMon's default`;
    keys.carry(fanoutKey);
  } else if (FANOUT_MODES[mode] !== undefined) {
    settings.values.fanout = FANOUT_MODES[mode];
    settings.from.fanout = fanoutKey;
    keys.carry(fanoutKey);
  } else if (FANOUT_NOT_CARRIED[mode] !== undefined) {
    keys.skip(fanoutKey, FANOUT_NOT_CARRIED[mode]);
  } else {
    // FastNetMon logs "Unknown FANOUT mode" and uses cpu.
    settings.values.fanout = 'cpu';
    settings.from.fanout = `${fanoutKey} = ${mode} is unknown to FastNetMon, which uses cpu then`;
    keys.carry(fanoutKey);
    keys.notes.push(`${fanoutKey} = ${mode} is not a fanout mode FastNetMon knows: it falls back to cpu, and so does the import`);
  }
  // FastNetMon's AF_PACKET socket always joins the interface in promiscuous mode.
  settings.values.promiscuous = true;
  settings.from.promiscuous = "FastNetMon's AF_PACKET capture always sets promiscuous mode";

  const rateKey = 'mirror_af_packet_custom_sampling_rate';
  const rate = keys.integer(rateKey);
  if (rate !== undefined && rate > 4294967295) {
    keys.skip(rateKey, `${rate} is larger than floodwatch's largest sampling rate, 4294967295`);
  } else if (rate !== undefined) {
    keys.carry(rateKey);
    // FastNetMon scales packets only for a rate above 1; 0 and 1 leave them as they are.
    if (rate > 1) {
      settings.values.sampling_rate = rate;
      settings.from.sampling_rate = rateKey;
    }
  }
  return settings;
}

function afXdpSettings(keys: FastnetmonKeys, interfaces: string[]): MirrorSettings {
  const settings: MirrorSettings = { values: {}, from: {} };
  const promisc = keys.flag('xdp_set_promisc');
  if (promisc !== undefined) {
    settings.values.promiscuous = promisc;
    settings.from.promiscuous = 'xdp_set_promisc';
    keys.carry('xdp_set_promisc');
  }

  const native = keys.flag('force_native_mode_xdp') ?? false;
  if (native) {
    settings.values.xdp_mode = 'native';
    settings.from.xdp_mode = 'force_native_mode_xdp = on';
    keys.carry('force_native_mode_xdp');
  } else {
    keys.skip(
      'force_native_mode_xdp',
      "off: FastNetMon then runs XDP in generic (SKB) mode; floodwatch's default, xdp_mode: auto, tries native mode first and falls back to generic (set xdp_mode: generic to keep FastNetMon's)",
    );
  }

  // FastNetMon asks for zero-copy only in native mode; in generic mode it always copies.
  const zeroCopy = keys.flag('zero_copy_xdp') ?? false;
  if (zeroCopy && native) {
    settings.values.zero_copy = 'on';
    settings.from.zero_copy = 'zero_copy_xdp = on';
    keys.carry('zero_copy_xdp');
  } else if (zeroCopy) {
    keys.skip(
      'zero_copy_xdp',
      "FastNetMon asks for zero-copy only with force_native_mode_xdp = on, and copies here; floodwatch's default, zero_copy: auto, uses zero-copy where the driver offers it",
    );
  } else {
    keys.skip(
      'zero_copy_xdp',
      "off: floodwatch's default, zero_copy: auto, uses zero-copy where the driver offers it and copies elsewhere (set zero_copy: off to always copy)",
    );
  }

  keys.skip(
    'poll_mode_xdp',
    'floodwatch paces its AF_XDP reads itself: each worker sleeps between drains of its RX ring, up to batch_wait_ms, instead of spinning or calling poll()',
  );
  keys.skip(
    'microcode_xdp_path',
    "floodwatch loads its own XDP program, built in, which hands every frame to its AF_XDP sockets: FastNetMon's xdp_kernel.o is not used",
  );
  const rate = keys.value('mirror_af_packet_custom_sampling_rate');
  if (rate !== undefined && /^\d+$/.test(rate) && Number(rate) > 1) {
    keys.notes.push(
      `mirror_af_packet_custom_sampling_rate = ${rate}: FastNetMon applies it to AF_PACKET capture only, not to AF_XDP; if the mirror port is sampled, set sampling_rate: ${rate} on the af_xdp entries`,
    );
  }
  const [first] = interfaces;
  keys.notes.push(
    interfaces.length > 1
      ? `mirror_afxdp: FastNetMon 1.2.4's AF_XDP captures the first interface listed only (${first}), on its RX queue 0; floodwatch captures each of ${interfaces.join(', ')}, on every RX queue`
      : `mirror_afxdp: FastNetMon 1.2.4's AF_XDP reads RX queue 0 of ${first} only; floodwatch reads every RX queue`,
  );
  return settings;
}

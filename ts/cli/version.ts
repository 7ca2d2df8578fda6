// What `floodwatch --version` prints: the package's version and the native engine's build.
import { readFileSync } from 'node:fs';
import { loadNative } from '../engine/native.js';
import { packageVersion } from '../package-version.js';

/** `floodwatch 0.1.0` and a line on the engine: its Rust version, features and AF_XDP support. */
export function versionText(): string {
  return `floodwatch ${packageVersion()}\nengine: ${engineBuild()}\nnode: ${process.version}\n`;
}

function engineBuild(): string {
  let native: ReturnType<typeof loadNative>;
  try {
    native = loadNative();
  } catch (error) {
    return `not loaded: ${(error as Error).message}`;
  }
  const build = native.buildInfo?.() ?? 'built by an older floodwatch that does not describe its build';
  return `${build}\nAF_XDP: ${afXdpInKernel()}`;
}

/** Whether this kernel has AF_XDP sockets: /proc/net/protocols lists XDP when it does. */
function afXdpInKernel(): string {
  let protocols: string;
  try {
    protocols = readFileSync('/proc/net/protocols', 'utf8');
  } catch {
    return 'unknown (no /proc/net/protocols)';
  }
  return /^XDP\s/m.test(protocols)
    ? 'available in this kernel (a mirror port with engine: af_xdp needs CAP_NET_ADMIN and CAP_BPF)'
    : 'not in this kernel (Linux 4.18 or later with CONFIG_XDP_SOCKETS): use engine: af_packet';
}

import { lookup } from 'node:dns/promises';
import net from 'node:net';

const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

function isLoopbackAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return false;
  return LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Whether listening on `host` keeps the engine reachable from this machine only: a loopback address (127.0.0.0/8,
 * `::1`) or a name all of whose addresses are loopback ones (`localhost`). `0.0.0.0`, `::`, a LAN address or a name
 * that does not resolve are not.
 */
export async function isLoopbackHost(host: string): Promise<boolean> {
  if (net.isIP(host) !== 0) return isLoopbackAddress(host);
  try {
    const addresses = await lookup(host, { all: true });
    return addresses.length > 0 && addresses.every((entry) => isLoopbackAddress(entry.address));
  } catch {
    return false;
  }
}

import ipaddr from 'ipaddr.js';

/**
 * Which addresses outbound HTTP may reach. ipaddr.js classifies ranges; `process()` unwraps
 * IPv4-mapped IPv6 (::ffff:127.0.0.1 is loopback, not "ipv4Mapped"). Only `unicast`, the
 * public range, passes unless private targets are allowed (local development, tests).
 */
export function isAllowedAddress(address: string, allowPrivate: boolean): boolean {
  if (!ipaddr.isValid(address)) return false;
  if (allowPrivate) return true;
  return rangeOf(address) === 'unicast';
}

/**
 * ipaddr.js's range, plus the deprecated IPv4-compatible block ::/96 (RFC 4291 section
 * 2.5.5.1), which it calls unicast: `[::127.0.0.1]` reaches 127.0.0.1 on some stacks.
 */
function rangeOf(address: string): string {
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv6') {
    const parts = (parsed as ipaddr.IPv6).parts;
    // :: and ::1 are in the block too, but ipaddr.js names them (unspecified, loopback).
    const named = parts[6] === 0 && parts[7] <= 1;
    if (parts.slice(0, 6).every((p) => p === 0) && !named) return 'ipv4Compatible';
  }
  return parsed.range();
}

export function describeRange(address: string): string {
  return ipaddr.isValid(address) ? rangeOf(address) : 'invalid';
}

/**
 * The OUTBOUND_ALLOW_HOSTS entry that approves `hostname`: the name itself, or for an address
 * literal its plain form (an IPv4-mapped `::ffff:7f00:1` is approved as `127.0.0.1`).
 */
function allowEntryFor(hostname: string): string {
  if (ipaddr.isValid(hostname)) return ipaddr.process(hostname).toString();
  return hostname.toLowerCase().replace(/\.$/, '');
}

/** Never reachable, whoever approves: these are not hosts. */
const NEVER = new Set(['unspecified', 'multicast', 'broadcast', 'invalid']);

/**
 * The SSRF rule with the operator's exceptions (`OUTBOUND_ALLOW_HOSTS`): a Jira Server or a
 * CalDAV server on the office network is approved by name (`jira.corp.example`, or
 * `*.corp.example` for a domain) or by range (`10.20.0.0/16`, `192.168.1.5`), instead of
 * opening every private address with `OUTBOUND_ALLOW_PRIVATE`.
 */
export class OutboundPolicy {
  private readonly names: string[] = [];
  private readonly suffixes: string[] = [];
  private readonly ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];

  constructor(
    readonly allowPrivate: boolean,
    allowHosts: readonly string[] = [],
  ) {
    for (const raw of allowHosts) {
      const entry = raw.trim().toLowerCase();
      if (!entry) continue;
      if (entry.includes('/')) this.ranges.push(ipaddr.parseCIDR(entry));
      else if (ipaddr.isValid(entry)) {
        const ip = ipaddr.parse(entry);
        this.ranges.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
      } else if (entry.startsWith('*.')) this.suffixes.push(entry.slice(1));
      else this.names.push(entry);
    }
  }

  /** Why `hostname` (as written in the URL) may not be reached at `address`, or undefined. */
  refusal(hostname: string, address: string): string | undefined {
    if (isAllowedAddress(address, this.allowPrivate)) return undefined;
    const range = describeRange(address);
    if (NEVER.has(range))
      return `${hostname} resolves to ${address} (${range}), which is not a host outbound requests can reach (OUTBOUND_ALLOW_HOSTS cannot approve it)`;
    if (this.approvesName(hostname) || this.approvesAddress(address)) return undefined;
    // The one fix an operator can apply, named exactly: the settings are read at start-up, so
    // saving the URL again without a restart is refused again.
    return (
      `${hostname} resolves to ${address} (${range}), which outbound requests may not reach; ` +
      `to allow it, add ${allowEntryFor(hostname)} to OUTBOUND_ALLOW_HOSTS (or, on a development ` +
      `machine only, set OUTBOUND_ALLOW_PRIVATE=true) and restart the hub: both are read at start-up`
    );
  }

  private approvesName(hostname: string): boolean {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    return this.names.includes(name) || this.suffixes.some((s) => name.endsWith(s));
  }

  private approvesAddress(address: string): boolean {
    const ip = ipaddr.process(address);
    return this.ranges.some(([net, bits]) => ip.kind() === net.kind() && ip.match(net, bits));
  }
}

import { describeRange, isAllowedAddress, OutboundPolicy } from './address-policy.js';

describe('isAllowedAddress', () => {
  it.each([
    '127.0.0.1',
    '::1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '0.0.0.0',
    '::',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    'fc00::1',
    'fe80::1',
    '100.64.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '::7f00:1',
    '::127.0.0.1',
    '::a00:1',
    '::808:808',
  ])('refuses %s by default', (address) => {
    expect(isAllowedAddress(address, false)).toBe(false);
  });

  it.each(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:93.184.216.34'])(
    'allows public %s',
    (address) => {
      expect(isAllowedAddress(address, false)).toBe(true);
    },
  );

  it('allows private targets only when told to', () => {
    expect(isAllowedAddress('127.0.0.1', true)).toBe(true);
  });

  it('names the range it refused', () => {
    expect(describeRange('::ffff:127.0.0.1')).toBe('loopback');
    expect(describeRange('169.254.169.254')).toBe('linkLocal');
    expect(describeRange('::7f00:1')).toBe('ipv4Compatible');
    expect(describeRange('::1')).toBe('loopback');
  });
});

describe('OutboundPolicy.refusal', () => {
  const policy = new OutboundPolicy(false, []);

  it('names the setting that approves a private host, and that it takes a restart', () => {
    const why = policy.refusal('receiver.lan', '192.168.1.20');
    expect(why).toContain('192.168.1.20 (private)');
    expect(why).toContain('add receiver.lan to OUTBOUND_ALLOW_HOSTS');
    expect(why).toContain('OUTBOUND_ALLOW_PRIVATE=true');
    expect(why).toMatch(/restart the hub/);
  });

  it('suggests the plain address for an address literal, which is what the setting matches', () => {
    const why = policy.refusal('::ffff:7f00:1', '::ffff:7f00:1');
    expect(why).toContain('add 127.0.0.1 to OUTBOUND_ALLOW_HOSTS');
    // The suggestion works: the same policy with that entry approves the URL.
    expect(new OutboundPolicy(false, ['127.0.0.1']).refusal('::ffff:7f00:1', '::ffff:7f00:1')).toBe(
      undefined,
    );
  });

  it('does not offer OUTBOUND_ALLOW_HOSTS for addresses it cannot approve', () => {
    const why = policy.refusal('0.0.0.0', '0.0.0.0');
    expect(why).toContain('(unspecified)');
    expect(why).toContain('cannot approve it');
    expect(new OutboundPolicy(false, ['0.0.0.0']).refusal('0.0.0.0', '0.0.0.0')).toBeDefined();
  });
});

import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager, Repository } from 'typeorm';
import { OutboundException } from '../common/outbound/outbound.exception.js';
import type { OutboundHttpService } from '../common/outbound/outbound-http.service.js';
import { SecretBox, type SecretBoxService } from '../common/security/secret-box.js';
import type { DeliveryTargetRepository } from '../webhooks/targets/delivery-target.repository.js';
import { DeliveryService } from '../webhooks/targets/delivery.service.js';
import { TriggerActionSecrets } from './trigger-action.js';
import type { TriggerEntity } from './trigger.entity.js';
import { TriggersService, type TriggerWrite } from './triggers.service.js';

/** The host the fake resolver refuses, as the SSRF guard would a private address. */
const REFUSED_HOST = 'refused.localhost';

/**
 * The real service, secrets and DeliveryService over fakes that record, in order, each DNS
 * resolution (and whether a transaction was open then), the transaction's edges and its
 * writes: a slow resolver must never hold a transaction (and its pooled connection) open.
 */
function harness() {
  const log: string[] = [];
  let inTx = false;
  const outbound = {
    async assertUrlAllowed(raw: string, field = 'url') {
      log.push(inTx ? 'resolve inside tx' : 'resolve');
      const url = new URL(raw);
      if (url.hostname === REFUSED_HOST) throw OutboundException.urlNotAllowed(field, 'refused');
      return url;
    },
  } as unknown as OutboundHttpService;
  const rows = new Map<string, TriggerEntity>();
  const repo = {
    create: (t: TriggerWrite) => ({ ...t }),
    async insert(t: TriggerEntity) {
      log.push('trigger insert');
      rows.set(t.id, Object.assign(t, { createdAt: new Date(), updatedAt: new Date() }));
    },
    async update({ id }: { id: string }, t: Partial<TriggerWrite>) {
      log.push('trigger update');
      rows.set(id, { ...rows.get(id)!, ...t, updatedAt: new Date() });
      return { affected: 1 };
    },
    findOneBy: async ({ id }: { id: string }) => rows.get(id) ?? null,
    findOneByOrFail: async ({ id }: { id: string }) => rows.get(id)!,
  } as unknown as Repository<TriggerEntity>;
  const dataSource = {
    manager: {} as EntityManager,
    async transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
      log.push('tx begin');
      inTx = true;
      try {
        return await work({ getRepository: () => repo } as unknown as EntityManager);
      } finally {
        inTx = false;
        log.push('tx end');
      }
    },
  } as unknown as DataSource;
  const targets = {
    async upsert(_m: EntityManager, t: { owner: string; targetKey: string; url: string }) {
      log.push('target upsert');
      return { id: 'target-1', ...t, enabled: true, disabledReason: null };
    },
  } as unknown as DeliveryTargetRepository;
  const box = new SecretBox(randomBytes(32)) as SecretBoxService;
  const deliveries = new DeliveryService(
    dataSource,
    targets,
    {} as never,
    outbound,
    box,
    {} as never,
    {} as never,
  );
  const sut = new TriggersService(
    dataSource,
    repo,
    new TriggerActionSecrets(box, deliveries),
    deliveries,
  );
  return { sut, log };
}

const action = (url: string) => ({ type: 'webhook' as const, url });

describe('TriggersService save: DNS before the transaction', () => {
  it('resolves the action URL before opening the transaction that writes the rows', async () => {
    const { sut, log } = harness();
    await sut.create({ name: 'disk full', action: action('http://alerts.localhost:9/hook') });
    expect(log).toEqual(['resolve', 'tx begin', 'target upsert', 'trigger insert', 'tx end']);
  });

  it('re-checks a kept URL on update before the transaction too', async () => {
    const { sut, log } = harness();
    const { id } = await sut.create({ name: 'a', action: action('http://alerts.localhost:9/') });
    log.length = 0;
    await sut.update(id, { description: 'renamed' });
    expect(log).toEqual(['resolve', 'tx begin', 'target upsert', 'trigger update', 'tx end']);
  });

  it('refuses a URL with a 422 naming action.url and never opens a transaction', async () => {
    const { sut, log } = harness();
    const refused = sut.create({ name: 'x', action: action(`http://${REFUSED_HOST}/`) });
    await expect(refused).rejects.toMatchObject({
      status: 422,
      extra: { errors: [{ field: 'action.url', message: 'refused' }] },
    });
    expect(log).toEqual(['resolve']);
  });

  it('names a bad secret action.secret, before any transaction', async () => {
    const { sut, log } = harness();
    const short = sut.create({
      name: 'y',
      action: { ...action('http://alerts.localhost:9/'), secret: 'whsec_c2hvcnQ=' },
    });
    await expect(short).rejects.toMatchObject({ errors: [{ field: 'action.secret' }] });
    expect(log).not.toContain('tx begin');
  });
});

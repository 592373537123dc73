import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { pageByCreation } from '../../common/http/pagination.js';
import { OutboundHttpService } from '../../common/outbound/outbound-http.service.js';
import { SecretBoxService } from '../../common/security/secret-box.js';
import { ValidationFailedException } from '../../common/http/validation.js';
import {
  DEFAULT_SIGNATURE,
  EndpointSignature,
  generateSecret,
  isValidSecret,
  resolveSignature,
  signatureHeaderClash,
} from '../signature.js';
import { DEFAULT_BODY_SHAPE } from '../payloads/body-shape.js';
import { WebhooksException } from '../webhooks.exception.js';
import { CreateEndpointDto } from './dto/create-endpoint.dto.js';
import { EndpointDto, EndpointPageDto, EndpointSecretDto } from './dto/endpoint.dto.js';
import { ListEndpointsQueryDto, RotateSecretDto } from './dto/endpoint-requests.dto.js';
import { UpdateEndpointDto } from './dto/update-endpoint.dto.js';
import { EndpointEntity, StoredSecret } from './endpoint.entity.js';
import {
  displayHeaders,
  endpointConfigError,
  isSealedValue,
  REDACTED,
  sealHeaders,
} from './endpoint-headers.js';
import { assertCredentialsStay } from '../../common/security/credential-origin.js';
import { compileEventTypes } from '../../events/index.js';
import { wakeDeliveryWorkers } from '../deliveries/delivery-wake-up.js';

const DEFAULT_GRACE_SECONDS = 24 * 3600;

/** Endpoints managed over the API (owner IS NULL). */
@Injectable()
export class EndpointService implements OnApplicationBootstrap {
  private readonly logger = new Logger(EndpointService.name);

  constructor(
    @InjectRepository(EndpointEntity) private readonly endpoints: Repository<EndpointEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbound: OutboundHttpService,
    private readonly box: SecretBoxService,
  ) {}

  async create(dto: CreateEndpointDto): Promise<EndpointDto> {
    const secret = dto.secret ?? generateSecret();
    assertSecret(secret);
    await this.outbound.assertUrlAllowed(dto.url);
    const types = dto.eventTypes ?? [];
    const compiled = compileEventTypes(types);
    const signature = dto.signature ? resolveSignature(dto.signature) : DEFAULT_SIGNATURE;
    assertNoHeaderClash(signature, dto.headers ?? {}, dto.signature !== undefined);
    const entity = this.endpoints.create({
      owner: null,
      url: dto.url,
      description: dto.description ?? '',
      eventTypes: types,
      exactTypes: compiled.exact,
      typePatterns: compiled.patterns,
      enabled: dto.enabled ?? true,
      headers: sealHeaders(this.box, dto.headers ?? {}),
      rateLimitPerSecond: dto.rateLimitPerSecond ?? null,
      metadata: dto.metadata ?? {},
      signature,
      body: dto.body ?? DEFAULT_BODY_SHAPE,
      secrets: [
        { sealed: this.box.seal(secret), createdAt: new Date().toISOString(), expiresAt: null },
      ],
    });
    return this.toDto(await this.endpoints.save(entity));
  }

  async list(q: ListEndpointsQueryDto): Promise<EndpointPageDto> {
    const qb = this.endpoints.createQueryBuilder('e').where('e.owner IS NULL');
    if (q.enabled !== undefined) qb.andWhere('e.enabled = :enabled', { enabled: q.enabled });
    return pageByCreation(qb, 'webhook_endpoints', q, (e) => this.toDto(e));
  }

  async get(id: string): Promise<EndpointDto> {
    return this.toDto(await this.find(id));
  }

  async find(id: string): Promise<EndpointEntity> {
    const e = await this.endpoints.findOne({ where: { id } });
    if (!e || e.owner !== null) throw WebhooksException.endpointNotFound(id);
    return e;
  }

  async update(id: string, dto: UpdateEndpointDto): Promise<EndpointDto> {
    const e = await this.find(id);
    if (dto.url !== undefined && dto.url !== e.url) {
      // Header values kept from the store (left out, or sent back as [redacted]).
      const kept = Object.keys(e.headers).filter(
        (name) =>
          dto.headers === undefined ||
          Object.entries(dto.headers).some(
            ([n, v]) => n.toLowerCase() === name.toLowerCase() && v === REDACTED,
          ),
      );
      assertCredentialsStay(e.url, dto.url, kept, 'headers.');
      await this.outbound.assertUrlAllowed(dto.url);
      e.url = dto.url;
    }
    if (dto.description !== undefined) e.description = dto.description;
    if (dto.eventTypes !== undefined) {
      const compiled = compileEventTypes(dto.eventTypes);
      Object.assign(e, {
        eventTypes: dto.eventTypes,
        exactTypes: compiled.exact,
        typePatterns: compiled.patterns,
      });
    }
    if (dto.signature) e.signature = resolveSignature(dto.signature);
    if (dto.signature || dto.headers)
      assertNoHeaderClash(e.signature, dto.headers ?? e.headers, dto.signature !== undefined);
    if (dto.headers !== undefined) e.headers = sealHeaders(this.box, dto.headers, e.headers);
    if (dto.body !== undefined) e.body = dto.body;
    if (dto.rateLimitPerSecond !== undefined) e.rateLimitPerSecond = dto.rateLimitPerSecond;
    if (dto.metadata !== undefined) e.metadata = dto.metadata;
    if (dto.enabled !== undefined && dto.enabled !== e.enabled) {
      e.enabled = dto.enabled;
      // Re-enabling starts over: the failure streak and the reason it was disabled go away.
      Object.assign(
        e,
        dto.enabled
          ? { disabledReason: null, disabledAt: null, failingSince: null }
          : { disabledReason: 'disabled by an operator', disabledAt: new Date() },
      );
    }
    const saved = this.toDto(await this.endpoints.save(e));
    if (dto.enabled) await wakeDeliveryWorkers(this.dataSource);
    return saved;
  }

  /**
   * Rows saved before header values were sealed hold them in clear: seal them once. Safe
   * with several instances starting at once (each row is replaced only if still unchanged).
   */
  async onApplicationBootstrap(): Promise<void> {
    const rows = await this.endpoints
      .createQueryBuilder('e')
      .select(['e.id', 'e.headers'])
      .where(
        `EXISTS (SELECT 1 FROM jsonb_each_text(e.headers) h WHERE h.value !~ '^v1\\.[0-9a-f]{16}\\.')`,
      )
      .getMany();
    for (const row of rows) {
      const sealed = Object.fromEntries(
        Object.entries(row.headers).map(([k, v]) => [k, isSealedValue(v) ? v : this.box.seal(v)]),
      );
      await this.endpoints
        .createQueryBuilder()
        .update()
        // Sealing changes no setting: updated_at stays as it was.
        .set({ headers: sealed, updatedAt: () => 'updated_at' })
        .where('id = :id AND headers = CAST(:old AS jsonb)', {
          id: row.id,
          old: JSON.stringify(row.headers),
        })
        .execute();
    }
    if (rows.length) this.logger.log(`sealed the static header values of ${rows.length} endpoints`);
  }

  private toDto(e: EndpointEntity): EndpointDto {
    const now = Date.now();
    const signing = e.secrets
      .filter((s) => !s.expiresAt || Date.parse(s.expiresAt) > now)
      .map((s) => s.sealed);
    return EndpointDto.from(
      e,
      displayHeaders(this.box, e.headers),
      endpointConfigError(this.box, signing, e.headers),
    );
  }

  async remove(id: string): Promise<void> {
    await this.find(id);
    await this.endpoints.delete({ id });
  }

  async secret(id: string): Promise<EndpointSecretDto> {
    const e = await this.find(id);
    const now = Date.now();
    const current = e.secrets.find((s) => s.expiresAt === null)!;
    return {
      secret: this.box.open(current.sealed),
      previous: e.secrets
        .filter((s) => s.expiresAt && Date.parse(s.expiresAt) > now)
        .map((s) => ({ expiresAt: s.expiresAt! })),
    };
  }

  /** New current secret; the old ones keep signing until the grace period ends. */
  async rotate(id: string, dto: RotateSecretDto): Promise<EndpointSecretDto> {
    const secret = dto.secret ?? generateSecret();
    assertSecret(secret);
    await this.dataSource.transaction(async (m) => {
      const e = await m
        .getRepository(EndpointEntity)
        .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!e || e.owner !== null) throw WebhooksException.endpointNotFound(id);
      const now = Date.now();
      const expiresAt = new Date(
        now + (dto.graceSeconds ?? DEFAULT_GRACE_SECONDS) * 1000,
      ).toISOString();
      const kept: StoredSecret[] = e.secrets
        .filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > now)
        .map((s) => (s.expiresAt === null ? { ...s, expiresAt } : s));
      e.secrets = [
        { sealed: this.box.seal(secret), createdAt: new Date(now).toISOString(), expiresAt: null },
        ...kept,
      ];
      await m.getRepository(EndpointEntity).save(e);
    });
    return this.secret(id);
  }
}

function assertSecret(secret: string): void {
  if (!isValidSecret(secret)) {
    throw new ValidationFailedException([
      { field: 'secret', message: 'must be whsec_ followed by base64 of 24 to 64 bytes' },
    ]);
  }
}

/** The signature header and a static header of the same name would overwrite each other. */
function assertNoHeaderClash(
  signature: EndpointSignature,
  headers: Record<string, string>,
  signatureInRequest: boolean,
): void {
  const clash = signatureHeaderClash(signature, headers);
  if (clash === undefined) return;
  throw new ValidationFailedException([
    signatureInRequest
      ? {
          field: 'signature.header',
          message: `collides with the static header ${clash}; choose another name or remove that header`,
        }
      : {
          field: `headers.${clash}`,
          message: `is the header that carries this endpoint's signature (signature.header)`,
        },
  ]);
}

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { OutboundHttpService } from '../common/outbound/outbound-http.service.js';
import { CreateIntegrationDto } from './dto/create-integration.dto.js';
import { IntegrationDto, IntegrationListDto, TestResultDto } from './dto/integration.dto.js';
import { UpdateIntegrationDto } from './dto/update-integration.dto.js';
import { IntegrationConfigService } from './integration-config.js';
import { IntegrationEntity } from './integration.entity.js';
import { IntegrationsException } from './integrations.exception.js';
import { peerTextFilter } from './peer-text.js';
import { RemoteCaller } from './remote-caller.js';

/** Admin CRUD of integrations and their connection test. */
@Injectable()
export class IntegrationsService {
  constructor(
    @InjectRepository(IntegrationEntity) private readonly repo: Repository<IntegrationEntity>,
    private readonly configs: IntegrationConfigService,
    private readonly outbound: OutboundHttpService,
    private readonly remote: RemoteCaller,
  ) {}

  async create(dto: CreateIntegrationDto): Promise<IntegrationDto> {
    const config = await this.checkedConfig(dto.kind, dto.config);
    const saved = await this.repo.save(
      this.repo.create({
        kind: dto.kind,
        name: dto.name,
        enabled: dto.enabled ?? true,
        eventFilter: dto.eventFilter ?? ['*'],
        configSealed: this.configs.seal(config),
      }),
    );
    return this.toDto(saved);
  }

  async list(): Promise<IntegrationListDto> {
    const rows = await this.repo.find({ order: { createdAt: 'ASC', id: 'ASC' } });
    return { data: rows.map((r) => this.toDto(r)) };
  }

  async get(id: string): Promise<IntegrationDto> {
    return this.toDto(await this.entity(id));
  }

  async update(id: string, dto: UpdateIntegrationDto): Promise<IntegrationDto> {
    const row = await this.entity(id);
    if (dto.config !== undefined) {
      const opened = this.configs.open(row);
      const merged = this.configs.merge(row.kind, opened.config, dto.config);
      row.configSealed = this.configs.seal(await this.checkedConfig(row.kind, merged));
    }
    if (dto.name !== undefined) row.name = dto.name;
    if (dto.enabled !== undefined) row.enabled = dto.enabled;
    if (dto.eventFilter !== undefined) row.eventFilter = dto.eventFilter;
    return this.toDto(await this.repo.save(row));
  }

  async remove(id: string): Promise<void> {
    const res = await this.repo.delete({ id });
    if (!res.affected) throw IntegrationsException.notFound(id);
  }

  /** Tests a saved integration (its stored config). */
  async test(id: string): Promise<TestResultDto> {
    const row = await this.entity(id);
    const opened = this.configs.open(row);
    if (opened.error !== null) throw IntegrationsException.configUnreadable(id, opened.error);
    return this.runTest(row.kind, opened.config, id);
  }

  /** Tests an unsaved body: nothing is stored, nothing is logged. */
  async testUnsaved(dto: CreateIntegrationDto): Promise<TestResultDto> {
    return this.runTest(dto.kind, await this.checkedConfig(dto.kind, dto.config), null);
  }

  private async runTest(
    kind: string,
    raw: Record<string, unknown>,
    id: string | null,
  ): Promise<TestResultDto> {
    const connector = this.configs.connector(kind);
    const config = connector.withDefaults(raw);
    const checks = await connector.test(config, (req) =>
      this.remote.call(
        connector,
        config,
        { integrationId: id ?? '', cardId: null, eventType: null, noLog: id === null },
        'test',
        req,
      ),
    );
    // Messages quote the peer (a display name, status names): filtered like stored text.
    const clean = peerTextFilter(connector, config);
    return {
      ok: checks.every((c) => c.ok),
      checks: checks.map((c) => ({ ...c, message: clean(c.message) })),
    };
  }

  private async checkedConfig(kind: string, raw: unknown): Promise<Record<string, unknown>> {
    const config = this.configs.validate(kind, raw);
    if (typeof config.baseUrl === 'string')
      await this.outbound.assertUrlAllowed(config.baseUrl, 'config.baseUrl');
    return config;
  }

  private async entity(id: string): Promise<IntegrationEntity> {
    const row = await this.repo.findOneBy({ id });
    if (!row) throw IntegrationsException.notFound(id);
    return row;
  }

  private toDto(row: IntegrationEntity): IntegrationDto {
    const opened = this.configs.open(row);
    return {
      id: row.id,
      kind: row.kind,
      name: row.name,
      enabled: row.enabled,
      eventFilter: row.eventFilter,
      config: opened.config ? this.configs.redact(row.kind, opened.config) : null,
      configError: opened.error,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    };
  }
}

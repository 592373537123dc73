import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { ApiKeyEntity, ApiKeyRole } from './api-key.entity.js';
import { AuthException } from './auth.exception.js';
import { generateApiKey, parseApiKey, sha256 } from './credentials.js';
import { timingSafeEqual } from 'node:crypto';

/** Skip the last-used write when it was recorded this recently (one write per key per minute). */
const LAST_USED_GRANULARITY_MS = 60_000;

@Injectable()
export class ApiKeysService {
  constructor(@InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>) {}

  async create(name: string, role: ApiKeyRole): Promise<{ entity: ApiKeyEntity; key: string }> {
    const { key, prefix, hash } = generateApiKey();
    const entity = await this.keys.save(this.keys.create({ name, role, prefix, secretHash: hash }));
    return { entity, key };
  }

  list(): Promise<ApiKeyEntity[]> {
    return this.keys.find({ where: { revokedAt: IsNull() }, order: { createdAt: 'DESC' } });
  }

  async revoke(id: string): Promise<void> {
    const result = await this.keys.update(
      { id, revokedAt: IsNull() },
      { revokedAt: () => 'now()' },
    );
    if (!result.affected) throw AuthException.apiKeyNotFound(id);
  }

  /** The key's row when the token is a live API key, otherwise undefined. */
  async authenticate(token: string): Promise<ApiKeyEntity | undefined> {
    const parsed = parseApiKey(token);
    if (!parsed) return undefined;
    const row = await this.keys.findOne({ where: { prefix: parsed.prefix, revokedAt: IsNull() } });
    if (!row) return undefined;
    const expected = Buffer.from(row.secretHash, 'hex');
    if (expected.length !== 32 || !timingSafeEqual(sha256(token), expected)) return undefined;
    if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
      await this.keys.update({ id: row.id }, { lastUsedAt: () => 'now()' });
    }
    return row;
  }
}

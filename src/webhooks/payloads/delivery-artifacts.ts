import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ArtifactStore } from '../../artifacts/index.js';
import { webhooksConfig } from '../../config/webhooks.config.js';
import { DeliveryArtifacts, inlineChoice, NO_ARTIFACTS, referencedIds } from './artifact-data.js';

/** Links minted now expire within the TTL; the hold adds a margin for the clock of the send. */
const HOLD_MARGIN_MS = 60_000;

/** Loads what a delivery's body says about the artifacts its event names. */
@Injectable()
export class DeliveryArtifactsLoader {
  constructor(
    private readonly store: ArtifactStore,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
  ) {}

  /**
   * For an attempt about to be sent: descriptions, and the bytes of those inlined. Each
   * artifact is held past the expiry of the links this attempt carries, so retention cannot
   * remove one while a receiver may still fetch it.
   */
  async forSending(stored: string): Promise<DeliveryArtifacts> {
    const ids = referencedIds(stored);
    if (ids.length === 0) return NO_ARTIFACTS;
    const holdUntil = new Date(Date.now() + this.config.payloadUrlTtlMs + HOLD_MARGIN_MS);
    const metas = new Map((await this.store.describe(ids, holdUntil)).map((m) => [m.id, m]));
    const inline = inlineChoice(ids, metas, this.config.maxInlineBytes);
    return { metas, contents: await this.store.contents(inline) };
  }

  /** For the data behind a `dataReference`: descriptions only, every artifact linked. */
  async forReference(stored: string): Promise<DeliveryArtifacts> {
    const ids = referencedIds(stored);
    if (ids.length === 0) return NO_ARTIFACTS;
    const metas = new Map((await this.store.describe(ids)).map((m) => [m.id, m]));
    return { metas, contents: new Map() };
  }
}

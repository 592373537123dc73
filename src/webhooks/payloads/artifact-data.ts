import { isUtf8 } from 'node:buffer';
import { artifactRefs, type ArtifactMeta } from '../../artifacts/index.js';

/** The artifacts one delivery names: each stored one's description, and the bytes to inline. */
export interface DeliveryArtifacts {
  metas: ReadonlyMap<string, ArtifactMeta>;
  contents: ReadonlyMap<string, Buffer>;
}

export const NO_ARTIFACTS: DeliveryArtifacts = { metas: new Map(), contents: new Map() };

/** A signed link to one artifact of one delivery. */
export interface ArtifactLink {
  url: string;
  expiresAt: Date;
}

/** Media types whose bytes go inline as text (when they are UTF-8); any other goes as base64. */
const TEXT_TYPE =
  /^(text\/[^;]+|application\/(json|xml|x-ndjson|yaml|x-yaml|javascript|csv)|[^;/]+\/[^;]+\+(json|xml))\s*(;|$)/i;

/** The artifact ids a stored payload's `data` names, in order; no parse when it names none. */
export function referencedIds(stored: string): string[] {
  if (!stored.includes('"artifactId"')) return [];
  const { data } = JSON.parse(stored) as { data?: unknown };
  return [...new Set(artifactRefs(data).map((r) => r.artifactId.toLowerCase()))];
}

/**
 * Which artifacts a body inlines: in the order the event names them, each that still fits in
 * `budget` bytes with those inlined before it (foreman inlines every artifact of at most
 * 256 KiB; the budget also keeps a body with many of them bounded). The rest are linked.
 */
export function inlineChoice(
  ids: string[],
  metas: ReadonlyMap<string, ArtifactMeta>,
  budget: number,
): string[] {
  const chosen: string[] = [];
  let left = budget;
  for (const id of ids) {
    const meta = metas.get(id);
    if (meta && meta.size <= left) {
      chosen.push(id);
      left -= meta.size;
    }
  }
  return chosen;
}

/**
 * The per-delivery form of an event's data: every `{artifactId}` item of `data.artifacts`
 * becomes `{name, content_type, size, sha256}` (foreman's keys) plus its bytes as `data`
 * (text as text, anything else base64 with `encoding: "base64"`) when `artifacts.contents`
 * holds them, else a signed `url` with `expires_at`. An artifact no longer stored is
 * `{artifactId, gone: true}`. Other keys and items are kept as published. A pure function of
 * its inputs: a `dataReference` fetched later rebuilds exactly the bytes it hashed.
 */
export function expandArtifacts(
  data: unknown,
  artifacts: DeliveryArtifacts,
  link: (artifactId: string) => ArtifactLink,
): unknown {
  const refs = artifactRefs(data);
  if (refs.length === 0) return data;
  const list = [...(data as { artifacts: unknown[] }).artifacts];
  for (const { index, artifactId } of refs) {
    const item = list[index] as Record<string, unknown>;
    const meta = artifacts.metas.get(artifactId.toLowerCase());
    if (!meta) {
      list[index] = { ...item, gone: true };
      continue;
    }
    const described = {
      ...item,
      name: meta.name,
      content_type: meta.contentType,
      size: meta.size,
      sha256: meta.sha256,
    };
    const content = artifacts.contents.get(meta.id);
    if (content) {
      list[index] =
        TEXT_TYPE.test(meta.contentType) && isUtf8(content)
          ? { ...described, data: content.toString('utf8') }
          : { ...described, data: content.toString('base64'), encoding: 'base64' };
    } else {
      const { url, expiresAt } = link(meta.id);
      list[index] = { ...described, url, expires_at: expiresAt.toISOString() };
    }
  }
  return { ...(data as Record<string, unknown>), artifacts: list };
}

/**
 * `expandArtifacts` over a stored payload (`{type, timestamp, data}` JSON text). A payload
 * naming no artifact comes back as the same text; one that does is re-serialised, so its
 * numbers take JSON.stringify's form (1.10 becomes 1.1).
 */
export function withArtifacts(
  payload: string,
  artifacts: DeliveryArtifacts,
  link: (artifactId: string) => ArtifactLink,
): string {
  if (!payload.includes('"artifactId"')) return payload;
  const parsed = JSON.parse(payload) as { data?: unknown };
  const data = expandArtifacts(parsed.data, artifacts, link);
  return data === parsed.data ? payload : JSON.stringify({ ...parsed, data });
}

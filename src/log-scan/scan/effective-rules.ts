/** The fields of a rule that decide which rules apply to a source. */
export interface ScopedRule {
  id: string;
  source: string | null;
  overrides: string | null;
  enabled: boolean;
}

/**
 * The rules that scan a source's lines: the global rules minus those the source overrides,
 * plus the source's own rules (an override included). A disabled override still removes its
 * global rule, so disabling an override mutes that rule for the one source.
 */
export function effectiveRules<R extends ScopedRule>(all: readonly R[], source: string): R[] {
  const own = all.filter((r) => r.source === source);
  const overridden = new Set(own.map((r) => r.overrides).filter((id): id is string => !!id));
  return [
    ...all.filter((r) => r.source === null && r.enabled && !overridden.has(r.id)),
    ...own.filter((r) => r.enabled),
  ];
}

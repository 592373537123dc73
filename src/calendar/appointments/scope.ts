/** The scope kinds of a binding (docs/calendar.md). */
export const SCOPE_KINDS = [
  'all_visible',
  'personal_only',
  'project',
  'client',
  'litigation',
  'patent',
  'case',
] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

/** Kinds that name a node of the host's hierarchy and so need a `scopeId`. */
export const isHierarchyKind = (k: ScopeKind) => k !== 'all_visible' && k !== 'personal_only';

/**
 * SQL condition "appointment `a` belongs in binding `b`": the one definition the projection
 * consumer (which bindings to push) and the sync run (what to write) share.
 * - visible: the user owns it or is in `visible_to`;
 * - personal: the user's own personal appointment;
 * - a hierarchy kind matches when the node is anywhere on `scope_path` (root first), so a
 *   client binding covers that client's cases and projects.
 */
export const IN_SCOPE_SQL = `(
  (a.personal AND a.owner_user_id = b.user_id
     AND (b.scope_kind IN ('all_visible', 'personal_only') OR b.include_personal))
  OR ((a.owner_user_id = b.user_id OR b.user_id = ANY (a.visible_to))
     AND (b.scope_kind = 'all_visible'
       OR (b.scope_kind NOT IN ('all_visible', 'personal_only')
           AND a.scope_path @> jsonb_build_array(jsonb_build_object('kind', b.scope_kind, 'id', b.scope_id)))))
)`;

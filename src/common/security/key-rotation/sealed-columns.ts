/**
 * Every column in the hub that holds sealed values (as text, or anywhere inside a jsonb
 * document): what the re-seal job moves to the current key and the secrets status counts.
 * A module that seals a new column adds a line here (its migration owns the column).
 */
export interface SealedColumns {
  table: string;
  idColumn: string;
  columns: string[];
}

export const SEALED_COLUMNS: readonly SealedColumns[] = [
  // Signing secrets (jsonb array of { sealed }) and sensitive static headers (jsonb map);
  // module-owned delivery targets live in the same table.
  { table: 'webhook_endpoints', idColumn: 'id', columns: ['secrets', 'headers'] },
  { table: 'integrations', idColumn: 'id', columns: ['config_sealed'] },
  // A trigger's action secret, and its sensitive static headers (jsonb map).
  { table: 'event_triggers', idColumn: 'id', columns: ['secret_sealed', 'headers'] },
  // A user's CalDAV password.
  { table: 'calendar_accounts', idColumn: 'user_id', columns: ['password_sealed'] },
];

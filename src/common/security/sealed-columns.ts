import type { Provider } from '@nestjs/common';

/**
 * A table's columns that hold sealed values (as text, or anywhere inside a jsonb document):
 * what the re-seal job moves to the current key and the secrets status counts. The module
 * that owns the table (its migration owns the columns) provides one with `sealedColumns()`;
 * key rotation (src/key-rotation) collects every one through DI.
 */
export class SealedColumns {
  constructor(
    readonly table: string,
    readonly idColumn: string,
    readonly columns: readonly string[],
  ) {}
}

/** For a module's `providers`: the sealed columns of one of its tables. */
export function sealedColumns(entry: {
  table: string;
  idColumn: string;
  columns: string[];
}): Provider {
  return {
    provide: Symbol(`sealed columns of ${entry.table}`),
    useValue: new SealedColumns(entry.table, entry.idColumn, entry.columns),
  };
}

import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * `npm run migration:generate -- AddThing`: writes an empty, timestamped migration for
 * hand-written SQL. We do not diff entities into SQL: migrations are reviewed by eye, and
 * several tables (the event log, cursors) are only reached through raw SQL anyway.
 */
function main(): void {
  const name = process.argv[2];
  if (!name || !/^[A-Z][A-Za-z0-9]*$/.test(name)) {
    console.error('usage: npm run migration:generate -- PascalCaseName');
    process.exit(1);
  }
  const ts = Date.now();
  const dir = path.resolve(import.meta.dirname, '../../../migrations');
  const file = path.join(dir, `${ts}-${name}.ts`);
  fs.writeFileSync(
    file,
    `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${name}${ts} implements MigrationInterface {
  name = '${name}${ts}';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(\`\`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(\`\`);
  }
}
`,
  );
  console.log(`Created ${path.relative(process.cwd(), file)}`);
  console.log(`Add it to migrations/index.ts: import { ${name}${ts} } from './${ts}-${name}.js';`);
}

main();

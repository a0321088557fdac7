/**
 * Builds the admin page into public/ (or the folder given as the first argument): one bundled,
 * minified script and stylesheet with content hashes in their names (so they can be cached for
 * good), index.html pointing at them, the favicon, and .br/.gz copies that @fastify/static serves
 * to browsers that accept them. The output is committed, so `npm start` needs no build step.
 *
 *   npm run build:web            # into public/
 *   node web/build.ts <dir>      # elsewhere (the tests check that public/ is up to date)
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const webDir = dirname(fileURLToPath(import.meta.url));
const rootDir = resolve(webDir, '..');

/** Files under this size are not worth a compressed copy. */
const COMPRESS_MIN_BYTES = 1024;

export async function buildWeb(outDir: string): Promise<string[]> {
  const out = resolve(outDir);
  // Only what this script writes is removed, so a wrong argument cannot wipe a folder.
  await rm(join(out, 'assets'), { recursive: true, force: true });
  for (const f of ['index.html', 'index.html.br', 'index.html.gz', 'favicon.svg']) await rm(join(out, f), { force: true });
  await mkdir(join(out, 'assets'), { recursive: true });

  const result = await build({
    entryPoints: { app: join(webDir, 'src', 'main.ts') },
    bundle: true,
    format: 'esm',
    // Browsers with CSS color-mix() and ES2022: Chromium/Edge 111+, Firefox 113+, Safari 16.2+.
    target: ['chrome111', 'firefox113', 'safari16.2'],
    minify: true,
    legalComments: 'eof',
    entryNames: 'assets/[name]-[hash]',
    assetNames: 'assets/[name]-[hash]',
    outdir: out,
    metafile: true,
    logLevel: 'warning',
    absWorkingDir: rootDir,
  });

  const outputs = Object.keys(result.metafile.outputs).map((p) => resolve(rootDir, p));
  const js = outputs.find((p) => p.endsWith('.js'));
  const css = outputs.find((p) => p.endsWith('.css'));
  if (!js || !css) throw new Error(`expected one .js and one .css output, got ${outputs.join(', ')}`);
  const href = (p: string) => relative(out, p).split('\\').join('/');

  const template = await readFile(join(webDir, 'index.html'), 'utf8');
  const page = template
    .replace('<!--styles-->', `<link rel="stylesheet" href="${href(css)}" />`)
    .replace('<!--scripts-->', `<script type="module" src="${href(js)}"></script>`);
  await writeFile(join(out, 'index.html'), page);
  await writeFile(join(out, 'favicon.svg'), await readFile(join(webDir, 'favicon.svg')));

  const written = [join(out, 'index.html'), join(out, 'favicon.svg'), js, css];
  for (const file of written) {
    const body = await readFile(file);
    if (body.length < COMPRESS_MIN_BYTES) continue;
    await writeFile(`${file}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }));
    await writeFile(`${file}.gz`, gzipSync(body, { level: 9 }));
  }
  return listFiles(out);
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) files.push(...(await listFiles(p, base)));
    else files.push(relative(base, p));
  }
  return files.sort();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ?? join(rootDir, 'public');
  const files = await buildWeb(outDir);
  for (const f of files) console.log(`${relative(rootDir, join(outDir, f)) || f}`);
}

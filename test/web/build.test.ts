import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/build.ts';

/**
 * public/ is committed so that `npm start` needs no build step; this checks it is what the sources
 * in web/ build to, so a change to web/ without `npm run build:web` fails here.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PUBLIC = fileURLToPath(new URL('../../public/', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'tollgate-web-build-'));

function files(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p, base) : [relative(base, p)];
  }).sort();
}

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the built admin page', () => {
  it('is up to date in public/ (run `npm run build:web` after changing web/)', async () => {
    const built = await buildWeb(out);
    expect(files(PUBLIC)).toEqual(built);
    for (const f of built) {
      expect(readFileSync(join(PUBLIC, f)).equals(readFileSync(join(out, f))), `public/${f} differs from a fresh build`).toBe(true);
    }
  });

  it('is one hashed script and stylesheet, small, with compressed copies, loaded by index.html', () => {
    const built = files(out);
    const js = built.filter((f) => /^assets\/app-[A-Z0-9]+\.js$/.test(f));
    const css = built.filter((f) => /^assets\/app-[A-Z0-9]+\.css$/.test(f));
    expect(js).toHaveLength(1);
    expect(css).toHaveLength(1);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain(`<script type="module" src="${js[0]}"></script>`);
    expect(html).toContain(`<link rel="stylesheet" href="${css[0]}" />`);
    // No inline script or style: the page runs under a strict Content-Security-Policy.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/<style|style="/);
    // Nothing from another origin: it works offline.
    expect(html).not.toMatch(/https?:\/\//);
    expect(readFileSync(join(out, js[0]!), 'utf8')).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z0-9.-]+\.[a-z]{2,}\/[^"'\s]*\.(?:js|css|woff2?)/);
    // Light: the whole script, compressed as served, stays small.
    expect(statSync(join(out, `${js[0]}.br`)).size).toBeLessThan(60_000);
    expect(built).toContain(`${js[0]}.gz`);
  });

  it('type-checks with the DOM library (web/tsconfig.json), against the admin API schemas', async () => {
    // esbuild strips types without checking them; this is the check. It fails when a field the
    // page reads is renamed in src/admin/schemas.ts.
    const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
    await expect(promisify(execFile)(tsc, ['--noEmit', '-p', 'web'], { cwd: ROOT })).resolves.toBeDefined();
  }, 60_000);
});

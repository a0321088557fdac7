import { readFileSync } from 'node:fs';

/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof --only=http`): self time by
 * function and by package/source area, plus inclusive time of the functions asked for.
 *   node bench/profile.ts FILE.cpuprofile [TOP] [inclusive-name ...]
 */

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const [file, topArg, ...inclusiveNames] = process.argv.slice(2);
if (!file) throw new Error('usage: node bench/profile.ts FILE.cpuprofile [TOP] [function ...]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; startTime: number; endTime: number; samples: number[] };
const top = Number(topArg ?? 30);
const totalMs = (profile.endTime - profile.startTime) / 1000;
const perSample = totalMs / profile.samples.length;

function area(url: string): string {
  if (!url) return '(native/V8)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const src = /\/(src|bench|test)\/(.*)$/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  if (url.startsWith('node:')) return url;
  return url;
}

const byFn = new Map<string, number>();
const byArea = new Map<string, number>();
for (const n of profile.nodes) {
  const ms = (n.hitCount ?? 0) * perSample;
  const { functionName, url, lineNumber } = n.callFrame;
  const fn = `${functionName || '(anonymous)'} ${area(url)}:${lineNumber + 1}`;
  byFn.set(fn, (byFn.get(fn) ?? 0) + ms);
  byArea.set(area(url), (byArea.get(area(url)) ?? 0) + ms);
}

const idle = [...byFn.entries()].filter(([k]) => k.startsWith('(idle)')).reduce((s, [, v]) => s + v, 0);
const print = (title: string, m: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, v] of [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${v.toFixed(0).padStart(8)} ms ${((v / (totalMs - idle)) * 100).toFixed(1).padStart(5)} %  ${k}\n`);
  }
};
process.stdout.write(`profile ${totalMs.toFixed(0)} ms, idle ${idle.toFixed(0)} ms, busy ${(totalMs - idle).toFixed(0)} ms\n`);
print('self time by area', byArea);
print('self time by function', byFn);

if (inclusiveNames.length > 0) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const total = (n: Node): number => (n.hitCount ?? 0) * perSample + (n.children ?? []).reduce((s, c) => s + total(byId.get(c)!), 0);
  process.stdout.write('\ninclusive time\n');
  for (const name of inclusiveNames) {
    // Outermost frames only, so recursion is not counted twice.
    let sum = 0;
    const walk = (n: Node, inside: boolean) => {
      const hit = !inside && n.callFrame.functionName === name;
      if (hit) sum += total(n);
      for (const c of n.children ?? []) walk(byId.get(c)!, inside || hit);
    };
    walk(profile.nodes[0]!, false);
    process.stdout.write(`${sum.toFixed(0).padStart(8)} ms ${((sum / (totalMs - idle)) * 100).toFixed(1).padStart(5)} %  ${name}\n`);
  }
}

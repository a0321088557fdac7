import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeConfig } from '../src/config.ts';
import { ERRORS } from '../src/errors.ts';

const doc = (name: string) => readFileSync(new URL(`../docs/${name}`, import.meta.url), 'utf8');

describe('documentation matches the code', () => {
  it('every error code is in docs/errors.md with its status and OpenAI code', () => {
    const text = doc('errors.md');
    for (const [code, spec] of Object.entries(ERRORS)) {
      const row = text.split('\n').find((l) => l.startsWith(`| \`${code}\``));
      expect(row, code).toBeDefined();
      expect(row).toContain(`| ${spec.status} |`);
      expect(row).toContain(`\`${spec.type}\` / \`${spec.openaiCode}\``);
    }
  });

  it('every setting is in docs/configuration.md with its default', () => {
    const text = doc('configuration.md');
    for (const c of describeConfig()) {
      const row = text.split('\n').find((l) => l.startsWith(`| \`${c.env}\``));
      expect(row, c.env).toBeDefined();
      if (c.default !== undefined) expect(row).toContain(`\`${String(c.default)}\``);
    }
  });
});

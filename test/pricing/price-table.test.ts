import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildPriceTable, PriceFileError, validatePriceFile, type PriceFile } from '../../src/pricing/price-table.ts';

const SHIPPED_PATH = new URL('../../config/prices.json', import.meta.url);
const shipped = (): PriceFile => validatePriceFile(JSON.parse(readFileSync(SHIPPED_PATH, 'utf8')), 'config/prices.json');

describe('shipped config/prices.json', () => {
  const table = buildPriceTable([shipped()]);

  // USD per 1M tokens from the reference list: input / cached input / output (pico per token = USD/1M * 1e6)
  it.each([
    ['gpt-4o', 2_500_000, 1_250_000, 10_000_000],
    ['gpt-4o-mini', 150_000, 75_000, 600_000],
    ['gpt-4.1', 2_000_000, 500_000, 8_000_000],
    ['gpt-4.1-mini', 400_000, 100_000, 1_600_000],
    ['gpt-4.1-nano', 100_000, 25_000, 400_000],
    ['o3', 2_000_000, 500_000, 8_000_000],
    ['o4-mini', 1_100_000, 275_000, 4_400_000],
    ['gpt-5', 1_250_000, 125_000, 10_000_000],
    ['gpt-5-mini', 250_000, 25_000, 2_000_000],
    ['gpt-5-nano', 50_000, 5_000, 400_000],
    ['text-embedding-3-small', 20_000, 20_000, 0],
    ['text-embedding-3-large', 130_000, 130_000, 0],
    ['text-embedding-ada-002', 100_000, 100_000, 0],
    ['gpt-4-turbo', 10_000_000, 10_000_000, 30_000_000],
    ['gpt-3.5-turbo', 500_000, 500_000, 1_500_000],
  ])('%s: %d / %d / %d pico per token', (model, input, cached, output) => {
    const p = table.resolve(model);
    expect(p).toEqual({ model, inputPico: input, cachedInputPico: cached, outputPico: output, reasoningPico: null, cacheWritePico: null });
  });

  it('prices the first gpt-4o snapshot at its own (higher) rate rather than the undated one', () => {
    expect(table.resolve('gpt-4o-2024-05-13')).toMatchObject({ model: 'gpt-4o-2024-05-13', inputPico: 5_000_000, outputPico: 15_000_000 });
    expect(table.resolve('gpt-4o-2024-08-06')?.model).toBe('gpt-4o');
  });

  it('resolves the listed legacy snapshot aliases', () => {
    expect(table.resolve('gpt-4-0613')?.model).toBe('gpt-4');
    expect(table.resolve('gpt-4-1106-preview')?.model).toBe('gpt-4-turbo');
    expect(table.resolve('gpt-3.5-turbo-0125')?.model).toBe('gpt-3.5-turbo');
  });

  it('does not strip -MMDD suffixes (gpt-3.5-turbo-0613 was priced differently)', () => {
    expect(table.resolve('gpt-3.5-turbo-0613')).toBeNull();
  });
});

describe('PriceTable.resolve', () => {
  const file: PriceFile = {
    models: {
      'gpt-4o': { input: '2.50', cached_input: '1.25', output: '10.00' },
      'gpt-4o-2024-05-13': { input: '5.00', output: '15.00' },
      Foo: { input: '1' },
      foo: { input: '2' },
      bar: { input: '3' },
    },
    aliases: { 'my-model': 'gpt-4o-2024-11-20', 'Team-Fast': 'bar', bar: 'gpt-4o' },
  };
  const table = buildPriceTable([file]);

  it.each([
    ['gpt-4o', 'gpt-4o'],
    ['gpt-4o-2024-08-06', 'gpt-4o'], // date suffix stripped
    ['gpt-4o-2024-05-13', 'gpt-4o-2024-05-13'], // exact wins over stripping
    ['GPT-4o', 'gpt-4o'], // lower-cased
    ['GPT-4O-2024-08-06', 'gpt-4o'],
    ['my-model', 'gpt-4o'], // alias whose target is resolved by stripping its date
    ['MY-MODEL', 'gpt-4o'],
    ['my-model-2025-01-01', 'gpt-4o'], // dated alias name
    ['team-fast', 'bar'],
    ['bar', 'bar'], // a model of that name beats an alias of that name
  ])('%s -> %s', (name, model) => {
    expect(table.resolve(name)?.model).toBe(model);
  });

  it('matches case-sensitively first, then lower-cased (preferring the lower-case entry)', () => {
    expect(table.resolve('Foo')?.inputPico).toBe(1_000_000);
    expect(table.resolve('foo')?.inputPico).toBe(2_000_000);
    expect(table.resolve('FOO')?.inputPico).toBe(2_000_000);
  });

  it('returns null for unknown models without a default price', () => {
    expect(table.resolve('llama-3-70b')).toBeNull();
    expect(table.resolve('gpt-4o-mini')).toBeNull(); // not a prefix match
    expect(table.resolve('')).toBeNull();
  });

  it('falls back to the default price, named "default"', () => {
    const t = buildPriceTable([file], { defaultPrice: { input: '1.00', output: '2.00' } });
    expect(t.resolve('llama-3-70b')).toEqual({
      model: 'default',
      inputPico: 1_000_000,
      cachedInputPico: 1_000_000,
      outputPico: 2_000_000,
      reasoningPico: null,
      cacheWritePico: null,
    });
    expect(t.resolve('gpt-4o')?.model).toBe('gpt-4o');
  });

  it('accepts a default price given in pico rates', () => {
    const rates = { inputPico: 7, cachedInputPico: 3, outputPico: 9, reasoningPico: null, cacheWritePico: 11 };
    expect(buildPriceTable([], { defaultPrice: rates }).resolve('x')).toEqual({ model: 'default', ...rates });
    expect(() => buildPriceTable([], { defaultPrice: { ...rates, inputPico: -1 } })).toThrow(PriceFileError);
  });

  it('validates a default price given in USD rates', () => {
    expect(() => buildPriceTable([], { defaultPrice: { input: 'cheap' } })).toThrow(
      'defaultPrice.input: must be a decimal USD amount per 1M tokens, got "cheap"',
    );
  });

  it('maps missing optional rates: cached -> input, output -> 0, reasoning/cache write -> null', () => {
    const t = buildPriceTable([{ models: { e: { input: '0.02' }, r: { input: '1', output: '2', reasoning: '3', cache_write: '1.25' } } }]);
    expect(t.resolve('e')).toMatchObject({ cachedInputPico: 20_000, outputPico: 0, reasoningPico: null, cacheWritePico: null });
    expect(t.resolve('r')).toMatchObject({ reasoningPico: 3_000_000, cacheWritePico: 1_250_000 });
  });

  it('refuses an alias whose target is not a model', () => {
    expect(() => buildPriceTable([{ models: {}, aliases: { a: 'missing' } }])).toThrow(
      'aliases.a: target model "missing" is not in the price table',
    );
  });
});

describe('buildPriceTable merging', () => {
  it('lets a later file replace whole model entries and add models and aliases', () => {
    const override: PriceFile = {
      models: { 'gpt-4o': { input: '2.00', output: '8.00' }, 'local-llama': { input: '0', output: '0' } },
      aliases: { fast: 'gpt-4o-mini', 'gpt-4-0613': 'gpt-4o' },
    };
    const table = buildPriceTable([shipped(), override]);
    // replaced whole: the shipped cached rate is not inherited
    expect(table.resolve('gpt-4o')).toMatchObject({ inputPico: 2_000_000, cachedInputPico: 2_000_000, outputPico: 8_000_000 });
    expect(table.resolve('gpt-4o-2024-11-20')?.inputPico).toBe(2_000_000);
    expect(table.resolve('gpt-4o-mini')?.inputPico).toBe(150_000); // untouched
    expect(table.resolve('local-llama')).toMatchObject({ inputPico: 0, outputPico: 0 });
    expect(table.resolve('fast')?.model).toBe('gpt-4o-mini');
    expect(table.resolve('gpt-4-0613')?.model).toBe('gpt-4o'); // alias overridden
  });

  it('lets an override alias point at a model from an earlier file', () => {
    const table = buildPriceTable([{ models: { a: { input: '1' } } }, { models: {}, aliases: { b: 'a' } }]);
    expect(table.resolve('b')?.model).toBe('a');
  });
});

describe('validatePriceFile', () => {
  const src = 'config/prices.json';
  const bad = (json: unknown, message: string) => {
    expect(() => validatePriceFile(json, src)).toThrow(PriceFileError);
    expect(() => validatePriceFile(json, src)).toThrow(message);
  };

  it('names the file, model and field of a bad rate', () => {
    bad({ models: { 'gpt-4o': { input: -1 } } }, 'config/prices.json: models.gpt-4o.input: must be a decimal USD amount per 1M tokens, got -1');
    bad({ models: { m: { input: '1', output: 'ten' } } }, 'config/prices.json: models.m.output: must be a decimal USD amount per 1M tokens, got "ten"');
    bad({ models: { m: { input: '1', cached_input: '0.0000001' } } }, 'models.m.cached_input: must be a decimal USD amount');
    bad({ models: { m: { input: '1', reasoning: null } } }, 'models.m.reasoning: must be a decimal USD amount per 1M tokens, got null');
    bad({ models: { m: { input: true } } }, 'models.m.input: must be a decimal USD amount per 1M tokens, got true');
  });

  it('requires input and refuses unknown fields (a typo would silently change a price)', () => {
    bad({ models: { m: { output: '1' } } }, 'config/prices.json: models.m.input: is required');
    bad({ models: { m: { input: '1', cached: '0.5' } } }, 'config/prices.json: models.m: unknown field "cached"');
  });

  it('checks the overall shape', () => {
    bad(null, 'config/prices.json: must be a JSON object');
    bad([], 'config/prices.json: must be a JSON object');
    bad({}, 'config/prices.json: models: must be an object');
    bad({ models: [] }, 'config/prices.json: models: must be an object');
    bad({ models: {}, model: {} }, 'config/prices.json: unknown key "model"');
    bad({ models: { m: '2.50' } }, 'config/prices.json: models.m: must be an object');
    bad({ models: { ' m': { input: '1' } } }, 'models. m: invalid model name');
    bad({ models: {}, aliases: [] }, 'config/prices.json: aliases: must be an object');
    bad({ models: {}, aliases: { a: 5 } }, 'config/prices.json: aliases.a: must be a model name, got 5');
  });

  it('ignores "_" and "$" comment keys and returns the typed file', () => {
    const f = validatePriceFile(
      { $schema: 'x', _comment: 'y', models: { _note: 'z', m: { input: 1, _why: 'w' } }, aliases: { _c: 1, a: 'm' } },
      src,
    );
    expect(f).toEqual({ models: { m: { input: 1 } }, aliases: { a: 'm' } });
  });
});

import { MoneyFormatError, parseRatePerMillion } from '../money.ts';

/**
 * The price table: config/prices.json (shipped) with an optional operator file merged over it,
 * validated and turned into Maps once at start-up. All rates are integer pico-dollars per token.
 */

/** Rates of one model as written in a price file: USD per 1M tokens, as decimal strings (or numbers). */
export interface PriceRates {
  input: string | number;
  /** Missing: cached tokens are billed at the input rate. */
  cached_input?: string | number;
  /** Missing: the model produces no output tokens (embeddings), billed at 0. */
  output?: string | number;
  /** Missing: reasoning tokens are billed at the output rate. */
  reasoning?: string | number;
  /** Missing: cache-write tokens are billed at the input rate. */
  cache_write?: string | number;
}

/** The JSON shape of a price file. Keys starting with "_" or "$" are comments and ignored. */
export interface PriceFile {
  models: Record<string, PriceRates>;
  /** Extra model names -> model they are billed as (resolved like a requested name, minus aliases). */
  aliases?: Record<string, string>;
}

export interface ModelPrice {
  /** The price-table entry that matched ("default" for the configured fallback price). */
  model: string;
  inputPico: number;
  cachedInputPico: number;
  outputPico: number;
  reasoningPico: number | null;
  cacheWritePico: number | null;
}

export type PicoRates = Omit<ModelPrice, 'model'>;

export interface PriceTable {
  resolve(model: string): ModelPrice | null;
  /** Entries after merging, for listing (admin) and tests. */
  readonly models: ReadonlyMap<string, ModelPrice>;
}

export class PriceFileError extends Error {
  readonly code = 'TG_ERR_PRICE_FILE';
  override name = 'PriceFileError';
}

const RATE_FIELDS = ['input', 'cached_input', 'output', 'reasoning', 'cache_write'] as const;
type RateField = (typeof RATE_FIELDS)[number];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isComment(key: string): boolean {
  return key.startsWith('_') || key.startsWith('$');
}

function parseRate(v: unknown, where: string): number {
  const bad = (): PriceFileError =>
    new PriceFileError(`${where}: must be a decimal USD amount per 1M tokens, got ${JSON.stringify(v) ?? String(v)}`);
  if (typeof v !== 'string' && typeof v !== 'number') throw bad();
  try {
    return parseRatePerMillion(v);
  } catch (err) {
    if (err instanceof MoneyFormatError) throw bad();
    throw err;
  }
}

/** Checks one model's rates object; `where` prefixes error messages. */
export function validateRates(rates: unknown, where: string): PriceRates {
  if (!isRecord(rates)) throw new PriceFileError(`${where}: must be an object like {"input": "2.50", "output": "10.00"}`);
  for (const key of Object.keys(rates)) {
    if (!(RATE_FIELDS as readonly string[]).includes(key) && !isComment(key)) {
      throw new PriceFileError(`${where}: unknown field "${key}" (expected one of ${RATE_FIELDS.join(', ')})`);
    }
  }
  if (rates.input === undefined) throw new PriceFileError(`${where}.input: is required`);
  const out: Partial<Record<RateField, string | number>> = {};
  for (const field of RATE_FIELDS) {
    const v = rates[field];
    if (v === undefined) continue;
    parseRate(v, `${where}.${field}`);
    out[field] = v as string | number;
  }
  return out as PriceRates;
}

/** Checks the JSON shape and every rate; errors name the file, the model and the field. */
export function validatePriceFile(json: unknown, source: string): PriceFile {
  if (!isRecord(json)) throw new PriceFileError(`${source}: must be a JSON object with "models"`);
  for (const key of Object.keys(json)) {
    if (key !== 'models' && key !== 'aliases' && !isComment(key)) {
      throw new PriceFileError(`${source}: unknown key "${key}" (expected "models" and optional "aliases")`);
    }
  }
  const models: Record<string, PriceRates> = {};
  if (!isRecord(json.models)) throw new PriceFileError(`${source}: models: must be an object of model name -> rates`);
  for (const [name, rates] of Object.entries(json.models)) {
    if (isComment(name)) continue;
    const where = `${source}: models.${name}`;
    if (name.trim() === '' || name !== name.trim()) throw new PriceFileError(`${where}: invalid model name`);
    models[name] = validateRates(rates, where);
  }
  const file: PriceFile = { models };
  if (json.aliases !== undefined) {
    if (!isRecord(json.aliases)) throw new PriceFileError(`${source}: aliases: must be an object of name -> model`);
    const aliases: Record<string, string> = {};
    for (const [name, target] of Object.entries(json.aliases)) {
      if (isComment(name)) continue;
      if (typeof target !== 'string' || target.trim() === '') {
        throw new PriceFileError(`${source}: aliases.${name}: must be a model name, got ${JSON.stringify(target)}`);
      }
      aliases[name] = target;
    }
    file.aliases = aliases;
  }
  return file;
}

function toModelPrice(model: string, r: PriceRates): ModelPrice {
  const input = parseRatePerMillion(r.input);
  return Object.freeze({
    model,
    inputPico: input,
    cachedInputPico: r.cached_input === undefined ? input : parseRatePerMillion(r.cached_input),
    outputPico: r.output === undefined ? 0 : parseRatePerMillion(r.output),
    reasoningPico: r.reasoning === undefined ? null : parseRatePerMillion(r.reasoning),
    cacheWritePico: r.cache_write === undefined ? null : parseRatePerMillion(r.cache_write),
  });
}

function checkedPico(d: PicoRates): ModelPrice {
  const ok = (n: number | null): boolean => n === null || (Number.isSafeInteger(n) && n >= 0);
  if (![d.inputPico, d.cachedInputPico, d.outputPico, d.reasoningPico, d.cacheWritePico].every(ok)) {
    throw new PriceFileError('defaultPrice: rates must be non-negative integer pico-dollars per token');
  }
  const { inputPico, cachedInputPico, outputPico, reasoningPico, cacheWritePico } = d;
  return Object.freeze({ model: 'default', inputPico, cachedInputPico, outputPico, reasoningPico, cacheWritePico });
}

function isPicoRates(v: PriceRates | PicoRates): v is PicoRates {
  return 'inputPico' in v;
}

// Dated snapshots: "gpt-4o-2024-08-06" -> "gpt-4o". The older "-MMDD" style (gpt-3.5-turbo-0613) is
// deliberately NOT stripped: those snapshots were priced differently from the current alias, so they
// must be listed explicitly (as models or aliases) or fall to the default price.
const DATE_SUFFIX = /-\d{4}-\d{2}-\d{2}$/;

export interface BuildOptions {
  /** Price for models not in the table; null/absent means unknown models are unpriced (resolve -> null). */
  defaultPrice?: PriceRates | PicoRates | null;
}

/**
 * Merges files in order: a later file replaces an earlier file's whole entry for the same model or
 * alias (no field-by-field merge, so an override never inherits a stale cached rate). Every alias
 * target must resolve to a model. Files must already have passed validatePriceFile.
 */
export function buildPriceTable(files: readonly PriceFile[], opts: BuildOptions = {}): PriceTable {
  const models = new Map<string, ModelPrice>();
  const aliases = new Map<string, string>();
  for (const file of files) {
    for (const [name, rates] of Object.entries(file.models)) models.set(name, toModelPrice(name, rates));
    for (const [name, target] of Object.entries(file.aliases ?? {})) aliases.set(name, target);
  }
  const lowerModels = lowerMap(models);

  const direct = (name: string): ModelPrice | null => {
    const hit = models.get(name) ?? lowerModels.get(name.toLowerCase());
    if (hit !== undefined) return hit;
    const undated = name.replace(DATE_SUFFIX, '');
    if (undated === name) return null;
    return models.get(undated) ?? lowerModels.get(undated.toLowerCase()) ?? null;
  };

  const aliasTargets = new Map<string, ModelPrice>();
  for (const [name, target] of aliases) {
    const price = direct(target);
    if (price === null) throw new PriceFileError(`aliases.${name}: target model "${target}" is not in the price table`);
    aliasTargets.set(name, price);
  }
  const lowerAliasTargets = lowerMap(aliasTargets);

  let fallback: ModelPrice | null = null;
  if (opts.defaultPrice) {
    const d = opts.defaultPrice;
    fallback = isPicoRates(d) ? checkedPico(d) : toModelPrice('default', validateRates(d, 'defaultPrice'));
  }

  const viaAlias = (name: string): ModelPrice | null =>
    aliasTargets.get(name) ?? lowerAliasTargets.get(name.toLowerCase()) ?? null;

  return {
    models,
    resolve(model: string): ModelPrice | null {
      const hit = direct(model);
      if (hit !== null) return hit;
      const alias = viaAlias(model) ?? viaAlias(model.replace(DATE_SUFFIX, ''));
      return alias ?? fallback;
    },
  };
}

/** Lower-cased key -> value. On a case collision a key that is already lower case wins, else the first. */
function lowerMap<V>(m: ReadonlyMap<string, V>): Map<string, V> {
  const out = new Map<string, V>();
  for (const [k, v] of m) {
    const lower = k.toLowerCase();
    if (k === lower || !out.has(lower)) out.set(lower, v);
  }
  return out;
}

import { readFileSync } from 'node:fs';
import type { Config } from './config.ts';
import { buildPriceTable, validatePriceFile, type PriceFile, type PriceTable } from './pricing/price-table.ts';

/** The price file shipped with Tollgate. */
export const SHIPPED_PRICES = new URL('../config/prices.json', import.meta.url);

function readPriceFile(path: string | URL): PriceFile {
  const name = typeof path === 'string' ? path : 'config/prices.json';
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${name}: cannot read the price file (${(err as Error).message}); check TOLLGATE_PRICES_FILE`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${name}: not valid JSON (${(err as Error).message})`);
  }
  return validatePriceFile(json, name);
}

/** Built once at start-up: the shipped prices, the operator's file over them, and the default rate. */
export function loadPrices(config: Config): PriceTable {
  const files = [readPriceFile(SHIPPED_PRICES)];
  if (config.pricesFile) files.push(readPriceFile(config.pricesFile));
  let defaultPrice = null;
  if (config.defaultPrice) {
    const [input, cached, output] = config.defaultPrice.split('/').map((s) => s.trim());
    defaultPrice = { input: input as string, cached_input: cached as string, output: output as string };
  }
  return buildPriceTable(files, { defaultPrice });
}

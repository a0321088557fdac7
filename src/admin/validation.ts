import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import { TollgateError } from '../errors.ts';
import { MoneyFormatError, parseUsd } from '../money.ts';

/**
 * Request validation for the admin and self-service routes: TypeBox's own compiler (unknown
 * fields are refused rather than silently dropped, so a typo such as `limitUSD` is a 400), and
 * one short message per bad field instead of ajv's list of every union branch that failed.
 */

export function useStrictValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.setSchemaErrorFormatter((errors, dataVar) => formatValidationErrors(errors, dataVar));
}

type ValidationError = FastifySchemaValidationError & { keyword?: string; params?: Record<string, unknown> };

export function formatValidationErrors(errors: ValidationError[], dataVar: string): TollgateError {
  const byPath = new Map<string, ValidationError[]>();
  for (const e of errors) {
    // Reported once per unknown field (keyword 'boolean' at .../additionalProperties) instead.
    if (e.keyword === 'additionalProperties') continue;
    const list = byPath.get(e.instancePath) ?? [];
    list.push(e);
    byPath.set(e.instancePath, list);
  }
  const messages: string[] = [];
  let firstParam: string | null = null;
  for (const [path, list] of byPath) {
    const field = `${dataVar}${path.replaceAll('/', '.')}`;
    firstParam ??= path ? path.slice(1).replaceAll('/', '.') : null;
    messages.push(describe(field, list));
  }
  return new TollgateError('TG_INVALID_REQUEST', `Invalid request: ${messages.join('; ')}.`, { param: firstParam });
}

function describe(field: string, list: ValidationError[]): string {
  if (list.some((e) => e.schemaPath.endsWith('/additionalProperties'))) return `${field} is not a known field`;
  const anyOf = list.find((e) => e.keyword === 'anyOf');
  if (anyOf) {
    // The branches' own errors name what each alternative wanted: "must be string", "must be null" ...
    const wanted = list
      .filter((e) => e !== anyOf && e.keyword === 'type')
      .map((e) => String(e.params?.['type']))
      .filter((t, i, all) => all.indexOf(t) === i);
    return wanted.length > 0 ? `${field} must be ${wanted.join(' or ')}` : `${field} has an invalid value`;
  }
  const enumError = list.find((e) => e.keyword === 'enum');
  if (enumError) {
    const allowed = (enumError.params?.['allowedValues'] as unknown[] | undefined) ?? [];
    return `${field} must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  const required = list.find((e) => e.keyword === 'required');
  if (required) {
    const missing = required.params?.['requiredProperties'] ?? required.params?.['missingProperty'];
    return `${field} is missing required ${Array.isArray(missing) ? missing.join(', ') : String(missing)}`;
  }
  return `${field} ${list[0]?.message ?? 'is invalid'}`;
}

/** A limit from the API (decimal string, number, or null for none) in nano-dollars. */
export function parseLimit(value: string | number | null, param: string): number | null {
  if (value === null) return null;
  try {
    return parseUsd(value);
  } catch (err) {
    if (err instanceof MoneyFormatError) throw new TollgateError('TG_INVALID_REQUEST', `${param}: ${err.message}`, { param, cause: err });
    throw err;
  }
}

/** A time from a query string: an ISO 8601 date (UTC midnight) or a date-time with its zone, in epoch ms. */
export function parseTime(value: string, param: string): number {
  const t = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(t)) {
    throw new TollgateError('TG_INVALID_REQUEST', `${param} must be an ISO 8601 date or date-time with a zone (e.g. 2026-03-01 or 2026-03-01T12:00:00Z), got ${JSON.stringify(value)}.`, { param });
  }
  return t;
}

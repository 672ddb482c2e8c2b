/**
 * Loading scenarios: YAML or JSON files (or a folder of them), validated against
 * schema/scenario.schema.json with messages that name the file and the offending field.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { resolveSessionConfig } from '../machines/session-config.ts';
import type { Scenario } from './scenario-types.ts';

/** A scenario file that cannot be used, with a one-line reason. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

const SCHEMA_URL = new URL('../../schema/scenario.schema.json', import.meta.url);

let validator: ReturnType<Ajv['compile']> | null = null;
function validate(data: unknown): readonly ErrorObject[] {
  if (!validator) {
    const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8'));
    validator = new Ajv({ allErrors: true, strict: false }).compile(schema);
  }
  return validator(data) ? [] : (validator.errors ?? []);
}

function describe(error: ErrorObject): string {
  const where = error.instancePath || '(top level)';
  if (error.keyword === 'additionalProperties') {
    return `${where}: unknown field "${(error.params as { additionalProperty: string }).additionalProperty}"`;
  }
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
    return `${where}: must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return `${where}: ${error.message ?? 'is invalid'}`;
}

/** The most useful errors first: oneOf/anyOf add noise on top of the real cause. */
function summarize(errors: readonly ErrorObject[]): string {
  const specific = errors.filter((e) => !['oneOf', 'anyOf', 'if', 'const'].includes(e.keyword));
  const chosen = (specific.length > 0 ? specific : errors).map(describe);
  const unique = [...new Set(chosen)];
  return unique.slice(0, 3).join('; ') + (unique.length > 3 ? ` (+${unique.length - 3} more)` : '');
}

/** Parses and validates one scenario's text. */
export function parseScenario(text: string, file: string): Scenario {
  let data: unknown;
  try {
    data = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ScenarioError(
      `${file}: not valid ${extname(file).slice(1).toUpperCase() || 'YAML'}: ${reason}`,
    );
  }
  const errors = validate(data);
  if (errors.length > 0) throw new ScenarioError(`${file}: ${summarize(errors)}`);
  const scenario = data as Scenario;
  try {
    resolveSessionConfig(scenario.config ?? {});
  } catch (error) {
    throw new ScenarioError(
      `${file}: config: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return scenario;
}

const SCENARIO_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** The scenario files of a path: the file itself, or every .yaml/.yml/.json in a folder, sorted. */
export function scenarioFiles(path: string): string[] {
  let info: ReturnType<typeof statSync>;
  try {
    info = statSync(path);
  } catch {
    throw new ScenarioError(`${path} does not exist`);
  }
  if (!info.isDirectory()) return [path];
  const files = readdirSync(path)
    .filter((f) => SCENARIO_EXTENSIONS.has(extname(f).toLowerCase()))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((f) => join(path, f));
  if (files.length === 0) throw new ScenarioError(`no .yaml, .yml or .json scenarios in ${path}`);
  return files;
}

/** Reads and validates a scenario file. */
export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ScenarioError(
      `${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  return parseScenario(text, file);
}

import { plainToInstance } from 'class-transformer';
import type { ValidationError } from 'class-validator';
import { validateSync } from 'class-validator';

import { readEnvFiles } from './env-files';
import { ServiceConfig, serviceConfigProblems } from './service.config';

/** Thrown at boot when the environment is invalid; the message lists every problem at once. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

function describe(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const name = `${prefix}${e.property}`;
    const own = Object.values(e.constraints ?? {}).map((m) => `${name}: ${m}`);
    return [...own, ...describe(e.children ?? [], `${name}.`)];
  });
}

/**
 * Validates a flat environment object against a class-validator class and returns a typed
 * instance. Unknown variables are ignored (the environment holds far more than ours); values
 * are never echoed back, since some of them are secrets. A secret may be given as a file,
 * `<NAME>_FILE` (see readEnvFiles); crossChecks receive the environment with those read.
 */
export function loadConfig<T extends object>(
  schema: new () => T,
  rawEnv: Record<string, string | undefined>,
  crossChecks: (config: T, env: Record<string, string | undefined>) => string[] = () => [],
): T {
  const { env, problems: fileProblems } = readEnvFiles(rawEnv);
  if (fileProblems.length > 0) {
    throw new ConfigValidationError(fileProblems);
  }
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const config = plainToInstance(schema, defined, {
    enableImplicitConversion: true,
    exposeDefaultValues: true,
  });
  const problems = describe(validateSync(config, { whitelist: true, forbidUnknownValues: true }));
  if (problems.length === 0) {
    problems.push(...crossChecks(config, env));
    if (config instanceof ServiceConfig) {
      problems.push(...serviceConfigProblems(config));
    }
  }
  if (problems.length > 0) {
    throw new ConfigValidationError(problems);
  }
  return config;
}

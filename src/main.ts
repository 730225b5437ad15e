/**
 * The command line: argv, environment, signals and exit codes. The only file that may exit the process.
 *   herald run [--config FILE]   run the agent (SIGTERM/SIGINT: drain and exit; SIGHUP or a change of FILE: reload)
 *   herald validate FILE         report every configuration problem, start nothing
 *   herald --version
 * Exit codes: 0 ok, 1 runtime failure, 2 configuration or usage error.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ConfigError } from './config/errors';
import { loadConfigFile } from './config/load';
import { Agent, VERSION } from './agent/agent';
import { createLogger } from './observability/logger';
import { createRegistry } from './observability/metrics';
import { errorMessage } from './errors';

const USAGE = `usage:
  herald run [--config FILE]   run the agent (default: built-in configuration)
  herald validate FILE         check a configuration file and report every problem
  herald --version             print the version
environment: HERALD_CONFIG (config file for run), HERALD_LOG_LEVEL (overrides log_level)`;

function parseArgs(argv: string[]): { command: string; config: string | undefined } | string {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v' || command === 'version') return { command: 'version', config: undefined };
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { command: 'help', config: undefined };
  if (command === 'validate') {
    if (rest.length !== 1 || rest[0]?.startsWith('-')) return 'validate takes exactly one FILE';
    return { command, config: rest[0] };
  }
  if (command === 'run') {
    let config = process.env['HERALD_CONFIG'] || undefined;
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i] as string;
      if (a === '--config' || a === '-c') {
        config = rest[++i];
        if (config === undefined) return '--config needs a FILE';
      } else if (a.startsWith('--config=')) config = a.slice('--config='.length);
      else return `unknown argument ${JSON.stringify(a)}`;
    }
    return { command, config };
  }
  return `unknown command ${JSON.stringify(command)}`;
}

async function run(configFile: string | undefined): Promise<number> {
  let loaded;
  try {
    loaded = loadConfigFile(configFile);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger(process.env['HERALD_LOG_LEVEL'] || loaded.config.log_level);
  const agent = new Agent(loaded.config, logger, createRegistry());
  try {
    await agent.start();
  } catch (err) {
    logger.fatal({ err: errorMessage(err) }, 'start failed');
    await agent.stop().catch(() => undefined);
    logger.flush();
    return 1;
  }

  const reload = (why: string) => {
    if (configFile === undefined) {
      logger.info({ why }, 'reload requested but Herald runs on the built-in configuration; nothing to reload');
      return;
    }
    try {
      const next = loadConfigFile(configFile);
      logger.info({ why, file: configFile }, 'configuration valid; applying');
      agent.reload(next.config).catch(() => undefined);
    } catch (err) {
      // Keep running on the old configuration: an invalid file never stops a working agent.
      const problems = err instanceof ConfigError ? err.problems : [{ path: '(file)', message: errorMessage(err) }];
      logger.error({ why, file: configFile, problems }, 'new configuration is invalid; keeping the running one');
    }
  };

  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  if (configFile !== undefined) {
    const abs = resolve(configFile);
    try {
      // Watch the directory: editors and ConfigMap-style updates replace the file rather than write it.
      watcher = watch(dirname(abs), (_event, name) => {
        if (name !== null && name !== basename(abs)) return;
        clearTimeout(debounce);
        debounce = setTimeout(() => reload('file changed'), 500);
      });
    } catch (err) {
      logger.warn({ err: errorMessage(err) }, 'cannot watch the configuration file; reload with SIGHUP');
    }
  }
  process.on('SIGHUP', () => reload('SIGHUP'));

  const signal = await new Promise<string>((done) => {
    process.once('SIGTERM', () => done('SIGTERM'));
    process.once('SIGINT', () => done('SIGINT'));
  });
  logger.info({ signal }, 'shutting down');
  watcher?.close();
  clearTimeout(debounce);
  await agent.stop();
  logger.flush();
  return 0;
}

function validate(file: string): number {
  try {
    loadConfigFile(file);
    process.stdout.write(`config ${file}: ok\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${errorMessage(err)}\n`);
    return 2;
  }
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`herald: ${args}\n${USAGE}\n`);
    return 2;
  }
  switch (args.command) {
    case 'version':
      process.stdout.write(`herald ${VERSION}\n`);
      return 0;
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case 'validate':
      return validate(args.config as string);
    default:
      return run(args.config);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Anything still holding the loop (a stuck socket) must not keep a stopped agent alive.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`herald: fatal: ${errorMessage(err)}\n`);
    process.exit(1);
  },
);

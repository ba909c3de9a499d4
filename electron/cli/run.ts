import { isGatehouseError } from '../../shared/errors.js';
import { commands } from './commands/index.js';
import { EXIT, println, UsageError, type CliIO } from './io.js';

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: gatehouse COMMAND [options]   (gatehouse COMMAND --help for details)',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/** Runs one CLI invocation and returns its exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    println(io.stdout, overview());
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    println(io.stderr, `gatehouse: unknown command "${name}".\n\n${overview()}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    println(io.stdout, command.help);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      println(io.stderr, `gatehouse ${name}: ${e.message}\n\n${command.help}`);
      return EXIT.usage;
    }
    if (isGatehouseError(e)) {
      println(io.stderr, `gatehouse ${name}: ${e.message} [${e.code}]`);
      if (e.code === 'not_running') return EXIT.notRunning;
      if (e.code.startsWith('denied') || e.status === 403) return EXIT.denied;
      return EXIT.failed;
    }
    println(io.stderr, `gatehouse ${name}: ${(e as Error).message}`);
    return EXIT.failed;
  }
}

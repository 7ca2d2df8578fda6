// The command line's plumbing on commander: exit statuses, errors in floodwatch's words (the
// command, what is wrong, the usage line), and help in the same style everywhere.
import { Command, CommanderError } from 'commander';
import { CliError, EXIT_OK, EXIT_USAGE, UsageError } from './client.js';

/** What a command does once its command line is parsed: resolves to its exit status. */
export type CommandBody = (command: Command) => Promise<number>;

const statuses = new WeakMap<Command, number>();

/** Sets what `command` does; a CliError it throws becomes its message and its exit status. */
export function onRun(command: Command, body: CommandBody): Command {
  return command.action(async () => {
    statuses.set(rootOf(command), await runBody(command, body));
  });
}

/** Runs `command` alone, as `floodwatch NAME ARGS...` runs it. */
export function runCommandLine(command: Command, args: string[]): Promise<number> {
  return runProgram(new Command('floodwatch').addCommand(command), [command.name(), ...args]);
}

/** Parses `argv` (without node and the script) and runs the command it names; its exit status. */
export async function runProgram(program: Command, argv: string[]): Promise<number> {
  for (const command of [program, ...program.commands]) configure(command);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommandLineError) return error.report();
    // Thrown by an option's own handler (--version), outside commander's exit override.
    if (error instanceof CommanderError) return new CommandLineError(error, program).report();
    throw error;
  }
  return statuses.get(program) ?? EXIT_OK;
}

/** `usage: floodwatch ban IP [--ttl SECONDS] ...` */
export function usageLine(command: Command): string {
  return `usage: ${commandPath(command)} ${command.usage()}`;
}

/** Ends parsing with exit status 0 (after --version has printed). */
export function exitOk(code: string): never {
  throw new CommanderError(EXIT_OK, code, '');
}

class CommandLineError extends Error {
  constructor(
    readonly error: CommanderError,
    readonly command: Command,
  ) {
    super(error.message);
  }

  /** Writes what is wrong (help and --version have written theirs already); the exit status. */
  report(): number {
    const { error, command } = this;
    if (error.exitCode === EXIT_OK) return EXIT_OK;
    if (error.code === 'commander.help') return EXIT_USAGE;
    const message = describe(error, command);
    if (!command.parent) {
      process.stderr.write(`floodwatch: ${message}\n(floodwatch help lists the commands)\n`);
    } else {
      const path = commandPath(command);
      process.stderr.write(`${path}: ${message}\n${usageLine(command)}\n(${path} --help tells more)\n`);
    }
    return EXIT_USAGE;
  }
}

function describe(error: CommanderError, command: Command): string {
  switch (error.code) {
    case 'commander.excessArguments':
      return `unexpected argument '${command.args[command.registeredArguments.length]}'`;
    case 'commander.optionMissingArgument': {
      const match = /option '(?:-\w, )?(--[\w-]+) <([^>]+)>'/.exec(error.message);
      if (match) return `${match[1]} needs a value (${match[2]})`;
      break;
    }
  }
  return error.message.replace(/^error: /, '');
}

async function runBody(command: Command, body: CommandBody): Promise<number> {
  try {
    return await body(command);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    process.stderr.write(`${commandPath(command)}: ${error.message}\n`);
    if (error instanceof UsageError) process.stderr.write(`${usageLine(command)}\n(${commandPath(command)} --help tells more)\n`);
    return error.exitCode;
  }
}

function configure(command: Command): void {
  command.exitOverride((error) => {
    throw new CommandLineError(error, command);
  });
  // Errors are written by CommandLineError.report, in floodwatch's words.
  command.configureOutput({ outputError: () => {} });
  command.configureHelp({ styleTitle: (title) => title.toLowerCase(), showGlobalOptions: false });
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}

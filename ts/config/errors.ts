// A configuration that cannot be used, with every problem found in it.

export interface ConfigProblem {
  /** Where in the file: a key path such as `thresholds.incoming.pps`, or `line 3, column 5`. */
  where?: string;
  reason: string;
}

export function formatProblem(source: string, problem: ConfigProblem): string {
  return problem.where ? `${source}: ${problem.where}: ${problem.reason}` : `${source}: ${problem.reason}`;
}

/** Its message lists every problem, one per line, as `FILE: key.path: reason`. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(problems.map((problem) => formatProblem(source, problem)).join('\n'));
    this.name = 'ConfigError';
  }
}

/** Why a file could not be read, in words an operator can act on. */
export function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file (check the path)';
    case 'EACCES':
    case 'EPERM':
      return "permission denied (check the file's permissions and the user floodwatch runs as)";
    case 'EISDIR':
      return 'is a directory, not a file';
    default:
      return `cannot be read: ${(error as Error).message}`;
  }
}

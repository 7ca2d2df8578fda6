// Captures what a CLI command writes to standard output and standard error.
import { vi } from 'vitest';

export interface CommandOutput {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCommand(command: (args: string[]) => Promise<number>, args: string[]): Promise<CommandOutput> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  });
  try {
    const code = await command(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

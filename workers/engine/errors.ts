/**
 * An error the user caused (bad file, bad spec) rather than a bug. Its message is one
 * line that says what is wrong and where; hosts show it without a stack trace.
 */
export class StrataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StrataError';
  }
}

export function fail(message: string): never {
  throw new StrataError(message);
}

/** An error meant for the terminal: message says what to do; exitCode follows the CLI's contract. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

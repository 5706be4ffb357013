/** Errors a user can cause. Each carries the process exit code the CLI uses (see README "Exit codes"). */
export type ExitCode = 1 | 2 | 3;

export class ImgdietError extends Error {
  constructor(message: string, readonly exitCode: ExitCode) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input or usage: unparsable reference, corrupt archive, wrong digest, unknown media type. Exit 2. */
export class InputError extends ImgdietError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** Bytes that are not what their digest says (a corrupt or tampered blob). Exit 2, like any bad input. */
export class DigestMismatch extends InputError {}

/** The environment lacks something: no engine answers, a tool is missing. Exit 3. */
export class EnvironmentError extends ImgdietError {
  constructor(message: string) {
    super(message, 3);
  }
}

/** A check or verification did not pass. Exit 1. */
export class CheckFailed extends ImgdietError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** An input problem a user can fix: names the file (and line) and says what is wrong with it. */
export class SourceError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
    readonly line?: number
  ) {
    super(`${file}${line === undefined ? "" : `:${line}`}: ${problem}`);
    this.name = "SourceError";
  }
}

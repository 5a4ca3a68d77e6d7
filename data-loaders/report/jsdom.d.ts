// jsdom ships no type declarations (and @types/jsdom is not installed): the part the report uses.
declare module "jsdom" {
  export class JSDOM {
    constructor(html?: string, options?: Record<string, unknown>);
    readonly window: Window & typeof globalThis;
  }
}

import {writeFileSync} from "node:fs";
import {join} from "node:path";
import {inspect} from "node:util";
import {describe, expect, it} from "vitest";
import {ApiKey, Limiter, parseNetrc, resolveCredentials, WandbApiError} from "../../data-loaders/sources/wandb-api/index.js";
import {tempDir} from "../helpers/run-dir.js";

const KEY = "0123456789abcdef0123456789abcdef01234567";

describe("credentials", () => {
  it("explicit option → WANDB_API_KEY → netrc; base URL from WANDB_BASE_URL without trailing slashes", () => {
    const home = tempDir();
    writeFileSync(join(home, ".netrc"), "machine api.wandb.ai\n  login user\n  password netrc-key-1234567890\n");
    const env = {WANDB_API_KEY: "env-key-1234567890", WANDB_ENTITY: "team", WANDB_PROJECT: "proj"};
    expect(resolveCredentials({apiKey: "option-key-123", env, home}).apiKey!.reveal()).toBe("option-key-123");
    const fromEnv = resolveCredentials({env, home});
    expect(fromEnv).toMatchObject({keySource: "env", entity: "team", project: "proj", baseUrl: "https://api.wandb.ai"});
    expect(fromEnv.apiKey!.reveal()).toBe("env-key-1234567890");
    const fromNetrc = resolveCredentials({env: {}, home});
    expect(fromNetrc.keySource).toBe("netrc");
    expect(fromNetrc.apiKey!.reveal()).toBe("netrc-key-1234567890");
    expect(resolveCredentials({env: {WANDB_BASE_URL: "https://wandb.example.com//"}, home}).baseUrl).toBe("https://wandb.example.com");
    expect(resolveCredentials({env: {WANDB_BASE_URL: "https://wandb.example.com/"}, home}).apiKey).toBeNull();
  });

  it("$NETRC wins over ~/.netrc; the machine is the base URL's host including a port", () => {
    const home = tempDir();
    const other = join(tempDir(), "netrc");
    writeFileSync(join(home, ".netrc"), "machine 127.0.0.1:8080 login u password home-file-key\n");
    writeFileSync(other, "machine 127.0.0.1:8080 login u password netrc-env-key\n");
    expect(resolveCredentials({env: {WANDB_BASE_URL: "http://127.0.0.1:8080"}, home}).apiKey!.reveal()).toBe("home-file-key");
    expect(resolveCredentials({env: {WANDB_BASE_URL: "http://127.0.0.1:8080", NETRC: other}, home}).apiKey!.reveal()).toBe("netrc-env-key");
  });

  it("parses netrc with comments, default and macdef", () => {
    const entries = parseNetrc(
      "# comment\nmachine a.example login x password pa\nmacdef init\ncd /tmp\nmachine fake password p\n\nmachine b.example\n  login y\n  password pb\ndefault login d password pd\n"
    );
    expect(entries.get("a.example")?.password).toBe("pa");
    expect(entries.get("b.example")?.password).toBe("pb");
    expect(entries.has("fake")).toBe(false);
    expect(entries.get("")?.password).toBe("pd");
  });

  it("the key never prints: String, template, JSON.stringify, util.inspect", () => {
    const key = new ApiKey(KEY);
    const holder = {key, nested: {key}};
    for (const text of [String(key), `${key}`, JSON.stringify(holder), inspect(holder, {depth: 5, showHidden: true}), key + ""]) {
      expect(text).not.toContain(KEY);
      expect(text).toContain("***");
    }
    expect(key.redact(`token ${KEY} and ${Buffer.from(`api:${KEY}`).toString("base64")}`)).toBe("token *** and ***");
  });

  it("rejects keys that could not be sent in a header, without echoing them", () => {
    const error = (() => {
      try {
        new ApiKey("abc def\n123");
      } catch (e) {
        return e as WandbApiError;
      }
    })()!;
    expect(error).toBeInstanceOf(WandbApiError);
    expect(error.message).not.toContain("abc def");
  });
});

describe("Limiter", () => {
  it("runs at most `limit` tasks at once, in FIFO order", async () => {
    const limiter = new Limiter(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({length: 6}, (_, i) =>
        limiter.run(async () => {
          active++;
          peak = Math.max(peak, active);
          order.push(i);
          await new Promise((resolve) => setTimeout(resolve, 5));
          active--;
        })
      )
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(limiter.active).toBe(0);
  });
});

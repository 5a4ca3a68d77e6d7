import {describe, expect, it} from "vitest";
import {appUrl, runUrl} from "../../data-loaders/sources/wandb-api/index.js";

describe("run URL (reference §5)", () => {
  it("maps the API host to the app host", () => {
    expect(appUrl("https://api.wandb.ai", {})).toBe("https://wandb.ai");
    expect(appUrl("https://api.example.com", {})).toBe("https://app.example.com");
    expect(appUrl("http://localhost:8080", {})).toBe("http://localhost:8080");
    expect(appUrl("https://api.wandb.ai", {WANDB_APP_URL: "https://my.wandb.app/"})).toBe("https://my.wandb.app");
  });

  it("percent-encodes each segment like Python quote(safe='') (space → %20)", () => {
    expect(runUrl("my-entity", "My Project", "12345", {env: {}})).toBe("https://wandb.ai/my-entity/My%20Project/runs/12345");
    expect(runUrl("e", "a/b?c#d", "x(y)!*'", {env: {}})).toBe("https://wandb.ai/e/a%2Fb%3Fc%23d/runs/x%28y%29%21%2A%27");
    expect(runUrl("é", "p~_.-", "r", {env: {}})).toBe("https://wandb.ai/%C3%A9/p~_.-/runs/r");
  });

  it("uses WANDB_BASE_URL / WANDB_APP_URL from the environment", () => {
    expect(runUrl("e", "p", "r", {env: {WANDB_BASE_URL: "https://api.corp.example/"}})).toBe("https://app.corp.example/e/p/runs/r");
    expect(runUrl("e", "p", "r", {env: {WANDB_APP_URL: "https://ui.corp.example"}})).toBe("https://ui.corp.example/e/p/runs/r");
    expect(runUrl("fp8-lab", "altgrad", "edz7o4mn", {baseUrl: "https://api.wandb.ai", env: {}})).toBe("https://wandb.ai/fp8-lab/altgrad/runs/edz7o4mn");
  });
});

/** JSON as Python's json.dumps writes it for floats: bare NaN / Infinity / -Infinity tokens. */
const SENTINELS: Record<string, string> = {
  "\"__fake_wandb_NaN__\"": "NaN",
  "\"__fake_wandb_Infinity__\"": "Infinity",
  "\"__fake_wandb_-Infinity__\"": "-Infinity"
};

export function stringifyPythonJson(value: unknown): string {
  let special = false;
  const text = JSON.stringify(value, (_key, item) => {
    if (typeof item === "number" && !Number.isFinite(item)) {
      special = true;
      return Number.isNaN(item) ? "__fake_wandb_NaN__" : item > 0 ? "__fake_wandb_Infinity__" : "__fake_wandb_-Infinity__";
    }
    return item;
  });
  if (!special) return text;
  return text.replace(/"__fake_wandb_(?:NaN|Infinity|-Infinity)__"/g, (match) => SENTINELS[match]);
}

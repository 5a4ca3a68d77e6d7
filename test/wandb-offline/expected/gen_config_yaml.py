"""PyYAML-written config.yaml samples for the mini YAML reader test, with PyYAML's own reading as
the expectation. Usage (writes into the current folder): cd expected && python3 gen_config_yaml.py [unicode]"""
import yaml, json, math
cfg = {
  "wandb_version": 1,
  "_wandb": {"desc": None, "value": {"cli_version": "0.15.6", "t": {1: [1, 5, 53, 55], 2: [1, 5], 4: "3.10.12", 13: "linux-x86_64"}, "m": [], "is_jupyter_run": False, "start_time": 1689325560.911407}},
  "lr": {"desc": None, "value": 1e-05},
  "epochs": {"desc": None, "value": 10},
  "betas": {"desc": None, "value": [0.9, 0.999]},
  "optimizer": {"desc": "which optimizer", "value": {"name": "adamw", "weight_decay": 0.01, "nested": {"deep": [1, {"a": "b"}, [2, 3]]}}},
  "flags": {"desc": None, "value": {"yes_string": "yes", "num_string": "123", "null_string": "null", "empty": "", "bool": True, "none": None}},
  "special": {"desc": None, "value": {"nan": float("nan"), "inf": float("inf"), "ninf": float("-inf"), "big": 1.5e21, "neg": -3, "zero": 0.0}},
  "text": {"desc": None, "value": "a very long description string that PyYAML will fold across several lines because it is much longer than eighty characters wide"},
  "multiline": {"desc": None, "value": "line one\nline two\n\n  indented 'quoted' \"double\" \\ backslash\ttab"},
  "unicode": {"desc": None, "value": "café – 日本語 🚀"},
  "colon: key": {"desc": None, "value": "value: with colon # and hash"},
  "list_of_dicts": {"desc": None, "value": [{"name": "a", "size": 1}, {"name": "b", "size": [1, 2]}]},
  "empty_list": {"desc": None, "value": []},
  "empty_dict": {"desc": None, "value": {}},
  "path": {"desc": None, "value": "/data/train-*.parquet"},
  "url": {"desc": None, "value": "http://example.com:8080/x?y=1"},
  "dashes": {"desc": None, "value": "- not a list"},
  "star": {"desc": None, "value": "*not_alias"},
  "quote_start": {"desc": None, "value": "'single' start"},
  "long_no_spaces": {"desc": None, "value": "x" * 120},
  "long_quoted": {"desc": None, "value": ("tab\there " * 15)},
  "long_multiline": {"desc": None, "value": ("word " * 20) + "\n\n" + ("more " * 20) + "\nend  "},
  "leading_space": {"desc": None, "value": " x" * 50},
}
import sys
unicode = len(sys.argv) > 1
out = yaml.dump(cfg, default_flow_style=False, allow_unicode=unicode)
name = "config-pyyaml-unicode" if unicode else "config-pyyaml"
open(name + ".yaml", "w").write(out)
def enc(v):
    if isinstance(v, float) and not math.isfinite(v):
        return {"$float": "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")}
    if isinstance(v, dict): return {str(k): enc(x) for k, x in v.items()}
    if isinstance(v, list): return [enc(x) for x in v]
    return v
# round-trip through PyYAML's own loader as the reference
json.dump(enc(yaml.safe_load(out)), open(name + ".expected.json", "w"), indent=1, ensure_ascii=False)


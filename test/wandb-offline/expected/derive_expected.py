"""Independent expectations for the shared wandb-offline fixtures.

Not used by the tests at run time; it documents how expected/*.json were made. A deliberately
different implementation from the TypeScript reader: zlib's CRC-32, a schema-free protobuf walk,
Python's json module (which accepts NaN/Infinity natively). It does no step resolution, summary
fallback or tree flattening: item paths are joined with '.', which is enough for these fixtures.

Usage: python3 derive_expected.py ../../../../shared/fixtures/wandb-offline  (writes next to itself)
"""
import json, math, os, struct, sys, zlib

BLOCK = 32768
TYPES = {2: "history", 3: "summary", 4: "output", 5: "config", 6: "files", 7: "stats", 8: "artifact",
         11: "telemetry", 12: "metric", 13: "output_raw", 17: "run", 18: "exit", 20: "final",
         21: "header", 22: "footer", 26: "environment"}


def frames(data):
    assert data[:4] == b":W&B" and data[4:6] == b"\xe1\xbe"
    pos, out, pending = 7, [], None
    while pos < len(data):
        left = BLOCK - pos % BLOCK
        if left < 7:
            pos += left
            continue
        if pos + 7 > len(data):
            return out, pos
        crc, ln, t = struct.unpack("<IHB", data[pos:pos + 7])
        if pos + 7 + ln > len(data):
            return out, pos
        payload = data[pos + 7:pos + 7 + ln]
        assert zlib.crc32(bytes([t]) + payload) == crc, ("crc", pos)
        if t == 1:
            out.append(payload)
        elif t == 2:
            pending = payload
        elif t == 3:
            pending += payload
        elif t == 4:
            out.append(pending + payload)
            pending = None
        pos += 7 + ln
    return out, None


def varint(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 127) << s
        s += 7
        if x < 128:
            return r, i


def fields(b):
    i, out = 0, []
    while i < len(b):
        tag, i = varint(b, i)
        f, w = tag >> 3, tag & 7
        if w == 0:
            v, i = varint(b, i)
        elif w == 2:
            ln, i = varint(b, i)
            v, i = b[i:i + ln], i + ln
        elif w == 1:
            v, i = b[i:i + 8], i + 8
        elif w == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % w)
        out.append((f, w, v))
    return out


def item(b):
    key, nested, value = None, [], None
    for f, w, v in fields(b):
        if f == 1:
            key = v.decode()
        elif f == 2:
            nested.append(v.decode())
        elif f == 16:
            value = v.decode()
    return ".".join(nested) if nested else key, value


def enc(v):
    if isinstance(v, float) and not math.isfinite(v):
        return {"$float": "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")}
    if isinstance(v, dict):
        return {k: enc(x) for k, x in v.items()}
    if isinstance(v, list):
        return [enc(x) for x in v]
    return v


def derive(path):
    payloads, incomplete_at = frames(open(path, "rb").read())
    counts, rows, summary, config, exit_code, run = {}, [], {}, {}, None, {}
    has_summary_record = False
    for p in payloads:
        body_fields = [(f, v) for f, w, v in fields(p) if f not in (1, 16, 19, 200)]
        t, body = body_fields[-1]
        name = TYPES.get(t, "other_%d" % t)
        counts[name] = counts.get(name, 0) + 1
        if name == "history":
            row = {}
            for f, w, v in fields(body):
                if f == 1:
                    k, vj = item(v)
                    row[k] = json.loads(vj)
            rows.append(row)
        elif name in ("summary", "config"):
            target = summary if name == "summary" else config
            has_summary_record |= name == "summary"
            for f, w, v in fields(body):
                k, vj = item(v)
                if f == 1:
                    target[k] = json.loads(vj)
                elif f == 2:
                    target.pop(k, None)
        elif name == "exit":
            exit_code = 0
            for f, w, v in fields(body):
                if f == 1:
                    exit_code = v if v < 2 ** 31 else v - 2 ** 64
        elif name == "run":
            for f, w, v in fields(body):
                if f in (1, 2, 3, 8):
                    run[{1: "runId", 2: "entity", 3: "project", 8: "displayName"}[f]] = v.decode()
                elif f == 4:
                    for f2, w2, v2 in fields(v):
                        k, vj = item(v2)
                        config[k] = json.loads(vj)
                elif f == 14:
                    run["startingStep"] = v
                elif f == 17:
                    run["startSeconds"] = dict((f2, v2) for f2, w2, v2 in fields(v)).get(1, 0)
    return enc({"recordCounts": counts, "incompleteAt": incomplete_at, "run": run, "config": config,
                "summary": summary if has_summary_record else None, "exitCode": exit_code, "history": rows})


if __name__ == "__main__":
    root = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    for dirpath, _, names in sorted(os.walk(root)):
        for n in sorted(names):
            if n.endswith(".wandb"):
                rel = os.path.relpath(os.path.join(dirpath, n), root)
                out = os.path.join(here, rel.replace("/", "__") + ".json")
                with open(out, "w") as fh:
                    json.dump({"file": rel, **derive(os.path.join(dirpath, n))}, fh, indent=1, sort_keys=False)
                    fh.write("\n")
                print(out)

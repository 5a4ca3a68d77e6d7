/**
 * Checkpoint analysis throughput: seconds per checkpoint for the full analysis set (forward pass on
 * all p² inputs, embed-fourier, neuron-frequencies, neuron-clusters, progress-measures with the key
 * frequencies given, neuron-activations for 8 neurons), against the same computations in PyTorch on
 * CPU (Debian `python3-torch`, run by /usr/bin/python3) measured in the same run.
 *
 * Two cases: the real final seed-0 checkpoint of the grokking dataset (p = 59, d_mlp = 512) and a
 * p = 113, d_mlp = 512 model with random weights (the paper's size). The PyTorch side runs four
 * variants, and the ratios are printed against each:
 *   direct-f32 / direct-f64   the straightforward batched computation (attention over the 3
 *                             positions, MLP and unembedding at the last one, the 2D Fourier
 *                             transform of the neuron grids as basis matmuls) in float32 / float64;
 *   structured-f32 / -f64     the TypeScript algorithm ported to torch (per-token tables, constant
 *                             query, folded W_O·W_in, diagonal sums for the Fourier fractions).
 * TypeScript computes in float64 throughout. Every side is timed best-of-N after a warm-up, in
 * two interleaved rounds (the machine is shared: the best is the least disturbed run); the medians
 * are printed too. Weights are loaded once per side (load time reported separately).
 */
import {spawnSync} from "node:child_process";
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {fileURLToPath} from "node:url";
import {readSafetensors, encodeSafetensors} from "../data-loaders/checkpoints/safetensors.js";
import {createCheckpointContext, kernelModule, modelConfigFromJson, modelFromTensors, randomModel, runAnalyses, tensorShapes, type TransformerModel} from "../analyses/src/checkpoints/index.js";

const GROKKING = fileURLToPath(new URL("../../shared/datasets/grokking/results/model_p59_seed0/", import.meta.url));
const PYTHON = "/usr/bin/python3";
const ANALYSES = ["embed-fourier", "neuron-frequencies", "neuron-clusters", "progress-measures", "neuron-activations"];

export interface Timing {
  best: number;
  median: number;
}

export interface CheckpointBenchCase {
  name: string;
  p: number;
  dMlp: number;
  /** TypeScript, default engine (wasm SIMD where available), seconds per checkpoint. */
  ts: Timing;
  /** TypeScript with the plain-JS engine. */
  tsJs: Timing;
  /** Reading + decoding the safetensors file, seconds. */
  tsLoad: number;
  /** PyTorch variants, seconds per checkpoint (absent when torch is not installed). */
  torch: Record<string, Timing & {load: number}>;
  /** ts.best / torch[variant].best. */
  ratio: Record<string, number>;
  /** Largest relative difference between the TS and torch results (test loss, restricted/excluded loss, Fourier norms). */
  agreement: Record<string, number>;
}

export interface CheckpointBench {
  engine: "wasm" | "js";
  torchVersion?: string;
  torchThreads?: number;
  torchMissing?: string;
  cases: CheckpointBenchCase[];
}

function time(fn: () => void, reps: number): number[] {
  fn(); // warm-up
  const out: number[] = [];
  for (let r = 0; r < reps; ++r) {
    const t = performance.now();
    fn();
    out.push((performance.now() - t) / 1000);
  }
  return out;
}
const summary = (xs: number[]): Timing => {
  const s = xs.slice().sort((a, b) => a - b);
  return {best: s[0], median: s[s.length >> 1]};
};

interface CaseInput {
  name: string;
  path: string;
  model: TransformerModel;
  trainIndices: number[];
  keyFrequencies: number[];
}

function runTs(c: CaseInput, reps: number, engine: "auto" | "js"): number[] {
  const options = {"progress-measures": {keyFrequencies: c.keyFrequencies}, "neuron-activations": {neurons: [0, 1, 2, 3, 4, 5, 6, 7]}};
  return time(() => {
    const context = createCheckpointContext(c.model, {trainIndices: c.trainIndices, engine});
    runAnalyses(ANALYSES, context, options);
  }, reps);
}

function runTorch(cases: CaseInput[], reps: number): {ok: true; out: TorchOutput} | {ok: false; why: string} {
  if (!existsSync(PYTHON)) return {ok: false, why: `${PYTHON} not found`};
  const args = {
    reps,
    cases: cases.map((c) => ({
      name: c.name,
      p: c.model.config.p,
      path: c.path,
      trainIndices: c.trainIndices,
      keyFrequencies: c.keyFrequencies,
      variants: [
        {name: "direct-f32", algorithm: "direct", dtype: "float32"},
        {name: "direct-f64", algorithm: "direct", dtype: "float64"},
        {name: "structured-f32", algorithm: "structured", dtype: "float32"},
        {name: "structured-f64", algorithm: "structured", dtype: "float64"}
      ]
    }))
  };
  const run = spawnSync(PYTHON, ["-", JSON.stringify(args)], {input: TORCH_SCRIPT, encoding: "utf8", maxBuffer: 1 << 28});
  if (run.status !== 0) {
    const why = run.stderr.includes("No module named 'torch'") ? "PyTorch is not installed (apt-get install -y python3-torch)" : `python exited ${run.status}: ${run.stderr.slice(-2000)}`;
    return {ok: false, why};
  }
  return {ok: true, out: JSON.parse(run.stdout) as TorchOutput};
}

interface TorchOutput {
  threads: number;
  torch: string;
  cases: Record<string, Record<string, {best: number; median: number; loadBest: number; results: Record<string, number>; embed: number[]; times: number[]}>>;
}

export async function benchCheckpoints(options: {reps?: number; rounds?: number; print?: boolean} = {}): Promise<CheckpointBench> {
  const reps = options.reps ?? 5;
  const rounds = options.rounds ?? 2;
  const print = options.print ?? true;
  const dir = mkdtempSync(join(tmpdir(), "runlens-bench-checkpoints-"));
  try {
    // Case 1: the real final checkpoint.
    const configJson = JSON.parse(readFileSync(join(GROKKING, "config.json"), "utf8"));
    const realPath = join(GROKKING, "checkpoints/checkpoint_epoch_28300.safetensors");
    const config = modelConfigFromJson(configJson);
    const loadTimes = time(() => modelFromTensors(readSafetensors(realPath).tensors, config, realPath), reps);
    const real: CaseInput = {name: "p=59 real (seed 0, epoch 28300)", path: realPath, model: modelFromTensors(readSafetensors(realPath).tensors, config, realPath), trainIndices: configJson.data_split.train_indices, keyFrequencies: [12, 20, 23, 28]};
    // Case 2: p = 113, d_mlp = 512, random weights (TransformerLens init), written for torch to read.
    const p = 113;
    const bigConfig = {p, dModel: 128, nHeads: 4, dHead: 32, dMlp: 512, nCtx: 3, dVocab: p + 1, dVocabOut: p};
    const big = randomModel(bigConfig, 113);
    const bigPath = join(dir, "random-p113.safetensors");
    const fields = Object.keys(tensorShapes(bigConfig));
    const byName: Record<string, keyof TransformerModel> = Object.fromEntries(fields.map((name) => [name, name.split(".").at(-1) as keyof TransformerModel]));
    writeFileSync(bigPath, encodeSafetensors(fields.map((name) => ({name, shape: tensorShapes(bigConfig)[name], data: big[byName[name]] as Float32Array}))));
    const bigLoad = time(() => readSafetensors(bigPath), reps);
    const perm = Array.from({length: p * p}, (_, i) => i);
    for (let i = perm.length - 1; i > 0; --i) {
      const j = (i * 2654435761) % (i + 1); // deterministic shuffle
      [perm[i], perm[j]] = [perm[j], perm[i]];
    }
    const bigCase: CaseInput = {name: "p=113 random (d_mlp 512)", path: bigPath, model: modelFromTensors(readSafetensors(bigPath).tensors, bigConfig, bigPath), trainIndices: perm.slice(0, Math.floor(0.3 * p * p)), keyFrequencies: [14, 35, 41, 42, 52]};
    const cases = [real, bigCase];

    const tsTimes = cases.map(() => [] as number[]);
    const tsJsTimes = cases.map(() => [] as number[]);
    const torchRounds: TorchOutput[] = [];
    let torchMissing: string | undefined;
    for (let round = 0; round < rounds; ++round) {
      cases.forEach((c, i) => tsTimes[i].push(...runTs(c, reps, "auto")));
      if (round === 0) cases.forEach((c, i) => tsJsTimes[i].push(...runTs(c, Math.max(2, reps >> 1), "js")));
      if (torchMissing === undefined) {
        const t = runTorch(cases, reps);
        if (t.ok) torchRounds.push(t.out);
        else torchMissing = t.why;
      }
    }

    // Results of one TS run per case, to check both sides computed the same thing.
    const check = cases.map((c) => {
      const context = createCheckpointContext(c.model, {trainIndices: c.trainIndices});
      return runAnalyses(ANALYSES, context, {"progress-measures": {keyFrequencies: c.keyFrequencies}}) as Record<string, Record<string, unknown>>;
    });
    const out: CheckpointBench = {engine: kernelModule() === null ? "js" : "wasm", cases: []};
    if (torchMissing !== undefined) out.torchMissing = torchMissing;
    if (torchRounds.length > 0) {
      out.torchVersion = torchRounds[0].torch;
      out.torchThreads = torchRounds[0].threads;
    }
    cases.forEach((c, i) => {
      const entry: CheckpointBenchCase = {name: c.name, p: c.model.config.p, dMlp: c.model.config.dMlp, ts: summary(tsTimes[i]), tsJs: summary(tsJsTimes[i]), tsLoad: summary(i === 0 ? loadTimes : bigLoad).best, torch: {}, ratio: {}, agreement: {}};
      for (const variant of Object.keys(torchRounds[0]?.cases[c.name] ?? {})) {
        const all = torchRounds.flatMap((r) => r.cases[c.name][variant].times);
        const t = summary(all);
        entry.torch[variant] = {...t, load: Math.min(...torchRounds.map((r) => r.cases[c.name][variant].loadBest))};
        entry.ratio[variant] = entry.ts.best / t.best;
        const theirs = torchRounds[0].cases[c.name][variant];
        const ours = check[i]["progress-measures"] as Record<string, number>;
        const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
        let embed = 0;
        const norms = (check[i]["embed-fourier"] as {componentNorms: Float64Array}).componentNorms;
        norms.forEach((v, j) => (embed = Math.max(embed, rel(v, theirs.embed[j]))));
        entry.agreement[variant] = Math.max(embed, ...["testLoss", "trainLoss", "excludedLoss", "excludedLossTest"].map((k) => rel(ours[k], theirs.results[k])), Math.abs(ours.restrictedLoss - theirs.results.restrictedLoss) / Math.max(ours.restrictedLoss, 1e-6));
      }
      out.cases.push(entry);
    });
    if (print) report(out);
    return out;
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

function report(b: CheckpointBench): void {
  const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`;
  const row = (label: string, value: string, note = "") => console.log(`${label.padEnd(44)} ${value.padStart(14)}  ${note}`);
  console.log(`TypeScript engine: ${b.engine}; PyTorch ${b.torchVersion ?? "-"} (${b.torchThreads ?? "-"} thread(s))${b.torchMissing ? `; torch baseline skipped: ${b.torchMissing}` : ""}`);
  for (const c of b.cases) {
    console.log(`\n## ${c.name}: full analysis set per checkpoint (best of runs; median in brackets)`);
    row("TypeScript (float64)", ms(c.ts.best), `[${ms(c.ts.median)}]`);
    row("TypeScript, plain-JS engine", ms(c.tsJs.best), `[${ms(c.tsJs.median)}]`);
    row("TypeScript: read + decode the checkpoint", ms(c.tsLoad));
    for (const [variant, t] of Object.entries(c.torch)) {
      row(`PyTorch ${variant}`, ms(t.best), `[${ms(t.median)}]  ratio TS/torch ${c.ratio[variant].toFixed(2)}×  (target ≤ 2×; results agree to ${c.agreement[variant].toExponential(1)})`);
    }
  }
}

const TORCH_SCRIPT = String.raw`import json, math, struct, sys, time
import numpy as np
import torch

torch.set_grad_enabled(False)
args = json.loads(sys.argv[1])

def load(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        s, e = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(raw[8 + n + s:8 + n + e], dtype="<f4").reshape(info["shape"]).copy())
    return out

def basis(p, dtype):
    x = torch.arange(p, dtype=torch.float64)
    rows = [torch.ones(p, dtype=torch.float64) / math.sqrt(p)]
    for k in range(1, p // 2 + 1):
        rows += [math.sqrt(2 / p) * torch.cos(2 * math.pi * k * x / p), math.sqrt(2 / p) * torch.sin(2 * math.pi * k * x / p)]
    return torch.stack(rows).to(dtype)

class Setup:
    def __init__(self, p, train_idx, dtype):
        self.p, self.dtype = p, dtype
        a = torch.arange(p).repeat_interleave(p); b = torch.arange(p).repeat(p)
        self.tokens = torch.stack([a, b, torch.full((p * p,), p)], 1)
        self.labels = (a + b) % p
        self.is_train = torch.zeros(p * p, dtype=torch.bool); self.is_train[train_idx] = True
        self.B = basis(p, dtype)
        K = p // 2
        mask = torch.zeros(p, p, K, dtype=dtype)
        for k in range(1, K + 1):
            idx = [0, 2 * k - 1, 2 * k]
            for i in idx:
                for j in idx:
                    mask[i, j, k - 1] = 1
        mask[0, 0, :] = 0
        self.mask = mask.reshape(p * p, K)
        s = torch.arange(p, dtype=torch.float64)
        kk = torch.arange(1, K + 1, dtype=torch.float64)[:, None]
        self.cos = torch.cos(2 * math.pi * ((kk * s) % p) / p).to(dtype)  # [K, p]
        self.sin = torch.sin(2 * math.pi * ((kk * s) % p) / p).to(dtype)
        self.splus = ((a + b) % p); self.sminus = ((a - b) % p); self.a = a; self.b = b

def forward_direct(W, S):
    """Plain batched forward pass (attention over all positions, MLP/unembed at the last one)."""
    p, D = S.p, W["embed.W_E"].shape[1]
    H, _, E = W["blocks.0.attn.W_Q"].shape
    x = W["embed.W_E"][S.tokens] + W["pos_embed.W_pos"]                          # [N, 3, D]
    N = x.shape[0]
    x2 = x.reshape(N * 3, D)
    q = (x[:, 2] @ W["blocks.0.attn.W_Q"].permute(1, 0, 2).reshape(D, H * E)).reshape(N, H, E) + W["blocks.0.attn.b_Q"]
    k = (x2 @ W["blocks.0.attn.W_K"].permute(1, 0, 2).reshape(D, H * E)).reshape(N, 3, H, E) + W["blocks.0.attn.b_K"]
    v = (x2 @ W["blocks.0.attn.W_V"].permute(1, 0, 2).reshape(D, H * E)).reshape(N, 3, H, E) + W["blocks.0.attn.b_V"]
    scores = torch.einsum("nhe,nkhe->nhk", q, k) / math.sqrt(E)                  # last query: all 3 keys visible
    pattern = scores.softmax(-1)
    z = torch.einsum("nhk,nkhe->nhe", pattern, v).reshape(N, H * E)
    resid = x[:, 2] + z @ W["blocks.0.attn.W_O"].reshape(H * E, D) + W["blocks.0.attn.b_O"]
    post = torch.relu(resid @ W["blocks.0.mlp.W_in"] + W["blocks.0.mlp.b_in"])
    resid = resid + post @ W["blocks.0.mlp.W_out"] + W["blocks.0.mlp.b_out"]
    return resid @ W["unembed.W_U"] + W["unembed.b_U"], post

def forward_structured(W, S):
    """The TypeScript algorithm: per-token tables, constant query, w0 + w1 + w2 = 1, W_O·W_in folded."""
    p = S.p
    WE, Wpos = W["embed.W_E"], W["pos_embed.W_pos"]
    H, D, E = W["blocks.0.attn.W_Q"].shape
    x0 = WE[:p] + Wpos[0]; x1 = WE[:p] + Wpos[1]; x2 = WE[p] + Wpos[2]
    q = torch.einsum("d,hde->he", x2, W["blocks.0.attn.W_Q"]) + W["blocks.0.attn.b_Q"]          # [H, E]
    qK = torch.einsum("hde,he->hd", W["blocks.0.attn.W_K"], q); qb = (W["blocks.0.attn.b_K"] * q).sum(-1)
    s0 = (x0 @ qK.T + qb) / math.sqrt(E); s1 = (x1 @ qK.T + qb) / math.sqrt(E); s2 = (x2 @ qK.T + qb) / math.sqrt(E)  # [p, H], [H]
    v0 = torch.einsum("td,hde->hte", x0, W["blocks.0.attn.W_V"]) + W["blocks.0.attn.b_V"][:, None]
    v1 = torch.einsum("td,hde->hte", x1, W["blocks.0.attn.W_V"]) + W["blocks.0.attn.b_V"][:, None]
    v2 = torch.einsum("d,hde->he", x2, W["blocks.0.attn.W_V"]) + W["blocks.0.attn.b_V"]
    base = x2 + W["blocks.0.attn.b_O"] + torch.einsum("he,hed->d", v2, W["blocks.0.attn.W_O"])
    WOin = W["blocks.0.attn.W_O"] @ W["blocks.0.mlp.W_in"]                                      # [H, E, M]
    WOU = W["blocks.0.attn.W_O"] @ W["unembed.W_U"]
    P0 = torch.einsum("hte,hem->thm", v0 - v2[:, None], WOin); P1 = torch.einsum("hte,hem->thm", v1 - v2[:, None], WOin)
    U0 = torch.einsum("hte,hec->thc", v0 - v2[:, None], WOU); U1 = torch.einsum("hte,hec->thc", v1 - v2[:, None], WOU)
    sc = torch.stack([s0[S.a], s1[S.b], s2.expand(S.a.shape[0], H)], -1).softmax(-1)            # [N, H, 3]
    w0, w1 = sc[..., 0], sc[..., 1]
    pre = base @ W["blocks.0.mlp.W_in"] + W["blocks.0.mlp.b_in"] + torch.einsum("nh,nhm->nm", w0, P0[S.a]) + torch.einsum("nh,nhm->nm", w1, P1[S.b])
    post = torch.relu(pre)
    WL = W["blocks.0.mlp.W_out"] @ W["unembed.W_U"]
    logits = (base + W["blocks.0.mlp.b_out"]) @ W["unembed.W_U"] + W["unembed.b_U"] + torch.einsum("nh,nhc->nc", w0, U0[S.a]) + torch.einsum("nh,nhc->nc", w1, U1[S.b]) + post @ WL
    return logits, post

def fractions_direct(post, S):
    p = S.p; M = post.shape[1]
    A = post.T.reshape(M, p, p)
    A = A - A.mean((1, 2), keepdim=True)
    F = S.B @ A @ S.B.T                                                           # [M, p, p]
    sq = (F * F).reshape(M, p * p)
    total = sq.sum(1) - sq[:, 0]
    frac = (sq @ S.mask) / total[:, None]
    return torch.where(total[:, None] > 0, frac, torch.zeros_like(frac)), total

def fractions_structured(post, S):
    p = S.p; M = post.shape[1]
    sums = []
    for idx in (S.a, S.b, S.splus, S.sminus):
        t = torch.zeros(p, M, dtype=post.dtype); t.index_add_(0, idx, post); sums.append(t)
    energy = sum((tab @ X) ** 2 for X in sums for tab in (S.cos, S.sin))         # [K, M]
    total = ((post - post.mean(0)) ** 2).sum(0)
    frac = (2 / (p * p)) * energy.T / total[:, None]
    return torch.where(total[:, None] > 0, frac, torch.zeros_like(frac)), total

def ce(logits, labels):
    return -logits.double().log_softmax(-1).gather(1, labels[:, None]).mean().item()

def analyses(W, S, structured, key_freqs=None):
    p = S.p
    Wc = {k: v.to(S.dtype) for k, v in W.items()}
    embed = (S.B @ Wc["embed.W_E"][:p]).norm(dim=1)
    logits, post = (forward_structured if structured else forward_direct)(Wc, S)
    frac, total = (fractions_structured if structured else fractions_direct)(post, S)
    best_frac, best = frac.max(1)
    cluster = torch.where(best_frac >= 0.5, best + 1, torch.zeros_like(best))
    if key_freqs is None:
        freqs, counts = torch.unique(cluster[cluster > 0], return_counts=True)
        key_freqs = freqs[counts >= max(2, math.ceil(0.01 * post.shape[1]))].tolist()
    acts = post[:, :8].T.reshape(8, p, p).float()
    tr, te = S.is_train, ~S.is_train
    L = logits.double()
    res = {"trainLoss": ce(L[tr], S.labels[tr]), "testLoss": ce(L[te], S.labels[te]),
           "trainAccuracy": (L[tr].argmax(1) == S.labels[tr]).double().mean().item(),
           "testAccuracy": (L[te].argmax(1) == S.labels[te]).double().mean().item()}
    # restricted / excluded loss: projections on the unit vectors (sqrt(2)/p)·cos/sin(w_k(a+b))
    s = ((S.a + S.b) % p).double()
    dirs = []
    for k in key_freqs:
        dirs += [math.sqrt(2) / p * torch.cos(2 * math.pi * k * s / p), math.sqrt(2) / p * torch.sin(2 * math.pi * k * s / p)]
    Dm = torch.stack(dirs, 1) if dirs else torch.zeros(p * p, 0, dtype=torch.float64)
    comps = Dm @ (Dm.T @ L)
    restricted = comps + (L - comps).mean(0, keepdim=True)
    excluded = L - comps
    res.update({"restrictedLoss": ce(restricted, S.labels), "excludedLoss": ce(excluded[tr], S.labels[tr]),
                "excludedLossTest": ce(excluded[te], S.labels[te]),
                "sumSquaredWeights": sum((w.double() ** 2).sum().item() for w in W.values())})
    return res, embed, frac, acts, key_freqs

def bench(fn, reps):
    fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    times.sort()
    return times

out = {"threads": torch.get_num_threads(), "torch": torch.__version__, "cases": {}}
for case in args["cases"]:
    W = load(case["path"])
    p = case["p"]
    for variant in case["variants"]:
        dtype = torch.float32 if variant["dtype"] == "float32" else torch.float64
        S = Setup(p, case["trainIndices"], dtype)
        structured = variant["algorithm"] == "structured"
        res, embed, frac, acts, keys = analyses(W, S, structured, case.get("keyFrequencies"))
        times = bench(lambda: analyses(W, S, structured, case.get("keyFrequencies")), args["reps"])
        load_times = bench(lambda: load(case["path"]), args["reps"])
        out["cases"].setdefault(case["name"], {})[variant["name"]] = {
            "best": times[0], "median": times[len(times) // 2], "times": times, "loadBest": load_times[0],
            "results": res, "keyFrequencies": keys, "embed": embed.double().tolist(),
            "fractionsSum": frac.double().sum().item()}
print(json.dumps(out))
`;

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await benchCheckpoints();
}

"""Reference values for test/checkpoints, computed independently with numpy (float64).

Run from the repository root with Debian's python (numpy only):  /usr/bin/python3 test/checkpoints/make_fixtures.py
Writes test/checkpoints/fixtures/:
  progress-reference.json  per checkpoint of both grokking runs: loss/accuracy, restricted and excluded
                           loss computed exactly as Nanda et al.'s notebook (2D Fourier basis vectors over
                           the p*p grid, projection by matmul), key frequencies of the final model from a
                           full 2D Fourier transform of the neuron activations, sum of squared weights
  tiny-model.safetensors   a small random model WITH non-zero biases (p=13, d_model=16, 3 heads x 8, d_mlp=40)
  tiny-model-reference.npz its logits / post-ReLU activations / attention pattern at the last position
                           (np.savez_compressed; 'post' stored Fortran-ordered, 'attention' big-endian)
  dtypes.npz               one array per supported descr, Fortran order, big-endian, scalars, empty arrays
  dtypes.safetensors       F16/BF16/F64/F32 tensors with known values
"""
import json, os, struct, zlib
import numpy as np

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "datasets", "grokking", "results")
OUT = os.path.join(os.path.dirname(__file__), "fixtures")


def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        s, e = info["data_offsets"]
        dtype = {"F32": "<f4", "F64": "<f8"}[info["dtype"]]
        out[name] = np.frombuffer(raw[8 + n + s:8 + n + e], dtype=dtype).reshape(info["shape"]).astype(np.float64)
    return out


def write_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, arr_bytes, shape) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(arr_bytes)]}
        blobs.append(arr_bytes)
        offset += len(arr_bytes)
    h = json.dumps(header).encode()
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def forward(W, p):
    """Plain TransformerLens-style forward pass over all positions, float64."""
    a = np.repeat(np.arange(p), p)
    b = np.tile(np.arange(p), p)
    toks = np.stack([a, b, np.full(p * p, p)], 1)
    x = W["embed.W_E"][toks] + W["pos_embed.W_pos"][None]
    q = np.einsum("npd,hde->nphe", x, W["blocks.0.attn.W_Q"]) + W["blocks.0.attn.b_Q"]
    k = np.einsum("npd,hde->nphe", x, W["blocks.0.attn.W_K"]) + W["blocks.0.attn.b_K"]
    v = np.einsum("npd,hde->nphe", x, W["blocks.0.attn.W_V"]) + W["blocks.0.attn.b_V"]
    scores = np.einsum("nqhe,nkhe->nhqk", q, k) / np.sqrt(q.shape[-1])
    scores = np.where(np.triu(np.ones((3, 3), bool), 1), -np.inf, scores)
    scores = scores - scores.max(-1, keepdims=True)
    pattern = np.exp(scores)
    pattern /= pattern.sum(-1, keepdims=True)
    z = np.einsum("nhqk,nkhe->nqhe", pattern, v)
    resid = x + np.einsum("nqhe,hed->nqd", z, W["blocks.0.attn.W_O"]) + W["blocks.0.attn.b_O"]
    post = np.maximum(resid @ W["blocks.0.mlp.W_in"] + W["blocks.0.mlp.b_in"], 0)
    resid = resid + post @ W["blocks.0.mlp.W_out"] + W["blocks.0.mlp.b_out"]
    logits = resid @ W["unembed.W_U"] + W["unembed.b_U"]
    return logits[:, -1], post[:, -1], pattern[:, :, -1, :]


def fourier_basis(p):
    rows = [np.ones(p) / np.sqrt(p)]
    x = np.arange(p)
    for k in range(1, p // 2 + 1):
        rows.append(np.sqrt(2 / p) * np.cos(2 * np.pi * k * x / p))
        rows.append(np.sqrt(2 / p) * np.sin(2 * np.pi * k * x / p))
    return np.stack(rows)


def neuron_fractions(post, p):
    """Full 2D transform (O(p^3) per neuron), the way the dataset README describes it."""
    B = fourier_basis(p)
    acts = post.reshape(p, p, -1)
    acts = acts - acts.mean((0, 1), keepdims=True)
    F = np.einsum("ia,jb,abn->ijn", B, B, acts)
    total = (F ** 2).sum((0, 1))
    out = np.zeros((post.shape[1], p // 2))
    for k in range(1, p // 2 + 1):
        idx = [0, 2 * k - 1, 2 * k]
        out[:, k - 1] = (F[np.ix_(idx, idx)] ** 2).sum((0, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(total[:, None] > 0, out / total[:, None], 0.0)
    return out


def key_frequencies(post, p, threshold=0.5, min_size=None):
    frac = neuron_fractions(post, p)
    best = frac.argmax(1) + 1
    ok = frac.max(1) >= threshold
    min_size = min_size or max(2, int(np.ceil(0.01 * post.shape[1])))
    freqs, counts = np.unique(best[ok], return_counts=True)
    return [int(f) for f, c in zip(freqs, counts) if c >= min_size]


def cross_entropy(logits, labels):
    logp = logits - logits.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    return float(-logp[np.arange(len(labels)), labels].mean())


def accuracy(logits, labels):
    return float((logits.argmax(1) == labels).mean())


def progress(W, p, train_idx, key_freqs):
    logits, post, _ = forward(W, p)
    n = p * p
    labels = (np.repeat(np.arange(p), p) + np.tile(np.arange(p), p)) % p
    is_train = np.zeros(n, bool)
    is_train[train_idx] = True
    B = fourier_basis(p)
    term = lambda x, y: np.outer(B[x], B[y]).flatten()
    comps = np.zeros_like(logits)
    for f in key_freqs:
        cos_dir = (term(2 * f - 1, 2 * f - 1) - term(2 * f, 2 * f)) / np.sqrt(2)
        sin_dir = (term(2 * f, 2 * f - 1) + term(2 * f - 1, 2 * f)) / np.sqrt(2)
        for d in (cos_dir, sin_dir):
            comps += d[:, None] @ (d[None, :] @ logits)
    restricted = comps + (logits - comps).mean(0, keepdims=True)  # notebook's bias correction
    excluded = logits - comps
    tr, te = is_train, ~is_train
    return {
        "trainLoss": cross_entropy(logits[tr], labels[tr]), "testLoss": cross_entropy(logits[te], labels[te]),
        "trainAccuracy": accuracy(logits[tr], labels[tr]), "testAccuracy": accuracy(logits[te], labels[te]),
        "restrictedLoss": cross_entropy(restricted, labels),
        "restrictedLossTrain": cross_entropy(restricted[tr], labels[tr]),
        "restrictedLossTest": cross_entropy(restricted[te], labels[te]),
        "restrictedAccuracy": accuracy(restricted, labels),
        "excludedLoss": cross_entropy(excluded[tr], labels[tr]),
        "excludedLossTest": cross_entropy(excluded[te], labels[te]),
        "excludedAccuracy": accuracy(excluded[tr], labels[tr]),
        "excludedAccuracyTest": accuracy(excluded[te], labels[te]),
        "sumSquaredWeights": float(sum((w ** 2).sum() for w in W.values())),
    }


def progress_reference():
    out = {}
    for run in sorted(os.listdir(ROOT)):
        cfg = json.load(open(os.path.join(ROOT, run, "config.json")))
        meta = json.load(open(os.path.join(ROOT, run, "metadata.json")))
        p = cfg["p"]
        train = cfg["data_split"]["train_indices"]
        ck = lambda e: os.path.join(ROOT, run, "checkpoints", "checkpoint_epoch_%05d.safetensors" % e)
        final = read_safetensors(ck(meta["final_epoch"]))
        keys = key_frequencies(forward(final, p)[1], p)
        rows = {}
        for epoch in meta["checkpoint_epochs"]:
            rows[str(epoch)] = progress(read_safetensors(ck(epoch)), p, train, keys)
        out[run] = {"keyFrequencies": keys, "epochs": rows}
        print(run, "key frequencies", keys)
    json.dump(out, open(os.path.join(OUT, "progress-reference.json"), "w"), indent=1)


def tiny_model():
    rng = np.random.default_rng(20261123)
    p, D, H, E, M = 13, 16, 3, 8, 40
    shapes = {
        "embed.W_E": (p + 1, D), "pos_embed.W_pos": (3, D),
        "blocks.0.attn.W_Q": (H, D, E), "blocks.0.attn.W_K": (H, D, E), "blocks.0.attn.W_V": (H, D, E),
        "blocks.0.attn.W_O": (H, E, D), "blocks.0.attn.b_Q": (H, E), "blocks.0.attn.b_K": (H, E),
        "blocks.0.attn.b_V": (H, E), "blocks.0.attn.b_O": (D,), "blocks.0.mlp.W_in": (D, M),
        "blocks.0.mlp.b_in": (M,), "blocks.0.mlp.W_out": (M, D), "blocks.0.mlp.b_out": (D,),
        "unembed.W_U": (D, p), "unembed.b_U": (p,),
    }
    W = {k: (rng.standard_normal(s) * (0.6 if ".W_" in k else 0.3)).astype("<f4") for k, s in shapes.items()}
    write_safetensors(os.path.join(OUT, "tiny-model.safetensors"),
                      {k: ("F32", v.tobytes(), v.shape) for k, v in W.items()}, {"p": str(p), "note": "random, non-zero biases"})
    logits, post, pattern = forward({k: v.astype(np.float64) for k, v in W.items()}, p)
    json.dump({"p": p, "model": {"n_layers": 1, "d_model": D, "n_heads": H, "d_head": E, "d_mlp": M, "act_fn": "relu",
                                 "n_ctx": 3, "d_vocab": p + 1, "d_vocab_out": p, "normalization": None}},
              open(os.path.join(OUT, "tiny-model-config.json"), "w"), indent=1)
    np.savez_compressed(os.path.join(OUT, "tiny-model-reference.npz"), logits=logits,
                        post=np.asfortranarray(post.astype("<f4")), attention=pattern.astype(">f8"),
                        fractions=neuron_fractions(post, p))


def dtypes():
    arrays = {
        "f2": np.array([0.0, -0.0, 1.0, -2.5, 65504.0, 6.103515625e-05, 5.960464477539063e-08, np.inf, -np.inf], "<f2"),
        "f2_nan": np.array([np.nan], "<f2"),
        "f4": np.arange(6, dtype="<f4").reshape(2, 3) / 7,
        "f8": np.array([[1.0, 2.0], [3.0, 1e300]], "<f8"),
        "f8_be": np.array([1.5, -2.25, 1e-300], ">f8"),
        "f4_be": np.array([3.25, -1.0], ">f4"),
        "i1": np.array([-128, 0, 127], "i1"), "u1": np.array([0, 255], "u1"),
        "i2": np.array([-32768, 32767], "<i2"), "u2": np.array([65535], "<u2"),
        "i4": np.array([-2147483648, 2147483647], "<i4"), "i4_be": np.array([1, -2], ">i4"),
        "u4": np.array([4294967295], "<u4"),
        "i8": np.array([-(2 ** 63), 2 ** 53, -1], "<i8"), "u8": np.array([2 ** 64 - 1], "<u8"),
        "b1": np.array([True, False, True]),
        "fortran2d": np.asfortranarray(np.arange(12, dtype="<f4").reshape(3, 4)),
        "fortran3d": np.asfortranarray(np.arange(24, dtype="<i4").reshape(2, 3, 4)),
        "scalar": np.array(7.5, "<f8"),
        "empty": np.zeros((0, 3), "<f4"),
    }
    np.savez(os.path.join(OUT, "dtypes.npz"), **arrays)
    np.save(os.path.join(OUT, "dtypes-f4.npy"), arrays["f4"])
    # safetensors with every float dtype: known values and their bit patterns
    f32 = np.array([1.0, -2.0, 0.5, 3.140625], "<f4")
    bf16 = (f32.view("<u4") >> 16).astype("<u2")  # exact: these values fit in bf16
    tensors = {
        "f32": ("F32", f32.tobytes(), (2, 2)),
        "f16": ("F16", f32.astype("<f2").tobytes(), (4,)),
        "bf16": ("BF16", bf16.tobytes(), (4,)),
        "f64": ("F64", np.array([1.0 / 3.0, -1e-310], "<f8").tobytes(), (2,)),
        "scalar": ("F32", np.array([42.0], "<f4").tobytes(), ()),
        "empty": ("F32", b"", (0, 5)),
    }
    write_safetensors(os.path.join(OUT, "dtypes.safetensors"), tensors, {"format": "pt"})


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    tiny_model()
    dtypes()
    progress_reference()

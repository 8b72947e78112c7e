"""PyTorch peer for `lrkit-bench train`: the same two character GPTs, full AdamW steps.

Run by hand in a virtual environment outside the repository (never by CI):

    python3 -m venv /work/venv-peers && /work/venv-peers/bin/pip install torch
    /work/venv-peers/bin/python Scripts/bench_train_peer.py

Models (parameter counts match LRKit's GPT exactly):
  train-warmup-demo: 6 layers, width 64, 4 heads, Post-LN, context 64, batch 16 -> 312,448
  train-nanogpt-cpu: 4 layers, width 128, 4 heads, Pre-LN, context 64, batch 12 -> 818,176
Token + learned position embeddings, attention (qkv and output projections with biases),
4x GELU MLP with biases, final LayerNorm, untied head without bias. A step is forward,
backward, clip_grad_norm_(1.0) and AdamW(0.9, 0.95, wd 0.1), eager mode, 2 threads.
Prints one JSON line per model: {"name", "peer": "torch", "params", "tokens_per_s", ...}.

Shapes and modes, as `lrkit-bench train --shape` takes them:

    python Scripts/bench_train_peer.py --shape 4,256,8,128,8 --shape 2,384,6,64,8,pre --mode fused
      --mode eager    (default) plain modules, AdamW(foreach)
      --mode fused    AdamW(fused=True)
      --mode compile  torch.compile of the whole step (model, backward, clip and optimizer)
FLOPs per token are counted as lrkit-bench does: 6·(12·L·D² + D·V) + 6·L·T·D.
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(2)


class Block(nn.Module):
    def __init__(self, c, heads, pre_ln):
        super().__init__()
        self.ln1 = nn.LayerNorm(c)
        self.qkv = nn.Linear(c, 3 * c)
        self.proj = nn.Linear(c, c)
        self.ln2 = nn.LayerNorm(c)
        self.fc = nn.Linear(c, 4 * c)
        self.fc_proj = nn.Linear(4 * c, c)
        self.heads = heads
        self.pre_ln = pre_ln

    def attn(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q = q.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        k = k.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        v = v.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).contiguous().view(b, t, c))

    def mlp(self, x):
        return self.fc_proj(F.gelu(self.fc(x)))

    def forward(self, x):
        if self.pre_ln:
            x = x + self.attn(self.ln1(x))
            return x + self.mlp(self.ln2(x))
        x = self.ln1(x + self.attn(x))
        return self.ln2(x + self.mlp(x))


class GPT(nn.Module):
    def __init__(self, vocab, context, layers, c, heads, pre_ln):
        super().__init__()
        self.wte = nn.Embedding(vocab, c)
        self.wpe = nn.Embedding(context, c)
        self.blocks = nn.ModuleList([Block(c, heads, pre_ln) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(c)
        self.head = nn.Linear(c, vocab, bias=False)

    def forward(self, idx, targets):
        b, t = idx.shape
        x = self.wte(idx) + self.wpe(torch.arange(t))
        for blk in self.blocks:
            x = blk(x)
        logits = self.head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def bench(name, layers, c, heads, pre_ln, batch, context=64, vocab=65, steps=20, repeats=3, mode="eager"):
    torch.manual_seed(0)
    model = GPT(vocab, context, layers, c, heads, pre_ln)
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1,
                            fused=(mode == "fused"))
    x = torch.randint(0, vocab, (batch, context))
    y = torch.randint(0, vocab, (batch, context))

    def step():
        loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    if mode == "compile":
        step = torch.compile(step)
    for _ in range(3 if mode != "compile" else 6):
        step()
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        best = min(best, (time.perf_counter() - t0) / steps)
    tps = batch * context / best
    flops = 6 * (12 * layers * c * c + c * vocab) + 6 * layers * context * c
    print(json.dumps({"name": name, "peer": "torch", "mode": mode, "params": params, "batch": batch,
                      "context": context, "ms_per_step": round(best * 1e3, 3), "tokens_per_s": round(tps, 1),
                      "flops_per_token": flops, "gflops": round(tps * flops / 1e9, 3),
                      "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)


DEFAULT_SHAPES = ["6,64,4,64,16,post", "4,128,4,64,12,pre", "4,256,8,128,8,pre", "2,384,6,64,8,pre",
                  "8,64,4,256,4,pre", "1,512,8,32,32,pre"]

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", action="append", help="L,D,H,T,B[,pre|post] (repeatable)")
    ap.add_argument("--mode", choices=["eager", "fused", "compile"], default="eager")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    for shape in args.shape or DEFAULT_SHAPES:
        p = shape.split(",")
        l, d, h, t, b = map(int, p[:5])
        bench("train-" + shape, l, d, h, p[5] != "post" if len(p) > 5 else True, b, context=t, mode=args.mode)

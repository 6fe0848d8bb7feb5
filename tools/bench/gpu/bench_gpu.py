#!/usr/bin/env python3
"""GPU benchmark: Kiln's CUDA backend against PyTorch on the same GPU, in one run.

Exports torchvision ResNet-50 and MobileNetV2 (random weights, seeded) to ONNX, times PyTorch
eager (channels-last, cudnn.benchmark; FP32, TF32 and FP16 via .half()) and optionally
torch.compile, runs the Kiln benchmark (kiln-gpu-bench.mjs from the GPU bundle) on the same
inputs, checks Kiln's outputs against PyTorch's FP32 outputs (max/mean abs error, max
relative error, top-1 agreement), prints a table and writes JSON rows
{ model, batch, precision, kiln_ms, peer, peer_ms, ratio } (ratio = peer_ms / kiln_ms; above 1
means Kiln is faster), the schema of `pnpm bench --suite cpu`.

  python3 tools/bench/gpu/bench_gpu.py --node /tmp/node --bundle .gpu/bundle --work /tmp/kb \
      --batches 1,8,32,128,256 --precisions fp32,tf32,fp16 [--compile-batches 1,128] --json out.json
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torchvision

MODELS = {"resnet50": torchvision.models.resnet50, "mobilenet_v2": torchvision.models.mobilenet_v2}


def randomize_norms(model):
    # torchvision's fresh init (BN weight 1, running stats 0/1, zero-init final layers) makes
    # MobileNetV2's logits vanish to ~1e-9; random statistics keep every layer's output O(1),
    # so the accuracy check compares meaningful logits. Seeded: both sides see the same model.
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            c = m.num_features
            m.weight.data = 0.5 + torch.rand(c, generator=g)
            m.bias.data = 0.1 * torch.randn(c, generator=g)
            m.running_mean.data = 0.1 * torch.randn(c, generator=g)
            m.running_var.data = 0.5 + torch.rand(c, generator=g)
        elif isinstance(m, torch.nn.Linear):
            torch.nn.init.normal_(m.weight, std=1.0 / m.in_features ** 0.5, generator=g)
    return model


def export(name, work):
    torch.manual_seed(0)
    model = randomize_norms(MODELS[name](weights=None)).eval()
    path = os.path.join(work, f"{name}.onnx")
    if not os.path.exists(path):
        x = torch.randn(1, 3, 224, 224)
        try:
            torch.onnx.export(model, (x,), path, input_names=["input"], output_names=["logits"],
                              dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=17, dynamo=False)
        except TypeError:
            torch.onnx.export(model, (x,), path, input_names=["input"], output_names=["logits"],
                              dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=17)
    return model


def time_cuda(fn, iters, warmup=10):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return float(np.median(times))


def set_tf32(on):
    torch.backends.cuda.matmul.allow_tf32 = on
    torch.backends.cudnn.allow_tf32 = on


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--node", required=True)
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--work", default="/tmp/kiln-gpu-bench")
    ap.add_argument("--models", default="resnet50,mobilenet_v2")
    ap.add_argument("--batches", default="1,8,32,128,256")
    ap.add_argument("--precisions", default="fp32,tf32,fp16")
    ap.add_argument("--compile-batches", default="", help="batches to time torch.compile at (FP16); empty: skip")
    ap.add_argument("--compile-mode", default="max-autotune")
    ap.add_argument("--compile-models", default="", help="models to time torch.compile for (default: all)")
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--json", default="")
    ap.add_argument("--profile", action="store_true", help="print Kiln's slowest ops per configuration")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    models = a.models.split(",")
    batches = [int(b) for b in a.batches.split(",")]
    precisions = a.precisions.split(",")
    compile_batches = [int(b) for b in a.compile_batches.split(",") if b]
    torch.backends.cudnn.benchmark = True
    dev = torch.device("cuda")
    print(f"device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}", flush=True)

    rng = np.random.default_rng(0)
    for b in batches:
        path = os.path.join(a.work, f"input_b{b}.bin")
        if not os.path.exists(path):
            rng.standard_normal((b, 3, 224, 224), dtype=np.float32).tofile(path)

    peers = {}  # (model, batch, precision, peer) -> ms
    refs = {}  # (model, batch) -> fp32 logits
    for name in models:
        model = export(name, a.work)
        for b in batches:
            x = torch.from_numpy(np.fromfile(os.path.join(a.work, f"input_b{b}.bin"), dtype=np.float32).reshape(b, 3, 224, 224)).to(dev)
            m32 = model.to(dev).to(memory_format=torch.channels_last)
            xc = x.to(memory_format=torch.channels_last)
            with torch.inference_mode():
                set_tf32(False)
                refs[(name, b)] = m32(xc).float().cpu().numpy()
                for p in precisions:
                    set_tf32(p == "tf32")
                    if p == "fp16":
                        mh = MODELS[name](weights=None)
                        mh.load_state_dict(model.state_dict())
                        mh = mh.eval().to(dev).half().to(memory_format=torch.channels_last)
                        xh = xc.half()
                        peers[(name, b, p, "torch-eager")] = time_cuda(lambda: mh(xh), a.iters)
                    else:
                        peers[(name, b, p, "torch-eager")] = time_cuda(lambda: m32(xc), a.iters)
                    print(f"torch-eager {name} {p} b{b}: {peers[(name, b, p, 'torch-eager')]:.3f} ms", flush=True)
                if b in compile_batches and "fp16" in precisions and (not a.compile_models or name in a.compile_models.split(",")):
                    set_tf32(False)
                    mh = MODELS[name](weights=None)
                    mh.load_state_dict(model.state_dict())
                    mh = mh.eval().to(dev).half().to(memory_format=torch.channels_last)
                    t0 = time.time()
                    mc = torch.compile(mh, mode=a.compile_mode)
                    xh = xc.half()
                    mc(xh)
                    ms = time_cuda(lambda: mc(xh), a.iters)
                    peers[(name, b, "fp16", "torch-compile")] = ms
                    print(f"torch-compile({a.compile_mode}) {name} fp16 b{b}: {ms:.3f} ms (compiled in {time.time() - t0:.0f} s)", flush=True)
        torch.cuda.empty_cache()

    env = dict(os.environ)
    if a.profile:
        env["KILN_BENCH_PROFILE"] = "1"
    cmd = [a.node, os.path.join(a.bundle, "kiln-gpu-bench.mjs"), "--work", a.work, "--models", ",".join(models),
           "--batches", ",".join(map(str, batches)), "--precisions", ",".join(precisions), "--iters", str(a.iters)]
    print("$ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, env=env)
    kiln = json.load(open(os.path.join(a.work, "kiln_results.json")))

    rows, checks = [], []
    for r in kiln["rows"]:
        name, b, p = r["model"], r["batch"], r["precision"]
        out = np.fromfile(os.path.join(a.work, f"kiln_{name}_{p}_b{b}.bin"), dtype=np.float32).reshape(refs[(name, b)].shape)
        ref = refs[(name, b)]
        err = np.abs(out - ref)
        scale = max(float(np.abs(ref).max()), 1e-12)
        top1 = float((out.argmax(1) == ref.argmax(1)).mean())
        checks.append({"model": name, "batch": b, "precision": p, "max_abs": float(err.max()), "mean_abs": float(err.mean()),
                       "max_rel_to_max": float(err.max()) / scale, "top1_agreement": top1, "nan": bool(np.isnan(out).any())})
        for peer in ("torch-eager", "torch-compile"):
            ms = peers.get((name, b, p, peer))
            if ms is None:
                continue
            rows.append({"model": name, "batch": b, "precision": p, "kiln_ms": r["kiln_ms"], "peer": peer, "peer_ms": ms,
                         "ratio": ms / r["kiln_ms"], "note": f"kiln build {r['build_cold_ms']:.0f}/{r['build_warm_ms'] or float('nan'):.0f} ms cold/warm; run() {r['run_latency_ms']:.3f} ms"})

    print(f"\n{'model':<13}{'batch':>6} {'prec':<5}{'kiln ms':>9}{'img/s':>9}  {'peer':<14}{'peer ms':>9}{'ratio':>7}")
    for r in rows:
        print(f"{r['model']:<13}{r['batch']:>6} {r['precision']:<5}{r['kiln_ms']:>9.3f}{r['batch'] * 1000 / r['kiln_ms']:>9.0f}  {r['peer']:<14}{r['peer_ms']:>9.3f}{r['ratio']:>7.2f}")
    print(f"\n{'model':<13}{'batch':>6} {'prec':<5}{'max abs':>10}{'mean abs':>10}{'max rel':>9}{'top-1':>7}")
    for c in checks:
        print(f"{c['model']:<13}{c['batch']:>6} {c['precision']:<5}{c['max_abs']:>10.2e}{c['mean_abs']:>10.2e}{c['max_rel_to_max']:>9.1e}{c['top1_agreement']:>7.3f}{' NaN!' if c['nan'] else ''}")
    if a.json:
        report = {"suite": "gpu", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                  "machine": {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__, "cudnn": torch.backends.cudnn.version()},
                  "command": " ".join(sys.argv), "rows": rows, "accuracy": checks, "kiln": kiln}
        with open(a.json, "w") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()

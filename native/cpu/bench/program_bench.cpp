// Standalone timing of the program executor without Node (for quiet machines that have no
// Node.js): builds ResNet-50 v1.5 and DenseNet-121 (224², batch 1, random weights) as
// Programs the way bench/model-programs.ts does and prints min / median ms per run and the
// slowest ops. Build: see native/README.md ("Standalone benchmark").
//   program_bench [runs] [resnet50|densenet121|all] [top]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>

#include "../src/program/program.h"
#include "../src/thread_pool.h"

using namespace kiln::cpu::program;

namespace {

class Builder {
 public:
  ProgramSpec spec;
  std::mt19937 rng{42};
  std::map<int64_t, std::pair<int64_t, int64_t>> rootOf;  // view → (root, element offset)

  int64_t add(const std::string& name, std::vector<int64_t> shape, StorageKind kind, int64_t index) {
    ValueInfo v;
    v.name = name;
    v.shape = std::move(shape);
    v.size = elementCount(v.shape);
    v.kind = kind;
    v.index = index;
    spec.values.push_back(v);
    return static_cast<int64_t>(spec.values.size()) - 1;
  }
  int64_t input(std::vector<int64_t> shape) {
    spec.inputs.push_back(0);
    return add("input", std::move(shape), StorageKind::Input, 0);
  }
  int64_t weight(const std::string& name, std::vector<int64_t> shape, float scale) {
    std::uniform_real_distribution<float> d(-scale, scale);
    std::vector<float> w(static_cast<size_t>(elementCount(shape)));
    for (float& x : w) x = d(rng);
    const auto* bytes = reinterpret_cast<const unsigned char*>(w.data());
    spec.weights.emplace_back(bytes, bytes + w.size() * sizeof(float));
    return add(name, std::move(shape), StorageKind::Weight, static_cast<int64_t>(spec.weights.size()) - 1);
  }
  int64_t value(const std::string& name, std::vector<int64_t> shape) { return add(name, std::move(shape), StorageKind::Arena, 0); }
  int64_t view(int64_t of, std::vector<int64_t> shape, int64_t offset) {
    auto base = rootOf.count(of) ? rootOf[of] : std::make_pair(of, int64_t{0});
    const int64_t id = value(spec.values[static_cast<size_t>(of)].name + "_view", std::move(shape));
    rootOf[id] = {base.first, base.second + offset};
    return id;
  }
  const std::vector<int64_t>& shape(int64_t id) { return spec.values[static_cast<size_t>(id)].shape; }

  int64_t conv(const std::string& name, int64_t x, int64_t m, int64_t k, int64_t stride, bool relu, int64_t residual = -1,
               int64_t into = -1) {
    const auto s = shape(x);
    const int64_t pad = k / 2, o = (s[2] + 2 * pad - k) / stride + 1;
    OpSpec op;
    op.kind = kiln::OpKind::Conv2d, op.kindName = "conv2d";
    op.x = x;
    op.w = weight(name + ".w", {m, s[1], k, k}, std::sqrt(3.0f / static_cast<float>(s[1] * k * k)));
    op.b = weight(name + ".b", {m}, 0.1f);
    op.y = into >= 0 ? into : value(name, {s[0], m, o, o});
    op.strides = {stride, stride};
    op.pads = {pad, pad, pad, pad};
    op.dilations = {1, 1};
    op.residual = residual;
    if (relu) op.epilogue.kind = kiln::cpu::ActivationKind::Relu;
    if (const char* t = std::getenv("KILN_BENCH_TACTIC")) op.tactic = t;
    push(op);
    return op.y;
  }
  int64_t affineRelu(const std::string& name, int64_t x) {
    const auto s = shape(x);
    OpSpec op;
    op.kind = kiln::OpKind::ChannelAffine, op.kindName = "channel_affine";
    op.x = x;
    op.scale = weight(name + ".s", {s[1]}, 1.0f);
    op.shift = weight(name + ".t", {s[1]}, 0.1f);
    op.y = value(name, s);
    op.channelAxis = 1;
    op.epilogue.kind = kiln::cpu::ActivationKind::Relu;
    push(op);
    return op.y;
  }
  int64_t pool(const std::string& type, int64_t x, int64_t k, int64_t st, int64_t p, int64_t into = -1) {
    const auto s = shape(x);
    const int64_t o = (s[2] + 2 * p - k) / st + 1;
    OpSpec op;
    op.kind = kiln::OpKind::Pool2d, op.kindName = "pool2d";
    op.type = type;
    op.x = x;
    op.y = into >= 0 ? into : value("pool", {s[0], s[1], o, o});
    op.window = {k, k};
    op.strides = {st, st};
    op.pads = {p, p, p, p};
    op.dilations = {1, 1};
    push(op);
    return op.y;
  }
  int64_t head(int64_t x) {
    const auto s = shape(x);
    OpSpec gp;
    gp.kind = kiln::OpKind::GlobalPool, gp.kindName = "global_pool";
    gp.type = "average";
    gp.x = x;
    gp.y = value("gap", {s[0], s[1], 1, 1});
    push(gp);
    OpSpec fc;
    fc.kind = kiln::OpKind::Gemm, fc.kindName = "gemm";
    fc.a = view(gp.y, {s[0], s[1]}, 0);
    fc.b = weight("fc.w", {1000, s[1]}, std::sqrt(3.0f / static_cast<float>(s[1])));
    fc.bias = weight("fc.b", {1000}, 0.1f);
    fc.y = value("logits", {s[0], 1000});
    fc.transB = true;
    fc.alpha = 1.0, fc.beta = 1.0;
    push(fc);
    return fc.y;
  }
  void push(OpSpec op) {
    op.index = static_cast<int64_t>(spec.ops.size());
    spec.ops.push_back(op);
  }

  // Equal slots of the largest value, reused after a value's last reader.
  ProgramSpec build(int64_t output) {
    auto root = [&](int64_t id) { return rootOf.count(id) ? rootOf[id].first : id; };
    std::map<int64_t, size_t> first, last;
    for (size_t i = 0; i < spec.ops.size(); ++i) {
      const OpSpec& op = spec.ops[i];
      for (int64_t id : {op.x, op.w, op.b, op.a, op.bias, op.scale, op.shift, op.residual, op.y}) {
        if (id < 0 || spec.values[static_cast<size_t>(id)].kind != StorageKind::Arena) continue;
        last[root(id)] = i;
        if (id == op.y && !first.count(root(id))) first[root(id)] = i;
      }
    }
    last[root(output)] = spec.ops.size();
    int64_t slotBytes = 0;
    for (auto& [r, _] : first) slotBytes = std::max(slotBytes, (4 * spec.values[static_cast<size_t>(r)].size + 63) / 64 * 64);
    std::vector<int64_t> freeSlots;
    std::map<int64_t, int64_t> slotOf;
    int64_t slots = 0;
    for (size_t i = 0; i < spec.ops.size(); ++i) {
      for (auto& [r, f] : first)
        if (f == i) {
          if (freeSlots.empty()) slotOf[r] = slots++;
          else slotOf[r] = freeSlots.back(), freeSlots.pop_back();
        }
      for (auto& [r, l] : last)
        if (l == i && first.count(r)) freeSlots.push_back(slotOf[r]);
    }
    for (size_t id = 0; id < spec.values.size(); ++id) {
      ValueInfo& v = spec.values[id];
      if (v.kind != StorageKind::Arena) continue;
      const int64_t r = root(static_cast<int64_t>(id));
      v.offset = slotOf[r] * slotBytes + 4 * (rootOf.count(static_cast<int64_t>(id)) ? rootOf[static_cast<int64_t>(id)].second : 0);
    }
    spec.outputs = {output};
    spec.arenaBytes = slots * slotBytes;
    return spec;
  }
};

ProgramSpec resnet50() {
  Builder b;
  const int64_t x = b.input({1, 3, 224, 224});
  int64_t h = b.conv("conv1", x, 64, 7, 2, true);
  h = b.pool("max", h, 3, 2, 1);
  const int64_t widths[4] = {64, 128, 256, 512}, blocks[4] = {3, 4, 6, 3};
  for (int stage = 0; stage < 4; ++stage) {
    for (int64_t i = 0; i < blocks[stage]; ++i) {
      const int64_t stride = i == 0 && stage > 0 ? 2 : 1, w = widths[stage];
      const std::string name = "layer" + std::to_string(stage + 1) + "." + std::to_string(i);
      const int64_t c1 = b.conv(name + ".conv1", h, w, 1, 1, true);
      const int64_t c2 = b.conv(name + ".conv2", c1, w, 3, stride, true);
      const int64_t id = i == 0 ? b.conv(name + ".downsample", h, w * 4, 1, stride, false) : h;
      h = b.conv(name + ".conv3", c2, w * 4, 1, 1, true, id);
    }
  }
  return b.build(b.head(h));
}

ProgramSpec densenet121() {
  Builder b;
  const int64_t x = b.input({1, 3, 224, 224});
  const int64_t stem = b.conv("conv0", x, 64, 7, 2, true);
  int64_t channels = 64, size = 56;
  const int64_t blocks[4] = {6, 12, 24, 16};
  int64_t buffer = b.value("block1", {1, channels + 32 * blocks[0], size, size});
  b.pool("max", stem, 3, 2, 1, b.view(buffer, {1, 64, size, size}, 0));
  int64_t out = -1;
  for (int bi = 0; bi < 4; ++bi) {
    for (int64_t l = 0; l < blocks[bi]; ++l) {
      const std::string name = "block" + std::to_string(bi + 1) + ".layer" + std::to_string(l + 1);
      const int64_t t = b.affineRelu(name + ".norm1", b.view(buffer, {1, channels, size, size}, 0));
      const int64_t u = b.conv(name + ".conv1", t, 128, 1, 1, true);
      b.conv(name + ".conv2", u, 32, 3, 1, false, -1, b.view(buffer, {1, 32, size, size}, channels * size * size));
      channels += 32;
    }
    const int64_t whole = b.view(buffer, {1, channels, size, size}, 0);
    if (bi == 3) {
      out = b.affineRelu("norm5", whole);
      break;
    }
    const int64_t t = b.affineRelu("transition.norm", whole);
    const int64_t c = b.conv("transition.conv", t, channels / 2, 1, 1, false);
    channels /= 2;
    size /= 2;
    buffer = b.value("block", {1, channels + 32 * blocks[bi + 1], size, size});
    b.pool("average", c, 2, 2, 0, b.view(buffer, {1, channels, size, size}, 0));
  }
  return b.build(b.head(out));
}

void bench(const char* name, ProgramSpec spec, int runs, int top) {
  auto def = std::make_shared<const ProgramDefinition>(std::move(spec));
  ProgramInstance inst(def);
  std::vector<float> input(3 * 224 * 224);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> d(-1, 1);
  for (float& v : input) v = d(rng);
  std::vector<float> out(1000);
  std::vector<const void*> ins = {input.data()};
  std::vector<void*> outs = {out.data()};
  for (int i = 0; i < 3; ++i) inst.run(ins, outs, nullptr);
  std::vector<double> total;
  std::vector<std::vector<double>> perOp;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    inst.run(ins, outs, nullptr);
    total.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    std::vector<double> ms;
    inst.run(ins, outs, &ms);
    perOp.push_back(ms);
  }
  std::sort(total.begin(), total.end());
  const size_t ops = def->opCount();
  std::vector<double> median(ops);
  std::map<std::string, double> byKind;
  for (size_t i = 0; i < ops; ++i) {
    std::vector<double> col;
    for (auto& p : perOp) col.push_back(p[i]);
    std::sort(col.begin(), col.end());
    median[i] = col[col.size() / 2];
  }
  std::printf("%s: %zu ops, min %.1f ms, median %.1f ms over %d runs (%d threads)\n", name, ops, total.front(),
              total[total.size() / 2], runs, kiln::cpu::ThreadPool::instance().concurrency());
  for (size_t i = 0; i < ops; ++i) {
    std::string kind = def->kernel(i).tactic();
    byKind[kind] += median[i];
  }
  std::printf("  median ms by tactic:");
  for (auto& [k, v] : byKind) std::printf(" %s %.1f", k.c_str(), v);
  std::printf("\n");
  std::vector<size_t> order(ops);
  for (size_t i = 0; i < ops; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return median[a] > median[b]; });
  for (int t = 0; t < top && t < static_cast<int>(ops); ++t) {
    const size_t i = order[static_cast<size_t>(t)];
    const auto& yv = def->values()[0];
    (void)yv;
    std::printf("  op %zu %-10s %-24s %.3f ms\n", i, def->kernel(i).tactic(), "", median[i]);
  }
}

}  // namespace

// One conv2d (+bias+relu, pad k/2) as a program: C H M K S [tactic].
void benchConv(char** v, int runs) {
  Builder b;
  const int64_t c = std::atoll(v[0]), h = std::atoll(v[1]), m = std::atoll(v[2]), k = std::atoll(v[3]), s = std::atoll(v[4]);
  const int64_t x = b.input({1, c, h, h});
  const int64_t y = b.conv("conv", x, m, k, s, true);
  if (v[5] != nullptr) b.spec.ops.back().tactic = v[5];  // argv ends with a null pointer
  ProgramSpec spec = b.build(y);
  const auto& ys = spec.values[static_cast<size_t>(y)].shape;
  const double flops = 2.0 * ys[1] * ys[2] * ys[3] * c * k * k;
  auto def = std::make_shared<const ProgramDefinition>(std::move(spec));
  ProgramInstance inst(def);
  std::vector<float> input(static_cast<size_t>(c * h * h), 0.5f), out(static_cast<size_t>(ys[1] * ys[2] * ys[3]));
  std::vector<const void*> ins = {input.data()};
  std::vector<void*> outs = {out.data()};
  std::vector<double> t;
  for (int r = 0; r < runs + 3; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    inst.run(ins, outs, nullptr);
    if (r >= 3) t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  std::printf("conv %lld→%lld %lldx%lld/%lld @%lld [%s]: min %.3f ms (%.1f GFLOP/s), median %.3f ms\n", (long long)c, (long long)m,
              (long long)k, (long long)k, (long long)s, (long long)h, def->kernel(0).tactic(), t.front(), flops / t.front() / 1e6,
              t[t.size() / 2]);
}

int main(int argc, char** argv) {
  if (argc >= 8 && std::string(argv[1]) == "conv") {
    benchConv(argv + 3, std::atoi(argv[2]));
    return 0;
  }
  const int runs = argc > 1 ? std::atoi(argv[1]) : 10;
  const std::string which = argc > 2 ? argv[2] : "all";
  const int top = argc > 3 ? std::atoi(argv[3]) : 0;
  if (which == "all" || which == "resnet50") bench("resnet50", resnet50(), runs, top);
  if (which == "all" || which == "densenet121") bench("densenet121", densenet121(), runs, top);
  return 0;
}

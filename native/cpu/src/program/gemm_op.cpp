// gemm and batched_matmul on the packed GEMM engine. Weight operands are packed once at create
// time (A as row panels, B as column panels); computed operands are packed on the fly.
#include <algorithm>

#include "packed_gemm.h"
#include "program_op.h"

namespace kiln::cpu::program {
namespace {

constexpr const char* kPackedGemm = "packed_gemm";

void checkTactic(const BuildContext& ctx) {
  const std::string& t = ctx.op().tactic;
  if (!t.empty() && t != kPackedGemm) ctx.fail("tactic '" + t + "' is not available", "valid tactics: packed_gemm");
}

std::unique_ptr<PackedPanels> prepack(const float* data, const MatrixView& lines, int64_t count, int64_t k, int64_t width) {
  if (data == nullptr) return nullptr;
  auto packed = std::make_unique<PackedPanels>(count, k, chooseKBlock(k), width);
  packed->packFrom(lines);
  return packed;
}

class GemmKernel final : public OpKernel {
 public:
  GemmKernel(const BuildContext& ctx, int64_t m, int64_t n, int64_t k, int64_t biasRowStride, int64_t biasColStride)
      : op_(ctx.op()), m_(m), n_(n), k_(k), biasRowStride_(biasRowStride), biasColStride_(biasColStride) {
    packedA_ = prepack(ctx.weightData(op_.a), aLines(ctx.weightData(op_.a)), m, k, kPanelRows);
    packedB_ = prepack(ctx.weightData(op_.b), bLines(ctx.weightData(op_.b)), n, k, kPanelCols);
  }

  const char* tactic() const override { return kPackedGemm; }
  // (a and b may be the same value: then both must be packed.)
  bool ownsPackedCopy(int64_t id) const override {
    return (id == op_.a || id == op_.b) && (id != op_.a || packedA_) && (id != op_.b || packedB_);
  }

  void run(const RunContext& ctx) const override {
    GemmProblem p{m_, n_, k_, {}, {}, ctx.ptr(op_.y), n_, {}};
    if (packedA_) p.a.packed = packedA_.get();
    else p.a.lines = aLines(ctx.ptr(op_.a));
    if (packedB_) p.b.packed = packedB_.get();
    else p.b.lines = bLines(ctx.ptr(op_.b));
    p.epilogue.alpha = static_cast<float>(op_.alpha);
    p.epilogue.beta = static_cast<float>(op_.beta);
    if (op_.bias >= 0) {
      p.epilogue.bias = ctx.ptr(op_.bias);
      p.epilogue.biasRowStride = biasRowStride_;
      p.epilogue.biasColStride = biasColStride_;
    }
    p.epilogue.activation = op_.epilogue;
    runGemm(p);
  }

 private:
  // Row i of op(a), element k.
  MatrixView aLines(const float* a) const { return op_.transA ? MatrixView{a, 1, m_} : MatrixView{a, k_, 1}; }
  // Column j of op(b), element k.
  MatrixView bLines(const float* b) const { return op_.transB ? MatrixView{b, k_, 1} : MatrixView{b, 1, n_}; }

  OpSpec op_;
  int64_t m_, n_, k_, biasRowStride_, biasColStride_;
  std::unique_ptr<PackedPanels> packedA_, packedB_;
};

// Batch dims broadcast numpy-style; each output matrix is one GEMM of the same job.
class BatchedMatmulKernel final : public OpKernel {
 public:
  BatchedMatmulKernel(const BuildContext& ctx, int64_t m, int64_t n, int64_t k, std::vector<int64_t> aBatch,
                      std::vector<int64_t> bBatch, int64_t batches)
      : op_(ctx.op()), m_(m), n_(n), k_(k), aBatch_(std::move(aBatch)), bBatch_(std::move(bBatch)), batches_(batches) {
    const float* a = ctx.weightData(op_.a);
    const float* b = ctx.weightData(op_.b);
    const int64_t aCount = ctx.value(op_.a).size / std::max<int64_t>(m * k, 1);
    const int64_t bCount = ctx.value(op_.b).size / std::max<int64_t>(k * n, 1);
    if (a != nullptr && m * k > 0)
      for (int64_t i = 0; i < aCount; ++i) packedA_.push_back(prepack(a, MatrixView{a + i * m * k, k, 1}, m, k, kPanelRows));
    if (b != nullptr && k * n > 0)
      for (int64_t i = 0; i < bCount; ++i) packedB_.push_back(prepack(b, MatrixView{b + i * k * n, 1, n}, n, k, kPanelCols));
  }

  const char* tactic() const override { return kPackedGemm; }
  bool ownsPackedCopy(int64_t id) const override {
    return (id == op_.a || id == op_.b) && (id != op_.a || !packedA_.empty()) && (id != op_.b || !packedB_.empty());
  }

  void run(const RunContext& ctx) const override {
    const float* a = ctx.ptr(op_.a);
    const float* b = ctx.ptr(op_.b);
    float* y = ctx.ptr(op_.y);
    std::vector<GemmProblem> problems;
    problems.reserve(static_cast<size_t>(batches_));
    for (int64_t t = 0; t < batches_; ++t) {
      const int64_t ai = aBatch_[static_cast<size_t>(t)], bi = bBatch_[static_cast<size_t>(t)];
      GemmProblem p{m_, n_, k_, {}, {}, y + t * m_ * n_, n_, {}};
      if (!packedA_.empty()) p.a.packed = packedA_[static_cast<size_t>(ai)].get();
      else p.a.lines = MatrixView{a + ai * m_ * k_, k_, 1};
      if (!packedB_.empty()) p.b.packed = packedB_[static_cast<size_t>(bi)].get();
      else p.b.lines = MatrixView{b + bi * k_ * n_, 1, n_};
      problems.push_back(p);
    }
    runGemms(problems);
  }

 private:
  OpSpec op_;
  int64_t m_, n_, k_;
  std::vector<int64_t> aBatch_, bBatch_;  // per output matrix: which a / b matrix it reads
  int64_t batches_;
  std::vector<std::unique_ptr<PackedPanels>> packedA_, packedB_;
};

}  // namespace

KILN_CPU_KERNEL(gemm) {
  const OpSpec& op = ctx.op();
  ctx.require(op.a >= 0 && op.b >= 0, -1, "needs a and b");
  const auto& as = ctx.shape(op.a);
  const auto& bs = ctx.shape(op.b);
  ctx.require(as.size() == 2, op.a, "a must be a matrix");
  ctx.require(bs.size() == 2, op.b, "b must be a matrix");
  const int64_t m = op.transA ? as[1] : as[0], k = op.transA ? as[0] : as[1];
  const int64_t kb = op.transB ? bs[1] : bs[0], n = op.transB ? bs[0] : bs[1];
  ctx.require(k == kb, op.b, "inner dimensions differ (a gives K = " + std::to_string(k) + ")");
  ctx.require(ctx.shape(op.y) == std::vector<int64_t>{m, n}, op.y,
              "y must be [M, N] = [" + std::to_string(m) + ", " + std::to_string(n) + "]");
  int64_t rowStride = 0, colStride = 0;
  if (op.bias >= 0) {
    std::vector<int64_t> s = ctx.shape(op.bias);
    ctx.require(s.size() <= 2, op.bias, "the bias must have rank <= 2");
    while (s.size() < 2) s.insert(s.begin(), 1);
    ctx.require((s[0] == 1 || s[0] == m) && (s[1] == 1 || s[1] == n), op.bias,
                "the bias must broadcast to [M, N] = [" + std::to_string(m) + ", " + std::to_string(n) + "]");
    rowStride = s[0] == 1 ? 0 : s[1];
    colStride = s[1] == 1 ? 0 : 1;
  }
  checkTactic(ctx);
  return std::make_unique<GemmKernel>(ctx, m, n, k, rowStride, colStride);
}

KILN_CPU_KERNEL(batched_matmul) {
  const OpSpec& op = ctx.op();
  ctx.require(op.a >= 0 && op.b >= 0, -1, "needs a and b");
  const auto& as = ctx.shape(op.a);
  const auto& bs = ctx.shape(op.b);
  const auto& ys = ctx.shape(op.y);
  ctx.require(as.size() >= 2, op.a, "a must have rank >= 2");
  ctx.require(bs.size() >= 2, op.b, "b must have rank >= 2");
  const int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  ctx.require(bs[bs.size() - 2] == k, op.b, "b's rows must equal a's columns " + std::to_string(k));
  const size_t rank = std::max(as.size(), bs.size());
  ctx.require(ys.size() == rank && ys[rank - 2] == m && ys[rank - 1] == n, op.y, "y must be [..batch, M, N]");
  // Broadcast batch dims, right-aligned.
  const size_t batchRank = rank - 2;
  std::vector<int64_t> aDims(batchRank, 1), bDims(batchRank, 1);
  for (size_t i = 0; i + 2 < as.size(); ++i) aDims[batchRank - (as.size() - 2) + i] = as[i];
  for (size_t i = 0; i + 2 < bs.size(); ++i) bDims[batchRank - (bs.size() - 2) + i] = bs[i];
  int64_t batches = 1;
  for (size_t d = 0; d < batchRank; ++d) {
    const int64_t yd = ys[d];
    ctx.require((aDims[d] == yd || aDims[d] == 1) && (bDims[d] == yd || bDims[d] == 1) && (yd == std::max(aDims[d], bDims[d]) || yd == 0),
                op.y, "batch dims of a and b do not broadcast to y's");
    batches *= yd;
  }
  std::vector<int64_t> aIndex(static_cast<size_t>(batches)), bIndex(static_cast<size_t>(batches));
  for (int64_t t = 0; t < batches; ++t) {
    int64_t rest = t, ai = 0, bi = 0, aStride = 1, bStride = 1;
    for (size_t d = batchRank; d-- > 0;) {
      const int64_t idx = rest % ys[d];
      rest /= ys[d];
      ai += (aDims[d] == 1 ? 0 : idx) * aStride;
      bi += (bDims[d] == 1 ? 0 : idx) * bStride;
      aStride *= aDims[d];
      bStride *= bDims[d];
    }
    aIndex[static_cast<size_t>(t)] = ai;
    bIndex[static_cast<size_t>(t)] = bi;
  }
  checkTactic(ctx);
  return std::make_unique<BatchedMatmulKernel>(ctx, m, n, k, std::move(aIndex), std::move(bIndex), batches);
}

}  // namespace kiln::cpu::program

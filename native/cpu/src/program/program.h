// A Program (see @kiln-inference/core program.ts) compiled for the CPU: the definition (values, copied
// weights, one kernel per op with its prepacked weights) is immutable and shared by clones;
// each instance owns an activation arena and runs the ops in order, one run at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kiln/aligned_buffer.h"
#include "kiln/program_desc.h"
#include "program_op.h"

namespace kiln::cpu::program {

struct ProgramSpec {
  std::vector<ValueInfo> values;
  std::vector<std::vector<unsigned char>> weights;  // bytes of each weight's typed array
  std::vector<OpSpec> ops;
  std::vector<int64_t> inputs, outputs;
  int64_t arenaBytes = 0;
};

// The kernels' form of a Program that kiln::readProgramDesc has read and fully validated:
// copies the weights (the caller's arrays are never read again) and maps names to kinds.
ProgramSpec specFromDesc(const ProgramDesc& desc);

class ProgramDefinition {
 public:
  // Builds one kernel per op (each factory checks what its kernel needs beyond the shared
  // validation; throws kiln::Failure naming the op) and prepacks weights. `spec` comes from
  // specFromDesc: its ids, shapes and storage are already validated.
  explicit ProgramDefinition(ProgramSpec spec);

  const std::vector<ValueInfo>& values() const { return values_; }
  const std::vector<int64_t>& inputs() const { return inputs_; }
  const std::vector<int64_t>& outputs() const { return outputs_; }
  int64_t arenaBytes() const { return arenaBytes_; }
  size_t opCount() const { return kernels_.size(); }
  const OpKernel& kernel(size_t i) const { return *kernels_[i]; }
  const std::vector<const void*>& weightPointers() const { return weightPointers_; }

 private:
  void releasePackedWeights(const std::vector<OpSpec>& ops);

  std::vector<ValueInfo> values_;
  std::vector<std::vector<unsigned char>> weights_;  // operator new's alignment (16) suits every dtype
  std::vector<const void*> weightPointers_;
  std::vector<std::unique_ptr<OpKernel>> kernels_;
  std::vector<int64_t> inputs_, outputs_;
  int64_t arenaBytes_ = 0;
};

class ProgramInstance {
 public:
  explicit ProgramInstance(std::shared_ptr<const ProgramDefinition> definition);

  const ProgramDefinition& definition() const { return *definition_; }
  std::shared_ptr<const ProgramDefinition> shared() const { return definition_; }

  // inputs: one pointer per feed, typed by its dtype (class and length checked by the caller);
  // outputs: one buffer of each output's bytes. opMillis, when given, receives each op's time.
  void run(const std::vector<const void*>& inputs, const std::vector<void*>& outputs, std::vector<double>* opMillis);

 private:
  std::shared_ptr<const ProgramDefinition> definition_;
  AlignedBuffer arena_;
  std::mutex mutex_;
};

}  // namespace kiln::cpu::program

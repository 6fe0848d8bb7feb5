// Folds `add(conv(x), r)` (+ the add's activation) into the convolution's residual epilogue
// when the add directly follows the convolution and r is ready before it: one pass over the
// output instead of three. Guards keep the engine's memory plan valid (see the .cpp).
#pragma once

#include "program_spec.h"

namespace kiln::cuda {

// Rewrites `spec.ops` in place; returns the number of adds folded.
int fuseResidualAdds(ProgramSpec& spec);

}  // namespace kiln::cuda

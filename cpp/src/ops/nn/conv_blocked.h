#pragma once

// The channel-blocked layout's operators (conv_blocked.cpp) as the optimizer's layout stage sees
// them.
namespace onyxrt::ops {

// Whether BlockedConv runs its vector kernel on this CPU (and ONYXRT_ISA allows it): the only
// case in which the layout stage writes the blocked operators.
bool conv_blocked_fast();

}  // namespace onyxrt::ops

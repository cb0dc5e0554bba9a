#pragma once

// The C++ API of onyxrt: everything an embedding program needs.
#include "onyxrt/data_type.hpp"
#include "onyxrt/error.hpp"
#include "onyxrt/session.hpp"
#include "onyxrt/tensor.hpp"
#include "onyxrt/type_info.hpp"
#include "onyxrt/value.hpp"

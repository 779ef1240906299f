#pragma once
/// Everything needed to declare and run a network. Training, data and file I/O live in their
/// own headers so that inference-only users do not pay for them.

#include "config.hpp"
#include "diagnostics.hpp"
#include "error.hpp"
#include "init.hpp"
#include "layer_view.hpp"
#include "layers/activation.hpp"
#include "layers/avg_pool.hpp"
#include "layers/conv2d.hpp"
#include "layers/dense.hpp"
#include "layers/depthwise_conv2d.hpp"
#include "layers/dropout.hpp"
#include "layers/expect.hpp"
#include "layers/flatten.hpp"
#include "layers/global_avg_pool.hpp"
#include "layers/input.hpp"
#include "layers/pooling.hpp"
#include "layers/softmax.hpp"
#include "network.hpp"
#include "shape.hpp"
#include "tensor.hpp"

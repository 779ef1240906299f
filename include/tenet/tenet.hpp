#pragma once
/// Everything needed to declare and run a network: the core umbrella (CMake target
/// `tenet::tenet`, which needs Hana, xsimd and TBB only). Training (train/trainer.hpp) and
/// weight files (io/weights.hpp) are core headers of their own; datasets and IDX files are
/// the `tenet::data` component (<tenet/data.hpp>, zlib) and PNG pictures the
/// `tenet::pictures` component (<tenet/pictures.hpp>, libpng). Nothing here includes them.

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

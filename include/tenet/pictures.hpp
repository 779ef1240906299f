#pragma once
/// The `tenet::pictures` component (CMake target `tenet::pictures`, links libpng): PNG files,
/// the canvas and its font, and the lecture's figures (image grids, confusion matrices,
/// training curves). Not part of <tenet/tenet.hpp>, so that inference needs no libpng.

#include "pictures/canvas.hpp"
#include "pictures/error.hpp"
#include "pictures/font.hpp"
#include "pictures/plot.hpp"
#include "pictures/png.hpp"

# headers.core_includes_no_component (tests/headers/CMakeLists.txt), run with cmake -P:
# preprocesses each core header's generated TU with -M and fails if what it includes comes
# from a component (include/tenet/data/, include/tenet/pictures/) or from zlib or libpng, and
# if the inference umbrella (tenet.hpp) or network.hpp reaches training (train/) or the
# weight files (io/weights.hpp, which needs POSIX): running a network needs neither.
#   -DTENET_CXX=<compiler> -DTENET_INCLUDES=<dir|dir...> -DTENET_IMPLICIT=<the compiler's own dirs|...>
#   -DTENET_DEFINES=<def|...> -DTENET_TUS=<tu|tu...>
cmake_minimum_required(VERSION 3.25)
string(REPLACE "|" ";" _includes "${TENET_INCLUDES}")
string(REPLACE "|" ";" _implicit "${TENET_IMPLICIT}")
string(REPLACE "|" ";" _defines "${TENET_DEFINES}")
string(REPLACE "|" ";" _tus "${TENET_TUS}")
set(_flags -std=c++20 -M)
list(REMOVE_DUPLICATES _includes)
foreach(_d IN LISTS _includes)
  # -I of a system directory would reorder it before the compiler's own (#include_next breaks)
  if(_d IN_LIST _implicit)
    continue()
  endif()
  list(APPEND _flags "-I${_d}")
endforeach()
foreach(_d IN LISTS _defines)
  list(APPEND _flags "-D${_d}")
endforeach()

set(_checked 0)
set(_bad "")
foreach(_tu IN LISTS _tus)
  execute_process(COMMAND "${TENET_CXX}" ${_flags} "${_tu}" RESULT_VARIABLE _rc OUTPUT_VARIABLE _deps ERROR_VARIABLE _err)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "cannot preprocess ${_tu}:\n${_err}")
  endif()
  file(STRINGS "${_tu}" _header REGEX "^#include")
  list(GET _header 0 _header)
  string(REGEX MATCHALL "[^ \\\n]*(/tenet/data/|/tenet/pictures/|/tenet/data\\.hpp|/tenet/pictures\\.hpp|/zlib\\.h|/png\\.h)[^ \\\n]*" _found "${_deps}")
  if(_header MATCHES "<tenet/(tenet|network)\\.hpp>")
    string(REGEX MATCHALL "[^ \\\n]*(/tenet/train/|/tenet/io/weights\\.hpp)[^ \\\n]*" _training "${_deps}")
    list(APPEND _found ${_training})
  endif()
  if(_found)
    list(REMOVE_DUPLICATES _found)
    string(APPEND _bad "  ${_header} includes: ${_found}\n")
  endif()
  math(EXPR _checked "${_checked} + 1")
endforeach()
if(_checked EQUAL 0)
  message(FATAL_ERROR "no core header was checked (TENET_TUS is empty)")
endif()
if(_bad)
  message(FATAL_ERROR "core headers include component headers or their libraries (the core links neither zlib nor libpng), "
                      "or the inference headers include training or weight files:\n${_bad}")
endif()
message(STATUS "${_checked} core headers include nothing from data/ or pictures/, nor zlib.h or png.h; "
               "tenet.hpp and network.hpp nothing from train/ nor io/weights.hpp")

# cmake -DTENET_EXAMPLE=<exe> -DTENET_ARGS=<a|b|c> -DTENET_WORK=<dir> [-DTENET_SETUP=<setup>]
#       -P TenetExampleErrorTest.cmake
#
# Runs an example that must refuse its command line or its output directory, and prints what
# a user sees: its stderr and stdout, then a line "exit code: N", then, with a setup, whether
# the files that were there before are intact. The ctest test's PASS_REGULAR_EXPRESSION checks
# the message and the exit code together (examples/CMakeLists.txt, docs/errors-runtime.md).
#
# TENET_WORK is made afresh for each run; "@WORK@" in the arguments stands for it.
#   TENET_SETUP=file       @WORK@/previous is a file holding "previous run"
#   TENET_SETUP=read_only  @WORK@/previous is a read-only directory holding lenet.weights
#                          ("previous run"). root may write anywhere, so as root the example
#                          runs as nobody (setpriv); without setpriv the test is skipped.
#   TENET_SETUP=empty_dir  @WORK@/previous is an empty directory
#   TENET_SETUP=weights_dir  @WORK@/out/seed_cnn.weights is a directory
#   TENET_SETUP=stale_temporaries  @WORK@/out holds temporary files of a killed run (a pid that
#                          cannot exist): two of seed_cnn's outputs, and notes.txt's (not its own)
# TENET_ENV=<VAR=value|...> sets environment variables for the run (the examples' test hooks).
# TENET_LIST=ON prints, after the run, every file under @WORK@ ("files: a;b;..."), sorted.
cmake_minimum_required(VERSION 3.25)

foreach(_v TENET_EXAMPLE TENET_WORK)
  if(NOT ${_v})
    message(FATAL_ERROR "TenetExampleErrorTest: ${_v} not given")
  endif()
endforeach()

function(_tenet_make_writable dir)
  if(IS_DIRECTORY "${dir}")
    file(CHMOD_RECURSE "${dir}" DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
         WORLD_READ WORLD_EXECUTE FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  endif()
endfunction()

_tenet_make_writable("${TENET_WORK}")
file(REMOVE_RECURSE "${TENET_WORK}")
file(MAKE_DIRECTORY "${TENET_WORK}")
set(_previous "${TENET_WORK}/previous")
set(_kept "")  # the file whose content must survive
if(TENET_SETUP STREQUAL "file")
  file(WRITE "${_previous}" "previous run\n")
  set(_kept "${_previous}")
elseif(TENET_SETUP STREQUAL "read_only")
  file(MAKE_DIRECTORY "${_previous}")
  file(WRITE "${_previous}/lenet.weights" "previous run\n")
  file(CHMOD "${_previous}" DIRECTORY_PERMISSIONS OWNER_READ OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  set(_kept "${_previous}/lenet.weights")
elseif(TENET_SETUP STREQUAL "empty_dir")
  file(MAKE_DIRECTORY "${_previous}")
elseif(TENET_SETUP STREQUAL "weights_dir")
  file(MAKE_DIRECTORY "${TENET_WORK}/out/seed_cnn.weights")
elseif(TENET_SETUP STREQUAL "stale_temporaries")
  foreach(_f seed_cnn.weights.tmp-2147483646-0 seed_cnn_curves.png.tmp-2147483646 notes.txt.tmp-2147483646)
    file(WRITE "${TENET_WORK}/out/${_f}" "left by a killed run\n")
  endforeach()
elseif(TENET_SETUP)
  message(FATAL_ERROR "TenetExampleErrorTest: unknown TENET_SETUP '${TENET_SETUP}'")
endif()

string(REPLACE "@WORK@" "${TENET_WORK}" _args "${TENET_ARGS}")
string(REPLACE "|" ";" _args "${_args}")
set(_command "${TENET_EXAMPLE}" ${_args})
if(TENET_ENV)
  string(REPLACE "|" ";" _env "${TENET_ENV}")
  set(_command "${CMAKE_COMMAND}" -E env ${_env} ${_command})
endif()
if(TENET_SETUP STREQUAL "read_only")
  execute_process(COMMAND id -u OUTPUT_VARIABLE _uid OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(_uid STREQUAL "0")
    find_program(_setpriv setpriv)
    if(NOT _setpriv)
      message("SKIPPED: running as root, and setpriv (util-linux) is missing to run the example as nobody")
      return()
    endif()
    set(_command "${_setpriv}" --reuid=65534 --regid=65534 --clear-groups ${_command})
  endif()
endif()

execute_process(COMMAND ${_command}
  WORKING_DIRECTORY "${TENET_WORK}"
  OUTPUT_VARIABLE _out
  ERROR_VARIABLE _err
  RESULT_VARIABLE _rc)
message("${_err}${_out}exit code: ${_rc}")
if(TENET_LIST)
  file(GLOB_RECURSE _files LIST_DIRECTORIES false RELATIVE "${TENET_WORK}" "${TENET_WORK}/*")
  list(SORT _files)
  message("files: ${_files}")
endif()

if(_kept)
  file(READ "${_kept}" _content)
  file(GLOB _entries RELATIVE "${TENET_WORK}" "${TENET_WORK}/*" "${TENET_WORK}/previous/*")
  if(_content STREQUAL "previous run\n")
    message("previous files intact: ${_entries}")
  else()
    message("previous file CHANGED: ${_kept}")
  endif()
endif()
_tenet_make_writable("${TENET_WORK}")

# tenet_add_compile_fail_test(<name> SOURCE <file> REGEX <regex> [LINK <target>] [LABELS <label>...])
#
# Adds two EXCLUDE_FROM_ALL executables built from <file>:
#   <name>_ok  built as is                    -> ctest <name>_ok must build
#   <name>_ko  built with TENET_EXPECT_FAIL   -> ctest <name>_ko must FAIL to
#              build, and the combined build output must match <regex>
#              (a CMake regular expression, matched after LC_ALL=C so g++
#              prints plain ASCII quotes).
# Both link LINK (default tenet::tenet). Both tests carry the label `compile_fail` (plus LABELS), so
# `ctest -LE compile_fail` skips them.
include_guard(GLOBAL)

set(_TENET_EXPECT_BUILD_FAILURE_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/TenetExpectBuildFailure.cmake")

function(tenet_add_compile_fail_test name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "SOURCE;REGEX;LINK" "LABELS")
  if(NOT arg_LINK)
    set(arg_LINK tenet::tenet)
  endif()
  if(NOT arg_SOURCE)
    message(FATAL_ERROR "tenet_add_compile_fail_test(${name}): SOURCE is required")
  endif()
  if(NOT DEFINED arg_REGEX OR arg_REGEX STREQUAL "")
    message(FATAL_ERROR "tenet_add_compile_fail_test(${name}): REGEX is required")
  endif()
  get_filename_component(_src "${arg_SOURCE}" ABSOLUTE)

  foreach(_kind ok ko)
    set(_tgt ${name}_${_kind})
    add_executable(${_tgt} EXCLUDE_FROM_ALL "${_src}")
    target_link_libraries(${_tgt} PRIVATE ${arg_LINK})
    if(COMMAND tenet_set_target_options)
      tenet_set_target_options(${_tgt})
    endif()
  endforeach()
  target_compile_definitions(${name}_ko PRIVATE TENET_EXPECT_FAIL)

  # Parameters for the _ko driver go through a file, so that regexes with
  # quotes, semicolons or brackets survive untouched.
  set(_params "${CMAKE_CURRENT_BINARY_DIR}/compile_fail/${name}_ko.params.cmake")
  file(WRITE "${_params}.in"
"set(TENET_CF_BUILD_DIR [==[${CMAKE_BINARY_DIR}]==])
set(TENET_CF_TARGET [==[${name}_ko]==])
set(TENET_CF_SOURCE [==[${_src}]==])
set(TENET_CF_REGEX [==[${arg_REGEX}]==])
")
  configure_file("${_params}.in" "${_params}" COPYONLY)   # rewrites only on change

  add_test(NAME ${name}_ok
    COMMAND "${CMAKE_COMMAND}" -E env LC_ALL=C
            "${CMAKE_COMMAND}" --build "${CMAKE_BINARY_DIR}" --target ${name}_ok --config $<CONFIG>)
  add_test(NAME ${name}_ko
    COMMAND "${CMAKE_COMMAND}" "-DTENET_CF_PARAMS=${_params}" "-DTENET_CF_CONFIG=$<CONFIG>"
            -P "${_TENET_EXPECT_BUILD_FAILURE_SCRIPT}")

  set(_props LABELS "compile_fail;${arg_LABELS}")
  # Ninja keeps one unlocked log/deps database per build tree: two concurrent
  # `cmake --build` runs on it can corrupt it. Makefiles are fine in parallel.
  if(CMAKE_GENERATOR MATCHES "Ninja")
    list(APPEND _props RESOURCE_LOCK tenet_build_tree)
  endif()
  set_tests_properties(${name}_ok ${name}_ko PROPERTIES ${_props})
endfunction()

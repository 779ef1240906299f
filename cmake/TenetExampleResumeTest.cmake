# cmake -DTENET_EXAMPLE=<seed_cnn> -DTENET_WORK=<dir> -DTENET_SIGNAL=INT|TERM -P TenetExampleResumeTest.cmake
#
# Ctrl-C (or SIGTERM) during training, then --resume, against a run that was not interrupted:
#   1. whole/:  the run, uninterrupted (exit code 0)
#   2. parts/:  the same run, sent the signal after batch 25 (the example's test hook raises it:
#               TENET_TEST_INTERRUPT_AFTER_BATCHES, deterministic): exit code 130, the message
#               naming the checkpoint and the command that continues, the checkpoint there, no
#               temporary file and no other output written
#   3. parts/:  that command (--resume): exit code 0, the weights file byte for byte the one of
#               1, the checkpoint removed once the weights are written
# 600 images in batches of 32: 19 batches per epoch, so batch 25 is batch 6 of epoch 2.
cmake_minimum_required(VERSION 3.25)

foreach(_v TENET_EXAMPLE TENET_WORK TENET_SIGNAL)
  if(NOT ${_v})
    message(FATAL_ERROR "TenetExampleResumeTest: ${_v} not given")
  endif()
endforeach()

file(REMOVE_RECURSE "${TENET_WORK}")
file(MAKE_DIRECTORY "${TENET_WORK}")
set(_run --epochs 2 --limit 600 --test-limit 200 --batch 32 --seed 3)

function(_run_example out_dir)
  execute_process(COMMAND ${ARGN} ${_run} --out "${out_dir}"
    WORKING_DIRECTORY "${TENET_WORK}" OUTPUT_VARIABLE _out ERROR_VARIABLE _err RESULT_VARIABLE _rc)
  set(_out "${_out}" PARENT_SCOPE)
  set(_err "${_err}" PARENT_SCOPE)
  set(_rc "${_rc}" PARENT_SCOPE)
endfunction()

function(_fail what)
  message(FATAL_ERROR "${what}\n--- stdout:\n${_out}\n--- stderr:\n${_err}\n--- exit code: ${_rc}")
endfunction()

_run_example(whole "${TENET_EXAMPLE}")
if(NOT _rc EQUAL 0)
  _fail("the uninterrupted run failed")
endif()

set(_hook TENET_TEST_INTERRUPT_AFTER_BATCHES=25)
if(TENET_SIGNAL STREQUAL "TERM")
  list(APPEND _hook TENET_TEST_INTERRUPT_SIGNAL=TERM)
endif()
_run_example(parts "${CMAKE_COMMAND}" -E env ${_hook} "${TENET_EXAMPLE}")
message("interrupted run, stderr:\n${_err}exit code: ${_rc}")
if(NOT _rc EQUAL 130)
  _fail("the interrupted run did not exit with 130")
endif()
string(CONCAT _expected "stopping after this batch and writing a checkpoint \\(Ctrl-C again quits at once\\)\n"
              "[^\n]*seed_cnn: interrupted after batch 6 of 19 of epoch 2. the run so far is saved in 'parts/seed_cnn.checkpoint'\n"
              "to continue it: ([^\n]*seed_cnn --epochs 2 --limit 600 --test-limit 200 --batch 32 --seed 3 --out parts --resume parts/seed_cnn.checkpoint)\n$")
if(NOT _err MATCHES "${_expected}")
  _fail("the interrupted run's message is not the expected one")
endif()
file(GLOB _left RELATIVE "${TENET_WORK}/parts" "${TENET_WORK}/parts/*")
if(NOT _left STREQUAL "seed_cnn.checkpoint")
  _fail("after the interrupted run, parts/ holds '${_left}', not just seed_cnn.checkpoint")
endif()

# The command the example printed, as printed (its arguments hold no spaces).
string(REGEX MATCH "to continue it: ([^\n]*)" _ignored "${_err}")
separate_arguments(_continue UNIX_COMMAND "${CMAKE_MATCH_1}")
execute_process(COMMAND ${_continue} WORKING_DIRECTORY "${TENET_WORK}"
  OUTPUT_VARIABLE _out ERROR_VARIABLE _err RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  _fail("the resumed run failed")
endif()
if(NOT _out MATCHES "seed_cnn: continuing the run saved in parts/seed_cnn.checkpoint\n")
  _fail("the resumed run does not say it continues")
endif()
file(SHA256 "${TENET_WORK}/whole/seed_cnn.weights" _whole)
file(SHA256 "${TENET_WORK}/parts/seed_cnn.weights" _parts)
if(NOT _whole STREQUAL _parts)
  _fail("the resumed run's weights differ from the uninterrupted run's")
endif()
file(GLOB _left RELATIVE "${TENET_WORK}/parts" "${TENET_WORK}/parts/*")
list(SORT _left)
file(GLOB _whole_files RELATIVE "${TENET_WORK}/whole" "${TENET_WORK}/whole/*")
list(SORT _whole_files)
if(NOT _left STREQUAL _whole_files)
  _fail("after resuming, parts/ holds '${_left}', the uninterrupted run's directory '${_whole_files}'")
endif()
message("resumed: the same weights (SHA-256 ${_whole}); files: ${_left}")

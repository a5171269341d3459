# fib_add_test(NAME name SOURCES ... LIBRARIES ... LABELS unit|integration [FIXTURES ...] [ENVIRONMENT ...])
# Every test is a Qt Test executable registered with ctest; tests run without a display.
function(fib_add_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SOURCES;LIBRARIES;LABELS;FIXTURES;ENVIRONMENT" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE Qt6::Test ${ARG_LIBRARIES})
  set_target_properties(${ARG_NAME} PROPERTIES AUTOMOC ON)
  fib_set_warnings(${ARG_NAME})
  # Qt 6.8's QTRY_* macros narrow a std::chrono count to int inside their own expansion
  # (qtestcase.h, QTRY_IMPL), which -Wconversion reports in every test that uses them. The tests
  # built against Qt 6.8 and later (Debian 13) go without that one warning; the libraries and
  # programs keep it.
  if(NOT MSVC AND Qt6_VERSION VERSION_GREATER_EQUAL 6.8)
    target_compile_options(${ARG_NAME} PRIVATE -Wno-conversion)
  endif()
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  set_tests_properties(${ARG_NAME} PROPERTIES
    LABELS "${ARG_LABELS}"
    TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "QT_QPA_PLATFORM=offscreen;${ARG_ENVIRONMENT}")
  if(ARG_FIXTURES)
    set_tests_properties(${ARG_NAME} PROPERTIES FIXTURES_REQUIRED "${ARG_FIXTURES}")
  endif()
endfunction()

# Warnings and sanitizers are set per target, never as global flags.
option(FIB_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
# Off by default so that a plain configure with another compiler (the desktop CI job on Windows
# and macOS, the bench tree, the images' `services` preset) still builds; the dev, release and
# asan presets, which scripts/test and scripts/run use, turn it on.
option(FIB_WARNINGS_AS_ERRORS "Treat compiler warnings as errors (-Werror, /WX)" OFF)

function(fib_set_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4 /permissive-)
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
      -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)
    if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
      # Qt 6.4's QVERIFY_THROWS_EXCEPTION expands to an empty variadic argument list.
      target_compile_options(${target} PRIVATE -Wno-gnu-zero-variadic-macro-arguments)
    endif()
  endif()
  if(FIB_WARNINGS_AS_ERRORS)
    if(MSVC)
      target_compile_options(${target} PRIVATE /WX)
    else()
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
  if(FIB_SANITIZE)
    set(fib_sanitize_flags -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_compile_options(${target} PRIVATE ${fib_sanitize_flags})
    target_link_options(${target} PUBLIC ${fib_sanitize_flags})
  endif()
endfunction()

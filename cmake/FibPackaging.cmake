# Install rules and CPack packages for fib-desktop (included from desktop/CMakeLists.txt).
#   Linux:   cpack -G DEB / -G TGZ  (from the build directory; both by default)
#   Windows: windeployqt copies Qt next to fib-desktop.exe at install time; cpack makes a ZIP
#   macOS:   macdeployqt fills fib-desktop.app at install time; cpack makes a DMG
# Packages hold only the `desktop` install component: fib-server and fib-worker install rules
# (component Unspecified) stay out of the desktop package.
include(GNUInstallDirs)

install(TARGETS fib-desktop
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT desktop
  BUNDLE DESTINATION . COMPONENT desktop)

if(UNIX AND NOT APPLE)
  install(FILES "${CMAKE_CURRENT_SOURCE_DIR}/resources/fib-desktop.desktop"
    DESTINATION "${CMAKE_INSTALL_DATADIR}/applications" COMPONENT desktop)
  install(FILES "${CMAKE_CURRENT_SOURCE_DIR}/resources/fib-desktop.svg"
    DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps" COMPONENT desktop)
endif()

# Qt's deployment tools live beside qmake.
if(WIN32 OR APPLE)
  set(fib_qt_bin_hints "${QT6_INSTALL_PREFIX}/${QT6_INSTALL_BINS}")
  if(TARGET Qt6::qmake)
    get_target_property(fib_qmake Qt6::qmake IMPORTED_LOCATION)
    get_filename_component(fib_qmake_dir "${fib_qmake}" DIRECTORY)
    list(APPEND fib_qt_bin_hints "${fib_qmake_dir}")
  endif()
endif()
if(WIN32)
  find_program(FIB_WINDEPLOYQT windeployqt HINTS ${fib_qt_bin_hints})
  if(FIB_WINDEPLOYQT)
    install(CODE "execute_process(COMMAND \"${FIB_WINDEPLOYQT}\" --no-translations --no-compiler-runtime
        \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/fib-desktop.exe\" COMMAND_ERROR_IS_FATAL ANY)"
      COMPONENT desktop)
  else()
    message(WARNING "windeployqt not found: the installed fib-desktop.exe will need Qt on PATH")
  endif()
elseif(APPLE)
  find_program(FIB_MACDEPLOYQT macdeployqt HINTS ${fib_qt_bin_hints})
  if(FIB_MACDEPLOYQT)
    install(CODE "execute_process(COMMAND \"${FIB_MACDEPLOYQT}\" \"\${CMAKE_INSTALL_PREFIX}/fib-desktop.app\"
        COMMAND_ERROR_IS_FATAL ANY)"
      COMPONENT desktop)
  else()
    message(WARNING "macdeployqt not found: fib-desktop.app will need Qt installed")
  endif()
endif()

set(CPACK_PACKAGE_NAME "fib-desktop")
set(CPACK_PACKAGE_VENDOR "Fibonacci Calculator")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Fibonacci Calculator: Qt 6 desktop client of the fib-server API")
set(CPACK_PACKAGE_DESCRIPTION
  "Submit Fibonacci indexes to a fib-server (through its nginx front) and watch the exact values arrive live.")
set(CPACK_PACKAGE_INSTALL_DIRECTORY "Fibonacci Calculator")
set(CPACK_PACKAGE_EXECUTABLES "fib-desktop" "Fibonacci Calculator")
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};${PROJECT_NAME};desktop;/")
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_IGNORE_FILES "/build/;/\\\\.git/;/\\\\.stack/")

if(WIN32)
  set(CPACK_GENERATOR "ZIP")
elseif(APPLE)
  set(CPACK_GENERATOR "DragNDrop")
else()
  set(CPACK_GENERATOR "DEB;TGZ")
endif()

# Debian: installed under /usr, dependencies read from the binary by dpkg-shlibdeps when it is
# there (dpkg-dev), else the Qt libraries named by hand.
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "Fibonacci Calculator maintainers <maintainers@fib.invalid>")
set(CPACK_DEBIAN_PACKAGE_SECTION "math")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")
find_program(FIB_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(FIB_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6widgets6 (>= 6.4), libqt6network6 (>= 6.4), libqt6gui6 (>= 6.4), libqt6core6 (>= 6.4)")
endif()
# Qt's SVG icon engine is a plugin, which dpkg-shlibdeps cannot see: without it the window has
# no icon. Debian 13 packages it as qt6-svg-plugins, Debian 12 inside libqt6svg6.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "qt6-svg-plugins | libqt6svg6")
# Per-generator settings, read by cpack at packaging time.
set(CPACK_PROJECT_CONFIG_FILE "${CMAKE_BINARY_DIR}/FibCPackOptions.cmake")
file(WRITE "${CPACK_PROJECT_CONFIG_FILE}" [=[
if(CPACK_GENERATOR STREQUAL "DEB")
  set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
endif()
]=])

include(CPack)

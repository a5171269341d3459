#pragma once
// Qt's QTRY_* macros give up after 5 s. On a loaded machine (CI building and running other suites
// beside these tests) a refetch and redraw once took longer (main_window_test
// indexesKeepTheirPlaceOnUpdates, 2026-12-02), so the desktop tests wait up to 20 s for a
// condition; one that never comes still fails, only later. Include it after <QtTest>.

#include <QtTest>

#undef QTRY_VERIFY
#undef QTRY_VERIFY2
#undef QTRY_COMPARE
#define QTRY_VERIFY(expr) QTRY_VERIFY_WITH_TIMEOUT(expr, 20000)
#define QTRY_VERIFY2(expr, messageExpression)                                                      \
    QTRY_VERIFY2_WITH_TIMEOUT(expr, messageExpression, 20000)
#define QTRY_COMPARE(expr, expected) QTRY_COMPARE_WITH_TIMEOUT(expr, expected, 20000)

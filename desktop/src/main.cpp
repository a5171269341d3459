// fib-desktop: parses the command line, picks the server, opens the window.
#include <cstdio>
#include <cstring>
#include <memory>

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QSettings>

#include "fib/desktop/main_window.hpp"
#include "fib/desktop/server_settings.hpp"
#include "fib/desktop/startup_probe.hpp"
#include "fib/version.hpp"

namespace {

using fib::desktop::ServerSettings;
using fib::desktop::StartupProbe;

struct Options {
    QString server;
    bool exitAfterLoad = false;
};

QString tr(const char *text)
{
    return QCoreApplication::translate("main", text);
}

// --help and --version print and exit; they must work without a display, so they get a plain
// QCoreApplication instead of a QApplication (which needs a screen).
bool printsAndExits(int argc, char *argv[])
{
    for (int i = 1; i < argc; ++i) {
        for (const char *option : {"-h", "--help", "-?", "--help-all", "-v", "--version"})
            if (std::strcmp(argv[i], option) == 0)
                return true;
    }
    return false;
}

Options parseCommandLine(const QCoreApplication &app)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Fibonacci Calculator: submit indexes to the fib-server API and watch their values arrive.\n\n"
           "The server address comes from --server, else the %1 environment variable, else the\n"
           "address saved in Preferences, else %2.")
            .arg(QLatin1String(ServerSettings::kEnvironmentVariable), ServerSettings::defaultUrl().toString()));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption server(QStringList{QStringLiteral("s"), QStringLiteral("server")},
                                    tr("The server's address, e.g. http://localhost:3050 (the API is under /api)."),
                                    tr("URL"));
    parser.addOption(server);
    const QCommandLineOption exitAfterLoad(
        QStringLiteral("exit-after-load"),
        tr("Start-up probe for benchmarks: once the window is exposed and every row is loaded, print one "
           "line of JSON (first_window_ms and loaded_ms since the process started, rows, indexes, "
           "rss_kb) and exit; exit 1 if loading fails or takes over %1 s.")
            .arg(StartupProbe::kDefaultTimeoutMs / 1000));
    parser.addOption(exitAfterLoad);
    parser.process(app); // exits on --help, --version and errors
    return Options{parser.value(server), parser.isSet(exitAfterLoad)};
}

} // namespace

int main(int argc, char *argv[])
{
    QElapsedTimer sinceMain; // --exit-after-load's clock where the process start time is unknown
    sinceMain.start();
    QCoreApplication::setOrganizationName(QStringLiteral("fib"));
    QCoreApplication::setApplicationName(QStringLiteral("fib-desktop"));
    QCoreApplication::setApplicationVersion(QLatin1String(fib::kVersion));

    if (printsAndExits(argc, argv)) {
        const QCoreApplication app(argc, argv);
        parseCommandLine(app);
        return 0;
    }

    QApplication app(argc, argv);
    QGuiApplication::setDesktopFileName(QStringLiteral("fib-desktop"));
    const Options options = parseCommandLine(app);

    QSettings settings;
    QString error;
    const auto choice = ServerSettings::resolve(options.server, settings, &error);
    if (!choice) {
        std::fprintf(stderr, "fib-desktop: %s\n", qUtf8Printable(error));
        return 2;
    }

    fib::desktop::MainWindow window(choice->url);
    std::unique_ptr<StartupProbe> probe;
    if (options.exitAfterLoad) {
        probe = std::make_unique<StartupProbe>(&window, sinceMain);
        QObject::connect(probe.get(), &StartupProbe::finished, [](const StartupProbe::Result &result) {
            std::printf("%s\n", StartupProbe::toJson(result).constData());
            std::fflush(stdout);
            QCoreApplication::exit(0);
        });
        QObject::connect(probe.get(), &StartupProbe::failed, [](const QString &message) {
            std::fprintf(stderr, "fib-desktop: %s\n", qUtf8Printable(message));
            QCoreApplication::exit(1);
        });
    }
    window.show();
    return QApplication::exec();
}

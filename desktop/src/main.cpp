// fib-desktop: parses the command line, picks the server, opens the window.
#include <algorithm>
#include <cstdio>
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

// Qt's own options, which QApplication takes out of the command line (scripts/screenshot passes
// -geometry): the first parse, before the application exists, lets them through.
bool isQtGuiOption(const QString &name)
{
    static const QStringList names{
        QStringLiteral("platform"),      QStringLiteral("platformpluginpath"),
        QStringLiteral("platformtheme"), QStringLiteral("plugin"),
        QStringLiteral("qmljsdebugger"), QStringLiteral("qwindowgeometry"),
        QStringLiteral("qwindowicon"),   QStringLiteral("qwindowtitle"),
        QStringLiteral("reverse"),       QStringLiteral("session"),
        QStringLiteral("display"),       QStringLiteral("geometry"),
        QStringLiteral("style"),         QStringLiteral("stylesheet"),
        QStringLiteral("widgetcount"),   QStringLiteral("nograb"),
        QStringLiteral("dograb")};
    return names.contains(name);
}

struct CommandLine {
    QCommandLineParser parser;
    QCommandLineOption server{
        QStringList{QStringLiteral("s"), QStringLiteral("server")},
        tr("The server's address, e.g. http://localhost:3050 (the API is under /api)."), tr("URL")};
    QCommandLineOption exitAfterLoad{
        QStringLiteral("exit-after-load"),
        tr("Start-up probe for benchmarks: once the window is exposed and every row is loaded, "
           "print one "
           "line of JSON (first_window_ms and loaded_ms since the process started, rows, indexes, "
           "rss_kb) and exit; exit 1 if loading fails or takes over %1 s.")
            .arg(StartupProbe::kDefaultTimeoutMs / 1000)};
    QCommandLineOption help = parser.addHelpOption();
    QCommandLineOption version = parser.addVersionOption();

    CommandLine()
    {
        parser.setApplicationDescription(
            tr("Fibonacci Calculator: submit indexes to the fib-server API and watch their values "
               "arrive.\n\n"
               "The server address comes from --server, else the %1 environment variable, else "
               "the\n"
               "address saved in Preferences, else %2.")
                .arg(QLatin1String(ServerSettings::kEnvironmentVariable),
                     ServerSettings::defaultUrl().toString()));
        parser.addOption(server);
        parser.addOption(exitAfterLoad);
        // As QApplication reads them: -geometry is one option, not -g -e -o ...
        parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    }

    Options options() const { return Options{parser.value(server), parser.isSet(exitAfterLoad)}; }
};

// --help, --version and mistakes must print without a display: the arguments are read before the
// GUI application is created, which needs a screen. True when only the GUI application can
// tell (the command line is fine, or its only unknown options are Qt's own).
bool needsGuiToParse(int argc, char *argv[])
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments.append(QString::fromLocal8Bit(argv[i]));
    CommandLine commandLine;
    if (!commandLine.parser.parse(arguments)) {
        const QStringList unknown = commandLine.parser.unknownOptionNames();
        return !unknown.isEmpty() && std::all_of(unknown.cbegin(), unknown.cend(), isQtGuiOption);
    }
    return !commandLine.parser.isSet(commandLine.help) &&
           !commandLine.parser.isSet(QStringLiteral("help-all")) &&
           !commandLine.parser.isSet(commandLine.version);
}

} // namespace

int main(int argc, char *argv[])
{
    QElapsedTimer sinceMain; // --exit-after-load's clock where the process start time is unknown
    sinceMain.start();
    QCoreApplication::setOrganizationName(QStringLiteral("fib"));
    QCoreApplication::setApplicationName(QStringLiteral("fib-desktop"));
    QCoreApplication::setApplicationVersion(QLatin1String(fib::kVersion));

    if (!needsGuiToParse(argc, argv)) {
        const QCoreApplication app(argc, argv);
        CommandLine commandLine;
        commandLine.parser.process(app); // prints the help, the version or the mistake, and exits
        return 0;
    }

    QApplication app(argc, argv);
    QGuiApplication::setDesktopFileName(QStringLiteral("fib-desktop"));
    QApplication::setWindowIcon(fib::desktop::MainWindow::appIcon());
    CommandLine commandLine;
    commandLine.parser.process(app); // exits on a mistake
    const Options options = commandLine.options();

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
        QObject::connect(probe.get(), &StartupProbe::finished,
                         [](const StartupProbe::Result &result) {
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

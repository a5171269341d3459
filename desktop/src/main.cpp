// fib-desktop: parses the command line, picks the server, opens the window.
#include <cstdio>
#include <cstring>

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>

#include "fib/desktop/main_window.hpp"
#include "fib/desktop/server_settings.hpp"
#include "fib/version.hpp"

namespace {

using fib::desktop::ServerSettings;

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

QString parseCommandLine(const QCoreApplication &app)
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
    parser.process(app); // exits on --help, --version and errors
    return parser.value(server);
}

} // namespace

int main(int argc, char *argv[])
{
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
    const QString serverArgument = parseCommandLine(app);

    QSettings settings;
    QString error;
    const auto choice = ServerSettings::resolve(serverArgument, settings, &error);
    if (!choice) {
        std::fprintf(stderr, "fib-desktop: %s\n", qUtf8Printable(error));
        return 2;
    }

    fib::desktop::MainWindow window(choice->url);
    window.show();
    return QApplication::exec();
}

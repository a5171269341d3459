// ServerSettings: --server > FIB_API_URL > QSettings > default, and what counts as an address.
#include <QtTest>

#include <QSettings>
#include <QTemporaryDir>

#include "fib/desktop/server_settings.hpp"

using fib::desktop::ServerSettings;
using Source = ServerSettings::Source;

Q_DECLARE_METATYPE(ServerSettings::Source)

class ServerSettingsTest : public QObject {
    Q_OBJECT

private slots:
    void precedence_data()
    {
        QTest::addColumn<QString>("commandLine");
        QTest::addColumn<QString>("environment");
        QTest::addColumn<QString>("saved");
        QTest::addColumn<QString>("url");
        QTest::addColumn<Source>("source");
        const QString cli = QStringLiteral("http://cli:1");
        const QString env = QStringLiteral("http://env:2");
        const QString saved = QStringLiteral("http://saved:3");
        QTest::newRow("all given") << cli << env << saved << cli << Source::CommandLine;
        QTest::newRow("no --server") << QString() << env << saved << env << Source::Environment;
        QTest::newRow("only saved") << QString() << QString() << saved << saved << Source::Settings;
        QTest::newRow("nothing") << QString() << QString() << QString()
                                 << QStringLiteral("http://localhost:3050") << Source::Default;
        QTest::newRow("bad saved is skipped")
            << QString() << QString() << QStringLiteral("ftp://x")
            << QStringLiteral("http://localhost:3050") << Source::Default;
        QTest::newRow("no scheme means http")
            << QStringLiteral("example.test:3050") << QString() << QString()
            << QStringLiteral("http://example.test:3050") << Source::CommandLine;
        QTest::newRow("trailing slash dropped")
            << QStringLiteral("https://h/prefix/") << QString() << QString()
            << QStringLiteral("https://h/prefix") << Source::CommandLine;
    }

    void precedence()
    {
        QFETCH(QString, commandLine);
        QFETCH(QString, environment);
        QFETCH(QString, saved);
        QFETCH(QString, url);
        QFETCH(Source, source);
        const auto choice = ServerSettings::choose(commandLine, environment, saved);
        QVERIFY(choice);
        QCOMPARE(choice->url.toString(), url);
        QCOMPARE(choice->source, source);
    }

    void explicitBadAddressIsAnError()
    {
        QString error;
        QVERIFY(!ServerSettings::choose(QStringLiteral("ftp://x"), QString(), QString(), &error));
        QVERIFY2(error.startsWith(QStringLiteral("--server")), qPrintable(error));
        QVERIFY(!ServerSettings::choose(QString(), QStringLiteral("http://"), QString(), &error));
        QVERIFY2(error.startsWith(QStringLiteral("FIB_API_URL")), qPrintable(error));
    }

    void parseUrl_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::newRow("default") << QStringLiteral("http://localhost:3050") << true;
        QTest::newRow("https") << QStringLiteral("https://fib.example.com") << true;
        QTest::newRow("spaces around") << QStringLiteral("  http://127.0.0.1:3050  ") << true;
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("ftp") << QStringLiteral("ftp://host") << false;
        QTest::newRow("no host") << QStringLiteral("http://") << false;
        QTest::newRow("query") << QStringLiteral("http://host/?a=1") << false;
        QTest::newRow("fragment") << QStringLiteral("http://host/#x") << false;
        QTest::newRow("bad port") << QStringLiteral("http://host:99999") << false;
    }

    void parseUrl()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QString error;
        QCOMPARE(ServerSettings::parseUrl(text, &error).has_value(), valid);
        QCOMPARE(error.isEmpty(), valid);
    }

    void savedInQSettings()
    {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(QStringLiteral("fib.ini")), QSettings::IniFormat);
        QCOMPARE(ServerSettings::saved(settings), QString());
        ServerSettings::save(settings, QUrl(QStringLiteral("http://saved:3")));
        QCOMPARE(ServerSettings::saved(settings), QStringLiteral("http://saved:3"));
        qputenv(ServerSettings::kEnvironmentVariable, "http://env:2");
        auto choice = ServerSettings::resolve(QString(), settings);
        QCOMPARE(choice->source, Source::Environment);
        qunsetenv(ServerSettings::kEnvironmentVariable);
        choice = ServerSettings::resolve(QString(), settings);
        QCOMPARE(choice->source, Source::Settings);
        QCOMPARE(choice->url, QUrl(QStringLiteral("http://saved:3")));
    }
};

QTEST_APPLESS_MAIN(ServerSettingsTest)
#include "server_settings_test.moc"

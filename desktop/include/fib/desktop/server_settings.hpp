#pragma once
// Which server the app talks to: --server URL, else $FIB_API_URL, else the URL saved with
// QSettings (by the Preferences dialog), else http://localhost:3050.

#include <optional>

#include <QCoreApplication>
#include <QString>
#include <QUrl>

class QSettings;

namespace fib::desktop {

class ServerSettings {
    Q_DECLARE_TR_FUNCTIONS(ServerSettings)

public:
    static constexpr const char *kEnvironmentVariable = "FIB_API_URL";
    static constexpr const char *kSettingsKey = "server/url";

    enum class Source { CommandLine, Environment, Settings, Default };

    struct Choice {
        QUrl url;
        Source source = Source::Default;
    };

    static QUrl defaultUrl();

    // A server URL as a user types it: http or https, a host, an optional port and path prefix,
    // no query or fragment. "localhost:3050" means http://localhost:3050. On failure returns
    // nothing and sets *error to the reason.
    static std::optional<QUrl> parseUrl(const QString &text, QString *error = nullptr);

    // The precedence rule, on already-read inputs (empty means "not given"). An invalid
    // --server or FIB_API_URL is an error (the user asked for it explicitly); an invalid saved
    // URL is skipped.
    static std::optional<Choice> choose(const QString &commandLine, const QString &environment,
                                        const QString &saved, QString *error = nullptr);

    // The same, reading FIB_API_URL and QSettings itself.
    static std::optional<Choice> resolve(const QString &commandLine, QSettings &settings,
                                         QString *error = nullptr);

    static QString saved(QSettings &settings);
    static void save(QSettings &settings, const QUrl &url);
};

} // namespace fib::desktop

#include "fib/desktop/server_settings.hpp"

#include <QSettings>

namespace fib::desktop {

QUrl ServerSettings::defaultUrl()
{
    return QUrl(QStringLiteral("http://localhost:3050"));
}

std::optional<QUrl> ServerSettings::parseUrl(const QString &text, QString *error)
{
    const auto fail = [error](const QString &why) -> std::optional<QUrl> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    QString input = text.trimmed();
    if (input.isEmpty())
        return fail(tr("Enter the server's address, such as http://localhost:3050."));
    if (!input.contains(QStringLiteral("://")))
        input.prepend(QStringLiteral("http://"));
    QUrl url(input, QUrl::StrictMode);
    if (!url.isValid())
        return fail(tr("This is not a valid address: %1").arg(url.errorString()));
    const QString scheme = url.scheme().toLower();
    if (scheme != QLatin1String("http") && scheme != QLatin1String("https"))
        return fail(tr("The address must start with http:// or https://."));
    if (url.host().isEmpty())
        return fail(tr("The address has no host name, such as localhost."));
    if (url.hasQuery() || url.hasFragment())
        return fail(tr("The address must not have a query (?) or a fragment (#)."));
    QString path = url.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    url.setPath(path);
    url.setScheme(scheme);
    return url;
}

std::optional<ServerSettings::Choice> ServerSettings::choose(const QString &commandLine,
                                                             const QString &environment,
                                                             const QString &saved, QString *error)
{
    QString why;
    if (!commandLine.isEmpty()) {
        if (const auto url = parseUrl(commandLine, &why))
            return Choice{*url, Source::CommandLine};
        if (error)
            *error = tr("--server %1: %2").arg(commandLine, why);
        return std::nullopt;
    }
    if (!environment.isEmpty()) {
        if (const auto url = parseUrl(environment, &why))
            return Choice{*url, Source::Environment};
        if (error)
            *error = tr("%1=%2: %3").arg(QLatin1String(kEnvironmentVariable), environment, why);
        return std::nullopt;
    }
    if (!saved.isEmpty()) {
        if (const auto url = parseUrl(saved))
            return Choice{*url, Source::Settings};
    }
    return Choice{defaultUrl(), Source::Default};
}

std::optional<ServerSettings::Choice> ServerSettings::resolve(const QString &commandLine,
                                                              QSettings &settings, QString *error)
{
    return choose(commandLine, qEnvironmentVariable(kEnvironmentVariable), saved(settings), error);
}

QString ServerSettings::saved(QSettings &settings)
{
    return settings.value(QLatin1String(kSettingsKey)).toString();
}

void ServerSettings::save(QSettings &settings, const QUrl &url)
{
    settings.setValue(QLatin1String(kSettingsKey), url.toString());
}

} // namespace fib::desktop

#include "fib/desktop/api_types.hpp"

#include "fib/keys.hpp"

namespace fib::desktop {

QString ApiError::message() const
{
    switch (kind) {
    case Kind::Network:
        return detail.isEmpty() ? tr("Cannot reach the server.")
                                : tr("Cannot reach the server: %1").arg(detail);
    case Kind::Protocol:
        return tr("The server sent an answer this app does not understand: %1").arg(detail);
    case Kind::JobFailed:
        return tr("The calculation failed on the server (%1). The server's operator can retry it.")
            .arg(detail);
    case Kind::Http: break;
    }
    if (!title.isEmpty() && !detail.isEmpty())
        return tr("%1: %2").arg(title, detail);
    if (!title.isEmpty())
        return tr("%1 (HTTP %2)").arg(title).arg(status);
    if (!detail.isEmpty())
        return tr("HTTP %1: %2").arg(status).arg(detail);
    return tr("The server answered with HTTP status %1.").arg(status);
}

bool isPendingValue(const QString &value)
{
    const auto pending = keys::kPendingValue;
    return value == QLatin1String(pending.data(), static_cast<qsizetype>(pending.size()));
}

} // namespace fib::desktop

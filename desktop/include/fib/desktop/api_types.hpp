#pragma once
// Plain values that travel from the ApiClient to the models and widgets. None of them knows
// about the network: the UI sees these, never a QNetworkReply.

#include <QCoreApplication>
#include <QMetaType>
#include <QString>
#include <QVector>

#include "fib/index.hpp"

namespace fib::desktop {

// Why a request failed, in words a user can act on.
struct ApiError {
    Q_DECLARE_TR_FUNCTIONS(ApiError)

public:
    enum class Kind {
        Network,   // no HTTP answer at all: refused, unknown host, timed out, dropped
        Http,      // an HTTP error status; title and detail come from problem+json when sent
        Protocol,  // a 2xx answer whose body is not what the API documents
        JobFailed, // the value's job failed on the server (detail: why); an operator may retry it
    };
    Kind kind = Kind::Network;
    int status = 0; // HTTP status, 0 for Network
    QString title;  // problem+json "title", or the reason phrase
    QString detail; // problem+json "detail", or the network error text

    bool unreachable() const { return kind == Kind::Network; }
    // "Index too high: index 1000001 is above the maximum 1000000", "Cannot reach the server: ...".
    QString message() const;
};

// GET /api/info.
struct ServerInfo {
    QString service;
    QString version;
    Index maxIndex = 0;
};

// GET /api/healthz or /api/readyz: whether it answered with 2xx, and what it said.
struct ProbeResult {
    bool ok = false;
    QString text;
};

// One row of GET /api/values/current: the value as lists show it (the digits, a summary such as
// "12345678901234567890...09876543210987654321 (208988 digits)", or "Nothing yet!").
struct ValueEntry {
    Index index = 0;
    QString value;
    bool pending = false;

    friend bool operator==(const ValueEntry &a, const ValueEntry &b)
    {
        return a.index == b.index && a.value == b.value && a.pending == b.pending;
    }
    friend bool operator!=(const ValueEntry &a, const ValueEntry &b) { return !(a == b); }
};

// GET /api/values/{n} once computed: every digit.
struct FullValue {
    Index index = 0;
    QString digits;
};

// True for the server's pending placeholder (fib::keys::kPendingValue).
bool isPendingValue(const QString &value);

} // namespace fib::desktop

Q_DECLARE_METATYPE(fib::desktop::ApiError)
Q_DECLARE_METATYPE(fib::desktop::ServerInfo)
Q_DECLARE_METATYPE(fib::desktop::ProbeResult)
Q_DECLARE_METATYPE(fib::desktop::ValueEntry)
Q_DECLARE_METATYPE(fib::desktop::FullValue)

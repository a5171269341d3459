#include "fib/desktop/api_client.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrlQuery>

#include <nlohmann/json.hpp>

#include "fib/errors.hpp"
#include "fib/models.hpp"

namespace fib::desktop {
namespace {

using nlohmann::json;

// A server that keeps announcing next pages is not followed forever (10 million rows).
constexpr int kMaxPages = 10000;
constexpr Index kAnyIndex = std::numeric_limits<Index>::max();

json parseBody(QNetworkReply *reply)
{
    const QByteArray body = reply->readAll();
    return json::parse(body.constBegin(), body.constEnd());
}

QString text(const std::string &s)
{
    return QString::fromStdString(s);
}

} // namespace

struct ApiClient::ListFetch {
    ListFetch(Call c, QString p) : call(c), path(std::move(p)) {}

    Call call;
    QString path;
    bool running = false;
    bool again = false;
    int pages = 0;
    QVector<Index> indexes;
    QVector<ValueEntry> values;

    void clear()
    {
        pages = 0;
        indexes.clear();
        values.clear();
    }
};

ApiError errorFromReply(QNetworkReply *reply)
{
    ApiError error;
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!status.isValid() || status.toInt() == 0) {
        error.kind = ApiError::Kind::Network;
        if (reply->error() == QNetworkReply::OperationCanceledError ||
            reply->error() == QNetworkReply::TimeoutError)
            error.detail =
                ApiError::tr("no answer within %1 seconds").arg(ApiClient::kTimeoutMs / 1000);
        else
            error.detail = reply->errorString();
        return error;
    }
    error.kind = ApiError::Kind::Http;
    error.status = status.toInt();
    error.title = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
    const QByteArray type =
        reply->header(QNetworkRequest::ContentTypeHeader).toByteArray().toLower();
    if (type.contains("json")) {
        try {
            const auto problem = parseBody(reply).get<Problem>();
            if (!problem.title.empty())
                error.title = text(problem.title);
            error.detail = text(problem.detail);
        } catch (const json::exception &) {
            // Not problem+json after all: the status and reason phrase will do.
        }
    }
    return error;
}

ApiClient::ApiClient(const QUrl &serverUrl, QObject *parent)
    : QObject(parent),
      m_network(new QNetworkAccessManager(this)),
      m_events(new EventStream(m_network, this)),
      m_indexFetch(std::make_unique<ListFetch>(Call::Indexes, QStringLiteral("values/all"))),
      m_valueFetch(std::make_unique<ListFetch>(Call::Values, QStringLiteral("values/current")))
{
    connect(m_events, &EventStream::computed, this, &ApiClient::valueComputed);
    connect(m_events, &EventStream::resetRequested, this, &ApiClient::liveResetRequested);
    connect(m_events, &EventStream::pollRequested, this, &ApiClient::livePollRequested);
    connect(m_events, &EventStream::stateChanged, this, &ApiClient::liveStateChanged);
    setServerUrl(serverUrl);
}

ApiClient::~ApiClient() = default;

void ApiClient::setServerUrl(const QUrl &serverUrl)
{
    if (serverUrl == m_serverUrl)
        return;
    m_serverUrl = serverUrl;
    ++m_generation;
    for (ListFetch *fetch : {m_indexFetch.get(), m_valueFetch.get()}) {
        fetch->running = false;
        fetch->again = false;
        fetch->clear();
    }
    m_events->setUrl(apiUrl(QStringLiteral("events")));
}

EventStream::State ApiClient::liveState() const
{
    return m_events->state();
}

int ApiClient::nextLiveAttemptMs() const
{
    return m_events->nextAttemptMs();
}

int ApiClient::livePollIntervalMs() const
{
    return m_events->pollIntervalMs();
}

void ApiClient::startLiveEvents()
{
    m_events->start();
}

void ApiClient::reconnectLiveEvents()
{
    m_events->reconnectNow();
}

void ApiClient::setValuesPending(bool pending)
{
    m_events->setBusy(pending);
}

QUrl ApiClient::apiUrl(const QString &path) const
{
    QUrl url = m_serverUrl;
    QString base = url.path();
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    url.setPath(base + QStringLiteral("/api/") + path);
    url.setQuery(QString());
    url.setFragment(QString());
    return url;
}

QUrl ApiClient::nextPageUrl(const QByteArray &linkHeader, const QUrl &requestUrl)
{
    // RFC 8288: `<target>; rel="next"; other=params, <target2>; rel=prev`.
    const QString header = QString::fromLatin1(linkHeader);
    qsizetype pos = 0;
    while (true) {
        const qsizetype open = header.indexOf(QLatin1Char('<'), pos);
        if (open < 0)
            return {};
        const qsizetype close = header.indexOf(QLatin1Char('>'), open);
        if (close < 0)
            return {};
        const QString target = header.mid(open + 1, close - open - 1).trimmed();
        const qsizetype nextOpen = header.indexOf(QLatin1Char('<'), close);
        const QString params = header.mid(close + 1, nextOpen < 0 ? -1 : nextOpen - close - 1);
        for (QString param : params.split(QLatin1Char(';'))) {
            param = param.trimmed();
            if (param.endsWith(QLatin1Char(',')))
                param.chop(1);
            if (!param.startsWith(QLatin1String("rel="), Qt::CaseInsensitive))
                continue;
            QString rel = param.mid(4).trimmed();
            if (rel.startsWith(QLatin1Char('"')) && rel.endsWith(QLatin1Char('"')) &&
                rel.size() >= 2)
                rel = rel.mid(1, rel.size() - 2);
            const QStringList relations = rel.split(QLatin1Char(' '), Qt::SkipEmptyParts);
            for (const QString &relation : relations)
                if (relation.compare(QLatin1String("next"), Qt::CaseInsensitive) == 0)
                    return requestUrl.resolved(QUrl(target));
        }
        pos = close + 1;
    }
}

QNetworkReply *ApiClient::get(const QUrl &url)
{
    QNetworkRequest request(url);
    request.setRawHeader("Accept", "application/json, application/problem+json");
    request.setTransferTimeout(kTimeoutMs);
    return m_network->get(request);
}

void ApiClient::onFinished(QNetworkReply *reply, Handler handler)
{
    connect(reply, &QNetworkReply::finished, this,
            [this, reply, handler = std::move(handler), generation = m_generation] {
                reply->deleteLater();
                if (generation == m_generation)
                    handler(reply);
            });
}

void ApiClient::fetchInfo()
{
    onFinished(get(apiUrl(QStringLiteral("info"))), [this](QNetworkReply *reply) {
        if (reply->error() != QNetworkReply::NoError) {
            emit requestFailed(Call::Info, errorFromReply(reply));
            return;
        }
        try {
            const json body = parseBody(reply);
            ServerInfo info;
            info.service = text(body.value("service", std::string()));
            info.version = text(body.value("version", std::string()));
            info.maxIndex = body.at("max_index").get<Index>();
            emit serverReachable();
            emit infoReceived(info);
        } catch (const json::exception &e) {
            emit requestFailed(Call::Info,
                               ApiError{ApiError::Kind::Protocol, 200, {}, text(e.what())});
        }
    });
}

void ApiClient::probe(const QString &path, void (ApiClient::*signal)(const ProbeResult &),
                      Call call)
{
    onFinished(get(apiUrl(path)), [this, signal, call](QNetworkReply *reply) {
        ProbeResult result;
        result.ok = reply->error() == QNetworkReply::NoError;
        if (result.ok) {
            try {
                result.text = text(parseBody(reply).value("status", std::string()));
            } catch (const json::exception &) {
                result.text.clear();
            }
            if (result.text.isEmpty())
                result.text = tr("OK");
        } else {
            const ApiError error = errorFromReply(reply);
            result.text = error.message();
            if (error.unreachable())
                emit requestFailed(call, error);
        }
        emit(this->*signal)(result);
    });
}

void ApiClient::fetchHealth()
{
    probe(QStringLiteral("healthz"), &ApiClient::healthReceived, Call::Health);
}

void ApiClient::fetchReadiness()
{
    probe(QStringLiteral("readyz"), &ApiClient::readinessReceived, Call::Readiness);
}

void ApiClient::fetchIndexes()
{
    startList(*m_indexFetch);
}

void ApiClient::fetchValues()
{
    startList(*m_valueFetch);
}

void ApiClient::startList(ListFetch &fetch)
{
    if (fetch.running) {
        fetch.again = true;
        return;
    }
    fetch.running = true;
    fetch.again = false;
    fetch.clear();
    QUrl url = apiUrl(fetch.path);
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("limit"), QString::number(kPageSize));
    url.setQuery(query);
    fetchPage(fetch, url);
}

void ApiClient::fetchPage(ListFetch &fetch, const QUrl &url)
{
    onFinished(get(url), [this, &fetch, url](QNetworkReply *reply) {
        const auto finish = [&fetch] {
            const bool again = fetch.again;
            fetch.again = false;
            fetch.running = false;
            return again;
        };
        if (reply->error() != QNetworkReply::NoError) {
            const bool again = finish();
            emit requestFailed(fetch.call, errorFromReply(reply));
            if (again && !fetch.running)
                startList(fetch);
            return;
        }
        try {
            const json body = parseBody(reply);
            if (fetch.call == Call::Indexes) {
                if (!body.is_array())
                    throw std::invalid_argument("the list of indexes is not a JSON array");
                for (const auto &row : body)
                    fetch.indexes.append(row.at(field::kNumber).get<Index>());
            } else {
                if (!body.is_object())
                    throw std::invalid_argument("the list of values is not a JSON object");
                for (const auto &[key, value] : body.items()) {
                    const QString shown = text(value.get<std::string>());
                    fetch.values.append(
                        ValueEntry{parseIndex(key, kAnyIndex), shown, isPendingValue(shown)});
                }
            }
        } catch (const std::exception &e) { // json::exception, or fib::Error from parseIndex
            const bool again = finish();
            emit requestFailed(fetch.call,
                               ApiError{ApiError::Kind::Protocol, 200, {}, text(e.what())});
            if (again && !fetch.running)
                startList(fetch);
            return;
        }

        const QUrl next = nextPageUrl(reply->rawHeader("Link"), url);
        if (next.isValid() && !next.isEmpty() && next != url && ++fetch.pages < kMaxPages) {
            fetchPage(fetch, next);
            return;
        }
        const bool again = finish();
        // JSON objects have no order; rows go out by index.
        std::sort(fetch.values.begin(), fetch.values.end(),
                  [](const ValueEntry &a, const ValueEntry &b) { return a.index < b.index; });
        emit serverReachable();
        if (fetch.call == Call::Indexes)
            emit indexesReceived(std::exchange(fetch.indexes, {}));
        else
            emit valuesReceived(std::exchange(fetch.values, {}));
        if (again && !fetch.running)
            startList(fetch);
    });
}

void ApiClient::submitIndex(Index index)
{
    QNetworkRequest request(apiUrl(QStringLiteral("values")));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("Accept", "application/json, application/problem+json");
    request.setTransferTimeout(kTimeoutMs);
    const std::string body = json{{field::kIndex, index}}.dump();
    QNetworkReply *reply = m_network->post(request, QByteArray::fromStdString(body));
    onFinished(reply, [this, index](QNetworkReply *r) {
        if (r->error() != QNetworkReply::NoError)
            emit submitFailed(index, errorFromReply(r));
        else
            emit submitted(index);
    });
}

void ApiClient::fetchFullValue(Index index)
{
    onFinished(get(apiUrl(QStringLiteral("values/") + QString::number(index))),
               [this, index](QNetworkReply *reply) {
                   if (reply->error() != QNetworkReply::NoError) {
                       emit fullValueFailed(index, errorFromReply(reply));
                       return;
                   }
                   try {
                       const auto record = parseBody(reply).get<ValueRecord>();
                       if (record.status == ValueRecord::Status::Done && record.value)
                           emit fullValueReceived(FullValue{index, text(*record.value)});
                       else if (record.status == ValueRecord::Status::Failed)
                           emit fullValueFailed(index, ApiError{ApiError::Kind::JobFailed,
                                                                200,
                                                                {},
                                                                text(record.error.value_or(""))});
                       else
                           emit fullValuePending(index);
                   } catch (const std::exception &e) {
                       emit fullValueFailed(
                           index, ApiError{ApiError::Kind::Protocol, 200, {}, text(e.what())});
                   }
               });
}

} // namespace fib::desktop

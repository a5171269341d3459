#pragma once
// The one place that talks HTTP to fib-server (through nginx, under /api). It owns the
// QNetworkAccessManager and the live-event stream, and reports results (the stream's too) as
// typed signals; the models and widgets never see a QNetworkReply. All I/O is asynchronous.

#include <functional>
#include <memory>

#include <QObject>
#include <QUrl>
#include <QVector>

#include "fib/desktop/api_types.hpp"
#include "fib/desktop/event_stream.hpp"
#include "fib/index.hpp"

class QNetworkAccessManager;
class QNetworkReply;

namespace fib::desktop {

class ApiClient : public QObject {
    Q_OBJECT

public:
    // Which call failed, for requestFailed().
    enum class Call { Info, Health, Readiness, Indexes, Values };
    Q_ENUM(Call)

    // Rows asked for per page of a list (the server's maximum).
    static constexpr int kPageSize = 1000;
    // A reply that sends nothing for this long is abandoned.
    static constexpr int kTimeoutMs = 15000;

    explicit ApiClient(const QUrl &serverUrl, QObject *parent = nullptr);
    ~ApiClient() override;

    // The server's root URL, e.g. http://localhost:3050 (API paths get /api/... appended).
    // Changing it abandons every request in flight and points the event stream at the new server.
    void setServerUrl(const QUrl &serverUrl);
    QUrl serverUrl() const { return m_serverUrl; }
    // The URL of an API path such as "values/all" under this server.
    QUrl apiUrl(const QString &path) const;

    // The live-event stream's state, and while it reconnects or polls, milliseconds until its
    // next attempt or poll; while polling, the poll interval.
    EventStream::State liveState() const;
    int nextLiveAttemptMs() const;
    int livePollIntervalMs() const;

    // The stream itself, for tests that shorten its timing or point it elsewhere; the window
    // goes through the members above and below.
    EventStream *events() const { return m_events; }
    QNetworkAccessManager *network() const { return m_network; }

    // The URL a Link header's rel="next" target names, resolved against the request URL; empty
    // when there is no next page.
    static QUrl nextPageUrl(const QByteArray &linkHeader, const QUrl &requestUrl);

public slots:
    void fetchInfo();
    void fetchHealth();
    void fetchReadiness();
    // Every page of /api/values/all; indexesReceived() once the last page is in. A call while a
    // fetch runs makes it run once more afterwards, so the answer is never older than the call.
    void fetchIndexes();
    // Every page of /api/values/current; valuesReceived() once complete. Coalesced likewise.
    void fetchValues();
    void submitIndex(fib::Index index);
    // GET /api/values/{n}: every digit of a computed value.
    void fetchFullValue(fib::Index index);

    // Opens the live-event stream (it then reconnects, or falls back to polls, by itself).
    void startLiveEvents();
    // Drops the stream and connects again now.
    void reconnectLiveEvents();
    // Whether any value is pending: while one is and the stream polls, polls come every 2 s.
    void setValuesPending(bool pending);

signals:
    void infoReceived(const fib::desktop::ServerInfo &info);
    void healthReceived(const fib::desktop::ProbeResult &result);
    void readinessReceived(const fib::desktop::ProbeResult &result);
    void indexesReceived(const QVector<fib::Index> &indexes);
    void valuesReceived(const QVector<fib::desktop::ValueEntry> &values);
    void requestFailed(fib::desktop::ApiClient::Call call, const fib::desktop::ApiError &error);
    // A list or info request answered: the server is reachable.
    void serverReachable();

    void submitted(fib::Index index);
    void submitFailed(fib::Index index, const fib::desktop::ApiError &error);

    void fullValueReceived(const fib::desktop::FullValue &value);
    // Asked for a value that is not computed yet.
    void fullValuePending(fib::Index index);
    void fullValueFailed(fib::Index index, const fib::desktop::ApiError &error);

    // From the live-event stream: a value was computed (digits, or a long value's summary).
    void valueComputed(fib::Index index, const QString &value);
    // The lists may have missed changes (the server's reset, or a stream opened with nothing to
    // resume from): fetch them again.
    void liveResetRequested();
    // The stream is unavailable and polls instead: fetch the lists now.
    void livePollRequested();
    void liveStateChanged(fib::desktop::EventStream::State state);

private:
    struct ListFetch;
    using Handler = std::function<void(QNetworkReply *reply)>;

    QNetworkReply *get(const QUrl &url);
    // Calls `handler` when the reply finishes, unless the server URL changed meanwhile; frees it.
    void onFinished(QNetworkReply *reply, Handler handler);
    void startList(ListFetch &fetch);
    void fetchPage(ListFetch &fetch, const QUrl &url);
    void probe(const QString &path, void (ApiClient::*signal)(const ProbeResult &), Call call);

    QNetworkAccessManager *m_network;
    EventStream *m_events;
    QUrl m_serverUrl;
    quint64 m_generation = 0; // bumped by setServerUrl: answers from an older server are dropped
    std::unique_ptr<ListFetch> m_indexFetch;
    std::unique_ptr<ListFetch> m_valueFetch;
};

// Reads an error answer (problem+json when the server sent one) or a network failure.
ApiError errorFromReply(QNetworkReply *reply);

} // namespace fib::desktop

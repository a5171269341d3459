#pragma once
// A small in-process HTTP/1.1 server for the desktop's unit tests (a fake is fine there; the
// end-to-end test uses the real stack). Routes answer with canned or computed responses; a
// streaming response stays open (chunked) so a test can push Server-Sent Events into it.

#include <functional>

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrl>
#include <QUrlQuery>

namespace fib::desktop::test {

struct FakeRequest {
    QByteArray method;
    QByteArray target;                     // path and query as sent
    QHash<QByteArray, QByteArray> headers; // names in lower case
    QByteArray body;

    QString path() const;
    QUrlQuery query() const;
    QByteArray header(const QByteArray &name) const { return headers.value(name.toLower()); }
};

struct FakeResponse {
    int status = 200;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    bool stream = false; // keep the connection open; FakeHttpServer::push writes to it
    bool held = false;   // not sent until FakeHttpServer::releaseHeld (an answer that is late)

    void addHeader(const QByteArray &name, const QByteArray &value)
    {
        headers.append(qMakePair(name, value));
    }

    static FakeResponse json(const QByteArray &body, int status = 200);
    static FakeResponse problem(int status, const QString &title, const QString &detail);
    static FakeResponse eventStream(const QByteArray &first = {});
};

class FakeHttpServer : public QObject {
    Q_OBJECT

public:
    using Handler = std::function<FakeResponse(const FakeRequest &)>;

    explicit FakeHttpServer(QObject *parent = nullptr);
    ~FakeHttpServer() override;

    // On 127.0.0.1, on `port` (0: any free one).
    bool listen(quint16 port = 0);
    quint16 port() const { return m_server.serverPort(); }
    QUrl url() const;

    // Exact path match (the query is ignored); unknown paths get a 404 problem.
    void route(const QByteArray &method, const QString &path, Handler handler);

    const QList<FakeRequest> &requests() const { return m_requests; }
    QList<FakeRequest> requestsFor(const QByteArray &method, const QString &path) const;
    int count(const QByteArray &method, const QString &path) const
    {
        return static_cast<int>(requestsFor(method, path).size());
    }

    // Streams: write a chunk to every open one, end them cleanly, or cut them off.
    int openStreams() const;
    void push(const QByteArray &bytes);
    void closeStreams();
    void abortStreams();
    // Sends the held responses; returns how many there were.
    int releaseHeld();

signals:
    void requestHandled(const QString &path);

private:
    void onNewConnection();
    void onReadyRead(QTcpSocket *socket);
    void respond(QTcpSocket *socket, const FakeRequest &request);
    static void send(QTcpSocket *socket, const FakeResponse &response);

    QTcpServer m_server;
    QHash<QByteArray, Handler> m_routes; // "METHOD path"
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<QPointer<QTcpSocket>> m_streams;
    QList<QPair<QPointer<QTcpSocket>, FakeResponse>> m_held;
    QList<FakeRequest> m_requests;
};

// A port on 127.0.0.1 that refuses connections for as long as this object lives. Its socket is
// bound but never listens: no other process can take the port meanwhile (a port that was bound and
// released at once could be reused by a test running in parallel), and a client cannot connect to
// itself through it (Linux may pick an unbound port as the client's own source port).
class RefusingPort {
public:
    RefusingPort();
    quint16 port() const { return m_port; }
    // http://127.0.0.1:<port><path>
    QUrl url(const QString &path = {}) const;
    // Frees the port, for a test that starts a server on it later.
    void release() { m_socket.close(); }

private:
    QTcpSocket m_socket;
    quint16 m_port = 0;
};

} // namespace fib::desktop::test

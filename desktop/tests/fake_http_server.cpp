#include "fake_http_server.hpp"

#include <utility>

#include <QJsonDocument>
#include <QJsonObject>

namespace fib::desktop::test {
namespace {

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

} // namespace

QString FakeRequest::path() const
{
    const qsizetype q = target.indexOf('?');
    return QString::fromLatin1(q < 0 ? target : target.left(q));
}

QUrlQuery FakeRequest::query() const
{
    const qsizetype q = target.indexOf('?');
    return QUrlQuery(q < 0 ? QString() : QString::fromLatin1(target.mid(q + 1)));
}

FakeResponse FakeResponse::json(const QByteArray &body, int status)
{
    FakeResponse response;
    response.status = status;
    response.addHeader("Content-Type", "application/json");
    response.body = body;
    return response;
}

FakeResponse FakeResponse::problem(int status, const QString &title, const QString &detail)
{
    FakeResponse response;
    response.status = status;
    response.addHeader("Content-Type", "application/problem+json");
    response.body =
        QJsonDocument(QJsonObject{{QStringLiteral("type"), QStringLiteral("about:blank")},
                                  {QStringLiteral("title"), title},
                                  {QStringLiteral("status"), status},
                                  {QStringLiteral("detail"), detail}})
            .toJson(QJsonDocument::Compact);
    return response;
}

FakeResponse FakeResponse::eventStream(const QByteArray &first)
{
    FakeResponse response;
    response.addHeader("Content-Type", "text/event-stream");
    response.addHeader("Cache-Control", "no-cache");
    response.body = first;
    response.stream = true;
    return response;
}

FakeHttpServer::FakeHttpServer(QObject *parent) : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, &FakeHttpServer::onNewConnection);
}

FakeHttpServer::~FakeHttpServer()
{
    // The sockets are the QTcpServer's children and die after this object's members: they must
    // not call back into it then.
    const auto sockets = m_server.findChildren<QTcpSocket *>();
    for (QTcpSocket *socket : sockets) {
        disconnect(socket, nullptr, this, nullptr);
        socket->abort();
    }
}

bool FakeHttpServer::listen(quint16 port)
{
    return m_server.listen(QHostAddress::LocalHost, port);
}

QUrl FakeHttpServer::url() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port()));
}

void FakeHttpServer::route(const QByteArray &method, const QString &path, Handler handler)
{
    m_routes.insert(method + ' ' + path.toLatin1(), std::move(handler));
}

QList<FakeRequest> FakeHttpServer::requestsFor(const QByteArray &method, const QString &path) const
{
    QList<FakeRequest> found;
    for (const FakeRequest &request : m_requests)
        if (request.method == method && request.path() == path)
            found.append(request);
    return found;
}

int FakeHttpServer::openStreams() const
{
    int open = 0;
    for (const auto &socket : m_streams)
        if (socket && socket->state() == QAbstractSocket::ConnectedState)
            ++open;
    return open;
}

void FakeHttpServer::push(const QByteArray &bytes)
{
    for (const auto &socket : m_streams) {
        if (!socket || bytes.isEmpty())
            continue;
        socket->write(QByteArray::number(bytes.size(), 16) + "\r\n" + bytes + "\r\n");
        socket->flush();
    }
}

void FakeHttpServer::closeStreams()
{
    for (const auto &socket : std::as_const(m_streams)) {
        if (!socket)
            continue;
        socket->write("0\r\n\r\n");
        socket->disconnectFromHost();
    }
    m_streams.clear();
}

void FakeHttpServer::abortStreams()
{
    for (const auto &socket : std::as_const(m_streams))
        if (socket)
            socket->abort();
    m_streams.clear();
}

void FakeHttpServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            m_buffers.remove(socket);
            socket->deleteLater();
        });
    }
}

void FakeHttpServer::onReadyRead(QTcpSocket *socket)
{
    QByteArray &buffer = m_buffers[socket];
    buffer += socket->readAll();
    while (true) {
        const qsizetype headerEnd = buffer.indexOf("\r\n\r\n");
        if (headerEnd < 0)
            return;
        FakeRequest request;
        const QList<QByteArray> lines = buffer.left(headerEnd).split('\n');
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        request.method = requestLine.value(0);
        request.target = requestLine.value(1);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon > 0)
                request.headers.insert(line.left(colon).trimmed().toLower(),
                                       line.mid(colon + 1).trimmed());
        }
        const qsizetype length = request.header("Content-Length").toLongLong();
        if (buffer.size() < headerEnd + 4 + length)
            return;
        request.body = buffer.mid(headerEnd + 4, length);
        buffer.remove(0, headerEnd + 4 + length);
        m_requests.append(request);
        respond(socket, request);
        emit requestHandled(request.path());
    }
}

void FakeHttpServer::respond(QTcpSocket *socket, const FakeRequest &request)
{
    const QByteArray key = request.method + ' ' + request.path().toLatin1();
    const auto handler = m_routes.value(key);
    const FakeResponse response = handler ? handler(request)
                                          : FakeResponse::problem(404, QStringLiteral("Not found"),
                                                                  QStringLiteral("no route"));
    if (response.held) {
        m_held.append(qMakePair(QPointer<QTcpSocket>(socket), response));
        return;
    }
    if (response.stream)
        m_streams.append(socket);
    send(socket, response);
}

int FakeHttpServer::releaseHeld()
{
    const auto held = std::exchange(m_held, {});
    for (const auto &[socket, response] : held) {
        if (!socket)
            continue;
        if (response.stream)
            m_streams.append(socket);
        send(socket, response);
    }
    return static_cast<int>(held.size());
}

void FakeHttpServer::send(QTcpSocket *socket, const FakeResponse &response)
{
    QByteArray head = "HTTP/1.1 " + QByteArray::number(response.status) + ' ' +
                      reasonPhrase(response.status) + "\r\n";
    for (const auto &[name, value] : response.headers)
        head += name + ": " + value + "\r\n";
    if (response.stream) {
        head += "Transfer-Encoding: chunked\r\n\r\n";
        socket->write(head);
        if (!response.body.isEmpty())
            socket->write(QByteArray::number(response.body.size(), 16) + "\r\n" + response.body +
                          "\r\n");
        socket->flush();
        return;
    }
    head += "Content-Length: " + QByteArray::number(response.body.size()) +
            "\r\nConnection: close\r\n\r\n";
    socket->write(head + response.body);
    socket->disconnectFromHost();
}

RefusingPort::RefusingPort()
{
    if (!m_socket.bind(QHostAddress::LocalHost, 0, QAbstractSocket::DontShareAddress))
        qFatal("cannot bind a port on 127.0.0.1: %s", qPrintable(m_socket.errorString()));
    m_port = m_socket.localPort();
}

QUrl RefusingPort::url(const QString &path) const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path));
}

} // namespace fib::desktop::test

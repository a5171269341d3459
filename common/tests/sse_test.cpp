// SseParser: the event-stream rules of the HTML standard, fed whole, in every two-chunk split,
// and byte by byte.
#include <QtTest>

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fib/sse.hpp"

using fib::SseEvent;
using fib::SseParser;

namespace {

constexpr char kWithNul[] = "id: a\ndata: 1\n\nid: b\0c\ndata: 2\n\n";

// "type|data|id" per event, for compact comparisons (and readable failures).
QStringList describe(const std::vector<SseEvent> &events)
{
    QStringList out;
    for (const SseEvent &event : events)
        out.append(QString::fromStdString(event.type + '|' + event.data + '|' + event.id));
    return out;
}

void append(std::vector<SseEvent> &to, std::vector<SseEvent> more)
{
    to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

QStringList feedInChunks(const QByteArray &bytes, const QList<qsizetype> &cuts)
{
    const std::string input = bytes.toStdString();
    const std::string_view view = input;
    SseParser parser;
    std::vector<SseEvent> events;
    std::size_t from = 0;
    for (const qsizetype cut : cuts) {
        const auto to = static_cast<std::size_t>(cut);
        append(events, parser.feed(view.substr(from, to - from)));
        from = to;
    }
    append(events, parser.feed(view.substr(from)));
    return describe(events);
}

} // namespace

class SseTest : public QObject {
    Q_OBJECT

private slots:
    void parses_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QStringList>("expected");

        QTest::newRow("computed event")
            << QByteArray("retry: 2000\n\nid: b-1\nevent: computed\n"
                          "data: {\"index\":10,\"value\":\"55\"}\n\n")
            << QStringList{QStringLiteral("computed|{\"index\":10,\"value\":\"55\"}|b-1")};
        QTest::newRow("default type is message")
            << QByteArray("data: x\n\n") << QStringList{QStringLiteral("message|x|")};
        QTest::newRow("CRLF line ends") << QByteArray("id: 7\r\nevent: reset\r\ndata: {}\r\n\r\n")
                                        << QStringList{QStringLiteral("reset|{}|7")};
        QTest::newRow("CR line ends")
            << QByteArray("data: a\rdata: b\r\r") << QStringList{QStringLiteral("message|a\nb|")};
        QTest::newRow("mixed line ends") << QByteArray("data: a\r\ndata: b\ndata: c\r\r\n")
                                         << QStringList{QStringLiteral("message|a\nb\nc|")};
        QTest::newRow("comments are ignored")
            << QByteArray(": keep-alive\n\n:another\ndata: y\n: inside\n\n")
            << QStringList{QStringLiteral("message|y|")};
        QTest::newRow("multi-line data") << QByteArray("data: first\ndata: second\ndata:\n\n")
                                         << QStringList{QStringLiteral("message|first\nsecond\n|")};
        QTest::newRow("one space after the colon is dropped, not two")
            << QByteArray("data:x\n\ndata:  y\n\n")
            << QStringList{QStringLiteral("message|x|"), QStringLiteral("message| y|")};
        QTest::newRow("a field without a colon has an empty value")
            << QByteArray("data\n\n") << QStringList{QStringLiteral("message||")};
        QTest::newRow("no data, no event") << QByteArray("event: computed\n\ndata: z\n\n")
                                           << QStringList{QStringLiteral("message|z|")};
        QTest::newRow("id carries over to later events")
            << QByteArray("id: a\ndata: 1\n\ndata: 2\n\n")
            << QStringList{QStringLiteral("message|1|a"), QStringLiteral("message|2|a")};
        QTest::newRow("empty id resets it")
            << QByteArray("id: a\ndata: 1\n\nid\ndata: 2\n\n")
            << QStringList{QStringLiteral("message|1|a"), QStringLiteral("message|2|")};
        QTest::newRow("id with NUL is ignored")
            << QByteArray(kWithNul, sizeof(kWithNul) - 1)
            << QStringList{QStringLiteral("message|1|a"), QStringLiteral("message|2|a")};
        QTest::newRow("unknown fields are ignored") << QByteArray("foo: bar\ndata: q\nbaz\n\n")
                                                    << QStringList{QStringLiteral("message|q|")};
        QTest::newRow("byte order mark") << QByteArray("\xEF\xBB\xBF"
                                                       "data: bom\n\n")
                                         << QStringList{QStringLiteral("message|bom|")};
        // Only the stream's first line may start with it; later it is part of the field name.
        QTest::newRow("byte order mark only at the start")
            << QByteArray("data: a\n\n\xEF\xBB\xBF"
                          "data: b\n\n")
            << QStringList{QStringLiteral("message|a|")};
        QTest::newRow("unfinished event is not dispatched")
            << QByteArray("data: 1\n\ndata: 2\n") << QStringList{QStringLiteral("message|1|")};
        QTest::newRow("UTF-8") << QByteArray("data: caf\xC3\xA9 \xE2\x9C\x93\n\n")
                               << QStringList{QStringLiteral("message|caf\u00e9 \u2713|")};
    }

    void parses()
    {
        QFETCH(QByteArray, input);
        QFETCH(QStringList, expected);
        QCOMPARE(feedInChunks(input, {}), expected);
    }

    // Chunks may split anywhere: inside a field name, a UTF-8 sequence, or between CR and LF.
    void parsesEverySplit_data() { parses_data(); }
    void parsesEverySplit()
    {
        QFETCH(QByteArray, input);
        QFETCH(QStringList, expected);
        for (qsizetype cut = 0; cut <= input.size(); ++cut)
            QVERIFY2(feedInChunks(input, {cut}) == expected,
                     qPrintable(QStringLiteral("split at %1").arg(cut)));
        QList<qsizetype> everyByte;
        for (qsizetype cut = 1; cut < input.size(); ++cut)
            everyByte.append(cut);
        QCOMPARE(feedInChunks(input, everyByte), expected);
    }

    // The data is handed on as the bytes that came, not re-encoded.
    void dataIsTheBytesSent()
    {
        SseParser parser;
        const auto events = parser.feed("id: \xC3\xA9\ndata: caf\xC3\xA9\n\n");
        QCOMPARE(events.size(), std::size_t{1});
        QCOMPARE(events[0], (SseEvent{"message", "caf\xC3\xA9", "\xC3\xA9"}));
        QCOMPARE(parser.lastEventId(), std::string("\xC3\xA9"));
    }

    // A CR ending one chunk and the LF starting the next are one line end, not two (two would
    // be an empty line, which dispatches the event early).
    void crlfSplitAcrossChunks()
    {
        SseParser parser;
        QVERIFY(parser.feed("data: a\r").empty());
        QVERIFY(parser.feed("\ndata: b\r").empty());
        const auto events = parser.feed("\n\r\n");
        QCOMPARE(describe(events), QStringList{QStringLiteral("message|a\nb|")});
    }

    void retry()
    {
        SseParser parser;
        QCOMPARE(parser.retryMs(), std::nullopt);
        QVERIFY(parser.feed("retry: 2000\n\n").empty());
        QCOMPARE(parser.retryMs(), std::optional<int>(2000));
        parser.feed("retry: 12a\n\nretry:\n\nretry: -5\n\nretry: 1 \n\n");
        QCOMPARE(parser.retryMs(), std::optional<int>(2000)); // not all digits: ignored
        parser.feed("retry:50\n");
        QCOMPARE(parser.retryMs(), std::optional<int>(50));
        parser.feed("retry: 99999999999999999999\n");
        QCOMPARE(parser.retryMs(), std::optional<int>(std::numeric_limits<int>::max()));
    }

    void lastEventId()
    {
        SseParser parser;
        QVERIFY(parser.lastEventId().empty());
        parser.feed("id: boot-1\ndata: x\n\n");
        QCOMPARE(parser.lastEventId(), std::string("boot-1"));
        // An id on an event without data still becomes the last event ID.
        parser.feed("id: boot-2\n\n");
        QCOMPARE(parser.lastEventId(), std::string("boot-2"));
        // An id whose event never completes does not.
        parser.feed("id: boot-3\ndata: half");
        QCOMPARE(parser.lastEventId(), std::string("boot-2"));
        // A new connection forgets the half event but keeps the ID, to resend it.
        parser.reset();
        QCOMPARE(parser.lastEventId(), std::string("boot-2"));
        const auto events = parser.feed("\ndata: fresh\n\n");
        QCOMPARE(describe(events), QStringList{QStringLiteral("message|fresh|boot-2")});
        parser.setLastEventId("other");
        QCOMPARE(parser.lastEventId(), std::string("other"));
        const auto more = parser.feed("data: y\n\n");
        QCOMPARE(more.size(), std::size_t{1});
        QCOMPARE(more[0].id, std::string("other"));
    }

    void resetDropsPartialLineAndEvent()
    {
        SseParser parser;
        parser.feed("event: computed\ndata: one\nda");
        parser.reset();
        // "da" is gone, so this line is the unknown field "ta"; then a fresh event.
        QVERIFY(parser.feed("ta: x\n\n").empty());
        const auto events = parser.feed("data: two\n\n");
        QCOMPARE(describe(events), QStringList{QStringLiteral("message|two|")});
    }

    // A CR at the end of the old connection's last chunk must not swallow the new one's LF.
    void resetForgetsAPendingCr()
    {
        SseParser parser;
        parser.feed("data: one\r");
        parser.reset();
        const auto events = parser.feed("\ndata: two\n\n");
        QCOMPARE(describe(events), QStringList{QStringLiteral("message|two|")});
    }

    void overlongLineIsDropped()
    {
        SseParser parser;
        const std::string huge(SseParser::kMaxLineBytes + 10, 'x');
        parser.feed("data: ");
        parser.feed(huge);
        const auto events = parser.feed("\ndata: ok\n\n");
        QCOMPARE(describe(events), QStringList{QStringLiteral("message|ok|")});
    }

    // The bound is on the whole line, field name included: exactly kMaxLineBytes is kept.
    void lineAtTheBoundIsKept()
    {
        const std::string prefix = "data: ";
        const std::string value(SseParser::kMaxLineBytes - prefix.size(), 'v');
        SseParser parser;
        auto events = parser.feed(prefix + value + "\n\n");
        QCOMPARE(events.size(), std::size_t{1});
        QVERIFY(events[0].data == value);

        events = parser.feed(prefix + value + "v\n\ndata: next\n\n");
        QCOMPARE(describe(events), QStringList{QStringLiteral("message|next|")});
    }
};

QTEST_APPLESS_MAIN(SseTest)
#include "sse_test.moc"

#include <QtTest>

#include <nlohmann/json.hpp>

#include "fib/errors.hpp"
#include "fib/index.hpp"

using nlohmann::json;

namespace {
constexpr fib::Index kMax = 1'000'000;
}

class IndexTest : public QObject {
    Q_OBJECT
private slots:
    void accepted_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<quint64>("expected");
        QTest::newRow("integer") << QByteArray(R"({"index": 10})") << quint64(10);
        QTest::newRow("digit string") << QByteArray(R"({"index": "10"})") << quint64(10);
        QTest::newRow("zero") << QByteArray(R"({"index": 0})") << quint64(0);
        QTest::newRow("zero string") << QByteArray(R"({"index": "0"})") << quint64(0);
        QTest::newRow("leading zeros") << QByteArray(R"({"index": "007"})") << quint64(7);
        QTest::newRow("many zeros")
            << QByteArray(R"({"index": "0000000000000000000000000000000000000042"})")
            << quint64(42);
        QTest::newRow("the cap") << QByteArray(R"({"index": 1000000})") << quint64(kMax);
        QTest::newRow("the cap as text") << QByteArray(R"({"index": "1000000"})") << quint64(kMax);
        QTest::newRow("extra members ignored")
            << QByteArray(R"({"index": 5, "other": true})") << quint64(5);
        QTest::newRow("whitespace around JSON")
            << QByteArray(" \n{ \"index\" : 3 }\n") << quint64(3);
    }
    void accepted()
    {
        QFETCH(QByteArray, body);
        QFETCH(quint64, expected);
        QCOMPARE(fib::parseSubmission(body.toStdString(), kMax), fib::Index(expected));
    }

    void rejected_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("title");
        const QString bad = QStringLiteral("bad-request"), invalid = QStringLiteral("invalid");
        QTest::newRow("empty body") << QByteArray("") << bad << "Malformed JSON";
        QTest::newRow("not JSON") << QByteArray("index=5") << bad << "Malformed JSON";
        QTest::newRow("truncated") << QByteArray(R"({"index": 5)") << bad << "Malformed JSON";
        QTest::newRow("invalid UTF-8")
            << QByteArray("{\"index\": \"\xff\"}") << bad << "Malformed JSON";
        QTest::newRow("array") << QByteArray("[5]") << bad << "Malformed request";
        // Found by fuzz_submission: nlohmann/json throws out_of_range, not parse_error, here.
        QTest::newRow("number overflow")
            << QByteArray("444444444444444e4444444444444444444444444444444444444444") << bad
            << "Malformed JSON";
        QTest::newRow("index overflow")
            << QByteArray(R"({"index": 1e99999})") << bad << "Malformed JSON";
        QTest::newRow("NUL after the JSON")
            << QByteArray("{\"index\": 5}\0junk", 17) << bad << "Malformed JSON";
        QTest::newRow("NUL inside the JSON")
            << QByteArray("{\"index\":\0 5}", 14) << bad << "Malformed JSON";
        QTest::newRow("bare number") << QByteArray("5") << bad << "Malformed request";
        QTest::newRow("bare string") << QByteArray(R"("5")") << bad << "Malformed request";
        QTest::newRow("null body") << QByteArray("null") << bad << "Malformed request";
        QTest::newRow("missing index") << QByteArray(R"({"idx": 5})") << bad << "Malformed request";
        QTest::newRow("empty string")
            << QByteArray(R"({"index": ""})") << invalid << "Invalid index";
        QTest::newRow("letters") << QByteArray(R"({"index": "abc"})") << invalid << "Invalid index";
        QTest::newRow("negative") << QByteArray(R"({"index": -1})") << invalid << "Invalid index";
        QTest::newRow("negative text")
            << QByteArray(R"({"index": "-1"})") << invalid << "Invalid index";
        QTest::newRow("plus sign")
            << QByteArray(R"({"index": "+7"})") << invalid << "Invalid index";
        QTest::newRow("leading space")
            << QByteArray(R"({"index": " 7"})") << invalid << "Invalid index";
        QTest::newRow("trailing space")
            << QByteArray(R"({"index": "7 "})") << invalid << "Invalid index";
        QTest::newRow("decimal") << QByteArray(R"({"index": 7.5})") << invalid << "Invalid index";
        QTest::newRow("integral decimal")
            << QByteArray(R"({"index": 7.0})") << invalid << "Invalid index";
        QTest::newRow("decimal text")
            << QByteArray(R"({"index": "3.5"})") << invalid << "Invalid index";
        QTest::newRow("exponent") << QByteArray(R"({"index": 1e3})") << invalid << "Invalid index";
        QTest::newRow("exponent text")
            << QByteArray(R"({"index": "1e3"})") << invalid << "Invalid index";
        QTest::newRow("hex text") << QByteArray(R"({"index": "0x10"})") << invalid
                                  << "Invalid index";
        QTest::newRow("unicode digits")
            << QByteArray("{\"index\": \"\xd9\xa3\"}") << invalid << "Invalid index";
        QTest::newRow("null") << QByteArray(R"({"index": null})") << invalid << "Invalid index";
        QTest::newRow("true") << QByteArray(R"({"index": true})") << invalid << "Invalid index";
        QTest::newRow("array index")
            << QByteArray(R"({"index": [5]})") << invalid << "Invalid index";
        QTest::newRow("object index")
            << QByteArray(R"({"index": {"n": 5}})") << invalid << "Invalid index";
        QTest::newRow("NUL inside")
            << QByteArray("{\"index\": \"5\\u00006\"}") << invalid << "Invalid index";
        QTest::newRow("above the cap")
            << QByteArray(R"({"index": 1000001})") << invalid << "Index too high";
        QTest::newRow("above the cap text")
            << QByteArray(R"({"index": "1000001"})") << invalid << "Index too high";
        QTest::newRow("64-bit overflow")
            << QByteArray(R"({"index": "18446744073709551616"})") << invalid << "Index too high";
        QTest::newRow("huge integer") << QByteArray(R"({"index": 123456789012345678901234567890})")
                                      << invalid << "Index too high";
        QTest::newRow("huge exponent")
            << QByteArray(R"({"index": 1e300})") << invalid << "Index too high";
        QTest::newRow("a thousand digits")
            << QByteArray("{\"index\": \"" + QByteArray(1000, '9') + "\"}") << invalid
            << "Index too high";
    }
    void rejected()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, kind);
        QFETCH(QString, title);
        try {
            fib::parseSubmission(body.toStdString(), kMax);
            QFAIL("accepted");
        } catch (const fib::BadRequestError &e) {
            QCOMPARE(kind, QStringLiteral("bad-request"));
            QCOMPARE(QString::fromStdString(e.title()), title);
            QVERIFY(std::string(e.what()).size() > 10);
        } catch (const fib::InvalidIndexError &e) {
            QCOMPARE(kind, QStringLiteral("invalid"));
            QCOMPARE(QString::fromStdString(e.title()), title);
            QVERIFY(std::string(e.what()).size() > 10);
        }
    }

    void capIsConfigurable()
    {
        QCOMPARE(fib::parseIndex(std::string_view("40"), 40), fib::Index(40));
        QVERIFY_THROWS_EXCEPTION(fib::InvalidIndexError,
                                 fib::parseIndex(std::string_view("41"), 40));
        QVERIFY_THROWS_EXCEPTION(fib::InvalidIndexError, fib::parseIndexValue(json(41), 40));
    }
};

QTEST_APPLESS_MAIN(IndexTest)
#include "index_test.moc"

#include <QtTest>

#include "fib/models.hpp"

class ModelsTest : public QObject {
    Q_OBJECT
private slots:
    void shortValuesAreShownWhole()
    {
        QCOMPARE(fib::briefValue("55"), std::string("55"));
        const std::string exactly(fib::kSummaryThreshold, '7');
        QCOMPARE(fib::briefValue(exactly), exactly);
    }

    void longValuesAreSummarised()
    {
        std::string digits(208'988, '5');
        digits.replace(0, 20, "19532821287077577316");
        digits.replace(digits.size() - 20, 20, "68996526838242546875");
        QCOMPARE(fib::briefValue(digits),
                 std::string("19532821287077577316...68996526838242546875 (208988 digits)"));
    }

    void valueRecordRoundTrip()
    {
        const fib::ValueRecord done{10, fib::ValueRecord::Status::Done, std::string("55"),
                                    std::nullopt};
        const nlohmann::json j = done;
        QCOMPARE(j.dump(), std::string(R"({"digits":2,"index":10,"status":"done","value":"55"})"));
        const auto back = j.get<fib::ValueRecord>();
        QCOMPARE(back.index, fib::Index(10));
        QCOMPARE(*back.value, std::string("55"));

        const nlohmann::json pending =
            fib::ValueRecord{7, fib::ValueRecord::Status::Pending, std::nullopt, std::nullopt};
        QCOMPARE(pending.dump(), std::string(R"({"index":7,"status":"pending"})"));
        QVERIFY(!pending.get<fib::ValueRecord>().value);

        // A failed job: the reason instead of a value.
        const nlohmann::json failed = fib::ValueRecord{
            8, fib::ValueRecord::Status::Failed, std::nullopt, std::string("delivered 5 times")};
        QCOMPARE(failed.dump(),
                 std::string(R"({"error":"delivered 5 times","index":8,"status":"failed"})"));
        const auto failedBack = failed.get<fib::ValueRecord>();
        QVERIFY(failedBack.status == fib::ValueRecord::Status::Failed);
        QCOMPARE(*failedBack.error, std::string("delivered 5 times"));
        QVERIFY(!failedBack.value);
        QVERIFY_THROWS_EXCEPTION(
            std::invalid_argument,
            nlohmann::json::parse(R"({"index":8,"status":"lost"})").get<fib::ValueRecord>());
    }

    void valuesTravelAsStrings()
    {
        const nlohmann::json j = fib::ValueRecord{
            94, fib::ValueRecord::Status::Done, std::string("19740274219868223167"), std::nullopt};
        QVERIFY(j.at("value").is_string());
    }

    void computedEventRoundTrip()
    {
        const nlohmann::json j = fib::ComputedEvent{10, "55"};
        QCOMPARE(j.dump(), std::string(R"({"index":10,"value":"55"})"));
        QCOMPARE(j.get<fib::ComputedEvent>().value, std::string("55"));
    }

    void problemShape()
    {
        const nlohmann::json j =
            fib::Problem{"urn:fib:problem:index-too-high", "Index too high", 422, "index 41"};
        QCOMPARE(j.at("status").get<int>(), 422);
        QCOMPARE(j.at("title").get<std::string>(), std::string("Index too high"));
        QCOMPARE(j.get<fib::Problem>().detail, std::string("index 41"));
    }
};

QTEST_APPLESS_MAIN(ModelsTest)
#include "models_test.moc"

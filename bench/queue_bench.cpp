// fib-bench-queue: worker throughput in steady state. On a throwaway stack with no workers running:
//   1. FLUSHALL (only with --flush: this wipes the Redis it is pointed at),
//   2. start --workers fib-worker processes (environment inherited, FIB_WORKER_NAME distinct,
//      output appended to --log),
//   3. feed them jobs continuously from --producers threads with fib::jobs::submitMany (the
//      server's own enqueue script, in batches of up to 100), keeping about --backlog jobs queued:
//      the indexes cycle through 1..--indexes, and each one's value is deleted from the Redis
//      hashes before it is submitted again, so every job is a real computation of a small F(n),
//   4. after --warmup seconds, count the jobs computed (the `computed` field of the Redis hash
//      fib:stats) during --seconds seconds, sampling the backlog every millisecond: a minimum of
//      0 means the workers waited for the feed at some point (the figure is then the feed's),
//   5. stop the feed and the workers by pid (SIGTERM, then SIGKILL after 10 s).
// Prints one line of key=value pairs. The workers' RSS (ps -o rss) is sampled half-way and their
// CPU time (/proc/PID/stat) over the measured window.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <optional>
#include <signal.h>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "admin_redis.hpp"
#include "fib/jobs.hpp"
#include "fib/keys.hpp"
#include "fib/redis.hpp"

extern char **environ;

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

double secondsSince(Clock::time_point start, Clock::time_point end)
{
    return std::chrono::duration<double>(end - start).count();
}

long long rssKb(pid_t pid)
{
    const std::string command = "ps -o rss= -p " + std::to_string(pid);
    FILE *ps = popen(command.c_str(), "r");
    if (!ps)
        return -1;
    long long kb = -1;
    if (std::fscanf(ps, "%lld", &kb) != 1)
        kb = -1;
    pclose(ps);
    return kb;
}

// CPU seconds (user + system) a live process has used so far.
double cpuSeconds(pid_t pid)
{
    FILE *f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
    if (!f)
        return 0;
    char buffer[1024];
    const std::size_t n = std::fread(buffer, 1, sizeof buffer - 1, f);
    std::fclose(f);
    buffer[n] = '\0';
    // Fields after the command name, which is in parentheses and may hold spaces.
    const char *rest = std::strrchr(buffer, ')');
    unsigned long long utime = 0, stime = 0;
    if (!rest || std::sscanf(rest + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                             &utime, &stime) != 2)
        return 0;
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

pid_t spawnWorker(const std::string &binary, const std::string &name, const std::string &log)
{
    std::vector<std::string> env;
    for (char **e = environ; *e; ++e)
        if (std::strncmp(*e, "FIB_WORKER_NAME=", 16) != 0)
            env.emplace_back(*e);
    env.push_back("FIB_WORKER_NAME=" + name);
    std::vector<char *> envp;
    for (auto &e : env)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string arg0 = binary;
    char *argv[] = {arg0.data(), nullptr};

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
        throw std::runtime_error("cannot start " + binary + ": " + std::strerror(rc));
    return pid;
}

bool waitExited(pid_t pid, std::chrono::milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return true;
        if (Clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(10ms);
    }
}

void stopWorkers(const std::vector<pid_t> &pids)
{
    for (const pid_t pid : pids)
        kill(pid, SIGTERM);
    for (const pid_t pid : pids) {
        if (!waitExited(pid, 10s)) {
            std::fprintf(stderr,
                         "fib-bench-queue: worker %d did not stop within 10 s: killing it\n", pid);
            kill(pid, SIGKILL);
            waitExited(pid, 5s);
        }
    }
}

// Any worker that exited on its own is a failure of the run.
void checkAlive(const std::vector<pid_t> &pids)
{
    for (const pid_t pid : pids) {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid)
            throw std::runtime_error(
                "fib-worker (pid " + std::to_string(pid) + ") exited with status " +
                std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)));
    }
}

// The feed: producer threads that keep about `backlog` jobs queued.
class Feed {
public:
    Feed(int redisPort, int producers, long long indexes, long long backlog)
        : m_indexes(indexes),
          m_backlog(backlog)
    {
        for (int i = 0; i < producers; ++i)
            m_connections.push_back(adminRedis(redisPort, 5000ms));
        for (auto &connection : m_connections)
            m_threads.emplace_back([this, &connection] { produce(*connection); });
    }
    ~Feed()
    {
        m_stopping = true;
        join();
    }
    Feed(const Feed &) = delete;
    Feed &operator=(const Feed &) = delete;

    void setComputed(long long computed) { m_computed = computed; }
    long long submitted() const { return m_submitted; }
    long long backlog() const { return m_submitted - m_computed; }
    void stop()
    {
        m_stopping = true;
        join();
        const std::lock_guard lock(m_errorMutex);
        if (!m_error.empty())
            throw std::runtime_error("a producer failed: " + m_error);
    }

private:
    void join()
    {
        for (auto &thread : m_threads)
            if (thread.joinable())
                thread.join();
    }

    // Batches of up to 100: each index's value is deleted, then all are submitted, two round trips.
    void produce(fib::redis::Connection &redis)
    {
        try {
            while (!m_stopping) {
                const long long room = std::min<long long>(m_backlog - backlog(), 100);
                if (room <= 0) {
                    std::this_thread::sleep_for(100us);
                    continue;
                }
                std::vector<fib::Index> batch;
                std::vector<std::string> texts;
                for (long long i = 0; i < room; ++i) {
                    batch.push_back(static_cast<fib::Index>(m_next++ % m_indexes + 1));
                    texts.push_back(fib::indexText(batch.back()));
                }
                fib::redis::Args values{"HDEL", fib::keys::kValuesHash},
                    briefs{"HDEL", fib::keys::kBriefHash};
                for (const auto &text : texts) {
                    values.emplace_back(text);
                    briefs.emplace_back(text);
                }
                redis.pipeline({values, briefs});
                for (const auto outcome : fib::jobs::submitMany(redis, batch, "bench"))
                    if (outcome == fib::jobs::SubmitOutcome::Queued)
                        ++m_submitted;
            }
        } catch (const std::exception &e) {
            const std::lock_guard lock(m_errorMutex);
            m_error = e.what();
            m_stopping = true;
        }
    }

    const long long m_indexes;
    const long long m_backlog;
    std::vector<std::unique_ptr<fib::redis::Connection>> m_connections;
    std::vector<std::thread> m_threads;
    std::atomic<long long> m_next{0};
    std::atomic<long long> m_submitted{0};
    std::atomic<long long> m_computed{0};
    std::atomic<bool> m_stopping{false};
    std::mutex m_errorMutex;
    std::string m_error;
};

} // namespace

int main(int argc, char **argv)
{
    CLI::App app{"fib-bench-queue: fib-worker throughput with jobs fed continuously"};
    int redisPort = 0, workers = 1, producers = 2;
    double seconds = 10, warmup = 2;
    long long indexes = 10000, backlog = 2000;
    bool flush = false;
    std::string workerBin, log = "/dev/null", pidFile;
    app.add_option("--redis-port", redisPort, "Redis port on 127.0.0.1")->required();
    app.add_option("--worker-bin", workerBin, "the fib-worker executable")
        ->required()
        ->check(CLI::ExistingFile);
    app.add_option("--workers", workers, "worker processes to start")->check(CLI::Range(1, 64));
    app.add_option("--seconds", seconds, "length of the measured window")
        ->check(CLI::Range(1.0, 3600.0));
    app.add_option("--warmup", warmup, "seconds of feeding before the window opens")
        ->check(CLI::Range(0.0, 600.0));
    app.add_option("--indexes", indexes, "the jobs cycle through indexes 1..N")
        ->check(CLI::Range(2LL, 10000000LL));
    app.add_option("--backlog", backlog, "jobs kept queued (below --indexes)")
        ->check(CLI::Range(1LL, 1000000LL));
    app.add_option("--producers", producers, "feeding threads")->check(CLI::Range(1, 64));
    app.add_option("--log", log, "file the workers' output is appended to");
    app.add_option("--pid-file", pidFile, "file the workers' pids are written to while they run");
    app.add_flag("--flush", flush, "FLUSHALL the Redis first (a throwaway stack only)");
    CLI11_PARSE(app, argc, argv);
    if (backlog >= indexes) {
        std::fprintf(stderr, "fib-bench-queue: --backlog must be below --indexes (an index is "
                             "queued once at a time)\n");
        return 2;
    }

    std::vector<pid_t> pids;
    try {
        const auto admin = adminRedis(redisPort, 5000ms);
        auto &redis = *admin;
        if (flush)
            redis.checked({"FLUSHALL"});
        if (computedCount(redis) != 0 ||
            fib::redis::integer(*redis.checked({"XLEN", fib::keys::kJobsStream})) != 0)
            throw std::runtime_error(
                "Redis is not empty (fib:stats computed or fib:jobs); use --flush on a "
                "throwaway stack");

        for (int i = 1; i <= workers; ++i)
            pids.push_back(spawnWorker(workerBin, "bench-worker-" + std::to_string(i), log));
        if (!pidFile.empty()) {
            if (FILE *f = std::fopen(pidFile.c_str(), "w")) {
                for (const pid_t pid : pids)
                    std::fprintf(f, "%d\n", pid);
                std::fclose(f);
            }
        }

        Feed feed(redisPort, producers, indexes, backlog);
        const auto start = Clock::now();
        const auto windowStart = start + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(warmup));
        const auto windowEnd = windowStart + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(seconds));
        std::optional<long long> computedAtStart, submittedAtStart;
        double cpuAtStart = 0;
        long long minBacklog = -1, maxBacklog = 0, rss = -1;
        bool sampled = false;
        long long computed = 0;
        Clock::time_point now;
        for (;;) {
            computed = computedCount(redis);
            feed.setComputed(computed);
            now = Clock::now();
            if (now >= windowEnd)
                break;
            if (now >= windowStart) {
                if (!computedAtStart) {
                    computedAtStart = computed;
                    submittedAtStart = feed.submitted();
                    for (const pid_t pid : pids)
                        cpuAtStart += cpuSeconds(pid);
                }
                const long long queued = feed.backlog();
                minBacklog = minBacklog < 0 ? queued : std::min(minBacklog, queued);
                maxBacklog = std::max(maxBacklog, queued);
                if (!sampled && now >= windowStart + (windowEnd - windowStart) / 2) {
                    sampled = true;
                    for (const pid_t pid : pids)
                        rss = std::max(rss, rssKb(pid));
                }
            }
            checkAlive(pids);
            std::this_thread::sleep_for(1ms);
        }
        const double window = secondsSince(windowStart, now);
        double cpu = -cpuAtStart;
        for (const pid_t pid : pids)
            cpu += cpuSeconds(pid);
        const long long submittedInWindow = feed.submitted() - submittedAtStart.value_or(0);
        feed.stop();
        stopWorkers(pids);
        pids.clear();

        const long long jobs = computed - computedAtStart.value_or(0);
        if (jobs <= 0)
            throw std::runtime_error(
                "no job was computed in the measured window (worker log: " + log + ")");
        std::printf(
            "workers=%d seconds=%.3f jobs=%lld jobs_per_s=%.0f fed_per_s=%.0f min_backlog=%lld "
            "max_backlog=%lld worker_rss_kb=%lld worker_cpu_s=%.2f\n",
            workers, window, jobs, static_cast<double>(jobs) / window,
            static_cast<double>(submittedInWindow) / window, minBacklog, maxBacklog, rss, cpu);
        return 0;
    } catch (const std::exception &e) {
        if (!pids.empty())
            stopWorkers(pids);
        std::fprintf(stderr, "fib-bench-queue: %s\n", e.what());
        return 1;
    }
}

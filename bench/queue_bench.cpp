// fib-bench-queue: worker throughput. On a throwaway stack with no workers running:
//   1. FLUSHALL (only with --flush: this wipes the Redis it is pointed at),
//   2. enqueue --count jobs for the distinct indexes first..first+count-1 with fib::jobs::submit
//      (the server's own enqueue path: pending marks and the stream entry in one script),
//   3. start --workers fib-worker processes (environment inherited, FIB_WORKER_NAME distinct,
//      output appended to --log),
//   4. poll the `computed` field of the Redis hash fib:stats until it reaches --count,
//   5. stop the workers by pid (SIGTERM, then SIGKILL after 10 s).
// Prints one line of key=value pairs. The workers' RSS (ps -o rss) is sampled half-way and at
// the end; their CPU time (/proc/PID/stat) is read at the end.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <signal.h>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "fib/jobs.hpp"
#include "fib/keys.hpp"
#include "admin_redis.hpp"
#include "fib/redis.hpp"

extern char **environ;

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

double secondsSince(Clock::time_point start, Clock::time_point end)
{
    return std::chrono::duration<double>(end - start).count();
}

long long computedCount(fib::redis::Connection &redis)
{
    const auto reply = redis.checked({"HGET", fib::keys::kWorkerStatsHash, "computed"});
    if (fib::redis::isNil(*reply))
        return 0;
    return std::stoll(std::string(fib::redis::text(*reply)));
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
    if (!rest || std::sscanf(rest + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
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
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
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
            std::fprintf(stderr, "fib-bench-queue: worker %d did not stop within 10 s: killing it\n", pid);
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
            throw std::runtime_error("fib-worker (pid " + std::to_string(pid) + ") exited with status " +
                                     std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)));
    }
}

} // namespace

int main(int argc, char **argv)
{
    CLI::App app{"fib-bench-queue: times fib-worker processes through a pre-filled job stream"};
    int redisPort = 0, workers = 1, timeout = 300;
    long long count = 10000;
    fib::Index first = 1;
    bool flush = false;
    std::string workerBin, log = "/dev/null", pidFile;
    app.add_option("--redis-port", redisPort, "Redis port on 127.0.0.1")->required();
    app.add_option("--worker-bin", workerBin, "the fib-worker executable")->required()->check(CLI::ExistingFile);
    app.add_option("--workers", workers, "worker processes to start")->check(CLI::Range(1, 64));
    app.add_option("--count", count, "jobs")->check(CLI::Range(1LL, 10000000LL));
    app.add_option("--first", first, "first index; the jobs are first..first+count-1");
    app.add_option("--log", log, "file the workers' output is appended to");
    app.add_option("--pid-file", pidFile, "file the workers' pids are written to while they run");
    app.add_option("--timeout", timeout, "seconds to wait for the jobs");
    app.add_flag("--flush", flush, "FLUSHALL the Redis first (a throwaway stack only)");
    CLI11_PARSE(app, argc, argv);

    std::vector<pid_t> pids;
    try {
        const auto admin = adminRedis(redisPort, 5000ms);
        auto &redis = *admin;
        if (flush)
            redis.checked({"FLUSHALL"});
        if (computedCount(redis) != 0 || fib::redis::integer(*redis.checked({"XLEN", fib::keys::kJobsStream})) != 0)
            throw std::runtime_error("Redis is not empty (fib:stats computed or fib:jobs); use --flush on a "
                                     "throwaway stack");

        const auto enqueueStart = Clock::now();
        for (long long i = 0; i < count; ++i) {
            const auto index = first + static_cast<fib::Index>(i);
            if (fib::jobs::submit(redis, index, "bench") != fib::jobs::SubmitOutcome::Queued)
                throw std::runtime_error("index " + fib::indexText(index) + " was not queued");
        }
        const double enqueueSeconds = secondsSince(enqueueStart, Clock::now());

        const auto start = Clock::now();
        for (int i = 1; i <= workers; ++i)
            pids.push_back(spawnWorker(workerBin, "bench-worker-" + std::to_string(i), log));
        if (!pidFile.empty()) {
            if (FILE *f = std::fopen(pidFile.c_str(), "w")) {
                for (const pid_t pid : pids)
                    std::fprintf(f, "%d\n", pid);
                std::fclose(f);
            }
        }

        std::optional<Clock::time_point> firstDone;
        long long rss = -1;
        bool sampled = false;
        const auto deadline = start + std::chrono::seconds(timeout);
        long long done = 0;
        for (;;) {
            done = computedCount(redis);
            const auto now = Clock::now();
            if (done > 0 && !firstDone)
                firstDone = now;
            if (done >= count)
                break;
            if (!sampled && done >= count / 2) {
                sampled = true;
                for (const pid_t pid : pids)
                    rss = std::max(rss, rssKb(pid));
            }
            checkAlive(pids);
            if (now > deadline)
                throw std::runtime_error("only " + std::to_string(done) + " of " + std::to_string(count) +
                                         " jobs computed after " + std::to_string(timeout) + " s (worker log: " + log +
                                         ")");
            std::this_thread::sleep_for(1ms);
        }
        const auto end = Clock::now();
        double workerCpu = 0;
        for (const pid_t pid : pids) {
            workerCpu += cpuSeconds(pid);
            rss = std::max(rss, rssKb(pid));
        }
        stopWorkers(pids);
        pids.clear();

        const double total = secondsSince(start, end);
        const double steady = secondsSince(*firstDone, end);
        std::printf("workers=%d jobs=%lld seconds=%.3f jobs_per_s=%.0f steady_jobs_per_s=%.0f enqueue_per_s=%.0f "
                    "worker_rss_kb=%lld worker_cpu_s=%.2f\n",
                    workers, done, total, static_cast<double>(count) / total,
                    steady > 0 ? static_cast<double>(count - 1) / steady : 0.0,
                    static_cast<double>(count) / enqueueSeconds, rss, workerCpu);
        return 0;
    } catch (const std::exception &e) {
        if (!pids.empty())
            stopWorkers(pids);
        std::fprintf(stderr, "fib-bench-queue: %s\n", e.what());
        return 1;
    }
}

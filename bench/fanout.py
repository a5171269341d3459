#!/usr/bin/python3
"""Live-event fan-out load client for scripts/bench: holds many GET /api/events subscribers on
nginx at once (asyncio, one process, loopback only), then has values computed and times their
delivery to every subscriber.

  fanout.py --port HTTP_PORT --subscribers N --values V --first-index I --worker-log FILE

1. Opens N subscribers, at most 200 connecting at a time, and waits until each stream is open.
   Prints `connected=N seconds=S` (a subscriber that nginx refused or that failed makes the run
   fail).
2. Waits for a line `go` on standard input (the caller measures nginx and fib-server meanwhile).
3. POSTs the indexes I .. I+V-1 (new, small values), one every 10 ms, through nginx, and waits
   until every subscriber has every value's event, or 60 s after the last POST.
4. Prints `delivered=D expected=E complete=C p50_ms=.. p99_ms=.. max_ms=.. post_s=..`: events
   received, subscribers x values, subscribers that got every value, and the latency from each
   value's commit to each subscriber, the commit time being the worker's "computed" log line
   (written after its commit; millisecond resolution), read from FILE.
5. Holds the subscribers until standard input ends, then exits.

Only Python's standard library; the HTTP of a subscriber is one GET written by hand and a
close-delimited event stream read back (what nginx's Nchan sends), the POSTs use urllib.
The soft open-files limit is raised to the hard one (each subscriber is a descriptor)."""

import argparse
import asyncio
import json
import resource
import statistics
import sys
import time
import urllib.request
from datetime import datetime

CONNECT_AT_ONCE = 200


class Subscriber(asyncio.Protocol):
    def __init__(self, fan):
        self.fan = fan
        self.head = b""
        self.rest = b""
        self.open = asyncio.get_running_loop().create_future()
        self.count = 0

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.fan.request)

    def data_received(self, data):
        now = time.time()
        if not self.open.done():
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            head, data = self.head[:end].decode("latin-1"), self.head[end + 4:]
            status = head.split(" ", 2)[1] if " " in head else "?"
            if status != "200" or "transfer-encoding: chunked" in head.lower():
                self.open.set_exception(RuntimeError(f"GET /api/events answered: {head.splitlines()[0]}"))
                self.transport.close()
                return
            self.open.set_result(True)
        self.rest += data
        *events, self.rest = self.rest.split(b"\n\n")
        for event in events:
            if b"event: computed" not in event:
                continue
            for line in event.split(b"\n"):
                if line.startswith(b"data: "):
                    index = json.loads(line[6:])["index"]
                    times = self.fan.received.get(index)
                    if times is not None:
                        times.append(now)
                        self.count += 1
        if self.count >= self.fan.values and not self.fan.all_done.done():
            self.fan.complete += 1
            self.count = -1  # counted once
            if self.fan.complete == len(self.fan.subscribers):
                self.fan.all_done.set_result(True)

    def connection_lost(self, exc):
        if not self.open.done():
            self.open.set_exception(RuntimeError(f"the stream closed before it opened: {exc}"))
        else:
            self.fan.lost += 1


class FanOut:
    def __init__(self, args):
        self.args = args
        self.values = args.values
        self.request = (f"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n"
                        "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n").encode()
        self.indexes = list(range(args.first_index, args.first_index + args.values))
        self.received = {index: [] for index in self.indexes}
        self.subscribers = []
        self.complete = 0
        self.lost = 0

    async def connect(self):
        loop = asyncio.get_running_loop()
        self.all_done = loop.create_future()
        for start in range(0, self.args.subscribers, CONNECT_AT_ONCE):
            batch = []
            for _ in range(min(CONNECT_AT_ONCE, self.args.subscribers - start)):
                _, protocol = await loop.create_connection(lambda: Subscriber(self), "127.0.0.1", self.args.port)
                batch.append(protocol)
            await asyncio.wait_for(asyncio.gather(*(s.open for s in batch)), 60)
            self.subscribers += batch

    def post(self, index):
        request = urllib.request.Request(f"http://127.0.0.1:{self.args.port}/api/values",
                                         data=json.dumps({"index": index}).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=30) as answer:
            if answer.status != 200:
                raise RuntimeError(f"POST index {index}: {answer.status}")

    async def measure(self):
        started = time.monotonic()
        for index in self.indexes:
            await asyncio.to_thread(self.post, index)
            await asyncio.sleep(0.01)
        post_seconds = time.monotonic() - started
        try:
            await asyncio.wait_for(asyncio.shield(self.all_done), 60)
        except asyncio.TimeoutError:
            pass
        commits = commit_times(self.args.worker_log, set(self.indexes))
        missing = [index for index in self.indexes if index not in commits]
        if missing:
            raise RuntimeError(f"no 'computed' line in the worker's log for {len(missing)} indexes, e.g. {missing[0]}")
        latencies = sorted((at - commits[index]) * 1000 for index, times in self.received.items() for at in times)
        delivered = len(latencies)
        if not latencies:
            raise RuntimeError("no event was delivered")
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        return (f"delivered={delivered} expected={len(self.subscribers) * self.values} complete={self.complete} "
                f"lost_streams={self.lost} p50_ms={statistics.median(latencies):.2f} p99_ms={p99:.2f} "
                f"max_ms={latencies[-1]:.2f} post_s={post_seconds:.2f}")


def commit_times(path, indexes):
    found = {}
    with open(path, errors="replace") as log:
        for line in log:
            if '"computed"' not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("msg") == "computed" and entry.get("index") in indexes:
                stamp = datetime.fromisoformat(entry["ts"].replace("Z", "+00:00"))
                found.setdefault(entry["index"], stamp.timestamp())
    return found


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="nginx's port")
    parser.add_argument("--subscribers", type=int, required=True)
    parser.add_argument("--values", type=int, default=100)
    parser.add_argument("--first-index", type=int, required=True, help="the first new index to POST")
    parser.add_argument("--worker-log", required=True, help="the relay worker's log (its 'computed' lines)")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and args.subscribers + 100 > hard:
        parser.error(f"{args.subscribers} subscribers need more descriptors than the hard limit {hard} (ulimit -Hn)")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    fan = FanOut(args)
    started = time.monotonic()
    await fan.connect()
    print(f"connected={len(fan.subscribers)} seconds={time.monotonic() - started:.2f}", flush=True)
    loop = asyncio.get_running_loop()
    command = await loop.run_in_executor(None, sys.stdin.readline)
    if command.strip() != "go":
        return
    print(await fan.measure(), flush=True)
    await loop.run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except (RuntimeError, OSError, asyncio.TimeoutError) as e:
        print(f"fanout.py: {e}", file=sys.stderr)
        sys.exit(1)

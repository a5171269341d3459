-- Reads during writes: wrk ... -s mixed.lua http://HOST:PORT/api/values/current -- OFFSET THREADS [EVERY]
-- Each thread GETs the URL (a list ending in /values/current), except every EVERY-th request (default 20: 5%),
-- which POSTs the list's /values with an index no request has used before (thread t of THREADS sends
-- OFFSET+t, OFFSET+t+THREADS, ...): every POST queues a job, the worker computes it, and its
-- value clears the servers' cached list, as users' submissions do.
local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
end

function init(args)
   offset = tonumber(args[1]) or error("mixed.lua: pass the first index: -- OFFSET THREADS [EVERY]")
   stride = tonumber(args[2]) or error("mixed.lua: pass the thread count: -- OFFSET THREADS [EVERY]")
   every = tonumber(args[3]) or 20
   sent, posted = 0, 0
   post_headers = { ["Content-Type"] = "application/json" }
   get_request = wrk.format("GET", wrk.path)
   post_path = string.gsub(wrk.path, "/current$", "")
end

function request()
   sent = sent + 1
   if sent % every ~= 0 then
      return get_request
   end
   local index = offset + tid + posted * stride
   posted = posted + 1
   return wrk.format("POST", post_path, post_headers, string.format('{"index":%d}', index))
end

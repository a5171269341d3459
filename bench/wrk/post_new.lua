-- POST /api/values with an index no request has used before: wrk ... -s post_new.lua URL -- OFFSET THREADS
-- Thread t (0-based) of THREADS sends OFFSET+t, OFFSET+t+THREADS, OFFSET+t+2*THREADS, ...
-- Every index is new to the server, so each request queues a job (which the worker computes).
local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
end

function init(args)
   offset = tonumber(args[1]) or error("post_new.lua: pass the first index: -- OFFSET THREADS")
   stride = tonumber(args[2]) or error("post_new.lua: pass the thread count: -- OFFSET THREADS")
   sent = 0
   headers = { ["Content-Type"] = "application/json" }
end

function request()
   local index = offset + tid + sent * stride
   sent = sent + 1
   return wrk.format("POST", nil, headers, string.format('{"index":%d}', index))
end

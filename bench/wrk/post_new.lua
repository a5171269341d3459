-- POST an index no request has used before:
--   wrk ... -s post_new.lua http://HOST:PORT/api/values -- OFFSET THREADS [EVERY GET_PATH]
-- Thread t (0-based) of THREADS sends OFFSET+t, OFFSET+t+THREADS, OFFSET+t+2*THREADS, ...
-- Every index is new to the server, so each POST queues a job (which the worker computes).
-- With EVERY (reads during writes): only every EVERY-th request of a thread is such a POST, the
-- others GET GET_PATH (e.g. 20 and /api/values/current: 5% writes).
local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
end

function init(args)
   local usage = "-- OFFSET THREADS [EVERY GET_PATH]"
   offset = tonumber(args[1]) or error("post_new.lua: pass the first index: " .. usage)
   stride = tonumber(args[2]) or error("post_new.lua: pass the thread count: " .. usage)
   every = tonumber(args[3]) or 1
   if every > 1 and not args[4] then error("post_new.lua: pass the path to GET: " .. usage) end
   get_request = every > 1 and wrk.format("GET", args[4]) or nil
   sent, posted = 0, 0
   headers = { ["Content-Type"] = "application/json" }
end

function request()
   sent = sent + 1
   if sent % every ~= 0 then
      return get_request
   end
   local index = offset + tid + posted * stride
   posted = posted + 1
   return wrk.format("POST", nil, headers, string.format('{"index":%d}', index))
end

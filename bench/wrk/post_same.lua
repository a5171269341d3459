-- POST /api/values with the same, already computed index every time: wrk ... -s post_same.lua URL -- INDEX
function init(args)
   local index = tonumber(args[1]) or error("post_same.lua: pass the index: -- INDEX")
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   wrk.body = string.format('{"index":%d}', index)
end

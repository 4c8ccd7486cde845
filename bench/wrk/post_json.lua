-- POST one JSON body to wrk's URL, each request as the next member of this thread's share of
-- the tokens. Arguments: TOKENS_FILE THREADS BODY_FILE (the body, sent as it is in the file).
package.path = debug.getinfo(1, "S").source:match("^@?(.*/)") .. "?.lua;" .. package.path
local common = require("common")

setup = common.setup

local tokens, body = {}, nil
local position = 0

function init(args)
   tokens = common.thread_tokens(args)
   local file = assert(io.open(args[3], "rb"))
   body = file:read("*a")
   file:close()
end

function request()
   position = position % #tokens + 1
   return wrk.format("POST", nil, {
      Authorization = common.auth(tokens[position]),
      ["Content-Type"] = "application/json",
   }, body)
end

-- GET wrk's URL, each request as the next member of this thread's share of the tokens.
-- Arguments: TOKENS_FILE THREADS (none for the raw views: no Authorization header).
package.path = debug.getinfo(1, "S").source:match("^@?(.*/)") .. "?.lua;" .. package.path
local common = require("common")

setup = common.setup

local tokens = {}
local position = 0

function init(args)
   tokens = common.thread_tokens(args)
end

function request()
   if #tokens == 0 then
      return wrk.format("GET")
   end
   position = position % #tokens + 1
   return wrk.format("GET", nil, { Authorization = common.auth(tokens[position]) })
end

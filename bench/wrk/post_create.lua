-- Posts created in one group. Arguments: TOKENS_FILE THREADS PATH TAGS
-- (PATH: .../groups/{id}/posts/; TAGS: news,help,...): each request as the next member of this
-- thread's share, with a title, a body of a few sentences, and two of the tags.
package.path = debug.getinfo(1, "S").source:match("^@?(.*/)") .. "?.lua;" .. package.path
local common = require("common")

setup = common.setup

local BODY = string.rep("Written by the bench: a post of a few sentences. ", 6)
local tokens, tags, path = {}, {}, nil
local counter = 0

function init(args)
   tokens = common.thread_tokens(args)
   path = args[3]
   tags = common.split(args[4])
end

function request()
   local n = counter
   counter = counter + 1
   local body = string.format(
      '{"title": "Bench post %d-%d", "body": "%s", "tags": ["%s", "%s"]}',
      thread_index,
      n,
      BODY,
      tags[n % #tags + 1],
      tags[(n + 1) % #tags + 1]
   )
   return wrk.format("POST", path, {
      Authorization = common.auth(tokens[n % #tokens + 1]),
      ["Content-Type"] = "application/json",
   }, body)
end

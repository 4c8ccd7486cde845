-- Reactions on one hot post. Arguments: TOKENS_FILE THREADS PATH KINDS ROUND
-- (PATH: .../posts/{id}/reactions/; KINDS: like,love,...; ROUND: 0, 1, 2 ...).
-- Request n of a thread adds (n even) the reaction of pair n/2, a (member, kind) of the
-- thread's own tokens, or removes (n odd) the one added LAG pairs earlier: by then its add has
-- been answered (a thread has 8 connections in flight, far fewer than 2 * LAG requests), so
-- adds and removes balance. Each round starts on pairs the previous rounds left alone.
package.path = debug.getinfo(1, "S").source:match("^@?(.*/)") .. "?.lua;" .. package.path
local common = require("common")

setup = common.setup

local LAG = 16
local PAIRS_PER_ROUND = 1000
local tokens, kinds, path = {}, {}, nil
local counter, start = 0, 0

function init(args)
   tokens = common.thread_tokens(args)
   path = args[3]
   kinds = common.split(args[4])
   start = tonumber(args[5] or "0") * PAIRS_PER_ROUND
end

local function pair(n)
   return tokens[n % #tokens + 1], kinds[n % #kinds + 1]
end

function request()
   local n = counter
   counter = counter + 1
   local index = start + math.floor(n / 2)
   if n % 2 == 0 then
      local token, kind = pair(index)
      return wrk.format("POST", path, {
         Authorization = common.auth(token),
         ["Content-Type"] = "application/json",
      }, '{"kind": "' .. kind .. '"}')
   end
   local token, kind = pair(index - LAG)
   return wrk.format("DELETE", path .. "?kind=" .. kind, { Authorization = common.auth(token) })
end

-- Shared by the bench's wrk scripts: each thread's index, and the member tokens it rotates.
-- A script's arguments (after `--`) start with TOKENS_FILE THREADS; with none, no token is sent.

local common = {}
local thread_count = 0

-- Runs in wrk's main Lua state, once per thread, before the thread's init().
function common.setup(thread)
   thread:set("thread_index", thread_count)
   thread_count = thread_count + 1
end

function common.read_lines(path)
   local lines = {}
   for line in io.lines(path) do
      if #line > 0 then
         lines[#lines + 1] = line
      end
   end
   if #lines == 0 then
      error("no lines in " .. path)
   end
   return lines
end

function common.split(text)
   local items = {}
   for item in string.gmatch(text, "[^,]+") do
      items[#items + 1] = item
   end
   return items
end

-- The tokens this thread uses: its own share of the file, so that threads never act as the
-- same member at once.
function common.thread_tokens(args)
   if not args[1] then
      return {}
   end
   local all = common.read_lines(args[1])
   local threads = tonumber(args[2] or "1")
   local share = math.max(1, math.floor(#all / threads))
   local first = (thread_index % threads) * share
   local tokens = {}
   for n = 1, share do
      tokens[n] = all[(first + n - 1) % #all + 1]
   end
   return tokens
end

function common.auth(token)
   return "Token " .. token
end

return common

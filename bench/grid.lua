-- wrk script of bench/grid.sh: goes through the request paths in a file (one per line, e.g.
-- /netcat/modules/priem/api.php?action=grid&filial=3&doctor=0042), each thread from its own
-- offset.  wrk -c 50 -t 2 -d 15s --latency -s bench/grid.lua http://127.0.0.1:PORT -- PATHS_FILE
local paths = {}
local i = 0
local next_thread = 0

function setup(thread)
   thread:set("offset", next_thread * 7919)
   next_thread = next_thread + 1
end

function init(args)
   local f = assert(io.open(args[1], "r"), "no paths file")
   for line in f:lines() do
      if #line > 0 then paths[#paths + 1] = line end
   end
   f:close()
   i = offset or 0
end

function request()
   i = i + 1
   return wrk.format("GET", paths[(i % #paths) + 1])
end

-- wrk script of bench/booking.sh: POSTs the bookings of a file (one a line: "X-Forwarded-For<TAB>
-- JSON body", bench/booking_setup.php), each line once: thread k of n sends lines k, k + n, …
-- and stops (wrk's run ends at -d; the file holds more lines than a run sends).
--   wrk -c 20 -t 2 -d 10s --latency -s bench/booking.lua http://127.0.0.1:PORT -- FILE THREADS
local lines = {}
local i = 0
local step = 1
local next_thread = 0

function setup(thread)
   thread:set("first", next_thread)
   next_thread = next_thread + 1
end

function init(args)
   local f = assert(io.open(args[1], "r"), "no requests file")
   for line in f:lines() do
      if #line > 0 then lines[#lines + 1] = line end
   end
   f:close()
   step = tonumber(args[2]) or 1
   i = (first or 0) - step
end

function request()
   i = i + step
   local line = lines[(i % #lines) + 1]
   local xff, body = line:match("^([^\t]*)\t(.*)$")
   return wrk.format("POST", "/netcat/modules/priem/api.php?action=book", {
      ["Content-Type"] = "application/json",
      ["X-Forwarded-For"] = xff,
   }, body)
end

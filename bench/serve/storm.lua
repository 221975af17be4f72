-- wrk script of the login storm: every request is the login form posted with a wrong password
-- for one account (LOGIN_NAME), carrying the login form's CSRF token (LOGIN_TOKEN, read from one
-- GET /login: the same token is in the cookie and the form, as the form's double submit wants).
-- Counts the answers by status; `done` prints them as "status <code> <count>" lines.
local name = os.getenv("LOGIN_NAME")
local token = os.getenv("LOGIN_TOKEN")
wrk.method = "POST"
wrk.path = "/login"
wrk.body = "csrf=" .. token .. "&name=" .. name .. "&password=not-the-password-at-all"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "__Host-palermo_login=" .. token

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for status, n in pairs(counts) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do
    io.write(string.format("status %d %d\n", status, n))
  end
end

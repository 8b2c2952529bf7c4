// The one Lua script of the Redis backend: a deployment's whole exchange, atomic on the server
// (Redis runs a script to completion before any other command). Time is the server's (TIME), so
// the instances' clocks never need to agree.
//
// KEYS[1]  <prefix>breaker:<deployment>   hash: gen, open, until (server ms), trips
// KEYS[2]  <prefix>usage:<deployment>     hash: r<second> -> requests, t<second> -> tokens,
//                                          x<instance> -> "<usage seq>:<server ms>"
// ARGV     op (0 read, 1 open, 2 close), known generation, cooldown ms, trips in a row,
//          rpm limit, tpm limit, instance id, usage sequence number, then usage to add as triples
//          (age in seconds, requests, tokens): each goes to the bucket of the second `age`
//          seconds before the server's current one, so usage sent late (after a reconnection)
//          leaves the window when it would have. The usage is added only when the sequence
//          number is above the one recorded for the instance (x<instance>): an exchange resent
//          after a failure it may have survived is never counted twice (backend.hpp). The
//          records of instances silent for 120 s are dropped.
// Returns  {generation, open, cooldown remaining ms, trips in a row, requests in the last 60 s,
//           tokens in the last 60 s, ms until requests < rpm, ms until tokens < tpm}
#pragma once

namespace llmroute::redis {

inline constexpr const char kSyncScript[] = R"lua(
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local op = tonumber(ARGV[1])

local b = redis.call('HMGET', KEYS[1], 'gen', 'open', 'until', 'trips')
local gen = tonumber(b[1]) or 0
local open = tonumber(b[2]) or 0
local untl = tonumber(b[3]) or 0
local trips = tonumber(b[4]) or 0
local changed = false
if op == 1 then
  local want = now + tonumber(ARGV[3])
  local t_in = tonumber(ARGV[4])
  if open == 0 then
    open = 1
    untl = want
    changed = true
  elseif want > untl then
    untl = want
    changed = true
  end
  if t_in > trips then
    trips = t_in
    changed = true
  end
elseif op == 2 then
  if open == 1 and gen == tonumber(ARGV[2]) then
    open = 0
    untl = 0
    trips = 0
    changed = true
  end
end
if changed then
  gen = gen + 1
  redis.call('HMSET', KEYS[1], 'gen', gen, 'open', open, 'until', untl, 'trips', trips)
  redis.call('PEXPIRE', KEYS[1], math.max(untl - now, 0) + 86400000)
end
local remaining = 0
if open == 1 and untl > now then remaining = untl - now end

local rpm = tonumber(ARGV[5])
local tpm = tonumber(ARGV[6])
local rsum, tsum, rfree, tfree = 0, 0, 0, 0
if #ARGV > 8 or rpm > 0 or tpm > 0 then
  local sec = math.floor(now / 1000)
  local added = false
  local first = #ARGV + 1
  if #ARGV > 8 then
    local mark = 'x' .. ARGV[7]
    local seq = tonumber(ARGV[8])
    local seen = redis.call('HGET', KEYS[2], mark)
    local seen_seq = seen and tonumber(string.match(seen, '^(%d+):')) or 0
    if seq > seen_seq then
      first = 9
      redis.call('HSET', KEYS[2], mark, seq .. ':' .. now)
      added = true
    end
  end
  for i = first, #ARGV - 2, 3 do
    local s = sec - tonumber(ARGV[i])
    local rd = tonumber(ARGV[i + 1])
    local td = tonumber(ARGV[i + 2])
    if s > sec - 60 and s <= sec then
      if rd > 0 then redis.call('HINCRBY', KEYS[2], 'r' .. s, rd) added = true end
      if td > 0 then redis.call('HINCRBY', KEYS[2], 't' .. s, td) added = true end
    end
  end
  if added then redis.call('PEXPIRE', KEYS[2], 61000) end
  local all = redis.call('HGETALL', KEYS[2])
  local rb, tb, stale = {}, {}, {}
  for i = 1, #all, 2 do
    local field = all[i]
    local kind = string.sub(field, 1, 1)
    local s = tonumber(string.sub(field, 2))
    local v = tonumber(all[i + 1]) or 0
    if kind == 'x' then
      local at = tonumber(string.match(all[i + 1], ':(%d+)$')) or 0
      if at < now - 120000 then stale[#stale + 1] = field end
    elseif s == nil or s <= sec - 60 then
      stale[#stale + 1] = field
    elseif string.sub(field, 1, 1) == 'r' then
      rsum = rsum + v
      rb[#rb + 1] = {s, v}
    else
      tsum = tsum + v
      tb[#tb + 1] = {s, v}
    end
  end
  if #stale > 0 then redis.call('HDEL', KEYS[2], unpack(stale)) end
  local function free_ms(buckets, total, limit)
    if limit <= 0 or total < limit then return 0 end
    table.sort(buckets, function(x, y) return x[1] < y[1] end)
    for _, bucket in ipairs(buckets) do
      total = total - bucket[2]
      if total < limit then return (bucket[1] + 60) * 1000 - now end
    end
    return 60000
  end
  rfree = free_ms(rb, rsum, rpm)
  tfree = free_ms(tb, tsum, tpm)
end
return {gen, open, remaining, trips, rsum, tsum, rfree, tfree}
)lua";

}  // namespace llmroute::redis

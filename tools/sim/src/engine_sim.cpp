#include "engine_sim.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <memory>
#include <queue>
#include <stdexcept>
#include <unordered_map>

#include <llmroute/llmroute.h>

#include "engine_model.hpp"
#include "rng.hpp"

namespace sim {

namespace {

constexpr int64_t kNsPerMs = 1000000;
constexpr uint32_t kVocabulary = 128000;  // token ids are drawn below this (Llama 3's vocabulary)

bool EndsWith(const std::string &s, const std::string &suffix) {
  return s.size() > suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct RunSpec {
  std::string strategy;
  bool session_affinity = false;
  double affinity_load_factor = 0;
};

bool ParseRun(const std::string &run, RunSpec &out) {
  out = RunSpec{};
  std::string name = run;
  if (EndsWith(name, kBoundedSessionAffinitySuffix)) {
    name.resize(name.size() - std::string(kBoundedSessionAffinitySuffix).size());
    out.session_affinity = true;
    out.affinity_load_factor = 1.25;  // Mirrokni, Thorup, Zadimoghaddam (2016)'s 1 + epsilon
  } else if (EndsWith(name, kSessionAffinitySuffix)) {
    name.resize(name.size() - std::string(kSessionAffinitySuffix).size());
    out.session_affinity = true;
  }
  llmr_strategy s;
  if (llmr_strategy_from_str(name.c_str(), &s) != LLMR_OK || s == LLMR_STRATEGY_DEFAULT) {
    return false;
  }
  out.strategy = name;
  return true;
}

/** A stream of token ids, the same for the same key in every run. */
void AppendTokens(std::vector<uint32_t> &tokens, uint64_t key, int64_t n) {
  uint64_t state = key;
  for (int64_t i = 0; i < n; ++i) {
    tokens.push_back(static_cast<uint32_t>(SplitMix64(state) % kVocabulary));
  }
}

uint64_t StreamKey(uint64_t seed, uint64_t a, uint64_t b, uint64_t c) {
  uint64_t s = seed ^ (a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL) ^
               (c * 0x165667b19e3779f9ULL);
  return SplitMix64(s);
}

/** Mean x uniform(0.5, 1.5), at least 1. */
int64_t AroundMean(Rng &rng, int64_t mean) {
  return std::max<int64_t>(1, std::llround(static_cast<double>(mean) * (0.5 + rng.Uniform())));
}

class EngineSimulation {
 public:
  EngineSimulation(const EngineScenario &sc, const std::string &run, uint64_t seed)
      : sc_(sc), seed_(seed) {
    if (!ParseRun(run, spec_)) throw std::runtime_error("unknown run '" + run + "'");
    result_.run = run;
    uint64_t s = seed;
    sessions_rng_ = Rng(SplitMix64(s));
    router_rng_state_ = SplitMix64(s);
    scrape_rng_ = Rng(SplitMix64(s));
    for (int64_t i = 0; i < sc_.replicas; ++i) engines_.emplace_back(sc_.engine);
    for (int64_t i = 0; i < sc_.replicas; ++i) names_.push_back(sc_.ReplicaName(i));
    for (size_t i = 0; i < names_.size(); ++i) index_[names_[i]] = static_cast<int>(i);
    result_.replica_requests.assign(static_cast<size_t>(sc_.replicas), 0);
    buckets_ =
        std::max<size_t>(1, static_cast<size_t>(std::ceil(sc_.duration_s / sc_.bucket_s - 1e-9)));
    result_.bucket_ttft_ms.resize(buckets_);
    result_.bucket_prompt_tokens.assign(buckets_, 0);
    result_.bucket_cached_tokens.assign(buckets_, 0);
    result_.window_s = sc_.duration_s - sc_.warmup_s;
    for (const Workload &w : sc_.workloads) weight_total_ += w.weight;

    llmr_router_options base;
    llmr_router_options_init(&base, sizeof base);
    base.clock = &Clock;
    base.clock_user_data = this;
    base.random = &Random;
    base.random_user_data = this;
    const std::string config = sc_.ConfigJson(spec_.strategy, spec_.affinity_load_factor);
    if (llmr_router_create_from_config(config.data(), config.size(), &base, &router_) != LLMR_OK) {
      throw std::runtime_error("llmroute (" + run + "): " + llmr_error_message());
    }
  }
  ~EngineSimulation() { llmr_router_destroy(router_); }
  EngineSimulation(const EngineSimulation &) = delete;
  EngineSimulation &operator=(const EngineSimulation &) = delete;

  EngineRunResult Run() {
    const auto wall_start = std::chrono::steady_clock::now();
    ScheduleSession(0);
    for (int64_t i = 0; i < sc_.replicas; ++i) {
      // The first scrape of each replica at a random phase, as independent scrapers would.
      const auto phase =
          static_cast<int64_t>(scrape_rng_.Uniform() * sc_.scrape_interval_ms * kNsPerMs);
      Push(Event{phase, 0, Kind::kScrape, static_cast<uint32_t>(i)});
    }
    while (!queue_.empty()) {
      const Event e = queue_.top();
      queue_.pop();
      now_ns_ = e.t_ns;
      switch (e.kind) {
        case Kind::kSessionStart:
          StartSession();
          break;
        case Kind::kTurn:
          StartTurn(e.id);
          break;
        case Kind::kFirstToken:
          FirstToken(e.id);
          break;
        case Kind::kDone:
          Done(e.id);
          break;
        case Kind::kScrape:
          Scrape(e.id);
          break;
        case Kind::kLoadArrives:
          DeliverLoad(e);
          break;
      }
    }
    result_.drained_s = static_cast<double>(last_done_ns_) / 1e9;
    CheckConsistency();
    result_.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    return std::move(result_);
  }

 private:
  enum class Kind { kSessionStart, kTurn, kFirstToken, kDone, kScrape, kLoadArrives };
  struct Event {
    int64_t t_ns;
    uint64_t seq;
    Kind kind;
    uint32_t id;  // session, request or replica
    // kLoadArrives: what the scrape read, and when.
    int64_t waiting = 0, running = 0, read_at_ns = 0;
    double kv = 0;
    bool operator>(const Event &o) const { return t_ns != o.t_ns ? t_ns > o.t_ns : seq > o.seq; }
  };
  struct Session {
    size_t workload = 0;
    int64_t turns = 0;
    int64_t turn = 0;
    Rng rng;
    std::vector<uint32_t> tokens;  // the conversation so far
    std::string key;
  };
  struct Request {
    uint32_t session = 0;
    int replica = -1;
    uint64_t ticket = 0;
    int64_t arrival_ns = 0;
    int64_t first_token_ns = 0;
    int64_t prompt_tokens = 0;
    int64_t output_tokens = 0;
    bool counted = false;          // arrived in [warmup_s, duration_s)
    std::vector<uint64_t> hashes;  // the prompt's full blocks
  };

  void Push(Event e) {
    e.seq = seq_++;
    queue_.push(e);
  }
  double Seconds() const { return static_cast<double>(now_ns_) / 1e9; }

  void ScheduleSession(int64_t from_ns) {
    const double t =
        static_cast<double>(from_ns) / 1e9 + sessions_rng_.Exponential(sc_.session_rate_per_s);
    if (t >= sc_.duration_s) return;
    Push(Event{static_cast<int64_t>(t * 1e9), 0, Kind::kSessionStart, 0});
  }

  void StartSession() {
    const auto id = static_cast<uint32_t>(sessions_.size());
    Session s;
    // Each session's own stream: every run draws the same sessions whatever it routes.
    s.rng = Rng(StreamKey(seed_, 1, id, 0));
    double x = s.rng.Uniform() * weight_total_;
    s.workload = sc_.workloads.size() - 1;
    for (size_t i = 0; i < sc_.workloads.size(); ++i) {
      x -= sc_.workloads[i].weight;
      if (x < 0) {
        s.workload = i;
        break;
      }
    }
    const Workload &w = sc_.workloads[s.workload];
    s.turns = w.turns_min + static_cast<int64_t>(
                                s.rng.Below(static_cast<uint64_t>(w.turns_max - w.turns_min + 1)));
    const uint64_t prompt = s.rng.Below(static_cast<uint64_t>(w.system_prompts));
    AppendTokens(s.tokens, StreamKey(seed_, 2, s.workload, prompt), w.system_tokens);
    s.key = "session-" + std::to_string(id);
    sessions_.push_back(std::move(s));
    ++result_.sessions;
    ++active_sessions_;
    StartTurn(id);
    ScheduleSession(now_ns_);
  }

  void StartTurn(uint32_t session_id) {
    if (Seconds() >= sc_.duration_s) {  // the run is over: the session ends here
      EndSession(session_id);
      return;
    }
    Session &s = sessions_[session_id];
    const Workload &w = sc_.workloads[s.workload];
    AppendTokens(s.tokens, StreamKey(seed_, 3, session_id, static_cast<uint64_t>(s.turn)),
                 AroundMean(s.rng, w.user_tokens));
    Request r;
    r.session = session_id;
    r.arrival_ns = now_ns_;
    r.prompt_tokens = static_cast<int64_t>(s.tokens.size());
    r.output_tokens = AroundMean(s.rng, w.output_tokens);
    r.counted = Seconds() >= sc_.warmup_s;
    r.hashes = Hashes(s.tokens);

    // What the gateway passes: the engine's blocks, or coarser ones when prefix_block_tokens says.
    const int64_t router_block =
        sc_.prefix_block_tokens > 0 ? sc_.prefix_block_tokens : sc_.engine.block_tokens;
    const std::vector<uint64_t> coarse = router_block == sc_.engine.block_tokens
                                             ? std::vector<uint64_t>{}
                                             : Hashes(s.tokens, router_block);
    const std::vector<uint64_t> &routed =
        router_block == sc_.engine.block_tokens ? r.hashes : coarse;
    llmr_pick_options options;
    llmr_pick_options_init(&options, sizeof options);
    options.expected_input_tokens = r.prompt_tokens;
    options.expected_output_tokens = r.output_tokens;
    options.prefix_hashes = routed.data();
    options.prefix_hash_count =
        std::min(routed.size(), static_cast<size_t>(sc_.prefix_hash_blocks));
    if (options.prefix_hash_count == 0) options.prefix_hashes = nullptr;
    if (spec_.session_affinity) options.affinity_key = s.key.c_str();
    llmr_pick pick;
    llmr_pick_init(&pick, sizeof pick);
    if (llmr_router_pick(router_, sc_.model.c_str(), &options, &pick) != LLMR_OK) {
      ++result_.pick_failures;
      EndSession(session_id);
      return;
    }
    const auto it = index_.find(pick.deployment);
    if (it == index_.end())
      throw std::runtime_error(std::string("picked an unknown deployment: ") + pick.deployment);
    r.replica = it->second;
    r.ticket = pick.ticket;
    ++result_.all_requests;
    ++result_.replica_requests[static_cast<size_t>(r.replica)];
    if (r.counted) ++result_.requests;

    const uint32_t id = NewRequest(std::move(r));
    Request &q = requests_[id];
    Engine &engine = engines_[static_cast<size_t>(q.replica)];
    if (!engine.Fits(q.prompt_tokens, q.output_tokens)) {
      throw std::runtime_error("a request of " + std::to_string(q.prompt_tokens + q.output_tokens) +
                               " tokens does not fit in engine.kv_blocks");
    }
    EngineRequest er;
    er.id = id;
    er.prompt_hashes = &q.hashes;
    er.prompt_tokens = q.prompt_tokens;
    er.output_tokens = q.output_tokens;
    engine.Enqueue(er);
    Admit(static_cast<size_t>(q.replica));
  }

  void Admit(size_t replica) {
    for (const Admitted &a : engines_[replica].Admit(now_ns_)) {
      Request &r = requests_[a.id];
      r.first_token_ns = a.first_token_ns;
      if (r.counted) {
        result_.prompt_tokens += r.prompt_tokens;
        result_.cached_tokens += a.cached_tokens;
        const size_t b = Bucket(r.arrival_ns);
        result_.bucket_prompt_tokens[b] += r.prompt_tokens;
        result_.bucket_cached_tokens[b] += a.cached_tokens;
      }
      Push(Event{a.first_token_ns, 0, Kind::kFirstToken, a.id});
    }
  }

  void FirstToken(uint32_t id) {
    Request &r = requests_[id];
    const int64_t done = engines_[static_cast<size_t>(r.replica)].StartDecode(id, now_ns_);
    Push(Event{done, 0, Kind::kDone, id});
  }

  void Done(uint32_t id) {
    Request &r = requests_[id];
    Session &s = sessions_[r.session];
    const auto replica = static_cast<size_t>(r.replica);
    // The answer joins the conversation; its full blocks stay in the engine's cache.
    AppendTokens(s.tokens, StreamKey(seed_, 4, r.session, static_cast<uint64_t>(s.turn)),
                 r.output_tokens);
    std::vector<uint64_t> all = Hashes(s.tokens);
    std::vector<uint64_t> output(all.begin() + static_cast<std::ptrdiff_t>(r.hashes.size()),
                                 all.end());
    engines_[replica].Finish(id, output, now_ns_);
    last_done_ns_ = now_ns_;

    llmr_report report;
    llmr_report_init(&report, sizeof report);
    report.outcome = LLMR_OUTCOME_SUCCESS;
    report.latency_ms = static_cast<double>(now_ns_ - r.arrival_ns) / kNsPerMs;
    report.input_tokens = r.prompt_tokens;
    report.output_tokens = r.output_tokens;
    if (llmr_router_report(router_, r.ticket, &report) != LLMR_OK) {
      throw std::runtime_error(std::string("llmr_router_report: ") + llmr_error_message());
    }
    const double window_end_s = sc_.duration_s;
    if (Seconds() >= sc_.warmup_s && Seconds() < window_end_s) {
      result_.window_output_tokens += r.output_tokens;
      ++result_.window_completed;
    }
    if (r.counted) {
      const double ttft = static_cast<double>(r.first_token_ns - r.arrival_ns) / kNsPerMs;
      result_.ttft_ms.push_back(ttft);
      result_.e2e_ms.push_back(report.latency_ms);
      result_.bucket_ttft_ms[Bucket(r.arrival_ns)].push_back(ttft);
    }
    const uint32_t session = r.session;
    FreeRequest(id);
    Admit(replica);  // its blocks and its slot are free for the waiting ones

    Session &ss = sessions_[session];
    if (++ss.turn >= ss.turns) {
      EndSession(session);
      return;
    }
    const double think_s =
        ss.rng.Exponential(1.0 / std::max(1e-3, sc_.workloads[ss.workload].think_s));
    Push(Event{now_ns_ + static_cast<int64_t>(think_s * 1e9), 0, Kind::kTurn, session});
  }

  void EndSession(uint32_t id) {
    std::vector<uint32_t>().swap(sessions_[id].tokens);
    --active_sessions_;
  }

  void Scrape(uint32_t replica) {
    const Engine &engine = engines_[replica];
    Event e{now_ns_ + static_cast<int64_t>(sc_.scrape_delay_ms * kNsPerMs), 0, Kind::kLoadArrives,
            replica};
    e.waiting = engine.Waiting();
    e.running = engine.Running();
    e.kv = std::min(1.0, engine.KvUtilisation());
    e.read_at_ns = now_ns_;
    Push(e);
    // Scraping goes on while anything is left to serve.
    if (Seconds() < sc_.duration_s || active_sessions_ > 0) {
      Push(Event{now_ns_ + static_cast<int64_t>(sc_.scrape_interval_ms * kNsPerMs), 0,
                 Kind::kScrape, replica});
    }
  }

  void DeliverLoad(const Event &e) {
    llmr_engine_load load;
    llmr_engine_load_init(&load, sizeof load);
    load.waiting = e.waiting;
    load.running = e.running;
    load.kv_cache_utilization = e.kv;
    load.read_at_ns = e.read_at_ns;
    if (llmr_router_report_load(router_, names_[e.id].c_str(), &load) != LLMR_OK) {
      throw std::runtime_error(std::string("llmr_router_report_load: ") + llmr_error_message());
    }
    ++result_.load_reports;
  }

  /** The chained prefix hashes of the tokens' full blocks, as every gateway computes them. */
  std::vector<uint64_t> Hashes(const std::vector<uint32_t> &tokens) const {
    return Hashes(tokens, sc_.engine.block_tokens);
  }
  std::vector<uint64_t> Hashes(const std::vector<uint32_t> &tokens, int64_t block_tokens) const {
    const auto block_bytes =
        static_cast<uint32_t>(block_tokens * static_cast<int64_t>(sizeof(uint32_t)));
    const size_t bytes = tokens.size() * sizeof(uint32_t);
    std::vector<uint64_t> out(bytes / block_bytes);
    size_t count = 0;
    if (llmr_prefix_hashes(tokens.data(), bytes, block_bytes, out.data(), out.size(), &count) !=
        LLMR_OK) {
      throw std::runtime_error(std::string("llmr_prefix_hashes: ") + llmr_error_message());
    }
    out.resize(count);
    return out;
  }

  size_t Bucket(int64_t t_ns) const {
    const double b = std::floor(static_cast<double>(t_ns) / 1e9 / sc_.bucket_s);
    return b < 0 ? 0 : std::min(buckets_ - 1, static_cast<size_t>(b));
  }

  uint32_t NewRequest(Request &&r) {
    if (free_.empty()) {
      requests_.push_back(std::move(r));
      return static_cast<uint32_t>(requests_.size() - 1);
    }
    const uint32_t id = free_.back();
    free_.pop_back();
    requests_[id] = std::move(r);
    return id;
  }
  void FreeRequest(uint32_t id) {
    std::vector<uint64_t>().swap(requests_[id].hashes);
    free_.push_back(id);
  }

  void CheckConsistency() {
    llmr_stats *stats = nullptr;
    if (llmr_router_stats(router_, &stats) != LLMR_OK) {
      throw std::runtime_error(std::string("llmr_router_stats: ") + llmr_error_message());
    }
    for (size_t i = 0; i < llmr_stats_deployment_count(stats); ++i) {
      llmr_deployment_stats d;
      llmr_deployment_stats_init(&d, sizeof d);
      if (llmr_stats_deployment(stats, i, &d) != LLMR_OK) continue;
      const auto it = index_.find(d.name);
      if (it == index_.end()) continue;
      const int64_t ours = result_.replica_requests[static_cast<size_t>(it->second)];
      if (d.picks != ours && result_.consistency_error.empty()) {
        result_.consistency_error = std::string("deployment ") + d.name + ": the router counted " +
                                    std::to_string(d.picks) + " picks, the simulator " +
                                    std::to_string(ours) + " requests";
      }
    }
    llmr_stats_free(stats);
  }

  static int64_t Clock(void *self) { return static_cast<EngineSimulation *>(self)->now_ns_; }
  static uint64_t Random(void *self) {
    return SplitMix64(static_cast<EngineSimulation *>(self)->router_rng_state_);
  }

  const EngineScenario &sc_;
  uint64_t seed_;
  RunSpec spec_;
  llmr_router *router_ = nullptr;
  int64_t now_ns_ = 0;
  int64_t last_done_ns_ = 0;
  int64_t active_sessions_ = 0;  // started and not ended (a turn waiting or running)
  uint64_t seq_ = 0;
  Rng sessions_rng_, scrape_rng_;
  uint64_t router_rng_state_ = 0;
  double weight_total_ = 0;
  size_t buckets_ = 1;
  std::vector<Engine> engines_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, int> index_;
  std::vector<Session> sessions_;
  std::deque<Request> requests_;  // a deque: engines hold pointers to its hashes
  std::vector<uint32_t> free_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> queue_;
  EngineRunResult result_;
};

}  // namespace

bool ValidEngineRun(const std::string &run) {
  RunSpec spec;
  return ParseRun(run, spec);
}

EngineRunResult SimulateEngines(const EngineScenario &scenario, const std::string &run,
                                uint64_t seed) {
  EngineSimulation s(scenario, run, seed);
  return s.Run();
}

}  // namespace sim

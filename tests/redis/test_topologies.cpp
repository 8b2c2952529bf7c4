// The fleet shared state on the Redis deployments that outgrow one server (docs/fleet.md):
// a master with a replica and three sentinels that fail over, a three-master Redis Cluster,
// a Redis that hangs, and a TLS tunnel. Every server is started by the test on 127.0.0.1 and
// stopped at the end; waits poll for conditions with generous deadlines, nothing is timed.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fleet_client.hpp"
#include "llmroute/llmroute.h"
#include "redis_server.hpp"

namespace {

using namespace llmroute::testing::fleet;  // NOLINT: the tests' vocabulary
using llmroute::testing::RedisCommand;
using llmroute::testing::RedisServer;
using llmroute::testing::RunProgram;
using llmroute::testing::SumHashFields;

std::string Local(uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

struct FailoverLog {
  std::mutex mutex;
  std::vector<std::string> messages;
  size_t count() {
    std::lock_guard<std::mutex> lock(mutex);
    return messages.size();
  }
  std::string last() {
    std::lock_guard<std::mutex> lock(mutex);
    return messages.empty() ? "" : messages.back();
  }
};

void OnFailover(void *user, const llmr_event *event) {
  if (event->kind != LLMR_EVENT_SHARED_STATE_FAILOVER) return;
  auto *log = static_cast<FailoverLog *>(user);
  std::lock_guard<std::mutex> lock(log->mutex);
  log->messages.emplace_back(event->message != nullptr ? event->message : "");
}

void ListenForFailovers(llmr_router *router, FailoverLog *log) {
  llmr_event_listener listener;
  llmr_event_listener_init(&listener, sizeof listener);
  listener.fn = OnFailover;
  listener.user_data = log;
  ASSERT_EQ(llmr_router_set_event_listener(router, &listener), LLMR_OK);
}

// Threads picking and reporting success on every router until stopped; counts what failed.
class Load {
 public:
  Load(std::vector<llmr_router *> routers, const char *model) {
    for (llmr_router *r : routers) {
      threads_.emplace_back([this, r, model] {
        while (!stop_.load()) {
          if (PickAndReport(r, model, LLMR_OUTCOME_SUCCESS) == LLMR_OK) {
            picks_.fetch_add(1);
          } else {
            failed_.fetch_add(1);
          }
          std::this_thread::sleep_for(std::chrono::microseconds(500));  // pacing only
        }
      });
    }
  }
  ~Load() { Stop(); }
  void Stop() {
    stop_.store(true);
    for (std::thread &t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  int64_t picks() const { return picks_.load(); }
  int64_t failed() const { return failed_.load(); }
  // Waits until `more` picks more were made: the routers are still serving.
  bool Serves(int64_t more = 100) const {
    const int64_t before = picks();
    return Eventually([&] { return picks() > before + more; }, 30);
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> picks_{0};
  std::atomic<int64_t> failed_{0};
  std::vector<std::thread> threads_;
};

// --- Sentinel ---

std::string SentinelConfig(uint16_t master_port) {
  // Quick failure detection for the test; the defaults are 30 s and 3 min.
  return "sentinel monitor mymaster 127.0.0.1 " + std::to_string(master_port) +
         " 2\n"
         "sentinel down-after-milliseconds mymaster 1000\n"
         "sentinel failover-timeout mymaster 5000\n"
         "sentinel parallel-syncs mymaster 1\n";
}

class SentinelFleet : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(master_.Start()) << master_.error();
    replica_ = std::make_unique<RedisServer>(
        std::vector<std::string>{"--replicaof", "127.0.0.1", std::to_string(master_.port())});
    ASSERT_TRUE(replica_->Start()) << replica_->error();
    ASSERT_TRUE(Eventually([&] {
      return RedisCommand(replica_->port(), "INFO replication").find("master_link_status:up") !=
             std::string::npos;
    }));
    for (int i = 0; i < 3; ++i) {
      sentinels_.push_back(std::make_unique<RedisServer>(
          RedisServer::SentinelConfig{SentinelConfig(master_.port())}));
      ASSERT_TRUE(sentinels_.back()->Start()) << sentinels_.back()->error();
    }
    // Every sentinel sees the replica and the two other sentinels: a failover can be authorised.
    ASSERT_TRUE(Eventually(
        [&] {
          for (auto &s : sentinels_) {
            if (RedisCommand(s->port(), "SENTINEL ckquorum mymaster").find("3 usable") ==
                    std::string::npos ||
                RedisCommand(s->port(), "SENTINEL replicas mymaster")
                        .find(std::to_string(replica_->port())) == std::string::npos) {
              return false;
            }
          }
          return true;
        },
        60));
  }
  std::string Url(const std::string &master = "mymaster") const {
    std::string url = "redis-sentinel://";
    for (size_t i = 0; i < sentinels_.size(); ++i) {
      url += (i == 0 ? "" : ",") + Local(sentinels_[i]->port());
    }
    return url + "#" + master;
  }
  RedisServer master_;
  std::unique_ptr<RedisServer> replica_;
  std::vector<std::unique_ptr<RedisServer>> sentinels_;
};

TEST_F(SentinelFleet, RoutersFollowAFailoverAndLoseNoTripMadeAfterIt) {
  Settings s;
  s.url = Url();
  s.connect_timeout_ms = 300;
  s.command_timeout_ms = 300;
  s.cooldown_base_ms = 120000;  // outlasts the failover: the trip is still open when it ends
  RouterPtr a = MakeRouter(s);
  RouterPtr b = MakeRouter(s);
  for (llmr_router *r : {a.get(), b.get()}) {
    AddDeployment(r, "d1", "m");
    AddDeployment(r, "d2", "m");
    AddDeployment(r, "during", "m-during");
    AddDeployment(r, "after", "m-after");
  }
  FailoverLog failovers;
  ListenForFailovers(b.get(), &failovers);
  ASSERT_TRUE(Eventually([&] { return Connected(a.get()) && Connected(b.get()); }));
  Status before = SharedStatus(b.get());
  EXPECT_EQ(before.s.topology, 1);
  EXPECT_EQ(std::string(before.server), Local(master_.port()));
  EXPECT_EQ(before.s.failovers, 0);

  Load load({a.get(), b.get()}, "m");
  ASSERT_TRUE(load.Serves());
  master_.Kill();
  ASSERT_TRUE(Eventually([&] { return !Connected(a.get()) && !Connected(b.get()); }));
  EXPECT_TRUE(load.Serves()) << "the routers stopped serving without their master";
  // A trip while the fleet has no master stays local for now...
  Trip(a.get(), "m-during");
  EXPECT_EQ(Health(b.get(), "during").state, LLMR_BREAKER_CLOSED);

  // ... the sentinels promote the replica, the routers find it ...
  const std::string promoted = Local(replica_->port());
  ASSERT_TRUE(Eventually(
      [&] {
        return Connected(a.get()) && Connected(b.get()) &&
               std::string(SharedStatus(a.get()).server) == promoted &&
               std::string(SharedStatus(b.get()).server) == promoted;
      },
      90))
      << SharedStatus(b.get()).error;
  EXPECT_NE(RedisCommand(replica_->port(), "ROLE").find("master"), std::string::npos);
  // ... and the trip made meanwhile reaches the other router through the new master.
  ASSERT_TRUE(Eventually([&] { return Health(b.get(), "during").state == LLMR_BREAKER_OPEN; }));
  // So does one made after the failover.
  Trip(a.get(), "m-after");
  ASSERT_TRUE(Eventually([&] { return Health(b.get(), "after").state == LLMR_BREAKER_OPEN; }));
  EXPECT_TRUE(load.Serves());
  load.Stop();
  EXPECT_EQ(load.failed(), 0) << "picks failed during the failover";

  const Status after = SharedStatus(b.get());
  EXPECT_EQ(after.s.failovers, 1);
  EXPECT_GE(after.s.connections, 2);
  EXPECT_GE(after.s.sync_failures, 1);
  ASSERT_TRUE(Eventually([&] { return failovers.count() == 1; }));
  EXPECT_NE(failovers.last().find("moved from " + Local(master_.port()) + " to " + promoted),
            std::string::npos)
      << failovers.last();
  ASSERT_EQ(llmr_router_set_event_listener(b.get(), nullptr), LLMR_OK);
}

TEST_F(SentinelFleet, AnUnknownMasterNameFailsTheCreateWithTheSentinelsAsked) {
  Settings s;
  s.url = Url("no-such-master");
  llmr_status st;
  RouterPtr r = MakeRouter(s, &st);
  EXPECT_EQ(st, LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(r, nullptr);
  const std::string message = llmr_error_message();
  EXPECT_NE(message.find("knows a master named 'no-such-master'"), std::string::npos) << message;
  EXPECT_NE(message.find(Local(sentinels_[2]->port())), std::string::npos) << message;
}

TEST_F(SentinelFleet, SentinelsThatAreDownLeaveTheRouterOnLocalStateUntilOneAnswers) {
  Settings s;
  s.url = Url();
  for (auto &sentinel : sentinels_) sentinel->Kill();
  RouterPtr r = MakeRouter(s);
  ASSERT_NE(r, nullptr);
  AddDeployment(r.get(), "d1", "m1");
  EXPECT_EQ(PickAndReport(r.get(), "m1", LLMR_OUTCOME_SUCCESS), LLMR_OK);
  Status status = SharedStatus(r.get());
  EXPECT_EQ(status.s.enabled, 1);
  EXPECT_EQ(status.s.connected, 0);
  EXPECT_EQ(status.s.topology, 1);
  EXPECT_STREQ(status.server, "");
  const std::string error = status.error;
  EXPECT_NE(error.find("no sentinel of redis-sentinel://"), std::string::npos) << error;
  for (auto &sentinel : sentinels_) {
    EXPECT_NE(error.find(Local(sentinel->port()) + ": Connection refused"), std::string::npos)
        << error;
  }
  ASSERT_TRUE(sentinels_[1]->Restart()) << sentinels_[1]->error();
  ASSERT_TRUE(Eventually([&] { return Connected(r.get()); }, 40));
  EXPECT_EQ(std::string(SharedStatus(r.get()).server), Local(master_.port()));
}

// --- Redis Cluster ---

class ClusterFleet : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) {
      const std::string file = "/tmp/llmroute-nodes-" + std::to_string(::getpid()) + "-" +
                               std::to_string(i) + "-" +
                               std::to_string(Clock::now().time_since_epoch().count()) + ".conf";
      files_.push_back(file);
      nodes_.push_back(std::make_unique<RedisServer>(
          std::vector<std::string>{"--cluster-enabled", "yes", "--cluster-config-file", file,
                                   "--cluster-node-timeout", "1000"}));
      ASSERT_TRUE(nodes_.back()->Start()) << nodes_.back()->error();
    }
    std::vector<std::string> create = {"redis-cli", "--cluster", "create"};
    for (auto &node : nodes_) create.push_back(Local(node->port()));
    create.push_back("--cluster-yes");
    ASSERT_EQ(RunProgram(create), 0) << "redis-cli --cluster create failed";
    ASSERT_TRUE(Eventually(
        [&] {
          for (auto &node : nodes_) {
            if (RedisCommand(node->port(), "CLUSTER INFO").find("cluster_state:ok") ==
                std::string::npos) {
              return false;
            }
          }
          return true;
        },
        60));
  }
  void TearDown() override {
    for (auto &node : nodes_) node->Stop();
    for (const std::string &file : files_) ::unlink(file.c_str());
  }
  // The node serving the slot of `{prefix}`: the one that answers a GET of a key there instead
  // of redirecting (MOVED); -1 when none does.
  int Owner(const std::string &prefix) {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (RedisCommand(nodes_[i]->port(), "GET {" + prefix + "}probe") == "$-1\r\n") {
        return static_cast<int>(i);
      }
    }
    return -1;
  }
  std::vector<std::unique_ptr<RedisServer>> nodes_;
  std::vector<std::string> files_;
};

TEST_F(ClusterFleet, RoutersShareTripsAndLimitsThroughTheNodeOfTheirSlot) {
  // A prefix whose slot is not on the seed node: the handshake follows MOVED.
  std::string prefix;
  int owner = -1;
  for (int i = 0; i < 50 && owner <= 0; ++i) {
    prefix = "cl" + std::to_string(i) + ":";
    owner = Owner(prefix);
  }
  ASSERT_GT(owner, 0);
  Settings s;
  s.url = "redis-cluster://" + Local(nodes_[0]->port());
  s.prefix = prefix;
  RouterPtr a = MakeRouter(s);
  RouterPtr b = MakeRouter(s);
  for (llmr_router *r : {a.get(), b.get()}) {
    AddDeployment(r, "d1", "m1");
    AddDeployment(r, "limited", "m-limited", 100000);
  }
  ASSERT_TRUE(Eventually([&] { return Connected(a.get()) && Connected(b.get()); }));
  const Status status = SharedStatus(a.get());
  EXPECT_EQ(status.s.topology, 2);
  EXPECT_EQ(std::string(status.server), Local(nodes_[static_cast<size_t>(owner)]->port()));

  Trip(a.get(), "m1");
  ASSERT_TRUE(Eventually([&] { return Health(b.get(), "d1").state == LLMR_BREAKER_OPEN; }));
  int admitted = 0;
  for (int i = 0; i < 40; ++i) {
    if (PickAndReport(i % 2 == 0 ? a.get() : b.get(), "m-limited", LLMR_OUTCOME_SUCCESS) ==
        LLMR_OK) {
      ++admitted;
    }
  }
  EXPECT_EQ(admitted, 40);
  // Every key of the prefix is in the one slot, on the owner: the usage of both routers is there.
  const uint16_t owner_port = nodes_[static_cast<size_t>(owner)]->port();
  EXPECT_TRUE(Eventually(
      [&] { return SumHashFields(owner_port, "{" + prefix + "}usage:limited", 'r') == 40; }));
  EXPECT_NE(RedisCommand(owner_port, "EXISTS {" + prefix + "}breaker:d1"), ":0\r\n");
}

TEST_F(ClusterFleet, ASlotMovedToAnotherNodeIsFollowedAndLosingAMasterIsReported) {
  const std::string prefix = "mv:";
  const int owner = Owner(prefix);
  ASSERT_GE(owner, 0);
  const size_t from = static_cast<size_t>(owner);
  const size_t to = (from + 1) % nodes_.size();
  const size_t other = (from + 2) % nodes_.size();
  Settings s;
  s.url = "redis-cluster://" + Local(nodes_[other]->port()) + "," + Local(nodes_[to]->port());
  s.prefix = prefix;
  s.connect_timeout_ms = 300;
  s.command_timeout_ms = 300;
  RouterPtr a = MakeRouter(s);
  RouterPtr b = MakeRouter(s);
  for (llmr_router *r : {a.get(), b.get()}) {
    AddDeployment(r, "d1", "m");
    AddDeployment(r, "d2", "m");
    AddDeployment(r, "after", "m-after");
  }
  FailoverLog moves;
  ListenForFailovers(b.get(), &moves);
  ASSERT_TRUE(Eventually([&] { return Connected(a.get()) && Connected(b.get()); }));
  Load load({a.get(), b.get()}, "m");
  ASSERT_TRUE(load.Serves());

  // Reshard the slot as redis-cli --cluster reshard does: importing, migrating, the keys, owner.
  const std::string slot_reply =
      RedisCommand(nodes_[0]->port(), "CLUSTER KEYSLOT {" + prefix + "}");
  ASSERT_EQ(slot_reply[0], ':');
  const std::string slot = std::to_string(std::stoi(slot_reply.substr(1)));
  auto id = [&](size_t i) {
    std::string reply = RedisCommand(nodes_[i]->port(), "CLUSTER MYID");
    const size_t line = reply.find("\r\n");
    return reply.substr(line + 2, reply.find("\r\n", line + 2) - line - 2);
  };
  const std::string from_id = id(from), to_id = id(to);
  ASSERT_EQ(RedisCommand(nodes_[to]->port(), "CLUSTER SETSLOT " + slot + " IMPORTING " + from_id),
            "+OK\r\n");
  ASSERT_EQ(RedisCommand(nodes_[from]->port(), "CLUSTER SETSLOT " + slot + " MIGRATING " + to_id),
            "+OK\r\n");
  ASSERT_TRUE(Eventually([&] {
    // Until the slot is empty on the old owner (the routers' scripts meanwhile get ASK or
    // TRYAGAIN, and retry).
    const std::string keys =
        RedisCommand(nodes_[from]->port(), "CLUSTER GETKEYSINSLOT " + slot + " 100");
    std::vector<std::string> names;
    for (size_t at = 0; (at = keys.find('$', at)) != std::string::npos;) {
      const size_t line = keys.find("\r\n", at);
      const size_t length = std::stoul(keys.substr(at + 1, line - at - 1));
      names.push_back(keys.substr(line + 2, length));
      at = line + 2 + length;
    }
    if (names.empty()) return true;
    std::string migrate =
        "MIGRATE 127.0.0.1 " + std::to_string(nodes_[to]->port()) + " \"\" 0 5000 REPLACE KEYS";
    for (const std::string &name : names) migrate += " " + name;
    RedisCommand(nodes_[from]->port(), migrate);
    return false;
  }));
  for (auto &node : nodes_) {
    ASSERT_EQ(RedisCommand(node->port(), "CLUSTER SETSLOT " + slot + " NODE " + to_id), "+OK\r\n");
  }
  const std::string new_owner = Local(nodes_[to]->port());
  ASSERT_TRUE(Eventually([&] {
    return Connected(a.get()) && std::string(SharedStatus(a.get()).server) == new_owner &&
           Connected(b.get()) && std::string(SharedStatus(b.get()).server) == new_owner;
  }));
  ASSERT_TRUE(Eventually([&] { return moves.count() >= 1; }));
  EXPECT_NE(moves.last().find("to " + new_owner), std::string::npos) << moves.last();
  EXPECT_GE(SharedStatus(b.get()).s.failovers, 1);
  Trip(a.get(), "m-after");
  ASSERT_TRUE(Eventually([&] { return Health(b.get(), "after").state == LLMR_BREAKER_OPEN; }));

  // A master lost (not the slot's): the cluster stops serving writes (CLUSTERDOWN, full coverage
  // required), the routers say so and keep routing on local state.
  nodes_[other]->Kill();
  ASSERT_TRUE(Eventually([&] { return !Connected(a.get()) && !Connected(b.get()); }, 60));
  const std::string error = SharedStatus(a.get()).error;
  EXPECT_NE(error.find("CLUSTERDOWN"), std::string::npos) << error;
  EXPECT_TRUE(load.Serves());
  load.Stop();
  EXPECT_EQ(load.failed(), 0);
  ASSERT_EQ(llmr_router_set_event_listener(b.get(), nullptr), LLMR_OK);
}

TEST_F(ClusterFleet, AnRpmLimitHoldsAcrossThreeRoutersOnTheCluster) {
  constexpr uint32_t kRpm = 100;
  constexpr uint32_t kBound = 2 * 5;  // (N - 1) x max(1, floor(100 x 0.05)), docs/fleet.md
  Settings s;
  s.url = "redis-cluster://" + Local(nodes_[0]->port()) + "," + Local(nodes_[1]->port());
  s.prefix = "rpm:";
  std::vector<RouterPtr> routers;
  for (int i = 0; i < 3; ++i) {
    routers.push_back(MakeRouter(s));
    AddDeployment(routers.back().get(), "limited", "m", kRpm);
  }
  ASSERT_TRUE(Eventually([&] {
    for (auto &r : routers) {
      if (!Connected(r.get())) return false;
    }
    return true;
  }));
  std::atomic<bool> stop{false};
  std::atomic<uint32_t> admitted{0}, unexpected{0};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (auto &r : routers) {
    threads.emplace_back([&, router = r.get()] {
      while (!stop.load()) {
        const llmr_status st = PickAndReport(router, "m", LLMR_OUTCOME_SUCCESS);
        if (st == LLMR_OK) {
          admitted.fetch_add(1);
        } else if (st == LLMR_ERR_RATE_LIMITED) {
          std::this_thread::sleep_for(std::chrono::microseconds(200));  // pacing, not a verdict
        } else {
          unexpected.fetch_add(1);
        }
      }
    });
  }
  const bool reached = Eventually([&] { return admitted.load() >= kRpm; }, 40);
  // A few more exchanges of every router, so that none could still admit on stale counts.
  std::vector<int64_t> syncs;
  for (auto &r : routers) syncs.push_back(SharedStatus(r.get()).s.syncs);
  const bool settled = Eventually([&] {
    for (size_t i = 0; i < routers.size(); ++i) {
      if (SharedStatus(routers[i].get()).s.syncs < syncs[i] + 3) return false;
    }
    return true;
  });
  stop.store(true);
  for (std::thread &t : threads) t.join();
  ASSERT_TRUE(reached) << "the fleet admitted only " << admitted.load() << " of " << kRpm;
  ASSERT_TRUE(settled);
  ASSERT_LT(Clock::now() - start, std::chrono::seconds(55));  // else the window moved on
  EXPECT_EQ(unexpected.load(), 0u);
  EXPECT_LE(admitted.load(), kRpm + kBound);
  // Every admission is in the slot owner's usage hash, once.
  const int owner = Owner("rpm:");
  ASSERT_GE(owner, 0);
  EXPECT_EQ(SumHashFields(nodes_[static_cast<size_t>(owner)]->port(), "{rpm:}usage:limited", 'r'),
            admitted.load());
}

// --- a Redis that hangs ---

class SlowRedis : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(redis_.Start()) << redis_.error(); }
  RedisServer redis_{{"--enable-debug-command", "yes"}};
};

// The exchange in flight when Redis stops answering is applied once it resumes (the commands
// wait in its socket); the router, which gave up on it, sends that usage again, and the store
// must not count it twice.
void HangThenResume(RedisServer &redis, const std::function<void()> &hang,
                    const std::function<void()> &resume) {
  Settings s;
  s.url = redis.url();
  s.prefix = "slow:";
  s.sync_interval_ms = 20;
  s.command_timeout_ms = 200;
  s.connect_timeout_ms = 200;
  RouterPtr a = MakeRouter(s);
  AddDeployment(a.get(), "capped", "m", 1000000);
  ASSERT_TRUE(Eventually([&] { return Connected(a.get()); }));
  Load load({a.get()}, "m");
  ASSERT_TRUE(load.Serves());
  hang();
  ASSERT_TRUE(Eventually([&] { return !Connected(a.get()); }));
  const std::string error = SharedStatus(a.get()).error;
  EXPECT_NE(error.find("no answer from Redis at 127.0.0.1:" + std::to_string(redis.port()) +
                       " within 200 ms"),
            std::string::npos)
      << error;
  EXPECT_TRUE(load.Serves()) << "picks waited on a hanging Redis";
  resume();
  ASSERT_TRUE(Eventually([&] { return Connected(a.get()); }, 40));
  ASSERT_TRUE(load.Serves());
  load.Stop();
  EXPECT_EQ(load.failed(), 0);
  // Everything admitted reaches Redis once, nothing twice.
  const uint64_t admitted = static_cast<uint64_t>(load.picks());
  EXPECT_TRUE(Eventually([&] {
    return SumHashFields(redis.port(), "slow:usage:capped", 'r') == admitted;
  })) << SumHashFields(redis.port(), "slow:usage:capped", 'r')
      << " stored, " << admitted << " admitted";
}

TEST_F(SlowRedis, APausedRedisIsReportedAndNothingIsCountedTwiceAfterItResumes) {
  HangThenResume(
      redis_, [&] { redis_.Pause(); }, [&] { redis_.Resume(); });
}

TEST_F(SlowRedis, ADebugSleepIsReportedAndNothingIsCountedTwiceAfterIt) {
  std::thread sleeper;
  HangThenResume(
      redis_,
      [&] { sleeper = std::thread([&] { RedisCommand(redis_.port(), "DEBUG SLEEP 2", 10); }); },
      [&] { sleeper.join(); });
  if (sleeper.joinable()) sleeper.join();  // when the test stopped before resuming
}

}  // namespace

// TLS to Redis through a local tunnel (docs/fleet.md, "TLS"): the hiredis of Debian 12 has no TLS
// and this library's connection speaks plain TCP, so a fleet reaching a TLS-only Redis runs
// stunnel next to each gateway. The test stands up both ends on 127.0.0.1: a server-side stunnel
// that terminates TLS in front of redis-server (as a managed Redis's TLS port would), and a
// client-side stunnel the routers connect to in plain text.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "fleet_client.hpp"
#include "llmroute/llmroute.h"
#include "redis_server.hpp"

#ifndef LLMR_STUNNEL
#define LLMR_STUNNEL "stunnel4"
#endif

namespace {

using namespace llmroute::testing::fleet;  // NOLINT: the tests' vocabulary
using llmroute::testing::ChildProcess;
using llmroute::testing::FreeLocalPort;
using llmroute::testing::RedisCommand;
using llmroute::testing::RedisServer;
using llmroute::testing::RunProgram;

std::string WriteFile(const std::string &path, const std::string &text) {
  FILE *file = std::fopen(path.c_str(), "w");
  if (file != nullptr) {
    std::fputs(text.c_str(), file);
    std::fclose(file);
  }
  return path;
}

class TlsTunnel : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.Start()) << redis_.error();
    dir_ = "/tmp/llmroute-tls-" + std::to_string(::getpid());
    ASSERT_EQ(RunProgram({"mkdir", "-p", dir_}), 0);
    // A throwaway self-signed certificate for 127.0.0.1.
    ASSERT_EQ(RunProgram({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                          "-subj", "/CN=127.0.0.1", "-keyout", dir_ + "/key.pem", "-out",
                          dir_ + "/cert.pem"}),
              0);
    tls_port_ = FreeLocalPort();
    plain_port_ = FreeLocalPort();
    const std::string server_conf = WriteFile(
        dir_ + "/server.conf",
        "foreground = yes\npid =\n[redis-tls]\naccept = 127.0.0.1:" + std::to_string(tls_port_) +
            "\nconnect = 127.0.0.1:" + std::to_string(redis_.port()) + "\ncert = " + dir_ +
            "/cert.pem\nkey = " + dir_ + "/key.pem\n");
    // The client end checks the server's certificate (verifyPeer with the pinned certificate).
    const std::string client_conf = WriteFile(
        dir_ + "/client.conf",
        "foreground = yes\npid =\n[redis-plain]\nclient = yes\naccept = 127.0.0.1:" +
            std::to_string(plain_port_) + "\nconnect = 127.0.0.1:" + std::to_string(tls_port_) +
            "\nverifyPeer = yes\nCAfile = " + dir_ + "/cert.pem\n");
    ASSERT_TRUE(server_.Start({LLMR_STUNNEL, server_conf}));
    ASSERT_TRUE(client_.Start({LLMR_STUNNEL, client_conf}));
    ASSERT_TRUE(Eventually([&] { return RedisCommand(plain_port_, "PING") == "+PONG\r\n"; }, 30));
  }
  void TearDown() override {
    client_.Stop();
    server_.Stop();
    RunProgram({"rm", "-rf", dir_});
  }
  RedisServer redis_;
  ChildProcess server_, client_;
  std::string dir_;
  uint16_t tls_port_ = 0, plain_port_ = 0;
};

TEST_F(TlsTunnel, RoutersShareATripThroughAStunnelTunnel) {
  // The Redis port of the tunnel speaks TLS only: plain Redis there gets no PONG.
  EXPECT_NE(RedisCommand(tls_port_, "PING"), "+PONG\r\n");
  Settings s;
  s.url = "redis://127.0.0.1:" + std::to_string(plain_port_);
  RouterPtr a = MakeRouter(s);
  RouterPtr b = MakeRouter(s);
  AddDeployment(a.get(), "d1", "m1");
  AddDeployment(b.get(), "d1", "m1");
  ASSERT_TRUE(Eventually([&] { return Connected(a.get()) && Connected(b.get()); }));
  Trip(a.get(), "m1");
  ASSERT_TRUE(Eventually([&] { return Health(b.get(), "d1").state == LLMR_BREAKER_OPEN; }));
  // The state went through the tunnel into the Redis behind it.
  EXPECT_NE(RedisCommand(redis_.port(), "HGET test:breaker:d1 open"), "$-1\r\n");
}

}  // namespace

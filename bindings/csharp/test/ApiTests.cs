using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using LlmRoute;

// The API beyond pick/report, the C# idioms, Dispose from any thread, and undisposed routers.
public static partial class Tests {
  const string Config = "{\"router_settings\": {\"strategy\": \"cost\","
      + " \"breaker\": {\"consecutive_failures\": 2, \"cooldown_base_ms\": 700, \"jitter\": 0}},"
      + " \"deployments\": ["
      + "  {\"name\": \"cheap\", \"models\": [\"m\"], \"cost_per_million_input\": 1, \"cost_per_million_output\": 2},"
      + "  {\"name\": \"dear\", \"models\": [\"m\"], \"cost_per_million_input\": 10, \"cost_per_million_output\": 20}],"
      + " \"aliases\": {\"alias\": \"m\"}}";

  public static void TestFromConfigAppliesRouterSettings() {
    using (var r = Router.FromConfig(Config)) {
      var p = r.Pick("alias");
      Assert.Equal("cheap", p.Deployment, "cost strategy");
      r.Report(p.Ticket, Outcome.SERVER_ERROR, 1);
      r.Report(r.Pick("m").Ticket, Outcome.SERVER_ERROR, 1);
      Assert.Equal(BreakerState.OPEN, r.GetHealth("cheap").State, "2 failures trip (breaker.consecutive_failures)");
      Assert.Equal("dear", r.Pick("m").Deployment, "the other one");
      r.ApplyConfig(Config);
      Assert.Equal(2L, r.Stats.ConfigsApplied, "applied");
    }
    string path = Path.GetTempFileName();
    try {
      File.WriteAllText(path, Config);
      using (var r = Router.FromConfigFile(path)) {
        Assert.Equal(2, r.HealthList.Count, "from file");
        r.ApplyConfigFile(path);
      }
    } finally {
      File.Delete(path);
    }
    string bad = "{\"deployments\": [{\"name\": \"x\", \"models\": [\"m\"], \"weight\": 0}]}";
    var e = Assert.Throws<LlmRouteException>(() => Router.FromConfig(bad), "bad config");
    Assert.Equal(Status.CONFIG, e.Status, "status");
    Assert.True(e.Message.StartsWith("$.deployments[0].weight"), e.Message);
    Assert.Throws<LlmRouteException>(() => Router.ValidateConfig(bad), "validate");
    Router.ValidateConfig(Config);
  }

  public static void TestPickOptionsAndPrices() {
    using (var r = Router.Create()) {
      for (int i = 0; i < 6; i++) {
        var d = new Deployment("d" + i, "m");
        d.AddTag(i % 2 == 0 ? "eu" : "us");
        d.CostPerMillionInput = i + 1;
        d.CostPerMillionOutput = i + 1;
        r.AddDeployment(d);
      }
      var seen = new HashSet<string>();
      for (int i = 0; i < 30; i++) {
        var o = new PickOptions();
        o.AffinityKey = "conversation-42";
        var p = r.Pick("m", o);
        seen.Add(p.Deployment);
        r.Cancel(p.Ticket);
      }
      Assert.Equal(1, seen.Count, "affinity");
      for (int i = 0; i < 12; i++) {
        var o = new PickOptions();
        o.AddRequiredTag("us");
        var p = r.Pick("m", o);
        Assert.True(new[] {"d1", "d3", "d5"}.Contains(p.Deployment), "tags: " + p.Deployment);
        r.Cancel(p.Ticket);
        o = new PickOptions();
        o.ExpectedInputTokens = 1000000;
        o.ExpectedOutputTokens = 1000000;
        o.MaxPrice = 4;
        p = r.Pick("m", o);
        Assert.True(p.Deployment == "d0" || p.Deployment == "d1", "max price: " + p.Deployment);
        r.Cancel(p.Ticket);
      }
      var ex = new PickOptions();
      foreach (var n in new[] {"d0", "d1", "d2", "d3", "d5"}) ex.AddExclude(n);
      var last = r.Pick("m", ex);
      Assert.Equal("d4", last.Deployment, "exclude");
      r.Report(last.Ticket, Outcome.SUCCESS, 10, 5, 0, 100, 200);
      var d0 = new Deployment("x", "gpt-4o*", "o1");
      Assert.Equal("gpt-4o*,o1", string.Join(",", d0.Models), "models property");
      Assert.True(d0.CostPerMillionInput < 0, "no price by default");
      d0.CostPerMillionInput = double.NaN;
      var e = Assert.Throws<LlmRouteException>(() => r.AddDeployment(d0), "NaN price");
      Assert.True(e.Message.Contains("cost"), e.Message);
      r.SetModelStrategy("m", Strategy.COST);
      r.SetFallbacks("m", FallbackKind.CONTEXT_WINDOW, new[] {"other"});
      r.SetAlias("a", "m");
      r.RemoveAlias("a");
      var upd = new Deployment("d0", "m");
      upd.Weight = 3;
      r.UpdateDeployment(upd);
      Assert.Equal(3u, r.GetHealth("d0").Weight, "updated");
    }
  }

  public static void TestStatsAndMetricsText() {
    using (var r = Router.Create()) {
      r.AddDeployment(new Deployment("a", "m"));
      for (int i = 0; i < 3; i++) r.Report(r.Pick("m").Ticket, Outcome.SUCCESS, 40, 10, 0, 7, 11);
      r.Cancel(r.Pick("m").Ticket);
      RouterStats s = r.Stats;
      DeploymentStats d = s.Deployments[0];
      Assert.Equal("a", d.Name, "name");
      Assert.Equal(4L, d.Picks, "picks");
      Assert.Equal(3L, d.Successes, "successes");
      Assert.Equal(1L, d.Cancels, "cancels");
      Assert.Equal(21L, d.InputTokens, "input tokens");
      Assert.Equal("m", s.Models[0].Model, "model");
      Assert.Equal(4L, s.Models[0].Picks, "model picks");
      Assert.True(s.MetricsText.Contains("llmroute_deployment_picks_total{deployment=\"a\"} 4"), s.MetricsText);
      string text = r.MetricsText();
      Assert.True(text.Contains("# TYPE llmroute_deployment_picks_total counter"), text);
      Assert.True(text.Contains("llmroute_deployment_picks_total{deployment=\"a\"} 4"), text);
    }
  }

  public static void TestEventsFromCallsAndANativeThread() {
    var events = new List<Event>();
    var threads = new HashSet<int>();
    int released = 0;
    using (var r = Router.FromConfig(Config)) {
      r.SetEventListener(e => { lock (events) { events.Add(e); threads.Add(Thread.CurrentThread.ManagedThreadId); } },
                         () => Interlocked.Increment(ref released));
      var ex = new PickOptions();
      ex.AddExclude("dear");
      for (int i = 0; i < 2; i++) r.Report(r.Pick("m", ex).Ticket, Outcome.SERVER_ERROR, 1);
      Event trip = events[0];
      Assert.Equal(EventKind.BREAKER, trip.Kind, "kind");
      Assert.Equal("cheap", trip.Deployment, "deployment");
      Assert.Equal(BreakerState.OPEN, trip.ToState, "to");
      Assert.Equal(700L, trip.CooldownMs, "cooldown");
      r.ApplyConfig(Config.Replace("\"name\": \"dear\"", "\"name\": \"new\""));
      Event applied = events[events.Count - 1];
      Assert.Equal(EventKind.CONFIG_APPLIED, applied.Kind, "applied");
      Assert.Equal("new", string.Join(",", applied.Added), "added");
      Assert.Equal("dear", string.Join(",", applied.Removed), "removed");
      Assert.Throws<LlmRouteException>(() => r.ApplyConfig("{\"deployments\": 7}"), "rejected");
      Assert.True(events[events.Count - 1].Message.StartsWith("$.deployments"), "rejected message");
      // from a thread .NET did not start: calls on a native thread trip "new"
      r.SetAdapter("new", (a, res) => res.Outcome = Outcome.SERVER_ERROR);
      r.SetAdapter("cheap", (a, res) => res.Outcome = Outcome.SERVER_ERROR);
      lock (events) { events.Clear(); threads.Clear(); }
      try { r.NativeForTests.CallOnNativeThread("m", "x", 2); } catch (LlmRouteException) {}
      lock (events) {
        Assert.True(events.Any(e => e.Kind == EventKind.BREAKER && e.ToState == BreakerState.OPEN), "native-thread event");
        Assert.True(!threads.Contains(Thread.CurrentThread.ManagedThreadId), "delivered on the native thread");
      }
      r.SetEventListener(e => { throw new InvalidOperationException("listener bug"); });
      Assert.Equal(1, released, "replaced listener released once");
      r.ApplyConfig(Config);
    }
  }

  static int FreePort() {
    var l = new TcpListener(IPAddress.Loopback, 0);
    l.Start();
    int port = ((IPEndPoint)l.LocalEndpoint).Port;
    l.Stop();
    return port;
  }

  static string SharedConfig(string url, string prefix) {
    return "{\"router_settings\": {\"breaker\": {\"consecutive_failures\": 2, \"jitter\": 0},"
        + " \"shared_state\": {\"url\": \"" + url + "\", \"key_prefix\": \"" + prefix + "\", \"sync_interval_ms\": 10}},"
        + " \"deployments\": [{\"name\": \"x\", \"models\": [\"m\"]}, {\"name\": \"y\", \"models\": [\"m\"]}]}";
  }

  static bool WaitFor(Func<bool> p) {
    for (int i = 0; i < 1000; i++) { if (p()) return true; Thread.Sleep(10); }
    return p();
  }

  public static void TestFeatureEnabled() {
    bool redis = Router.FeatureEnabled("redis");
    // The answer matches what the library does: a Redis URL is accepted only with the feature.
    var shared = new SharedStateOptions();
    shared.Url = "redis://127.0.0.1:" + FreePort();
    bool created;
    try {
      using (Router.Create(new RouterOptions(), shared)) created = true;
    } catch (LlmRouteException) {
      created = false;
    }
    Assert.Equal(redis, created, "feature redis vs a router with a Redis URL");
    Assert.Throws<LlmRouteException>(() => Router.FeatureEnabled("no-such-feature"), "unknown feature");
  }

  // The Sentinel and Cluster URL forms are accepted and reported in the status (nothing listens
  // on the ports: the router starts on local state and says which sentinels or nodes failed).
  public static void TestSharedStateSentinelAndClusterUrls() {
    var shared = new SharedStateOptions();
    shared.Url = "redis-sentinel://:secret@127.0.0.1:" + FreePort() + ",127.0.0.1:" + FreePort() + "#gw";
    using (var r = Router.Create(new RouterOptions(), shared)) {
      var s = r.SharedStateStatus;
      Assert.True(s.Enabled && !s.Connected, "sentinel: enabled, not connected");
      Assert.True(s.LastError.Contains("no sentinel of redis-sentinel://:***@127.0.0.1:") &&
                  s.LastError.Contains("'gw'") && !s.LastError.Contains("secret"), s.LastError);
      Assert.Equal(1, s.Topology, "sentinel topology");
      Assert.Equal("", s.Server, "no server while not connected");
    }
    shared.Url = "redis-cluster://127.0.0.1:" + FreePort();
    using (var r = Router.Create(new RouterOptions(), shared)) {
      var s = r.SharedStateStatus;
      Assert.True(s.Enabled && !s.Connected, "cluster: enabled, not connected");
      Assert.True(s.LastError.Contains("no node of Redis Cluster redis-cluster://127.0.0.1:"), s.LastError);
      Assert.Equal(2, s.Topology, "cluster topology");
      Assert.Equal(0L, s.Failovers, "no failover yet");
    }
    shared.Url = "redis-sentinel://127.0.0.1:26379";
    var e = Assert.Throws<LlmRouteException>(() => Router.Create(new RouterOptions(), shared), "no master name");
    Assert.Equal(Status.INVALID_ARGUMENT, e.Status, "status");
    Assert.True(e.Message.Contains("the master name is missing"), e.Message);
  }

  public static void TestSharedStateAndAnEventFromTheSyncThread() {
    using (var r = Router.Create()) Assert.True(!r.SharedStateStatus.Enabled, "off by default");
    var shared = new SharedStateOptions();
    shared.Url = "redis://:secret@127.0.0.1:" + FreePort();
    shared.KeyPrefix = "unreach:";
    shared.SyncIntervalMs = 10;
    using (var r = Router.Create(new RouterOptions(), shared)) {
      Assert.True(WaitFor(() => r.SharedStateStatus.SyncFailures > 0), "failures counted");
      var s = r.SharedStateStatus;
      Assert.True(s.Enabled && !s.Connected, "enabled, not connected");
      Assert.True(s.LastError.Contains("127.0.0.1") && !s.LastError.Contains("secret"), s.LastError);
    }
    string server = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':')
        .Select(d => Path.Combine(d, "redis-server")).FirstOrDefault(File.Exists);
    Assert.True(server != null, "redis-server is needed (apt-get install redis-server)");
    int port = FreePort();
    var psi = new ProcessStartInfo(server, "--port " + port + " --bind 127.0.0.1 --save \"\" --appendonly no");
    psi.UseShellExecute = false;
    psi.RedirectStandardOutput = true;
    using (var redis = Process.Start(psi)) {
      try {
        string url = "redis://127.0.0.1:" + port, prefix = "cs-" + Guid.NewGuid() + ":";
        Assert.True(WaitFor(() => { try { using (var c = new TcpClient("127.0.0.1", port)) return true; } catch (SocketException) { return false; } }), "redis started");
        using (var a = Router.FromConfig(SharedConfig(url, prefix)))
        using (var b = Router.FromConfig(SharedConfig(url, prefix))) {
          Assert.True(WaitFor(() => a.SharedStateStatus.Connected && b.SharedStateStatus.Connected), "connected");
          var events = new List<Event>();
          var threads = new HashSet<int>();
          b.SetEventListener(e => { lock (events) { events.Add(e); threads.Add(Thread.CurrentThread.ManagedThreadId); } });
          var ex = new PickOptions();
          ex.AddExclude("y");
          for (int i = 0; i < 2; i++) a.Report(a.Pick("m", ex).Ticket, Outcome.SERVER_ERROR, 1);
          Assert.True(WaitFor(() => { lock (events) return events.Any(e => e.Deployment == "x" && e.ToState == BreakerState.OPEN); }), "event on the other instance");
          lock (events) Assert.True(!threads.Contains(Thread.CurrentThread.ManagedThreadId), "on llmroute's thread");
          Assert.True(b.SharedStateStatus.RemoteOpens >= 1, "remote opens");
          Assert.Equal("y", b.Pick("m").Deployment, "avoids x");
        }
      } finally {
        redis.Kill();
        redis.WaitForExit(10000);
      }
    }
  }

  public static void TestLabelsAndVersion() {
    Assert.Equal("round_robin", Strategy.ROUND_ROBIN.Label(), "strategy");
    foreach (Strategy s in Enum.GetValues(typeof(Strategy)))
      if (s != Strategy.DEFAULT) Assert.Equal(s, Labels.ParseStrategy(s.Label()), "round trip " + s);
    Assert.Throws<LlmRouteException>(() => Labels.ParseStrategy("fastest"), "unknown");
    Assert.Equal("rate_limited", Outcome.RATE_LIMITED.Label(), "outcome");
    Assert.Equal("half_open", BreakerState.HALF_OPEN.Label(), "state");
    Assert.Equal("content_policy", FallbackKind.CONTENT_POLICY.Label(), "kind");
    Assert.Equal("config_rejected", EventKind.CONFIG_REJECTED.Label(), "event");
    Assert.Equal("LLMR_ERR_UPSTREAM", Status.UPSTREAM.Label(), "status");
    Assert.Equal(Native.HeaderVersion(), Native.LibraryVersion(), "version");
    Assert.True(Native.LibraryVersionString().Length > 0, "version string");
  }

  public static void TestAdapterExceptionIsTheInnerException() {
    using (var r = Router.Create()) {
      r.AddDeployment(new Deployment("a", "m"));
      var boom = new InvalidOperationException("adapter bug");
      r.SetAdapter("a", (args, res) => { throw boom; });
      var o = Fast();
      o.MaxAttempts = 1;
      var e = Assert.Throws<LlmRouteException>(() => r.Call("m", "x", o), "call");
      Assert.True(ReferenceEquals(boom, e.InnerException), "InnerException is the adapter's: " + e);
      Assert.True(e.CallResult != null && e.CallResult.Attempts[0].AdapterFailed, "report kept");
      r.SetAdapter("a", (args, res) => res.Outcome = Outcome.SERVER_ERROR);
      e = Assert.Throws<LlmRouteException>(() => r.Call("m", "x", o), "provider failure");
      Assert.True(e.InnerException == null, "nothing carried over");
    }
  }

  public static void TestCallAsyncWithACancellationToken() {
    using (var r = Router.Create()) {
      r.AddDeployment(new Deployment("a", "m"));
      var started = new ManualResetEventSlim();
      r.SetAdapter("a", (args, res) => {
        if (args.Request == "slow") {
          started.Set();
          for (int i = 0; i < 5000 && args.Check() != Status.CANCELLED; i++) Thread.Sleep(1);
          res.Outcome = Outcome.TIMEOUT;
          return;
        }
        args.SetResponse("ok:" + args.Request);
      });
      Assert.Equal("ok:fast", r.CallAsync("m", "fast").Result.Response, "async result");
      using (var cts = new CancellationTokenSource()) {
        var t = r.CallAsync("m", "slow", Fast(), cts.Token);
        started.Wait();
        cts.Cancel();
        var ae = Assert.Throws<AggregateException>(() => t.Wait(), "cancelled task");
        Assert.True(ae.InnerException is OperationCanceledException, "OperationCanceledException: " + ae.InnerException);
        Assert.True(t.IsCanceled, "task is cancelled");
      }
    }
  }

  public static void TestNoTestHooksInThePublicApi() {
    foreach (var m in typeof(Router).GetMethods()) {
      Assert.True(!m.Name.Contains("NativeThread") && !m.Name.EndsWith("Native") && !m.Name.Contains("ForTests"), "public " + m.Name);
    }
    Assert.True(!typeof(Router).Assembly.GetType("LlmRoute.NativeRouter").IsPublic, "NativeRouter internal");
  }

  /// Dispose from any thread while 4 threads pick, report, cancel and call, 50 rounds.
  public static void TestDisposeWhileFourThreadsPickAndReport() {
    for (int round = 0; round < 50; round++) {
      var r = Router.Create();
      for (int i = 0; i < 4; i++) r.AddDeployment(new Deployment("d" + i, "m"));
      r.SetAdapter("d0", (a, res) => res.Outcome = Outcome.SUCCESS);
      var running = new CountdownEvent(4);
      int unexpected = 0, total = 0;
      var workers = Enumerable.Range(0, 4).Select(t => new Thread(() => {
        int done = 0;
        var p = new PickResult();
        try {
          while (true) {
            r.Pick("m", p);
            if (done++ == 20) running.Signal();
            if (t == 3 && done % 8 == 0) r.Call("m", "x");
            if (done % 5 == 0) r.Cancel(p.Ticket); else r.Report(p.Ticket, Outcome.SUCCESS, 1);
          }
        } catch (ObjectDisposedException) {
        } catch (Exception e) {
          Console.WriteLine("unexpected: " + e);
          Interlocked.Increment(ref unexpected);
        }
        Interlocked.Add(ref total, done);
      })).ToList();
      workers.ForEach(w => w.Start());
      running.Wait();
      if (round % 2 == 0) { var closer = new Thread(r.Dispose); closer.Start(); closer.Join(); }
      else r.Dispose();
      workers.ForEach(w => w.Join());
      Assert.Equal(0, unexpected, "only ObjectDisposedException");
      Assert.True(total > 80, "picked");
      Assert.Throws<ObjectDisposedException>(() => r.Pick("m"), "after dispose");
    }
  }

  public static void TestDisposeFromInsideAnAdapter() {
    var r = Router.Create();
    r.AddDeployment(new Deployment("a", "m"));
    r.SetAdapter("a", (args, res) => { r.Dispose(); res.Outcome = Outcome.SUCCESS; });
    Assert.Equal("a", r.Call("m", "x").Deployment, "the call in progress finished");
    Assert.Throws<ObjectDisposedException>(() => r.Pick("m"), "then disposed");
  }

  static long RssKiB() {
    foreach (var line in File.ReadAllLines("/proc/self/status"))
      if (line.StartsWith("VmRSS:")) return long.Parse(new string(line.Where(char.IsDigit).ToArray()));
    throw new AssertionException("no VmRSS");
  }

  static void DropOne(int i) {
    var r = Router.Create();
    r.AddDeployment(new Deployment("d", "m"));
    r.SetAdapter("d", (args, res) => { args.SetResponse("{\"ok\":" + i + "}"); res.Outcome = Outcome.SUCCESS; });
    r.Call("m", "{}");
    r.Report(r.Pick("m").Ticket, Outcome.SUCCESS, 3);
  }

  /// 20 000 routers that each made a call and were never disposed: the SafeHandle's finalizer
  /// releases them and resident memory stays flat.
  public static void TestUndisposedRoutersDoNotLeak() {
    int pinned = Adapter.PinnedCount;
    for (int i = 0; i < 2000; i++) DropOne(i);
    ForceGc();
    long warm = RssKiB();
    for (int i = 0; i < 20000; i++) DropOne(i);
    for (int i = 0; i < 20 && RouterHandle.Unreleased > 0; i++) ForceGc();
    long after = RssKiB();
    Console.WriteLine("undisposed routers: RSS " + warm + " KiB after 2000, " + after + " KiB after 20000 more (" +
                      (after - warm) + " KiB); unreleased " + RouterHandle.Unreleased);
    Assert.True(after - warm < 150 * 1024, "RSS grew by " + (after - warm) + " KiB");
    Assert.Equal(0, RouterHandle.Unreleased, "every dropped router was released");
    Assert.Equal(pinned, Adapter.PinnedCount, "their adapters were released");
  }
}

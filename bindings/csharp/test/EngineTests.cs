using System;
using System.Linq;
using LlmRoute;

// Inference engines: prefix hashes (the vectors every binding shares), load reports and the
// engine_aware strategy, on a fake clock.
public static partial class Tests {
  public static void TestPrefixHashesMatchTheDocumentedVectors() {
    Assert.True(Router.PrefixHashes("abcdefgh", 4).SequenceEqual(
        new[] { unchecked((long)0xfc179f83ee0724ddUL), unchecked((long)0x817603888772b7b0UL) }), "abcdefgh/4");
    Assert.True(Router.PrefixHashes("You are a helpful assistant.", 8).SequenceEqual(
        new[] { unchecked((long)0x9e182a5566490532UL), unchecked((long)0xf17f507477172ad9UL),
                unchecked((long)0xa18b8cf783e6344bUL) }), "assistant/8");
    Assert.Equal(1, Router.PrefixHashes("abcdefghij", 4, 1).Length, "cap");
    var e = Assert.Throws<LlmRouteException>(() => Router.PrefixHashes("abcd", 0), "block 0");
    Assert.True(e.Message.Contains("block_bytes"), e.Message);
  }

  static Router EngineRouter(FakeClock clock) {
    var o = new RouterOptions();
    o.Strategy = Strategy.ENGINE_AWARE;
    var r = new Router(o, clock, new CounterRandom());
    r.AddDeployment(Dep("a", 0, "m"));
    r.AddDeployment(Dep("b", 0, "m"));
    return r;
  }

  static PickOptions WithPrefix(long[] hashes, string exclude = null) {
    var o = new PickOptions();
    foreach (var h in hashes) o.AddPrefixHash(h);
    if (exclude != null) o.AddExclude(exclude);
    return o;
  }

  static string EnginePick(Router r, PickOptions o) {
    var p = r.Pick("m", o);
    r.Cancel(p.Ticket);
    return p.Deployment;
  }

  public static void TestPrefixBeatsLoadUntilTheGuardTripsAndStaleLoadIsIgnored() {
    var clock = new FakeClock();
    using (var r = EngineRouter(clock)) {
      var prefix = Router.PrefixHashes(string.Concat(Enumerable.Repeat("system prompt ", 40)), 64);
      Assert.Equal("a", EnginePick(r, WithPrefix(prefix, "b")), "seeding pick");
      r.ReportLoad("a", 20, 0, 0.5);
      r.ReportLoad("b", 0, 0, 0.5);
      for (int i = 0; i < 10; i++) Assert.Equal("a", EnginePick(r, WithPrefix(prefix)), "prefix holder");
      r.ReportLoad("a", 100, 0, 0.5);  // 100 - 0 > 64 and 100 > 1.5 x 0
      Assert.Equal("b", EnginePick(r, WithPrefix(prefix)), "imbalance guard");
      clock.SleepNanos(2001000000L);  // past engine_load_stale_ms
      r.ReportLoad("b", 0, 0, 0.5);
      var fresh = Router.PrefixHashes(string.Concat(Enumerable.Repeat("another prompt ", 40)), 64);
      Assert.Equal("a", EnginePick(r, WithPrefix(fresh, "b")), "seeding pick 2");
      for (int i = 0; i < 10; i++) Assert.Equal("a", EnginePick(r, WithPrefix(fresh)), "stale load ignored");
    }
  }

  public static void TestReportLoadRejectsBadInput() {
    using (var r = EngineRouter(new FakeClock())) {
      var cases = new[] {
        Tuple.Create(1L, 1L, 1.5, "kv_cache_utilization"), Tuple.Create(1L, 1L, double.NaN, "kv_cache_utilization"),
        Tuple.Create(-1L, 1L, 0.5, "waiting"), Tuple.Create(1L, -1L, 0.5, "running"),
      };
      foreach (var c in cases) {
        var e = Assert.Throws<LlmRouteException>(() => r.ReportLoad("a", c.Item1, c.Item2, c.Item3), c.Item4);
        Assert.Equal(Status.INVALID_ARGUMENT, e.Status, c.Item4);
        Assert.True(e.Message.Contains(c.Item4), e.Message);
      }
      var unknown = Assert.Throws<LlmRouteException>(() => r.ReportLoad("ghost", 0, 0, 0), "unknown");
      Assert.Equal(Status.NOT_FOUND, unknown.Status, "unknown deployment");
      Assert.Throws<LlmRouteException>(() => r.Pick("m", WithPrefix(new long[Router.PrefixHashesMax + 1])), "too many");
    }
  }
}

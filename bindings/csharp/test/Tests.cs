using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using LlmRoute;

// A self-contained test runner (no NUnit on Debian's Mono): every public static void method of
// Tests whose name starts with "Test" runs (or those containing the first argument, when given);
// the last line is "N passed, N failed".
static class Runner {
  static int Main(string[] args) {
    int passed = 0, failed = 0;
    string filter = args.Length > 0 ? args[0] : "";
    foreach (var m in typeof(Tests).GetMethods().Where(m => m.IsStatic && m.Name.StartsWith("Test") && m.Name.Contains(filter)).OrderBy(m => m.MetadataToken)) {
      try {
        m.Invoke(null, null);
        Console.WriteLine("PASS " + m.Name);
        passed++;
      } catch (System.Reflection.TargetInvocationException e) {
        Console.WriteLine("FAIL " + m.Name + ": " + e.InnerException);
        failed++;
      }
    }
    Console.WriteLine(passed + " passed, " + failed + " failed");
    return failed == 0 ? 0 : 1;
  }
}

class AssertionException : Exception {
  public AssertionException(string m) : base(m) {}
}

static class Assert {
  public static void True(bool c, string what) { if (!c) throw new AssertionException(what); }
  public static void Equal<T>(T expected, T actual, string what) {
    if (!EqualityComparer<T>.Default.Equals(expected, actual))
      throw new AssertionException(what + ": expected " + expected + ", got " + actual);
  }
  public static E Throws<E>(Action a, string what) where E : Exception {
    try { a(); } catch (E e) { return e; }
    throw new AssertionException(what + ": no " + typeof(E).Name);
  }
}

class Fake : Adapter {
  public readonly string Name;
  public readonly Outcome? Fail;
  public readonly Exception ToThrow;
  public int Calls, ReleasedCount;
  public Fake(string name, Outcome? fail = null, Exception toThrow = null) { Name = name; Fail = fail; ToThrow = toThrow; }
  public override void Invoke(InvokeArgs args, AttemptResult result) {
    Interlocked.Increment(ref Calls);
    if (ToThrow != null) throw ToThrow;
    if (Fail.HasValue) { result.Outcome = Fail.Value; result.LatencyMs = 5; return; }
    args.SetResponse(Name + " answered " + args.Request);
    result.Outcome = Outcome.SUCCESS;
    result.LatencyMs = 20;
  }
  protected override void OnReleased() { Interlocked.Increment(ref ReleasedCount); }
}

class FuncAdapter : Adapter {
  readonly Action<InvokeArgs, AttemptResult> f;
  readonly Action onReleased;
  public FuncAdapter(Action<InvokeArgs, AttemptResult> f, Action onReleased = null) { this.f = f; this.onReleased = onReleased; }
  public override void Invoke(InvokeArgs args, AttemptResult result) { f(args, result); }
  protected override void OnReleased() { if (onReleased != null) onReleased(); }
}

class FakeClock : Clock {
  long now = 1000000000L;
  public void Advance(long ns) { Interlocked.Add(ref now, ns); }
  public readonly HashSet<int> Threads = new HashSet<int>();
  public override long NowNanos() { lock (Threads) Threads.Add(Thread.CurrentThread.ManagedThreadId); return Interlocked.Read(ref now); }
  public override void SleepNanos(long ns) { Interlocked.Add(ref now, ns); }
}

class CounterRandom : RandomSource {
  long n;
  public override long NextBits() { return Interlocked.Add(ref n, unchecked((long)0x9e3779b97f4a7c15UL)); }
}

public static partial class Tests {
  static Deployment Dep(string name, uint tier, params string[] models) {
    var d = new Deployment(name);
    foreach (var m in models) d.AddModel(m);
    d.Tier = tier;
    return d;
  }

  static CallOptions Fast() {
    var o = new CallOptions();
    o.BackoffBaseMs = 1;
    o.BackoffMaxMs = 1;
    return o;
  }

  static string HeaderPath() {
    return Environment.GetEnvironmentVariable("LLMROUTE_HEADER") ?? "../../include/llmroute/llmroute.h";
  }

  public static void TestEveryEnumValueEqualsTheHeader() {
    string text = Regex.Replace(File.ReadAllText(HeaderPath()), @"/\*.*?\*/", "", RegexOptions.Singleline);
    int enums = 0;
    foreach (Match m in Regex.Matches(text, @"typedef\s+enum\s+(\w+)\s*\{(.*?)\}\s*(\w+)\s*;", RegexOptions.Singleline)) {
      enums++;
      string name = m.Groups[3].Value;
      // The naming rule of enums_from_header.py.
      string csName = name == "llmr_override" ? "OverrideMode"
          : string.Concat(name.Substring(5).Split('_').Select(p => char.ToUpper(p[0]) + p.Substring(1)));
      Type t = typeof(Router).Assembly.GetType("LlmRoute." + csName);
      Assert.True(t != null, "header enum " + name + " has a C# enum (run bindings/swig/regenerate.sh)");
      var items = Regex.Matches(m.Groups[2].Value, @"(\w+)\s*=\s*(-?\d+)").Cast<Match>().ToList();
      string prefix = "LLMR_";
      if (items.Count > 1) {
        string p = items[0].Groups[1].Value;
        foreach (var it in items) while (!it.Groups[1].Value.StartsWith(p)) p = p.Substring(0, p.Length - 1);
        prefix = p.Substring(0, p.LastIndexOf('_') + 1);
      }
      var expected = new SortedDictionary<string, int>(StringComparer.Ordinal);
      foreach (var it in items) {
        string item = it.Groups[1].Value.Substring(prefix.Length);
        if (item.StartsWith("ERR_")) item = item.Substring(4);
        expected[item] = int.Parse(it.Groups[2].Value);
      }
      var actual = new SortedDictionary<string, int>(StringComparer.Ordinal);
      foreach (var v in Enum.GetValues(t)) actual[Enum.GetName(t, v)] = Convert.ToInt32(v);
      Assert.Equal(string.Join(",", expected.Select(kv => kv.Key + "=" + kv.Value)),
                   string.Join(",", actual.Select(kv => kv.Key + "=" + kv.Value)), name);
    }
    Assert.True(enums >= 7, "parsed the header's enums");
    Assert.Equal(-5, (int)Status.NO_PROVIDER, "NO_PROVIDER");
    foreach (Status s in Enum.GetValues(typeof(Status)))
      Assert.Equal("LLMR_" + (s == Status.OK ? "OK" : "ERR_" + s), Native.StatusName((int)s), "library name of " + s);
  }

  public static void TestPickReportAndErrors() {
    using (var r = Router.Create()) {
      r.AddDeployment(Dep("azure-eu", 0, "gpt-4o*"));
      r.AddDeployment(Dep("openai", 0, "gpt-4o*"));
      PickResult p = r.Pick("gpt-4o-mini");
      Assert.True(p.Deployment == "azure-eu" || p.Deployment == "openai", "deployment " + p.Deployment);
      Assert.Equal("gpt-4o-mini", p.Model, "model");
      r.Report(p.Ticket, Outcome.SUCCESS, 120);
      var e = Assert.Throws<LlmRouteException>(() => r.Report(p.Ticket, Outcome.SUCCESS, 1), "second report");
      Assert.Equal(Status.TICKET_DONE, e.Status, "status");
      e = Assert.Throws<LlmRouteException>(() => r.RemoveDeployment("nope"), "remove");
      Assert.Equal(Status.NOT_FOUND, e.Status, "status");
      Assert.True(e.Message.Contains("nope"), e.Message);
      e = Assert.Throws<LlmRouteException>(() => r.Pick("claude"), "unknown");
      Assert.Equal(Status.UNKNOWN_MODEL, e.Status, "status");
      r.SetOverride("azure-eu", OverrideMode.FORCE_OPEN);
      r.SetOverride("openai", OverrideMode.FORCE_OPEN);
      e = Assert.Throws<LlmRouteException>(() => r.Pick("gpt-4o"), "all open");
      Assert.Equal(Status.NO_PROVIDER, e.Status, "status");
      Assert.Equal(-1L, e.RetryAfterMs, "retry after");
    }
  }

  public static void TestDisposedRouterThrowsInsteadOfCrashing() {
    var r = Router.Create();
    r.Dispose();
    r.Dispose();
    Assert.True(r.IsDisposed, "disposed");
    Assert.Throws<ObjectDisposedException>(() => r.Pick("m"), "pick");
    Assert.Throws<ObjectDisposedException>(() => r.Report(1, Outcome.SUCCESS, 1), "report");
    Assert.Throws<ObjectDisposedException>(() => r.Call("m", "x"), "call");
    Assert.Throws<ObjectDisposedException>(() => r.MetricsText(), "metrics");
    var r2 = Router.Create();
    r2.Close();
    Assert.Throws<ObjectDisposedException>(() => r2.Pick("m"), "close is dispose");
  }

  public static void TestInvalidOptionsNameTheField() {
    var o = new RouterOptions();
    o.BreakerFailureRatio = 7;
    var e = Assert.Throws<LlmRouteException>(() => new Router(o), "ratio 7");
    Assert.True(e.Message.Contains("ratio"), e.Message);
  }

  public static void TestInjectedClockDrivesRecovery() {
    var clock = new FakeClock();
    var o = new RouterOptions();
    o.BreakerJitter = 0;
    using (var r = new Router(o, clock, new CounterRandom())) {
      r.AddDeployment(Dep("only", 0, "m"));
      for (int i = 0; i < o.BreakerConsecutiveFailures; i++) r.Report(r.Pick("m").Ticket, Outcome.SERVER_ERROR, 10);
      var e = Assert.Throws<LlmRouteException>(() => r.Pick("m"), "open");
      Assert.Equal(o.BreakerCooldownBaseMs, e.RetryAfterMs, "retry after = cooldown");
      clock.SleepNanos(o.BreakerCooldownBaseMs * 1000000L);
      PickResult p = r.Pick("m");
      Assert.True(p.IsProbe, "probe");
      r.Report(p.Ticket, Outcome.SUCCESS, 1);
      Assert.Equal(BreakerState.CLOSED, r.GetHealth("only").State, "closed again");
    }
  }

  public static void TestFallbacksAndHealthList() {
    using (var r = Router.Create()) {
      r.AddDeployment(Dep("a", 0, "m"));
      r.AddDeployment(Dep("b", 0, "m"));
      r.AddDeployment(Dep("c", 0, "other"));
      r.SetFallbacks("m", new[] {"other"});
      var fb = r.Fallbacks("m", "a");
      Assert.Equal(2, fb.Count, "fallbacks");
      Assert.Equal("b", fb[0].Deployment, "first");
      Assert.Equal("other", fb[1].Model, "second");
      var hl = r.HealthList;
      Assert.Equal("a,b,c", string.Join(",", hl.Select(h => h.Name)), "health list");
    }
  }

  public static void TestExplainPredictsThePickAndSaysWhyOthersAreFiltered() {
    using (var r = Router.Create()) {
      r.AddDeployment(Dep("a", 0, "m"));
      r.AddDeployment(Dep("b", 0, "m"));
      r.AddDeployment(Dep("c", 0, "m"));
      r.SetOverride("c", OverrideMode.FORCE_OPEN);
      for (int i = 0; i < 4; i++) {
        var e = r.Explain("m");
        Assert.Equal(0, e.Status, "status");
        Assert.True(!e.Approximate, "round robin is exact");
        Assert.Equal(3, e.Candidates.Count, "candidates");
        var c = e.Candidates[2];
        Assert.True(c.Filtered, "c filtered");
        Assert.Equal("forced open", c.Reason, "reason");
        Assert.Equal(-1, c.Rank, "rank");
        var picked = e.Candidates[(int)e.PickedIndex];
        Assert.True(picked.Picked, "picked flag");
        Assert.Equal(e.Picked, picked.Deployment, "picked name");
        Assert.True(e.Json.Contains("\"picked\":\"" + e.Picked + "\""), e.Json);
        var p = r.Pick("m");
        Assert.Equal(e.Picked, p.Deployment, "the pick is the one explained");
        r.Cancel(p.Ticket);
      }
      var o = new PickOptions();
      o.AddExclude("a");
      o.AddExclude("b");
      var none = r.Explain("m", o);
      Assert.Equal((int)Status.NO_PROVIDER, none.Status, "nothing eligible");
      Assert.Equal("", none.Picked, "no pick");
      Assert.Equal("excluded", none.Candidates[0].Reason, "excluded");
      var ex = Assert.Throws<LlmRouteException>(() => r.Explain("nope"), "unknown model");
      Assert.Equal(Status.UNKNOWN_MODEL, ex.Status, "status");
    }
  }

  public static void TestPickTracedIsARealPickThatNamesWhatItTook() {
    using (var r = Router.Create()) {
      r.AddDeployment(Dep("a", 0, "m"));
      r.AddDeployment(Dep("b", 0, "m"));
      r.AddDeployment(Dep("c", 0, "m"));
      var taken = new HashSet<string>();
      for (int i = 0; i < 3; i++) {
        var trace = new Explanation();
        var p = r.PickTraced("m", null, trace);
        Assert.Equal(0, trace.Status, "status");
        Assert.True(!trace.Approximate, "what happened, not a prediction");
        Assert.Equal(p.Deployment, trace.Picked, "the trace names the pick");
        var c = trace.Candidates[(int)trace.PickedIndex];
        Assert.True(c.Picked, "picked flag");
        Assert.Equal(0, c.Rank, "rank");
        Assert.Equal(0L, c.InFlight, "read before the pick");
        Assert.True(trace.Json.Contains("\"picked\":\"" + p.Deployment + "\""), trace.Json);
        taken.Add(p.Deployment);
        r.Cancel(p.Ticket);
      }
      Assert.Equal(3, taken.Count, "the rotation moved: real picks");
      foreach (var name in new[] { "a", "b", "c" }) Assert.Equal(1L, r.GetHealth(name).Picks, name + " picks");
      var o = new PickOptions();
      o.AddExclude("a");
      o.AddExclude("b");
      o.AddExclude("c");
      var failed = new Explanation();
      var ex = Assert.Throws<LlmRouteException>(() => r.PickTraced("m", o, failed), "nothing eligible");
      Assert.Equal(Status.NO_PROVIDER, ex.Status, "status");
      Assert.Equal((int)Status.NO_PROVIDER, failed.Status, "the trace says why");
      Assert.Equal("", failed.Picked, "no pick");
      Assert.Equal("excluded", failed.Candidates[0].Reason, "excluded");
      var unknown = new Explanation();
      var u = Assert.Throws<LlmRouteException>(() => r.PickTraced("nope", null, unknown), "unknown model");
      Assert.Equal(Status.UNKNOWN_MODEL, u.Status, "unknown status");
      Assert.Equal(0, unknown.Candidates.Count, "no trace");
      foreach (var name in new[] { "a", "b", "c" }) Assert.Equal(0L, r.GetHealth(name).InFlight, name + " in flight");
    }
  }

  static void Sample(Router r, string name, double latencyMs) {
    while (true) {
      var p = r.Pick("m");
      if (p.Deployment != name) {
        r.Cancel(p.Ticket);
        continue;
      }
      r.Report(p.Ticket, Outcome.SUCCESS, latencyMs);
      return;
    }
  }

  public static void TestPickWithDeadlineSkipsSlowDeploymentsAndFlagsTheFallback() {
    using (var r = Router.Create()) {
      r.AddDeployment(Dep("fast", 0, "m"));
      r.AddDeployment(Dep("slow", 0, "m"));
      Sample(r, "fast", 200);
      Sample(r, "slow", 900);
      for (int i = 0; i < 6; i++) {
        var p = r.Pick("m", new PickOptions { DeadlineMs = 500 });
        Assert.Equal("fast", p.Deployment, "fits");
        Assert.True(!p.DeadlineUnmet, "met");
        r.Cancel(p.Ticket);
        p = r.Pick("m", new PickOptions { DeadlineMs = 100 });
        Assert.Equal("fast", p.Deployment, "none fits: the fastest");
        Assert.True(p.DeadlineUnmet, "unmet");
        r.Cancel(p.Ticket);
      }
      var e = r.Explain("m", new PickOptions { DeadlineMs = 500 });
      Assert.Equal("expected latency above deadline_ms", e.Candidates[1].Reason, "reason");
      var ex = Assert.Throws<LlmRouteException>(() => r.Pick("m", new PickOptions { DeadlineMs = -1 }), "negative");
      Assert.Equal(Status.INVALID_ARGUMENT, ex.Status, "status");
    }
  }

  public static void TestCSharpAdapterDrivesFailover() {
    using (var r = Router.Create()) {
      r.AddDeployment(Dep("primary", 0, "gpt-4o"));
      r.AddDeployment(Dep("secondary", 1, "gpt-4o"));
      var bad = new Fake("primary", Outcome.SERVER_ERROR);
      var good = new Fake("secondary");
      r.SetAdapter("primary", bad);
      r.SetAdapter("secondary", good);
      CallResult res = r.Call("gpt-4o", "hi", Fast());
      Assert.Equal("secondary", res.Deployment, "deployment");
      Assert.Equal("secondary answered hi", res.Response, "response");
      Assert.Equal(2, res.Attempts.Count, "attempts");
      Assert.Equal(Outcome.SERVER_ERROR, res.Attempts[0].Outcome, "first outcome");
      Assert.Equal(1, bad.Calls, "bad calls");
      Assert.Equal(1, good.Calls, "good calls");
    }
  }

  public static void TestExceptionInAdapterBecomesAnErrorOutcome() {
    using (var r = Router.Create()) {
      r.AddDeployment(Dep("throws", 0, "m"));
      r.AddDeployment(Dep("works", 1, "m"));
      var thrower = new Fake("throws", null, new InvalidOperationException("adapter bug"));
      r.SetAdapter("throws", thrower);
      r.SetAdapter("works", new Fake("works"));
      CallResult res = r.Call("m", "x", Fast());
      Assert.Equal("works", res.Deployment, "answered by");
      Assert.True(res.Attempts[0].AdapterFailed, "adapter failed");
      Assert.Equal(Outcome.CONNECTION_ERROR, res.Attempts[0].Outcome, "recorded as");
      Assert.True(thrower.LastException is InvalidOperationException, "exception kept");
    }
    using (var r = Router.Create()) {
      r.AddDeployment(Dep("throws", 0, "m"));
      r.SetAdapter("throws", new FuncAdapter((a, res) => { throw new NullReferenceException("boom"); }));
      var e = Assert.Throws<LlmRouteException>(() => r.Call("m", "x", Fast()), "only a throwing adapter");
      Assert.True(e.CallResult != null && e.CallResult.Attempts[0].AdapterFailed, "report");
      var h = r.GetHealth("throws");
      Assert.True(h.Failures > 0, "counted against the deployment");
    }
  }

  static void ForceGc() {
    for (int i = 0; i < 3; i++) {
      var garbage = new byte[256][];
      for (int j = 0; j < garbage.Length; j++) garbage[j] = new byte[16 << 10];
      GC.Collect();
      GC.WaitForPendingFinalizers();
      GC.Collect();
    }
  }

  static void AttachUnreferenced(Router r, string name, Action onReleased, List<WeakReference> refs) {
    var a = new FuncAdapter((args, res) => res.Outcome = Outcome.SUCCESS, onReleased);
    refs.Add(new WeakReference(a));
    r.SetAdapter(name, a);
  }

  public static void TestGcWhileRouterHoldsAdapters() {
    int before = Adapter.PinnedCount;
    int released = 0;
    var refs = new List<WeakReference>();
    var r = Router.Create();
    for (int i = 0; i < 50; i++) {
      r.AddDeployment(Dep("d" + i, 0, "m"));
      AttachUnreferenced(r, "d" + i, () => Interlocked.Increment(ref released), refs);
    }
    Assert.Equal(before + 50, Adapter.PinnedCount, "pinned");
    for (int round = 0; round < 5; round++) {
      ForceGc();
      for (int j = 0; j < 20; j++) r.Call("m", "gc", Fast());
    }
    AttachUnreferenced(r, "d0", null, refs);
    r.RemoveDeployment("d1");
    Assert.Equal(2, released, "released on replace and remove");
    r.Dispose();
    Assert.Equal(50, released, "released on dispose");
    Assert.Equal(before, Adapter.PinnedCount, "unpinned");
    for (int i = 0; i < 10 && refs.Any(w => w.IsAlive); i++) ForceGc();
    Assert.True(refs.All(w => !w.IsAlive), "released adapters are collectable");
  }

  static void MakeAndDropRouter() {
    var r = new Router(new RouterOptions(), new FakeClock(), new CounterRandom());
    r.AddDeployment(Dep("x", 0, "m"));
    r.SetAdapter("x", new FuncAdapter((a, res) => res.Outcome = Outcome.SUCCESS));
    r.Call("m", "req", Fast());
  }

  public static void TestUnreachableRouterIsFinalizedSafely() {
    int before = Adapter.PinnedCount;
    MakeAndDropRouter();
    for (int i = 0; i < 20 && Adapter.PinnedCount != before; i++) ForceGc();
    Assert.Equal(before, Adapter.PinnedCount, "finalized router released its adapter");
  }

  public static void TestManyThreadsPickAndReport() {
    using (var r = Router.Create()) {
      for (int i = 0; i < 8; i++) r.AddDeployment(Dep("p" + i, 0, "gpt-4o", "claude-*"));
      int threads = 16, each = 500, failures = 0;
      var ts = new List<Thread>();
      for (int t = 0; t < threads; t++) {
        var th = new Thread(() => {
          var p = new PickResult();
          for (int i = 0; i < each; i++) {
            try {
              r.Pick("claude-3-5-sonnet", p);
              if (i % 10 == 9) r.Cancel(p.Ticket); else r.Report(p.Ticket, Outcome.SUCCESS, 50 + i % 7);
            } catch (LlmRouteException) {
              Interlocked.Increment(ref failures);
            }
          }
        });
        th.Start();
        ts.Add(th);
      }
      foreach (var th in ts) th.Join();
      Assert.Equal(0, failures, "failures");
      var hl = r.HealthList;
      long picks = 0;
      foreach (var h in hl) { Assert.Equal(0L, h.InFlight, h.Name + " in flight"); picks += h.Picks; }
      Assert.Equal((long)threads * each, picks, "picks");
    }
  }

  public static void TestConcurrentCalls() {
    using (var r = Router.Create()) {
      r.AddDeployment(Dep("a", 0, "m"));
      r.AddDeployment(Dep("b", 0, "m"));
      int n = 0;
      var ad = new FuncAdapter((args, res) => {
        Interlocked.Increment(ref n);
        if (!args.Request.StartsWith("req-")) throw new ArgumentException(args.Request);
        res.Outcome = Outcome.SUCCESS;
      });
      r.SetAdapter("a", ad);
      r.SetAdapter("b", ad);
      var tasks = Enumerable.Range(0, 8).Select(t => Task.Run(() => {
        for (int i = 0; i < 100; i++) r.Call("m", "req-" + t + "-" + i);
      })).ToArray();
      Task.WaitAll(tasks);
      Assert.Equal(800, n, "invocations");
    }
  }

  public static void TestCallbacksFromANativeThread() {
    var clock = new FakeClock();
    using (var r = new Router(new RouterOptions(), clock, null)) {
      r.AddDeployment(Dep("a", 0, "m"));
      int calls = 0;
      r.SetAdapter("a", new FuncAdapter((args, res) => { Interlocked.Increment(ref calls); res.Outcome = Outcome.SUCCESS; }));
      lock (clock.Threads) clock.Threads.Clear();
      r.NativeForTests.PickReportOnNativeThread("m", 200);
      r.NativeForTests.CallOnNativeThread("m", "req", 100);
      Assert.Equal(100, calls, "adapter calls from the native thread");
      lock (clock.Threads) Assert.True(!clock.Threads.Contains(Thread.CurrentThread.ManagedThreadId), "ran on another thread");
    }
  }

  // Streams chunks after the given gaps (ms) on the fake clock, reporting each with Progress() and
  // polling Check() every 100 ms; bytes reach the client after the first chunk.
  static FuncAdapter Streamer(FakeClock clock, params long[] gaps) {
    return new FuncAdapter((args, res) => {
      foreach (long gap in gaps) {
        for (long waited = 0; waited < gap; waited += 100) {
          clock.Advance(Math.Min(100, gap - waited) * 1000000L);
          if (args.Check() == Status.STREAM_STALLED) { res.Outcome = Outcome.TIMEOUT; return; }
        }
        args.Progress();
        res.Committed = true;
      }
      res.Outcome = Outcome.SUCCESS;
    });
  }

  public static void TestStalledStreamFailsOverBeforeCommitAndFailsAfter() {
    var clock = new FakeClock();
    using (var r = new Router(new RouterOptions(), clock, new CounterRandom())) {
      r.AddDeployment(Dep("a", 0, "m"));
      r.AddDeployment(Dep("b", 0, "m"));
      r.SetAdapter("a", Streamer(clock, 10000));  // no first byte within 5 s
      r.SetAdapter("b", Streamer(clock, 10, 10));
      var o = Fast();
      o.FirstByteTimeoutMs = 5000;
      o.IdleTimeoutMs = 1000;
      for (int i = 0; i < 2; i++) Assert.Equal("b", r.Call("m", "x", o).Deployment, "fails over");
      r.SetAdapter("a", Streamer(clock, 10, 3000));  // a chunk reaches the client, then a gap
      r.SetAdapter("b", Streamer(clock, 10, 3000));
      var e = Assert.Throws<LlmRouteException>(() => r.Call("m", "x", o), "stalled after commit");
      Assert.Equal(Status.STREAM_STALLED, e.Status, "status");
      o.IdleTimeoutMs = -1;
      e = Assert.Throws<LlmRouteException>(() => r.Call("m", "x", o), "negative limit");
      Assert.Equal(Status.INVALID_ARGUMENT, e.Status, "status");
    }
  }

  // A hedged call on the fake clock: the first attempt takes 60 ms and polls Check(), which starts
  // the due hedge at once on a thread the library created (the runtime attaches it for the
  // delegate); the hedge claims the stream and answers; the first then sees CANCELLED.
  public static void TestHedgedCallTheHedgeWinsOnARouterThread() {
    var clock = new FakeClock();
    using (var r = new Router(new RouterOptions(), clock, new CounterRandom())) {
      r.AddDeployment(Dep("a", 0, "m"));
      r.AddDeployment(Dep("b", 0, "m"));
      bool firstCancelled = false;
      int hedgeThread = -1;
      var racer = new FuncAdapter((args, res) => {
        if (args.IsHedge()) {
          hedgeThread = Thread.CurrentThread.ManagedThreadId;
          if (args.Commit() != Status.OK) throw new InvalidOperationException("commit refused");
          args.SetResponse("hedge");
          res.Outcome = Outcome.SUCCESS;
          return;
        }
        clock.Advance(60 * 1000000L);
        while (true) {
          var s = args.Check();
          if (s == Status.CANCELLED) { firstCancelled = true; res.Outcome = Outcome.TIMEOUT; return; }
          if (s != Status.OK) throw new InvalidOperationException("check: " + s);
          Thread.Yield();
        }
      });
      r.SetAdapter("a", racer);
      r.SetAdapter("b", racer);
      var o = Fast();
      o.HedgeAfterMs = 50;
      var res2 = r.Call("m", "x", o);
      Assert.Equal("hedge", res2.Response, "the hedge's response");
      Assert.Equal(2, res2.Attempts.Count, "attempts");
      var first = res2.Attempts[0];
      var hedge = res2.Attempts[1];
      Assert.True(first.Cancelled && !first.Hedge, "the first attempt was cancelled");
      Assert.True(hedge.Hedge && !hedge.Cancelled && hedge.Committed, "the hedge won");
      Assert.True(firstCancelled, "the first saw CANCELLED");
      Assert.True(hedgeThread != Thread.CurrentThread.ManagedThreadId && hedgeThread != -1, "a router thread");
      Assert.Equal(0L, r.GetHealth(first.Deployment).Failures, "cancelled, not failed");
      o.HedgeAfterMs = -1;
      var e = Assert.Throws<LlmRouteException>(() => r.Call("m", "x", o), "negative hedge_after_ms");
      Assert.Equal(Status.INVALID_ARGUMENT, e.Status, "status");
      Assert.True(e.Message.Contains("hedge_after_ms"), e.Message);
    }
  }

  public static void TestCancellationFromAnotherThread() {
    using (var r = Router.Create()) {
      r.AddDeployment(Dep("slow", 0, "m"));
      var started = new ManualResetEventSlim();
      bool sawCancel = false;
      r.SetAdapter("slow", new FuncAdapter((args, res) => {
        started.Set();
        for (int i = 0; i < 5000; i++) {
          if (args.Check() == Status.CANCELLED) { sawCancel = true; res.Outcome = Outcome.TIMEOUT; return; }
          Thread.Sleep(1);
        }
        res.Outcome = Outcome.SUCCESS;
      }));
      using (var cancel = new Cancellation()) {
        var o = Fast();
        o.Cancel = cancel;
        var t = new Thread(() => { started.Wait(); cancel.Trigger(); });
        t.Start();
        var e = Assert.Throws<LlmRouteException>(() => r.Call("m", "x", o), "cancelled call");
        t.Join();
        Assert.Equal(Status.CANCELLED, e.Status, "status");
        Assert.True(sawCancel, "adapter saw the flag");
      }
    }
  }
}

using System;
using System.Diagnostics;
using System.Threading;
using LlmRoute;

// Pick + report through the C# binding: ns per pair. Usage: mono LlmRouteBench.exe [iterations]
static class Bench {
  static Router Make(Strategy s, int n) {
    var o = new RouterOptions();
    o.Strategy = s;
    var r = new Router(o);
    for (int i = 0; i < n; i++) {
      var d = new Deployment("p" + i);
      foreach (var m in new[] {"gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "*x"}) d.AddModel(m);
      r.AddDeployment(d);
    }
    return r;
  }

  static double Run(Router r, long iterations) {
    var p = new PickResult();
    var sw = Stopwatch.StartNew();
    for (long i = 0; i < iterations; i++) {
      r.Pick("claude-3-5-sonnet", p);
      r.Report(p.Ticket, Outcome.SUCCESS, 100);
    }
    return sw.Elapsed.TotalMilliseconds * 1e6 / iterations;
  }

  static void Main(string[] args) {
    long iterations = args.Length > 0 ? long.Parse(args[0]) : 1000000;
    foreach (var s in new[] {Strategy.LATENCY, Strategy.ROUND_ROBIN}) {
      foreach (var n in new[] {8, 64}) {
        using (var r = Make(s, n)) {
          Run(r, Math.Min(iterations, 100000));
          Console.WriteLine("csharp pick+report {0} n={1}: {2:F0} ns/op", s, n, Run(r, iterations));
        }
      }
    }
    int threads = Environment.ProcessorCount;
    using (var r = Make(Strategy.LATENCY, 8)) {
      Run(r, Math.Min(iterations, 100000));
      var sw = Stopwatch.StartNew();
      var ts = new Thread[threads];
      for (int t = 0; t < threads; t++) { ts[t] = new Thread(() => Run(r, iterations / threads)); ts[t].Start(); }
      foreach (var t in ts) t.Join();
      Console.WriteLine("csharp pick+report parallel x{0} LATENCY n=8: {1:F0} ns/op (aggregate)", threads,
                        sw.Elapsed.TotalMilliseconds * 1e6 / (iterations / threads * threads));
    }
  }
}

package io.llmroute.bench;

import io.llmroute.*;
import java.util.concurrent.*;

/** Pick + report through the Java binding: ns per pair, one thread and several threads.
 * Usage: java -cp llmroute.jar:llmroute-bench.jar -Dllmroute.jni=... io.llmroute.bench.PickReportBench [iterations] */
public final class PickReportBench {
  static Router router(Strategy s, int n) {
    RouterOptions o = new RouterOptions();
    o.setStrategy(s);
    Router r = new Router(o);
    for (int i = 0; i < n; i++) r.addDeployment(Routers.deployment("p" + i, "gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet", "*x"));
    return r;
  }

  static double run(Router r, long iterations) {
    Pick p = new Pick();
    long start = System.nanoTime();
    for (long i = 0; i < iterations; i++) {
      r.pick("claude-3-5-sonnet", p);
      r.report(p.getTicket(), Outcome.SUCCESS, 100);
    }
    return (System.nanoTime() - start) / (double) iterations;
  }

  public static void main(String[] args) throws Exception {
    long iterations = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000L;
    for (Strategy s : new Strategy[] {Strategy.LATENCY, Strategy.ROUND_ROBIN}) {
      for (int n : new int[] {8, 64}) {
        try (Router r = router(s, n)) {
          run(r, Math.min(iterations, 200_000)); // warm-up (JIT)
          System.out.printf("java pick+report %s n=%d: %.0f ns/op%n", s, n, run(r, iterations));
        }
      }
    }
    int threads = Runtime.getRuntime().availableProcessors();
    try (Router r = router(Strategy.LATENCY, 8)) {
      run(r, Math.min(iterations, 200_000));
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      long start = System.nanoTime();
      Future<?>[] fs = new Future<?>[threads];
      for (int t = 0; t < threads; t++) fs[t] = pool.submit(() -> run(r, iterations / threads));
      for (Future<?> f : fs) f.get();
      double ns = (System.nanoTime() - start) / (double) (iterations / threads * threads);
      pool.shutdown();
      System.out.printf("java pick+report parallel x%d LATENCY n=8: %.0f ns/op (aggregate)%n", threads, ns);
    }
  }
}

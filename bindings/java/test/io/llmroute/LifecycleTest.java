package io.llmroute;

import static io.llmroute.Routers.deployment;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import org.junit.jupiter.api.Test;

/** close() from any thread while others pick, report and call; routers dropped without close(). */
class LifecycleTest {
  /** 4 threads pick, report, cancel and call while another thread closes the router, 50 rounds:
   * nothing crashes, and every call after the close fails with LlmrouteException. */
  @Test
  void closeWhileFourThreadsPickAndReport() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(5);
    try {
      for (int round = 0; round < 50; round++) {
        Router r = Router.create();
        for (int i = 0; i < 4; i++) r.addDeployment(deployment("d" + i, "m"));
        r.setAdapter("d0", (args, result) -> result.setOutcome(Outcome.SUCCESS));
        CountDownLatch running = new CountDownLatch(4);
        AtomicInteger unexpected = new AtomicInteger();
        List<Future<Integer>> workers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          final int tt = t;
          workers.add(pool.submit(() -> {
            int done = 0;
            Pick p = new Pick();
            try {
              while (true) {
                r.pick("m", p);
                if (done++ == 20) running.countDown();
                if (tt == 3 && done % 8 == 0) r.call("m", "x");
                if (done % 5 == 0) r.cancel(p.getTicket());
                else r.report(p.getTicket(), Outcome.SUCCESS, 1);
              }
            } catch (RouterClosedException e) {
              // the only way out: the router was closed
            } catch (RuntimeException e) {
              unexpected.incrementAndGet();
              throw e;
            }
            return done;
          }));
        }
        running.await();
        // close from a pool thread or this one, alternately
        if (round % 2 == 0) pool.submit(r::close).get();
        else r.close();
        for (Future<Integer> f : workers) assertTrue(f.get() > 20);
        assertEquals(0, unexpected.get());
        assertThrows(RouterClosedException.class, () -> r.pick("m"));
        r.close(); // idempotent
      }
    } finally {
      pool.shutdown();
    }
  }

  /** An adapter that closes its own router: the call in progress finishes. */
  @Test
  void closeFromInsideAnAdapter() {
    Router r = Router.create();
    r.addDeployment(deployment("a", "m"));
    r.setAdapter("a", (args, result) -> {
      r.close();
      result.setOutcome(Outcome.SUCCESS);
    });
    CallResult res = r.call("m", "x");
    assertEquals("a", res.getDeployment());
    assertThrows(RouterClosedException.class, () -> r.pick("m"));
  }

  /** A list handed out by reference keeps its parent alive: the call's report is not freed by
   * the Cleaner while only its attempts are still held. */
  @Test
  void childProxiesKeepTheirParentAlive() throws Exception {
    try (Router r = Router.create()) {
      r.addDeployment(deployment("a", "m"));
      r.setAdapter("a", (args, result) -> result.setOutcome(Outcome.SUCCESS));
      AttemptInfo first = r.call("m", "x").getAttempts().get(0);
      DeploymentStatsVector deployments = r.stats().getDeployments();
      for (int i = 0; i < 5; i++) BindingTest.forceGc();
      for (int i = 0; i < 1000; i++) r.call("m", "y" + i); // reuse whatever memory was freed
      assertEquals("a", first.getDeployment());
      assertEquals(Outcome.SUCCESS, first.getOutcome());
      assertEquals("a", deployments.get(0).getName());
      assertEquals(1, deployments.get(0).getPicks());
    }
  }

  static long rssKiB() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
    throw new AssertionError("no VmRSS");
  }

  static void dropOne(int i) {
    Router r = Router.create();
    r.addDeployment(deployment("d", "m"));
    r.setAdapter("d", (args, result) -> {
      args.setResponse("{\"ok\":" + i + "}");
      result.setOutcome(Outcome.SUCCESS);
    });
    r.call("m", "{}");
    r.report(r.pick("m").getTicket(), Outcome.SUCCESS, 3);
  }

  /** 20 000 routers that each made a call and were never closed: the Cleaner releases them and
   * resident memory stays flat (without it: about 20 000 x 277 KiB, 5.4 GB). */
  @Test
  void unclosedRoutersDoNotLeak() throws Exception {
    int before = AdapterBridge.pinnedCount();
    for (int i = 0; i < 2000; i++) dropOne(i); // warm up: heap, code, allocator arenas
    BindingTest.forceGc();
    long warm = rssKiB();
    for (int i = 0; i < 20000; i++) dropOne(i);
    BindingTest.forceGc();
    for (int i = 0; i < 100 && NativeLifetime.unreleased() > 0; i++) {
      System.gc();
      Thread.sleep(10);
    }
    long after = rssKiB();
    System.out.printf("unclosed routers: RSS %d KiB after 2000, %d KiB after 20000 more (%+d KiB); unreleased %d%n",
        warm, after, after - warm, NativeLifetime.unreleased());
    assertTrue(after - warm < 150 * 1024, "RSS grew by " + (after - warm) + " KiB");
    assertEquals(0, NativeLifetime.unreleased(), "every dropped router was released");
    assertEquals(before, AdapterBridge.pinnedCount(), "their adapters were released");
  }
}

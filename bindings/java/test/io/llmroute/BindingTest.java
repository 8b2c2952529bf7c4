package io.llmroute;

import static io.llmroute.Routers.deployment;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import java.util.regex.*;
import org.junit.jupiter.api.Test;

class BindingTest {
  // ---------------------------------------------------------------------------------------
  // Every enum value equals the C header's number.

  static Map<String, Map<String, Integer>> headerEnums() throws Exception {
    String path = System.getProperty("llmroute.header", "../../include/llmroute/llmroute.h");
    String text = Files.readString(Path.of(path)).replaceAll("(?s)/\\*.*?\\*/", "");
    Map<String, Map<String, Integer>> out = new TreeMap<>();
    Matcher m = Pattern.compile("(?s)typedef\\s+enum\\s+(\\w+)\\s*\\{(.*?)\\}\\s*(\\w+)\\s*;").matcher(text);
    while (m.find()) {
      Map<String, Integer> items = new TreeMap<>();
      Matcher it = Pattern.compile("(\\w+)\\s*=\\s*(-?\\d+)").matcher(m.group(2));
      while (it.find()) items.put(it.group(1), Integer.parseInt(it.group(2)));
      out.put(m.group(3), items);
    }
    assertTrue(out.size() >= 7, "parsed enums from " + path);
    return out;
  }

  /** The naming rule of enums_from_header.py: llmr_fallback_kind -> FallbackKind
   * (llmr_override -> OverrideMode); items lose their common LLMR_..._ prefix and ERR_. */
  static String javaEnumName(String cName) {
    if (cName.equals("llmr_override")) return "OverrideMode";
    StringBuilder b = new StringBuilder();
    for (String part : cName.substring("llmr_".length()).split("_"))
      b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
    return b.toString();
  }

  static Map<String, Integer> javaItemNames(Map<String, Integer> items) {
    List<String> names = new ArrayList<>(items.keySet());
    String prefix = "LLMR_";
    if (names.size() > 1) {
      String p = names.get(0);
      for (String n : names) while (!n.startsWith(p)) p = p.substring(0, p.length() - 1);
      prefix = p.substring(0, p.lastIndexOf('_') + 1);
    }
    Map<String, Integer> out = new TreeMap<>();
    for (Map.Entry<String, Integer> e : items.entrySet()) {
      String s = e.getKey().substring(prefix.length());
      if (s.startsWith("ERR_")) s = s.substring(4);
      out.put(s, e.getValue());
    }
    return out;
  }

  static int valueOf(Enum<?> e) throws Exception {
    return (int) e.getClass().getMethod("swigValue").invoke(e);
  }

  @Test
  void everyEnumValueEqualsTheHeader() throws Exception {
    Map<String, Map<String, Integer>> header = headerEnums();
    for (Map.Entry<String, Map<String, Integer>> en : header.entrySet()) {
      Class<?> cls;
      try {
        cls = Class.forName("io.llmroute." + javaEnumName(en.getKey()));
      } catch (ClassNotFoundException e) {
        fail("header enum " + en.getKey() + " has no Java enum (run bindings/swig/regenerate.sh)");
        return;
      }
      Map<String, Integer> java = new TreeMap<>();
      for (Object c : cls.getEnumConstants()) java.put(((Enum<?>) c).name(), valueOf((Enum<?>) c));
      assertEquals(javaItemNames(en.getValue()), java, en.getKey());
    }
    assertEquals(-5, Status.NO_PROVIDER.code());
    assertEquals(Status.UPSTREAM, Status.fromCode(-15));
    // The library's own names agree with the codes.
    for (Status s : Status.values()) assertEquals("LLMR_" + (s == Status.OK ? "OK" : "ERR_" + s.name()), Native.statusName(s.code()));
  }

  // ---------------------------------------------------------------------------------------

  @Test
  void pickReportAndErrorsCarryStatusAndMessage() {
    try (Router r = Router.create()) {
      r.addDeployment(deployment("azure-eu", "gpt-4o*"));
      r.addDeployment(deployment("openai", "gpt-4o*"));
      Pick p = r.pick("gpt-4o-mini");
      assertTrue(p.getDeployment().equals("azure-eu") || p.getDeployment().equals("openai"));
      assertEquals("gpt-4o-mini", p.getModel());
      r.report(p.getTicket(), Outcome.SUCCESS, 120);
      LlmrouteException e = assertThrows(LlmrouteException.class, () -> r.report(p.getTicket(), Outcome.SUCCESS, 1));
      assertEquals(Status.TICKET_DONE, e.getStatus());
      e = assertThrows(LlmrouteException.class, () -> r.removeDeployment("nope"));
      assertEquals(Status.NOT_FOUND, e.getStatus());
      assertTrue(e.getMessage().contains("nope"), e.getMessage());
      e = assertThrows(LlmrouteException.class, () -> r.pick("claude"));
      assertEquals(Status.UNKNOWN_MODEL, e.getStatus());
      r.setOverride("azure-eu", OverrideMode.FORCE_OPEN);
      r.setOverride("openai", OverrideMode.FORCE_OPEN);
      e = assertThrows(LlmrouteException.class, () -> r.pick("gpt-4o"));
      assertEquals(Status.NO_PROVIDER, e.getStatus());
      assertEquals(-1, e.getRetryAfterMs());
    }
  }

  @Test
  void closedRouterThrowsInsteadOfCrashing() {
    Router r = Router.create();
    r.close();
    r.close();
    LlmrouteException e = assertThrows(RouterClosedException.class, () -> r.pick("m"));
    assertNull(e.getStatus(), "not a C status");
    assertEquals(Native.closedStatusCode(), e.getCode());
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    assertThrows(RouterClosedException.class, () -> r.report(1, Outcome.SUCCESS, 1));
    assertThrows(RouterClosedException.class, () -> r.call("m", "x"));
    assertThrows(RouterClosedException.class, r::metricsText);
    assertThrows(RouterClosedException.class, r::stats);
    assertThrows(RouterClosedException.class, () -> r.setEventListener(ev -> {}));
    assertFalse(r.isOpen());
  }

  /** delete() is not public any more; the proxy deleted underneath (as the Cleaner does) still
   * answers with LlmrouteException, never a NullPointerException. */
  @Test
  void deleteThenPickThrowsLlmrouteException() throws Exception {
    assertThrows(NoSuchMethodException.class, () -> Router.class.getMethod("delete"));
    Router r = Router.create();
    r.addDeployment(deployment("a", "m"));
    r.nativeRouter().delete();
    assertThrows(RouterClosedException.class, () -> r.pick("m"));
    assertThrows(RouterClosedException.class, () -> r.pick("m", new PickOptions().affinityKey("k")));
    r.close();
  }

  @Test
  void invalidOptionsNameTheField() {
    RouterOptions o = new RouterOptions();
    o.setBreakerFailureRatio(7);
    LlmrouteException e = assertThrows(LlmrouteException.class, () -> new Router(o));
    assertEquals(Status.INVALID_ARGUMENT, e.getStatus());
    assertTrue(e.getMessage().contains("ratio"), e.getMessage());
  }

  static final class FakeClock extends Clock {
    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    @java.lang.Override public long nowNanos() {
      threads.add(Thread.currentThread());
      return now.get();
    }
    @java.lang.Override public void sleepNanos(long ns) { now.addAndGet(ns); }
  }

  static final class CounterRandom extends RandomSource {
    final AtomicLong n = new AtomicLong();
    @java.lang.Override public long nextBits() { return n.addAndGet(0x9e3779b97f4a7c15L); }
  }

  @Test
  void injectedClockDrivesRecovery() {
    FakeClock clock = new FakeClock();
    RouterOptions o = new RouterOptions();
    o.setBreakerJitter(0);
    try (Router r = new Router(o, clock, new CounterRandom())) {
      r.addDeployment(deployment("only", "m"));
      for (int i = 0; i < o.getBreakerConsecutiveFailures(); i++) {
        r.report(r.pick("m").getTicket(), Outcome.SERVER_ERROR, 10);
      }
      LlmrouteException e = assertThrows(LlmrouteException.class, () -> r.pick("m"));
      assertEquals(Status.NO_PROVIDER, e.getStatus());
      assertEquals(o.getBreakerCooldownBaseMs(), e.getRetryAfterMs());
      assertEquals(BreakerState.OPEN, r.health("only").getState());
      clock.sleepNanos(o.getBreakerCooldownBaseMs() * 1_000_000L);
      Pick p = r.pick("m");
      assertTrue(p.getIsProbe());
      r.report(p.getTicket(), Outcome.SUCCESS, 1);
      assertEquals(BreakerState.CLOSED, r.health("only").getState());
    }
  }

  @Test
  void fallbacksAndHealth() {
    try (Router r = Router.create()) {
      r.addDeployment(deployment("a", "m"));
      r.addDeployment(deployment("b", "m"));
      r.addDeployment(deployment("c", "other"));
      r.setFallbacks("m", List.of("other"));
      List<Candidate> fb = r.fallbacks("m", "a");
      assertEquals(2, fb.size());
      assertEquals("b", fb.get(0).getDeployment());
      assertEquals("other", fb.get(1).getModel());
      List<Health> hl = r.healthList();
      assertEquals(List.of("a", "b", "c"), hl.stream().map(Health::getName).toList());
    }
  }

  @Test
  void explainPredictsThePickAndSaysWhyOthersAreFiltered() {
    try (Router r = Router.create()) {
      r.addDeployment(deployment("a", "m"));
      r.addDeployment(deployment("b", "m"));
      r.addDeployment(deployment("c", "m"));
      r.setOverride("c", OverrideMode.FORCE_OPEN);
      for (int i = 0; i < 4; i++) {
        Explanation e = r.explain("m", null);
        assertEquals(0, e.getStatus());
        assertFalse(e.getApproximate());
        assertEquals(Strategy.ROUND_ROBIN, e.getStrategy());
        assertEquals(3, e.getCandidates().size());
        ExplainCandidate c = e.getCandidates().get(2);
        assertTrue(c.getFiltered());
        assertEquals("forced open", c.getReason());
        assertEquals(-1, c.getRank());
        ExplainCandidate picked = e.getCandidates().get((int) e.getPickedIndex());
        assertTrue(picked.getPicked());
        assertEquals(e.getPicked(), picked.getDeployment());
        assertTrue(e.getJson().contains("\"picked\":\"" + e.getPicked() + "\""), e.getJson());
        Pick p = r.pick("m");
        assertEquals(e.getPicked(), p.getDeployment(), "the pick is the one explained");
        r.cancel(p.getTicket());
      }
      Explanation none = r.explain("m", new PickOptions().exclude("a", "b"));
      assertEquals(Status.NO_PROVIDER.swigValue(), none.getStatus());
      assertEquals("", none.getPicked());
      assertEquals("excluded", none.getCandidates().get(0).getReason());
      LlmrouteException unknown = assertThrows(LlmrouteException.class, () -> r.explain("nope", null));
      assertEquals(Status.UNKNOWN_MODEL, unknown.getStatus());
    }
  }

  @Test
  void pickTracedIsARealPickThatNamesWhatItTook() {
    try (Router r = Router.create()) {
      r.addDeployment(deployment("a", "m"));
      r.addDeployment(deployment("b", "m"));
      r.addDeployment(deployment("c", "m"));
      java.util.Set<String> taken = new java.util.HashSet<>();
      for (int i = 0; i < 3; i++) {
        Explanation trace = new Explanation();
        Pick p = r.pickTraced("m", null, trace);
        assertEquals(0, trace.getStatus());
        assertFalse(trace.getApproximate(), "what happened, not a prediction");
        assertEquals(p.getDeployment(), trace.getPicked());
        ExplainCandidate c = trace.getCandidates().get((int) trace.getPickedIndex());
        assertTrue(c.getPicked());
        assertEquals(0, c.getRank());
        assertEquals(0, c.getInFlight(), "read before the pick");
        assertTrue(trace.getJson().contains("\"picked\":\"" + p.getDeployment() + "\""));
        taken.add(p.getDeployment());
        r.cancel(p.getTicket());
      }
      assertEquals(3, taken.size(), "the rotation moved: real picks");
      for (String name : new String[] {"a", "b", "c"}) assertEquals(1, r.health(name).getPicks());
      // Everything excluded: the pick throws, and the trace says why.
      Explanation failed = new Explanation();
      LlmrouteException none = assertThrows(LlmrouteException.class,
          () -> r.pickTraced("m", new PickOptions().exclude("a", "b", "c"), failed));
      assertEquals(Status.NO_PROVIDER, none.getStatus());
      assertEquals(Status.NO_PROVIDER.swigValue(), failed.getStatus());
      assertEquals("", failed.getPicked());
      assertEquals("excluded", failed.getCandidates().get(0).getReason());
      Explanation unknown = new Explanation();
      LlmrouteException u =
          assertThrows(LlmrouteException.class, () -> r.pickTraced("nope", null, unknown));
      assertEquals(Status.UNKNOWN_MODEL, u.getStatus());
      assertEquals(0, unknown.getCandidates().size());
      for (String name : new String[] {"a", "b", "c"}) assertEquals(0, r.health(name).getInFlight());
    }
  }

  /** Gives deployment {@code name} of model "m" one latency sample. */
  static void sample(Router r, String name, double latencyMs) {
    while (true) {
      Pick p = r.pick("m");
      if (!p.getDeployment().equals(name)) {
        r.cancel(p.getTicket());
        continue;
      }
      r.report(p.getTicket(), Outcome.SUCCESS, latencyMs);
      return;
    }
  }

  @Test
  void pickWithDeadlineSkipsSlowDeploymentsAndFlagsTheFallback() {
    try (Router r = Router.create()) {
      r.addDeployment(deployment("fast", "m"));
      r.addDeployment(deployment("slow", "m"));
      sample(r, "fast", 200);
      sample(r, "slow", 900);
      for (int i = 0; i < 6; i++) {
        Pick p = r.pick("m", new PickOptions().deadlineMs(500));
        assertEquals("fast", p.getDeployment());
        assertFalse(p.getDeadlineUnmet());
        r.cancel(p.getTicket());
        p = r.pick("m", new PickOptions().deadlineMs(100));
        assertEquals("fast", p.getDeployment(), "none fits: the fastest");
        assertTrue(p.getDeadlineUnmet());
        r.cancel(p.getTicket());
      }
      Explanation e = r.explain("m", new PickOptions().deadlineMs(500));
      assertEquals("expected latency above deadline_ms", e.getCandidates().get(1).getReason());
      LlmrouteException bad =
          assertThrows(LlmrouteException.class, () -> r.pick("m", new PickOptions().deadlineMs(-1)));
      assertEquals(Status.INVALID_ARGUMENT, bad.getStatus());
    }
  }

  // ---------------------------------------------------------------------------------------
  // Adapters written in Java.

  static class Fake implements Adapter {
    final String name;
    final Outcome fail; // null: answer
    final RuntimeException toThrow;
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger released = new AtomicInteger();
    Fake(String name, Outcome fail, RuntimeException toThrow) {
      this.name = name;
      this.fail = fail;
      this.toThrow = toThrow;
    }
    @java.lang.Override public void invoke(InvokeArgs args, AttemptResult result) {
      calls.incrementAndGet();
      if (toThrow != null) throw toThrow;
      if (fail != null) {
        result.setOutcome(fail);
        result.setLatencyMs(5);
        return;
      }
      args.setResponse(name + " answered " + args.getRequest());
      result.setOutcome(Outcome.SUCCESS);
      result.setLatencyMs(20);
    }
    @java.lang.Override public void released() { released.incrementAndGet(); }
  }

  static CallOptions fast() {
    CallOptions o = new CallOptions();
    o.setBackoffBaseMs(1);
    o.setBackoffMaxMs(1);
    return o;
  }

  static Deployment tiered(String name, int tier, String... models) {
    Deployment d = deployment(name, models);
    d.setTier(tier);
    return d;
  }

  @Test
  void javaAdapterDrivesFailover() {
    try (Router r = Router.create()) {
      r.addDeployment(tiered("primary", 0, "gpt-4o"));
      r.addDeployment(tiered("secondary", 1, "gpt-4o"));
      Fake bad = new Fake("primary", Outcome.SERVER_ERROR, null);
      Fake good = new Fake("secondary", null, null);
      r.setAdapter("primary", bad);
      r.setAdapter("secondary", good);
      CallResult res = r.call("gpt-4o", "hi", fast());
      assertEquals("secondary", res.getDeployment());
      assertEquals("secondary answered hi", res.getResponse());
      assertEquals(2, res.getAttempts().size());
      assertEquals("primary", res.getAttempts().get(0).getDeployment());
      assertEquals(Outcome.SERVER_ERROR, res.getAttempts().get(0).getOutcome());
      assertEquals(1, bad.calls.get());
      assertEquals(1, good.calls.get());
    }
  }

  @Test
  void exceptionInAdapterBecomesAnErrorOutcome() {
    try (Router r = Router.create()) {
      r.addDeployment(tiered("throws", 0, "m"));
      r.addDeployment(tiered("works", 1, "m"));
      r.setAdapter("throws", new Fake("throws", null, new IllegalStateException("adapter bug")));
      r.setAdapter("works", new Fake("works", null, null));
      CallResult res = r.call("m", "x", fast());
      assertEquals("works", res.getDeployment());
      assertTrue(res.getAttempts().get(0).getAdapterFailed());
      assertEquals(Outcome.CONNECTION_ERROR, res.getAttempts().get(0).getOutcome());
      assertFalse(res.getAttempts().get(1).getAdapterFailed());
    }
    try (Router r = Router.create()) { // only a throwing adapter: the call fails, the JVM lives on
      r.addDeployment(deployment("throws", "m"));
      r.setAdapter("throws", (args, result) -> { throw new OutOfMemoryError("simulated"); });
      LlmrouteException e = assertThrows(LlmrouteException.class, () -> r.call("m", "x", fast()));
      assertNotNull(e.getCallResult());
      assertTrue(e.getCallResult().getAttempts().get(0).getAdapterFailed());
      assertTrue(r.health("throws").getFailures() > 0);
    }
  }

  /** Adapters reachable only through the router survive forced collections (a collected
   * director proxy is a SIGSEGV); they are released exactly once, and then become collectable. */
  @Test
  void gcWhileRouterHoldsAdapters() throws Exception {
    int before = AdapterBridge.pinnedCount();
    AtomicInteger released = new AtomicInteger();
    List<WeakReference<Adapter>> refs = new ArrayList<>();
    Router r = Router.create();
    for (int i = 0; i < 50; i++) {
      r.addDeployment(deployment("d" + i, "m"));
      Adapter a = new Adapter() {
        final byte[] ballast = new byte[64 << 10];
        @java.lang.Override public void invoke(InvokeArgs args, AttemptResult result) { result.setOutcome(Outcome.SUCCESS); }
        @java.lang.Override public void released() { released.incrementAndGet(); }
      };
      refs.add(new WeakReference<>(a));
      r.setAdapter("d" + i, a);
    }
    assertEquals(before + 50, AdapterBridge.pinnedCount());
    for (int round = 0; round < 5; round++) {
      forceGc();
      for (int j = 0; j < 20; j++) r.call("m", "gc", fast());
    }
    r.setAdapter("d0", (args, result) -> result.setOutcome(Outcome.SUCCESS));
    r.removeDeployment("d1");
    assertEquals(2, released.get());
    r.close();
    assertEquals(50, released.get());
    assertEquals(before, AdapterBridge.pinnedCount());
    for (int i = 0; i < 10 && refs.stream().anyMatch(w -> w.get() != null); i++) forceGc();
    assertTrue(refs.stream().allMatch(w -> w.get() == null), "released adapters are collectable");
  }

  /** A router dropped without close(): its Cleaner destroys it, which releases the adapters. */
  @Test
  void unreachableRouterIsFinalizedSafely() throws Exception {
    int before = AdapterBridge.pinnedCount();
    makeAndDropRouter();
    for (int i = 0; i < 50 && AdapterBridge.pinnedCount() != before; i++) forceGc();
    assertEquals(before, AdapterBridge.pinnedCount());
  }

  private static void makeAndDropRouter() {
    Router r = new Router(new RouterOptions(), new FakeClock(), new CounterRandom());
    r.addDeployment(deployment("x", "m"));
    r.setAdapter("x", (args, result) -> result.setOutcome(Outcome.SUCCESS));
    r.call("m", "req", fast());
  }

  static void forceGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      byte[][] garbage = new byte[256][];
      for (int j = 0; j < garbage.length; j++) garbage[j] = new byte[16 << 10];
      System.gc();
      System.runFinalization();
      Thread.sleep(5);
    }
  }

  @Test
  void manyThreadsPickAndReport() throws Exception {
    try (Router r = Router.create()) {
      for (int i = 0; i < 8; i++) r.addDeployment(deployment("p" + i, "gpt-4o", "claude-*"));
      int threads = 16, each = 500;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      AtomicInteger failures = new AtomicInteger();
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        fs.add(pool.submit(() -> {
          Pick p = new Pick();
          for (int i = 0; i < each; i++) {
            try {
              r.pick("claude-3-5-sonnet", p);
              if (i % 10 == 9) r.cancel(p.getTicket());
              else r.report(p.getTicket(), Outcome.SUCCESS, 50 + i % 7);
            } catch (LlmrouteException e) {
              failures.incrementAndGet();
            }
          }
        }));
      }
      for (Future<?> f : fs) f.get();
      pool.shutdown();
      assertEquals(0, failures.get());
      long picks = 0;
      for (Health h : r.healthList()) {
        assertEquals(0, h.getInFlight(), h.getName());
        picks += h.getPicks();
      }
      assertEquals((long) threads * each, picks);
    }
  }

  @Test
  void concurrentCallsRunJavaAdaptersOnTheCallersThreads() throws Exception {
    try (Router r = Router.create()) {
      r.addDeployment(deployment("a", "m"));
      r.addDeployment(deployment("b", "m"));
      AtomicInteger n = new AtomicInteger();
      Adapter ad = (args, result) -> {
        n.incrementAndGet();
        if (!args.getRequest().startsWith("req-")) throw new IllegalArgumentException(args.getRequest());
        result.setOutcome(Outcome.SUCCESS);
      };
      r.setAdapter("a", ad);
      r.setAdapter("b", ad);
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int tt = t;
        fs.add(pool.submit(() -> { for (int i = 0; i < 100; i++) r.call("m", "req-" + tt + "-" + i); }));
      }
      for (Future<?> f : fs) f.get();
      pool.shutdown();
      assertEquals(800, n.get());
    }
  }

  /** Callbacks from a thread Java did not start: with SWIG_JAVA_DETACH_ON_THREAD_END the thread
   * is attached once (the same java.lang.Thread serves every callback), not once per call. */
  @Test
  void nativeThreadIsAttachedOncePerThread() {
    FakeClock clock = new FakeClock();
    try (Router r = new Router(new RouterOptions(), clock, null)) {
      r.addDeployment(deployment("a", "m"));
      r.setAdapter("a", (args, result) -> {
        clock.threads.add(Thread.currentThread());
        result.setOutcome(Outcome.SUCCESS);
      });
      clock.threads.clear();
      r.nativeRouter().pickReportOnNativeThread("m", 200);
      assertEquals(1, clock.threads.size(), "one attach for 200 pick+report pairs");
      Thread first = clock.threads.iterator().next();
      assertNotEquals(Thread.currentThread(), first);
      clock.threads.clear();
      r.nativeRouter().callOnNativeThread("m", "req", 100);
      assertEquals(1, clock.threads.size(), "adapters and clock on the native thread, attached once");
    }
  }

  /** Streams chunks after the given gaps (ms) on the fake clock, reporting each with progress()
   * and polling check() every 100 ms; bytes reach the client after the first chunk. */
  static Adapter streamer(FakeClock clock, long... gaps) {
    return (args, result) -> {
      for (long gap : gaps) {
        for (long waited = 0; waited < gap; waited += 100) {
          clock.now.addAndGet(Math.min(100, gap - waited) * 1_000_000L);
          if (args.check() == Status.STREAM_STALLED) {
            result.setOutcome(Outcome.TIMEOUT);
            return;
          }
        }
        args.progress();
        result.setCommitted(true);
      }
      result.setOutcome(Outcome.SUCCESS);
    };
  }

  @Test
  void stalledStreamFailsOverBeforeCommitAndFailsAfter() {
    FakeClock clock = new FakeClock();
    try (Router r = new Router(new RouterOptions(), clock, null)) {
      r.addDeployment(deployment("a", "m"));
      r.addDeployment(deployment("b", "m"));
      r.setAdapter("a", streamer(clock, 10_000)); // no first byte within 5 s
      r.setAdapter("b", streamer(clock, 10, 10));
      CallOptions o = fast();
      o.setFirstByteTimeoutMs(5000);
      o.setIdleTimeoutMs(1000);
      for (int i = 0; i < 2; i++) assertEquals("b", r.call("m", "x", o).getDeployment(), "fails over");
      r.setAdapter("a", streamer(clock, 10, 3000)); // a first chunk reaches the client, then a gap
      r.setAdapter("b", streamer(clock, 10, 3000));
      LlmrouteException e = assertThrows(LlmrouteException.class, () -> r.call("m", "x", o));
      assertEquals(Status.STREAM_STALLED, e.getStatus());
      o.setIdleTimeoutMs(-1);
      LlmrouteException bad = assertThrows(LlmrouteException.class, () -> r.call("m", "x", o));
      assertEquals(Status.INVALID_ARGUMENT, bad.getStatus());
    }
  }

  /** A hedged call on the fake clock: the first attempt takes 60 ms and polls check(), which
   * starts the due hedge at once on a thread the library created (the SWIG director attaches it
   * to the JVM); the hedge claims the stream and answers; the first then sees CANCELLED. */
  @Test
  void hedgedCallTheHedgeWinsOnARouterThread() {
    FakeClock clock = new FakeClock();
    try (Router r = new Router(new RouterOptions(), clock, null)) {
      r.addDeployment(deployment("a", "m"));
      r.addDeployment(deployment("b", "m"));
      AtomicBoolean firstCancelled = new AtomicBoolean();
      java.util.concurrent.atomic.AtomicReference<Thread> hedgeThread =
          new java.util.concurrent.atomic.AtomicReference<>();
      Adapter racer = (args, result) -> {
        if (args.isHedge()) {
          hedgeThread.set(Thread.currentThread());
          assertEquals(Status.OK, args.commit());
          args.setResponse("hedge");
          result.setOutcome(Outcome.SUCCESS);
          return;
        }
        clock.now.addAndGet(60_000_000L);
        while (true) {
          Status s = args.check();
          if (s == Status.CANCELLED) {
            firstCancelled.set(true);
            result.setOutcome(Outcome.TIMEOUT);
            return;
          }
          assertEquals(Status.OK, s);
          Thread.yield();
        }
      };
      r.setAdapter("a", racer);
      r.setAdapter("b", racer);
      CallOptions o = fast();
      o.setHedgeAfterMs(50);
      CallResult res = r.call("m", "x", o);
      assertEquals("hedge", res.getResponse());
      assertEquals(2, res.getAttempts().size());
      AttemptInfo first = res.getAttempts().get(0);
      AttemptInfo hedge = res.getAttempts().get(1);
      assertTrue(first.getCancelled() && !first.getHedge());
      assertTrue(hedge.getHedge() && !hedge.getCancelled() && hedge.getCommitted());
      assertTrue(firstCancelled.get());
      assertNotEquals(Thread.currentThread(), hedgeThread.get());
      assertEquals(0, r.health(first.getDeployment()).getFailures(), "cancelled, not failed");
      o.setHedgeAfterMs(-1);
      LlmrouteException bad = assertThrows(LlmrouteException.class, () -> r.call("m", "x", o));
      assertEquals(Status.INVALID_ARGUMENT, bad.getStatus());
      assertTrue(bad.getMessage().contains("hedge_after_ms"), bad.getMessage());
    }
  }

  @Test
  void cancellationFromAnotherThreadStopsTheCall() throws Exception {
    try (Router r = Router.create()) {
      r.addDeployment(deployment("slow", "m"));
      CountDownLatch started = new CountDownLatch(1);
      AtomicBoolean sawCancel = new AtomicBoolean();
      r.setAdapter("slow", (args, result) -> {
        started.countDown();
        for (int i = 0; i < 5000; i++) {
          if (args.check() == Status.CANCELLED) {
            sawCancel.set(true);
            result.setOutcome(Outcome.TIMEOUT);
            return;
          }
          Thread.sleep(1);
        }
        result.setOutcome(Outcome.SUCCESS);
      });
      Cancellation cancel = new Cancellation();
      CallOptions o = fast();
      o.setCancel(cancel);
      Thread t = new Thread(() -> {
        try {
          started.await();
        } catch (InterruptedException ignored) {
        }
        cancel.trigger();
      });
      t.start();
      LlmrouteException e = assertThrows(LlmrouteException.class, () -> r.call("m", "x", o));
      t.join();
      assertEquals(Status.CANCELLED, e.getStatus());
      assertTrue(sawCancel.get());
      cancel.delete();
    }
  }
}

package io.llmroute;

import static io.llmroute.Routers.deployment;
import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/** The parts of the C API beyond pick/report: configuration, pick options, prices, statistics,
 * events, shared state, names; and the Java idioms. */
class ApiTest {
  static final String CONFIG = "{\"router_settings\": {\"strategy\": \"cost\","
      + " \"breaker\": {\"consecutive_failures\": 2, \"cooldown_base_ms\": 700, \"jitter\": 0}},"
      + " \"deployments\": ["
      + "  {\"name\": \"cheap\", \"models\": [\"m\"], \"cost_per_million_input\": 1, \"cost_per_million_output\": 2, \"tags\": [\"eu\"]},"
      + "  {\"name\": \"dear\", \"models\": [\"m\"], \"cost_per_million_input\": 10, \"cost_per_million_output\": 20, \"tags\": [\"eu\", \"zdr\"]}],"
      + " \"aliases\": {\"alias\": \"m\"}}";

  @Test
  void fromConfigAppliesRouterSettings() {
    try (Router r = Router.fromConfig(CONFIG)) {
      // strategy cost: the cheap deployment
      Pick p = r.pick("alias");
      assertEquals("cheap", p.getDeployment());
      assertEquals("m", p.getModel());
      r.report(p.getTicket(), Outcome.SERVER_ERROR, 1);
      r.report(r.pick("m").getTicket(), Outcome.SERVER_ERROR, 1);
      // breaker.consecutive_failures 2 (the default is 5) and cooldown 700 ms
      Health h = r.health("cheap");
      assertEquals(BreakerState.OPEN, h.getState());
      assertEquals(700, h.getCooldownRemainingMs(), 50);
      assertEquals("dear", r.pick("m").getDeployment());
      // a running router keeps its settings: the same configuration applies again
      r.applyConfig(CONFIG);
      assertEquals(2, r.stats().getConfigsApplied());
    }
  }

  @Test
  void fromConfigFileAndConfigErrorsNameThePath() throws Exception {
    Path f = Files.createTempFile("llmroute", ".json");
    try {
      Files.writeString(f, CONFIG);
      try (Router r = Router.fromConfigFile(f.toString())) {
        assertEquals(2, r.healthList().size());
        r.applyConfigFile(f.toString());
      }
    } finally {
      Files.delete(f);
    }
    String bad = "{\"deployments\": [{\"name\": \"x\", \"models\": [\"m\"], \"weight\": 0}]}";
    LlmrouteException e = assertThrows(LlmrouteException.class, () -> Router.fromConfig(bad));
    assertEquals(Status.CONFIG, e.getStatus());
    assertTrue(e.getMessage().startsWith("$.deployments[0].weight"), e.getMessage());
    e = assertThrows(LlmrouteException.class, () -> Router.validateConfig(bad));
    assertEquals(Status.CONFIG, e.getStatus());
    Router.validateConfig(CONFIG);
    e = assertThrows(LlmrouteException.class, () -> Router.fromConfigFile("/nonexistent/llmroute.json"));
    assertEquals(Status.CONFIG, e.getStatus());
    assertEquals(Status.INVALID_ARGUMENT, assertThrows(LlmrouteException.class, () -> Router.fromConfig(null)).getStatus());
  }

  @Test
  void pickOptionsAffinityTagsPriceAndExclude() {
    try (Router r = Router.create()) {
      for (int i = 0; i < 6; i++) {
        Deployment d = deployment("d" + i, "m");
        d.addTag(i % 2 == 0 ? "eu" : "us");
        d.setCostPerMillionInput(i + 1);
        d.setCostPerMillionOutput(i + 1);
        r.addDeployment(d);
      }
      // affinity: one key, one deployment
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < 30; i++) {
        Pick p = r.pick("m", new PickOptions().affinityKey("conversation-42"));
        seen.add(p.getDeployment());
        r.cancel(p.getTicket());
      }
      assertEquals(1, seen.size(), seen.toString());
      // required tags
      for (int i = 0; i < 12; i++) {
        Pick p = r.pick("m", new PickOptions().requiredTags("us"));
        assertTrue(Set.of("d1", "d3", "d5").contains(p.getDeployment()), p.getDeployment());
        r.cancel(p.getTicket());
      }
      // max price for 1M + 1M expected tokens: only d0 (2) and d1 (4) are at most 4
      for (int i = 0; i < 12; i++) {
        Pick p = r.pick("m", new PickOptions().expectedTokens(1_000_000, 1_000_000).maxPrice(4));
        assertTrue(Set.of("d0", "d1").contains(p.getDeployment()), p.getDeployment());
        r.cancel(p.getTicket());
      }
      // exclude everything but d4
      Pick p = r.pick("m", new PickOptions().exclude(List.of("d0", "d1", "d2", "d3", "d5")));
      assertEquals("d4", p.getDeployment());
      r.report(p.getTicket(), Outcome.SUCCESS, 10, 5, 0, 100, 200);
      LlmrouteException e = assertThrows(LlmrouteException.class,
          () -> r.pick("m", new PickOptions().requiredTags("nowhere")));
      assertEquals(Status.NO_PROVIDER, e.getStatus());
    }
  }

  @Test
  void deploymentPricesAndListsRoundTrip() {
    Deployment d = deployment("x", "gpt-4o*", "o1");
    assertTrue(d.getCostPerMillionInput() < 0, "no price by default");
    d.setCostPerMillionInput(2.5);
    d.setCostPerMillionOutput(10);
    d.addTag("eu");
    assertEquals(List.of("gpt-4o*", "o1"), d.getModels());
    assertEquals(List.of("eu"), d.getTags());
    try (Router r = Router.create()) {
      r.addDeployment(d);
      Deployment bad = deployment("y", "m");
      bad.setCostPerMillionInput(Double.NaN);
      LlmrouteException e = assertThrows(LlmrouteException.class, () -> r.addDeployment(bad));
      assertEquals(Status.INVALID_ARGUMENT, e.getStatus());
      assertTrue(e.getMessage().contains("cost"), e.getMessage());
      r.setModelStrategy("o1", Strategy.COST);
      r.updateDeployment(d);
      r.setAlias("fast", "o1");
      r.removeAlias("fast");
      r.setFallbacks("o1", FallbackKind.CONTEXT_WINDOW, List.of("gpt-4o"));
      r.removeDeployment("x");
      assertEquals(0, r.healthList().size());
    }
  }

  @Test
  void statsAndMetricsText() {
    try (Router r = Router.create()) {
      r.addDeployment(deployment("a", "m"));
      for (int i = 0; i < 3; i++) r.report(r.pick("m").getTicket(), Outcome.SUCCESS, 40, 10, 0, 7, 11);
      r.cancel(r.pick("m").getTicket());
      r.report(r.pick("m").getTicket(), Outcome.RATE_LIMITED, 5, -1, 1000, 0, 0);
      RouterStats s = r.stats();
      assertEquals(1, s.getDeployments().size());
      DeploymentStats d = s.getDeployments().get(0);
      assertEquals("a", d.getName());
      assertEquals(5, d.getPicks());
      assertEquals(3, d.getSuccesses());
      assertEquals(1, d.getRateLimited());
      assertEquals(1, d.getCancels());
      assertEquals(21, d.getInputTokens());
      assertEquals(33, d.getOutputTokens());
      assertEquals(3, d.getLatencyCount());
      assertEquals(1, s.getModels().size());
      assertEquals("m", s.getModels().get(0).getModel());
      assertEquals(5, s.getModels().get(0).getPicks());
      assertEquals(0, s.getConfigsApplied());
      assertTrue(s.getMetricsText().contains("llmroute_deployment_picks_total{deployment=\"a\"} 5"), s.getMetricsText());
      String text = r.metricsText();
      assertTrue(text.contains("# TYPE llmroute_deployment_picks_total counter"), text);
      assertTrue(text.contains("llmroute_deployment_picks_total{deployment=\"a\"} 5"), text);
    }
  }

  static final class Recorder implements EventListener {
    final List<Event> events = new CopyOnWriteArrayList<>();
    final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    final AtomicInteger released = new AtomicInteger();
    @java.lang.Override public void onEvent(Event e) {
      events.add(e);
      threads.add(Thread.currentThread());
    }
    @java.lang.Override public void released() { released.incrementAndGet(); }
  }

  @Test
  void eventsForBreakerAndConfiguration() {
    Recorder rec = new Recorder();
    int pinned = EventBridge.pinnedCount();
    try (Router r = Router.fromConfig(CONFIG)) {
      r.setEventListener(rec);
      assertEquals(pinned + 1, EventBridge.pinnedCount());
      for (int i = 0; i < 2; i++) r.report(r.pick("m", new PickOptions().exclude("dear")).getTicket(), Outcome.SERVER_ERROR, 1);
      Event trip = rec.events.get(0);
      assertEquals(EventKind.BREAKER, trip.getKind());
      assertEquals("cheap", trip.getDeployment());
      assertEquals(BreakerState.CLOSED, trip.getFromState());
      assertEquals(BreakerState.OPEN, trip.getToState());
      assertEquals(700, trip.getCooldownMs());
      String next = CONFIG.replace("\"name\": \"dear\"", "\"name\": \"new\"");
      r.applyConfig(next);
      Event applied = rec.events.get(rec.events.size() - 1);
      assertEquals(EventKind.CONFIG_APPLIED, applied.getKind());
      assertEquals(List.of("new"), applied.getAdded());
      assertEquals(List.of("dear"), applied.getRemoved());
      assertEquals(1, applied.getKeptCount());
      assertEquals(2, applied.getConfigGeneration());
      assertNull(applied.getMessage());
      assertThrows(LlmrouteException.class, () -> r.applyConfig("{\"deployments\": 7}"));
      Event rejected = rec.events.get(rec.events.size() - 1);
      assertEquals(EventKind.CONFIG_REJECTED, rejected.getKind());
      assertTrue(rejected.getMessage().startsWith("$.deployments"), rejected.getMessage());
      assertEquals(Set.of(Thread.currentThread()), rec.threads);
      // a listener that throws does not disturb the router
      Recorder second = new Recorder();
      r.setEventListener(e -> { second.onEvent(e); throw new IllegalStateException("listener bug"); });
      assertEquals(1, rec.released.get(), "the replaced listener is released once");
      r.applyConfig(CONFIG);
      assertEquals(1, second.events.size());
    }
    assertEquals(pinned, EventBridge.pinnedCount(), "close released the last listener");
  }

  /** Events from a thread Java did not start: the breaker trips inside calls made on a native
   * thread. */
  @Test
  void eventsFromANativeThread() {
    Recorder rec = new Recorder();
    try (Router r = Router.fromConfig(CONFIG)) {
      r.setEventListener(rec);
      r.setAdapter("cheap", (args, result) -> result.setOutcome(Outcome.SERVER_ERROR));
      r.setAdapter("dear", (args, result) -> result.setOutcome(Outcome.SUCCESS));
      r.nativeRouter().callOnNativeThread("m", "x", 2);
      assertTrue(rec.events.stream().anyMatch(e -> e.getKind() == EventKind.BREAKER && e.getDeployment().equals("cheap")), rec.events.toString());
      assertFalse(rec.threads.contains(Thread.currentThread()));
      assertEquals(1, rec.threads.size());
    }
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static String sharedConfig(String url, String prefix) {
    return "{\"router_settings\": {\"breaker\": {\"consecutive_failures\": 2, \"jitter\": 0},"
        + " \"shared_state\": {\"url\": \"" + url + "\", \"key_prefix\": \"" + prefix + "\", \"sync_interval_ms\": 10}},"
        + " \"deployments\": [{\"name\": \"x\", \"models\": [\"m\"]}, {\"name\": \"y\", \"models\": [\"m\"]}]}";
  }

  static boolean waitFor(java.util.function.BooleanSupplier p) throws InterruptedException {
    for (int i = 0; i < 1000; i++) {
      if (p.getAsBoolean()) return true;
      Thread.sleep(10);
    }
    return p.getAsBoolean();
  }

  @Test
  void sharedStateStatusWithoutAndWithAnUnreachableRedis() throws Exception {
    try (Router r = Router.create()) {
      SharedStateStatus s = r.sharedStateStatus();
      assertFalse(s.getEnabled());
      assertEquals(-1, s.getLastSyncAgeMs());
    }
    SharedStateOptions shared = new SharedStateOptions();
    shared.setUrl("redis://:secret@127.0.0.1:" + freePort());
    shared.setKeyPrefix("unreach:");
    shared.setSyncIntervalMs(10);
    try (Router r = Router.create(new RouterOptions(), shared, null, null)) {
      r.addDeployment(deployment("x", "m"));
      assertTrue(waitFor(() -> r.sharedStateStatus().getSyncFailures() > 0));
      SharedStateStatus s = r.sharedStateStatus();
      assertTrue(s.getEnabled());
      assertFalse(s.getConnected());
      assertTrue(s.getLastError().contains("127.0.0.1"), s.getLastError());
      assertFalse(s.getLastError().contains("secret"), "no password in the error");
      Pick p = r.pick("m"); // routes on local state
      r.cancel(p.getTicket());
    }
  }

  /** The Sentinel and Cluster URL forms are accepted and reported in the status (nothing listens
   * on the ports: the router starts on local state and says which sentinels or nodes failed). */
  @Test
  void sharedStateSentinelAndClusterUrls() throws Exception {
    SharedStateOptions shared = new SharedStateOptions();
    shared.setUrl("redis-sentinel://:secret@127.0.0.1:" + freePort() + ",127.0.0.1:" + freePort()
        + "#gw");
    try (Router r = Router.create(new RouterOptions(), shared, null, null)) {
      SharedStateStatus s = r.sharedStateStatus();
      assertTrue(s.getEnabled());
      assertFalse(s.getConnected());
      assertTrue(s.getLastError().contains("no sentinel of redis-sentinel://:***@127.0.0.1:"),
          s.getLastError());
      assertTrue(s.getLastError().contains("'gw'"), s.getLastError());
      assertFalse(s.getLastError().contains("secret"), "no password in the error");
      assertEquals(1, s.getTopology());
      assertEquals("", s.getServer());
    }
    shared.setUrl("redis-cluster://127.0.0.1:" + freePort());
    try (Router r = Router.create(new RouterOptions(), shared, null, null)) {
      SharedStateStatus s = r.sharedStateStatus();
      assertTrue(s.getEnabled());
      assertFalse(s.getConnected());
      assertTrue(s.getLastError().contains("no node of Redis Cluster redis-cluster://127.0.0.1:"),
          s.getLastError());
      assertEquals(2, s.getTopology());
      assertEquals(0, s.getFailovers());
    }
    shared.setUrl("redis-sentinel://127.0.0.1:26379");
    LlmrouteException e = assertThrows(LlmrouteException.class,
        () -> Router.create(new RouterOptions(), shared, null, null));
    assertEquals(Status.INVALID_ARGUMENT, e.getStatus());
    assertTrue(e.getMessage().contains("the master name is missing"), e.getMessage());
  }

  /** The router's own synchronisation thread (started by llmroute, not by Java) delivers
   * another instance's trip. Needs redis-server (scripts/test.sh installs it). */
  @Test
  void eventFromTheLibrarysSyncThread() throws Exception {
    String server = null;
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      if (new File(dir, "redis-server").canExecute()) server = new File(dir, "redis-server").getPath();
    }
    assertNotNull(server, "redis-server is needed (apt-get install redis-server)");
    int port = freePort();
    Process redis = new ProcessBuilder(server, "--port", String.valueOf(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      String url = "redis://127.0.0.1:" + port;
      String prefix = "junit-" + UUID.randomUUID() + ":";
      assertTrue(waitFor(() -> {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
          return true;
        } catch (Exception e) {
          return false;
        }
      }), "redis-server did not start");
      try (Router a = Router.fromConfig(sharedConfig(url, prefix)); Router b = Router.fromConfig(sharedConfig(url, prefix))) {
        assertTrue(waitFor(() -> a.sharedStateStatus().getConnected() && b.sharedStateStatus().getConnected()));
        Recorder rec = new Recorder();
        b.setEventListener(rec);
        for (int i = 0; i < 2; i++) a.report(a.pick("m", new PickOptions().exclude("y")).getTicket(), Outcome.SERVER_ERROR, 1);
        assertEquals(BreakerState.OPEN, a.health("x").getState());
        assertTrue(waitFor(() -> rec.events.stream().anyMatch(e -> e.getDeployment().equals("x") && e.getToState() == BreakerState.OPEN)),
            "no event on the other instance");
        assertFalse(rec.threads.contains(Thread.currentThread()), "delivered on llmroute's thread");
        SharedStateStatus s = b.sharedStateStatus();
        assertTrue(s.getRemoteOpens() >= 1 && s.getSyncs() >= 1 && s.getConnections() >= 1);
        assertEquals("y", b.pick("m").getDeployment());
      }
    } finally {
      redis.destroy();
      redis.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void featureEnabledMatchesWhatTheLibraryDoes() throws Exception {
    boolean redis = Router.featureEnabled("redis");
    SharedStateOptions shared = new SharedStateOptions();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    shared.setUrl("redis://127.0.0.1:" + port);
    boolean created;
    try (Router r = Router.create(new RouterOptions(), shared, null, null)) {
      created = true;
    } catch (LlmrouteException e) {
      created = false;
    }
    assertEquals(redis, created, "feature redis vs a router with a Redis URL");
    assertThrows(LlmrouteException.class, () -> Router.featureEnabled("no-such-feature"));
  }

  @Test
  void namesOfEnumValuesComeFromTheLibrary() {
    assertEquals("round_robin", Strategy.ROUND_ROBIN.label());
    for (Strategy s : Strategy.values()) {
      if (s == Strategy.DEFAULT) continue;
      assertEquals(s, Strategy.fromLabel(s.label()));
    }
    assertEquals(Status.INVALID_ARGUMENT, assertThrows(LlmrouteException.class, () -> Strategy.fromLabel("fastest")).getStatus());
    assertEquals("rate_limited", Outcome.RATE_LIMITED.label());
    assertEquals("half_open", BreakerState.HALF_OPEN.label());
    assertEquals("context_window", FallbackKind.CONTEXT_WINDOW.label());
    assertEquals("config_applied", EventKind.CONFIG_APPLIED.label());
    assertEquals("LLMR_ERR_NO_PROVIDER", Status.NO_PROVIDER.label());
    assertEquals(Native.headerVersion(), Native.libraryVersion());
    assertFalse(Router.libraryVersion().isEmpty());
  }

  /** The adapter's exception is the cause of the call's final error; earlier ones are suppressed. */
  @Test
  void adapterExceptionIsTheCause() {
    try (Router r = Router.create()) {
      r.addDeployment(deployment("a", "m"));
      r.addDeployment(deployment("b", "m"));
      IllegalStateException first = new IllegalStateException("first");
      IllegalStateException second = new IllegalStateException("second");
      AtomicInteger n = new AtomicInteger();
      Adapter thrower = (args, result) -> { throw n.getAndIncrement() == 0 ? first : second; };
      r.setAdapter("a", thrower);
      r.setAdapter("b", thrower);
      CallOptions o = new CallOptions();
      o.setMaxAttempts(2);
      o.setBackoffBaseMs(1);
      o.setBackoffMaxMs(1);
      LlmrouteException e = assertThrows(LlmrouteException.class, () -> r.call("m", "x", o));
      assertSame(second, e.getCause());
      assertArrayEquals(new Throwable[] {first}, e.getSuppressed());
      assertTrue(e.getCallResult().getAttempts().get(1).getAdapterFailed());
      // a later successful call carries nothing over
      r.setAdapter("a", (args, result) -> result.setOutcome(Outcome.SERVER_ERROR));
      r.setAdapter("b", (args, result) -> result.setOutcome(Outcome.SERVER_ERROR));
      e = assertThrows(LlmrouteException.class, () -> r.call("m", "x", o));
      assertNull(e.getCause());
    }
  }

  @Test
  void noTestHooksInThePublicApiAndTheJarNamesItsModule() throws Exception {
    for (Method m : Router.class.getMethods()) {
      String n = m.getName();
      assertFalse(n.endsWith("Native") || n.contains("NativeThread") || n.equals("nativeRouter"), "public " + n);
    }
    assertFalse(Modifier.isPublic(NativeRouter.class.getModifiers()));
    assertFalse(Modifier.isPublic(NativeEventListener.class.getModifiers()));
    for (Method m : Router.class.getDeclaredMethods()) assertNotEquals("finalize", m.getName());
    String jar = Router.class.getProtectionDomain().getCodeSource().getLocation().getPath();
    try (JarFile j = new JarFile(jar)) {
      assertEquals("io.llmroute", j.getManifest().getMainAttributes().getValue("Automatic-Module-Name"));
    }
  }
}

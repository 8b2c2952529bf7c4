package io.llmroute;

import static io.llmroute.Routers.deployment;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Inference engines: prefix hashes (the vectors every binding shares), load reports and the
 * engine_aware strategy, on a fake clock. */
class EngineTest {
  @Test
  void prefixHashesMatchTheDocumentedVectors() {
    assertArrayEquals(new long[] {0xfc179f83ee0724ddL, 0x817603888772b7b0L},
                      Router.prefixHashes("abcdefgh", 4, Router.PREFIX_HASHES_MAX));
    assertArrayEquals(new long[] {0x9e182a5566490532L, 0xf17f507477172ad9L, 0xa18b8cf783e6344bL},
                      Router.prefixHashes("You are a helpful assistant.", 8, 256));
    assertArrayEquals(new long[] {0xfc179f83ee0724ddL}, Router.prefixHashes("abcdefghij", 4, 1));
    LlmrouteException e =
        assertThrows(LlmrouteException.class, () -> Router.prefixHashes("abcd", 0, 4));
    assertTrue(e.getMessage().contains("block_bytes"), e.getMessage());
  }

  static String pick(Router r, PickOptions o) {
    Pick p = r.pick("m", o);
    r.cancel(p.getTicket());
    return p.getDeployment();
  }

  static Router engineRouter(BindingTest.FakeClock clock) {
    RouterOptions o = new RouterOptions();
    o.setStrategy(Strategy.ENGINE_AWARE);
    Router r = new Router(o, clock, new BindingTest.CounterRandom());
    r.addDeployment(deployment("a", "m"));
    r.addDeployment(deployment("b", "m"));
    return r;
  }

  @Test
  void prefixBeatsLoadUntilTheGuardTripsAndStaleLoadIsIgnored() {
    BindingTest.FakeClock clock = new BindingTest.FakeClock();
    try (Router r = engineRouter(clock)) {
      long[] prefix = Router.prefixHashes("system prompt ".repeat(40), 64, 256);
      assertEquals("a", pick(r, new PickOptions().prefixHashes(prefix).exclude("b")));
      r.reportLoad("a", 20, 0, 0.5);
      r.reportLoad("b", 0, 0, 0.5);
      for (int i = 0; i < 10; i++) assertEquals("a", pick(r, new PickOptions().prefixHashes(prefix)));
      r.reportLoad("a", 100, 0, 0.5);  // 100 - 0 > 64 and 100 > 1.5 x 0
      assertEquals("b", pick(r, new PickOptions().prefixHashes(prefix)));
      clock.now.addAndGet(2_001_000_000L);  // past engine_load_stale_ms
      r.reportLoad("b", 0, 0, 0.5);
      long[] fresh = Router.prefixHashes("another prompt ".repeat(40), 64, 256);
      assertEquals("a", pick(r, new PickOptions().prefixHashes(fresh).exclude("b")));
      for (int i = 0; i < 10; i++) assertEquals("a", pick(r, new PickOptions().prefixHashes(fresh)));
    }
  }

  @Test
  void reportLoadRejectsBadInput() {
    try (Router r = engineRouter(new BindingTest.FakeClock())) {
      for (Object[] c : new Object[][] {{1L, 1L, 1.5, "kv_cache_utilization"},
                                        {1L, 1L, Double.NaN, "kv_cache_utilization"},
                                        {-1L, 1L, 0.5, "waiting"}, {1L, -1L, 0.5, "running"}}) {
        LlmrouteException e = assertThrows(LlmrouteException.class,
            () -> r.reportLoad("a", (Long) c[0], (Long) c[1], (Double) c[2]));
        assertEquals(Status.INVALID_ARGUMENT, e.getStatus());
        assertTrue(e.getMessage().contains((String) c[3]), e.getMessage());
      }
      LlmrouteException unknown =
          assertThrows(LlmrouteException.class, () -> r.reportLoad("ghost", 0, 0, 0));
      assertEquals(Status.NOT_FOUND, unknown.getStatus());
      long[] many = new long[Router.PREFIX_HASHES_MAX + 1];
      Arrays.fill(many, 1);
      assertThrows(LlmrouteException.class, () -> r.pick("m", new PickOptions().prefixHashes(many)));
    }
  }
}

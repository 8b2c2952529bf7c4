package io.llmroute;

import static io.llmroute.Routers.deployment;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Announced provider quotas through Router.reportQuota, on an injected clock: a used-up count
 * keeps the deployment out until its reset, a far-reset 429 is a quota exhaustion (its own event,
 * no probe), health shows the counts, and bad values name the field. */
class QuotaTest {
  static final long HOUR_MS = 3_600_000L;

  /** Picks "m" until it lands on {@code name} and reports the quota for it. */
  static void reportOn(Router r, String name, Outcome outcome, long requests, long requestsResetMs) {
    for (int i = 0; i < 100; i++) {
      Pick p = r.pick("m");
      if (p.getDeployment().equals(name)) {
        r.reportQuota(p.getTicket(), outcome, 10, -1, 0, 0, 0, requests, -1, requestsResetMs, 0);
        return;
      }
      r.cancel(p.getTicket());
    }
    fail(name + " was never picked");
  }

  static void allPicksGoTo(Router r, String name) {
    for (int i = 0; i < 20; i++) {
      Pick p = r.pick("m");
      assertEquals(name, p.getDeployment());
      r.cancel(p.getTicket());
    }
  }

  @Test
  void announcedQuotaAndDailyCap() {
    BindingTest.FakeClock clock = new BindingTest.FakeClock();
    RouterOptions o = new RouterOptions();
    assertEquals(60000, o.getQuotaHorizonMs());
    assertEquals(1, o.getQuotaHeadroomRouting());
    List<Event> events = new CopyOnWriteArrayList<>();
    try (Router r = new Router(o, clock, new BindingTest.CounterRandom())) {
      r.addDeployment(deployment("a", "m"));
      r.addDeployment(deployment("b", "m"));
      r.setEventListener(events::add);

      reportOn(r, "a", Outcome.SUCCESS, 0, 2000);
      Health a = r.health("a");
      assertFalse(a.getEligible());
      assertEquals(0, a.getQuotaRemainingRequests());
      assertEquals(-1, a.getQuotaRemainingTokens());
      assertEquals(2000, a.getQuotaRequestsResetMs());
      allPicksGoTo(r, "b");
      clock.now.addAndGet(2_000_000_000L);
      assertTrue(r.health("a").getEligible());

      reportOn(r, "b", Outcome.RATE_LIMITED, 0, 5 * HOUR_MS);
      List<Event> quota = events.stream().filter(e -> e.getKind() == EventKind.QUOTA_EXHAUSTED).collect(java.util.stream.Collectors.toList());
      assertEquals(1, quota.size());
      assertEquals("b", quota.get(0).getDeployment());
      assertEquals(5 * HOUR_MS, quota.get(0).getCooldownMs());
      assertEquals("quota_exhausted", EventKind.QUOTA_EXHAUSTED.label());
      clock.now.addAndGet(HOUR_MS * 1_000_000L); // past the breaker's longest cooldown
      allPicksGoTo(r, "a");
      Health b = r.health("b");
      assertEquals(BreakerState.CLOSED, b.getState());
      assertEquals(1, b.getQuotaExhaustions());
      assertEquals(4 * HOUR_MS, b.getQuotaExhaustedMs());
      assertTrue(r.metricsText().contains("llmroute_deployment_quota_exhaustions_total{deployment=\"b\"} 1"));

      Pick p = r.pick("m");
      LlmrouteException e = assertThrows(LlmrouteException.class,
          () -> r.reportQuota(p.getTicket(), Outcome.SUCCESS, 1, -1, 0, 0, 0, 3, -1, -5, 0));
      assertEquals(Status.INVALID_ARGUMENT, e.getStatus());
      assertTrue(e.getMessage().contains("quota_requests_reset_ms"), e.getMessage());
      r.report(p.getTicket(), Outcome.SUCCESS, 1); // the ticket stayed live
    }
  }
}

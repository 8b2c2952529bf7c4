package io.llmroute;

import static io.llmroute.Routers.deployment;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Priority classes and a deployment's reserve (Deployment.addReserve, PickOptions.priority), on
 * an injected clock: the default class is refused (RATE_LIMITED with retryAfterMs) once only the
 * reserve is left, a higher class uses it, the window's rollover frees it, and bad input names the
 * field. */
class PriorityTest {
  static int admitted(Router r, int priority) {
    int n = 0;
    for (; n < 100; n++) {
      Pick p;
      try {
        p = r.pick("m", new PickOptions().priority(priority));
      } catch (LlmrouteException e) {
        break;
      }
      r.report(p.getTicket(), Outcome.SUCCESS, 1);
    }
    return n;
  }

  @Test
  void reserveKeepsTheLastShareForHigherClasses() {
    BindingTest.FakeClock clock = new BindingTest.FakeClock();
    try (Router r = new Router(new RouterOptions(), clock, new BindingTest.CounterRandom())) {
      assertEquals(2, new PickOptions().getPriority());
      Deployment d = deployment("a", "m");
      d.setRpmLimit(10);
      d.addReserve(1, 0.2);
      r.addDeployment(d);
      assertEquals(8, admitted(r, 2));
      LlmrouteException refused =
          assertThrows(LlmrouteException.class, () -> r.pick("m", new PickOptions().priority(3)));
      assertEquals(Status.RATE_LIMITED, refused.getStatus());
      assertEquals(60000, refused.getRetryAfterMs());
      assertEquals(2, admitted(r, 1));
      clock.now.addAndGet(60_000_000_000L);
      assertEquals(8, admitted(r, 2));
      assertEquals(2, admitted(r, 0));

      LlmrouteException e =
          assertThrows(LlmrouteException.class, () -> r.pick("m", new PickOptions().priority(-1)));
      assertEquals(Status.INVALID_ARGUMENT, e.getStatus());
      assertTrue(e.getMessage().contains("priority"), e.getMessage());

      Deployment bad = deployment("b", "m");
      bad.setRpmLimit(10);
      bad.addReserve(0, 0.3);
      bad.addReserve(1, 0.1);
      e = assertThrows(LlmrouteException.class, () -> r.addDeployment(bad));
      assertEquals(Status.INVALID_ARGUMENT, e.getStatus());
      assertTrue(e.getMessage().contains("reserve[1].share"), e.getMessage());
      assertTrue(r.metricsText()
          .contains("llmroute_pick_refusals_total{priority=\"3\",reason=\"reserve\"} 1"));
    }
  }
}

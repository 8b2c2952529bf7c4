using System;
using System.Collections.Generic;
using System.Linq;
using LlmRoute;

// Announced provider quotas through Router.ReportQuota, on an injected clock: a used-up count keeps
// the deployment out until its reset, a far-reset 429 is a quota exhaustion (its own event, no
// probe), health shows the counts, and bad values name the field.
public static partial class Tests {
  const long HourMs = 3600000L;

  static void QuotaReportOn(Router r, string name, Outcome outcome, long requests, long requestsResetMs) {
    for (int i = 0; i < 100; i++) {
      var p = r.Pick("m");
      if (p.Deployment == name) {
        r.ReportQuota(p.Ticket, outcome, 10, -1, 0, 0, 0, requests, -1, requestsResetMs, 0);
        return;
      }
      r.Cancel(p.Ticket);
    }
    throw new AssertionException(name + " was never picked");
  }

  static void AllPicksGoTo(Router r, string name) {
    for (int i = 0; i < 20; i++) {
      var p = r.Pick("m");
      Assert.Equal(name, p.Deployment, "pick " + i);
      r.Cancel(p.Ticket);
    }
  }

  public static void TestAnnouncedQuotaAndDailyCap() {
    var clock = new FakeClock();
    var o = new RouterOptions();
    Assert.Equal(60000L, o.QuotaHorizonMs, "default horizon");
    Assert.Equal(1u, o.QuotaHeadroomRouting, "default headroom routing");
    var events = new List<Event>();
    using (var r = new Router(o, clock, new CounterRandom())) {
      r.AddDeployment(Dep("a", 0, "m"));
      r.AddDeployment(Dep("b", 0, "m"));
      r.SetEventListener(e => { lock (events) events.Add(e); });

      QuotaReportOn(r, "a", Outcome.SUCCESS, 0, 2000);
      var a = r.GetHealth("a");
      Assert.True(!a.Eligible, "a is out while it has no request left");
      Assert.Equal(0L, a.QuotaRemainingRequests, "remaining requests");
      Assert.Equal(-1L, a.QuotaRemainingTokens, "tokens not announced");
      Assert.Equal(2000L, a.QuotaRequestsResetMs, "reset");
      AllPicksGoTo(r, "b");
      clock.SleepNanos(2000000000L);
      Assert.True(r.GetHealth("a").Eligible, "back at the reset");

      QuotaReportOn(r, "b", Outcome.RATE_LIMITED, 0, 5 * HourMs);
      List<Event> quota;
      lock (events) quota = events.Where(e => e.Kind == EventKind.QUOTA_EXHAUSTED).ToList();
      Assert.Equal(1, quota.Count, "one quota event");
      Assert.Equal("b", quota[0].Deployment, "its deployment");
      Assert.Equal(5 * HourMs, quota[0].CooldownMs, "until the reset");
      Assert.Equal("quota_exhausted", EventKind.QUOTA_EXHAUSTED.Label(), "label");
      clock.SleepNanos(HourMs * 1000000L);  // past the breaker's longest cooldown
      AllPicksGoTo(r, "a");
      var b = r.GetHealth("b");
      Assert.Equal(BreakerState.CLOSED, b.State, "the breaker is not involved");
      Assert.Equal(1L, b.QuotaExhaustions, "exhaustions");
      Assert.Equal(4 * HourMs, b.QuotaExhaustedMs, "until the reset");
      Assert.True(r.MetricsText().Contains("llmroute_deployment_quota_exhaustions_total{deployment=\"b\"} 1"), "metric");

      var t = r.Pick("m").Ticket;
      var err = Assert.Throws<LlmRouteException>(
          () => r.ReportQuota(t, Outcome.SUCCESS, 1, -1, 0, 0, 0, -3, -1, 0, 0), "negative count");
      Assert.Equal(Status.INVALID_ARGUMENT, err.Status, "status");
      Assert.True(err.Message.Contains("quota_remaining_requests"), err.Message);
      r.Report(t, Outcome.SUCCESS, 1);  // the ticket stayed live
    }
  }
}

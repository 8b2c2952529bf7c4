using System;
using LlmRoute;

// Priority classes and a deployment's reserve (Deployment.AddReserve, PickOptions.Priority), on an
// injected clock: the default class is refused (RateLimited, RetryAfterMs) once only the reserve is
// left, a higher class uses it, the window's rollover frees it, and bad input names the field.
public static partial class Tests {
  static int Admitted(Router r, int priority) {
    var o = new PickOptions();
    o.Priority = priority;
    int n = 0;
    for (; n < 100; n++) {
      PickResult p;
      try {
        p = r.Pick("m", o);
      } catch (LlmRouteException) {
        break;
      }
      r.Report(p.Ticket, Outcome.SUCCESS, 1);
    }
    return n;
  }

  public static void TestPriorityReserve() {
    var clock = new FakeClock();
    using (var r = new Router(new RouterOptions(), clock, new CounterRandom())) {
      Assert.Equal(2, new PickOptions().Priority, "the default class");
      var d = Dep("a", 0, "m");
      d.RpmLimit = 10;
      d.AddReserve(1, 0.2);
      r.AddDeployment(d);
      Assert.Equal(8, Admitted(r, 2), "the default class stops at the reserve");
      var low = new PickOptions();
      low.Priority = 3;
      var refused = Assert.Throws<LlmRouteException>(() => r.Pick("m", low), "on the reserve");
      Assert.Equal(Status.RATE_LIMITED, refused.Status, "status");
      Assert.Equal(60000L, refused.RetryAfterMs, "the window frees it in a minute");
      Assert.Equal(2, Admitted(r, 1), "class 1 uses the reserve");
      clock.SleepNanos(60000000000L);
      Assert.Equal(8, Admitted(r, 2), "after the rollover");
      Assert.Equal(2, Admitted(r, 0), "the highest class takes the rest");

      var bad = new PickOptions();
      bad.Priority = 4;
      var e = Assert.Throws<LlmRouteException>(() => r.Pick("m", bad), "class 4");
      Assert.Equal(Status.INVALID_ARGUMENT, e.Status, "status");
      Assert.True(e.Message.Contains("priority"), e.Message);

      var nan = Dep("b", 0, "m");
      nan.RpmLimit = 10;
      nan.AddReserve(0, double.NaN);
      e = Assert.Throws<LlmRouteException>(() => r.AddDeployment(nan), "NaN share");
      Assert.Equal(Status.INVALID_ARGUMENT, e.Status, "status");
      Assert.True(e.Message.Contains("reserve[0].share"), e.Message);
      Assert.True(r.MetricsText().Contains("llmroute_pick_refusals_total{priority=\"3\",reason=\"reserve\"} 1"), "metric");
    }
  }
}

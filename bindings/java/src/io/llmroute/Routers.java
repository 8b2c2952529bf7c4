package io.llmroute;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Conveniences over the generated classes. */
public final class Routers {
  private Routers() {}

  /** A deployment serving these models. */
  public static Deployment deployment(String name, String... models) {
    Deployment d = new Deployment(name);
    for (String m : models) d.addModel(m);
    return d;
  }

  /** A StringVector of these strings. */
  public static StringVector strings(String... values) {
    StringVector v = new StringVector();
    v.addAll(Arrays.asList(values));
    return v;
  }

  /** Health of every deployment. */
  public static List<Health> healthList(Router router) {
    HealthVector v = new HealthVector();
    router.healthList(v);
    return new ArrayList<>(v);
  }

  /** Health of one deployment. */
  public static Health health(Router router, String name) {
    Health h = new Health();
    router.healthOf(name, h);
    return h;
  }

  /** Fallback candidates of a model. */
  public static List<Candidate> fallbacks(Router router, String model, String... exclude) {
    CandidateVector v = new CandidateVector();
    router.fallbacks(model, strings(exclude), v);
    return new ArrayList<>(v);
  }
}

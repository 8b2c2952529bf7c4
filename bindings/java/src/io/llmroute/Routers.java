package io.llmroute;

/** Conveniences over the generated classes. */
public final class Routers {
  private Routers() {}

  /** A deployment serving these models. */
  public static Deployment deployment(String name, String... models) {
    Deployment d = new Deployment(name);
    for (String m : models) d.addModel(m);
    return d;
  }
}

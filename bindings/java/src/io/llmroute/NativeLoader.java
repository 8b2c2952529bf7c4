package io.llmroute;

/** Loads the JNI library once: from the system property llmroute.jni (a full path), else
 * System.loadLibrary("llmroute_java") (java.library.path). */
final class NativeLoader {
  private static boolean loaded;

  private NativeLoader() {}

  static synchronized void load() {
    if (loaded) return;
    String path = System.getProperty("llmroute.jni");
    if (path != null && !path.isEmpty()) {
      System.load(path);
    } else {
      System.loadLibrary("llmroute_java");
    }
    loaded = true;
  }
}

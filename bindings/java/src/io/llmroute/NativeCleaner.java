package io.llmroute;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;

/**
 * Frees the native object behind every generated proxy that owns one (Pick, Deployment,
 * CallResult, the vectors, the director base classes...) once the proxy is unreachable: the
 * java.lang.ref.Cleaner replacement for SWIG's default finalize() (llmroute.i installs it through
 * the javabody and javadestruct typemaps). delete() frees at once; ownership given away (to C++)
 * disarms it.
 */
final class NativeCleaner {
  static final Cleaner CLEANER = Cleaner.create();

  private NativeCleaner() {}

  /** The native object one proxy owns; runs its delete at most once. Holds no proxy. */
  static final class Owned implements Runnable {
    private final long ptr;
    private final LongConsumer delete;
    private final AtomicBoolean owned = new AtomicBoolean(true);

    Owned(long ptr, LongConsumer delete) {
      this.ptr = ptr;
      this.delete = delete;
    }

    /** The native object now belongs to someone else (C++). */
    void disown() { owned.set(false); }

    @Override
    public void run() {
      if (owned.getAndSet(false)) delete.accept(ptr);
    }
  }

  static Owned register(Object proxy, long ptr, LongConsumer delete) {
    Owned o = new Owned(ptr, delete);
    CLEANER.register(proxy, o);
    return o;
  }
}

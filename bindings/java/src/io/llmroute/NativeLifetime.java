package io.llmroute;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Owns the native side of every Router: a {@link Cleaner} (not the deprecated finalize()) deletes
 * the shim object once its Router is unreachable, which also destroys a router that was never
 * closed.
 *
 * <p>close() destroys the native router at once but leaves the small shim object to the Cleaner:
 * another thread may still be inside a call on it, and only unreachability proves it is not.
 * The Cleaner's action holds the clock and random source, so they outlive the native router.
 *
 * <p>The JVM's collector does not see native memory (a router that made calls holds a few hundred
 * KiB), so routers dropped without close() could pile up between collections. Like the JDK's own
 * direct buffers (java.nio.Bits.reserveMemory asks for System.gc() when their native limit is
 * reached), creating a router while {@link #threshold} routers are neither closed nor released
 * asks for a collection and waits briefly for the Cleaner; a program that really keeps that many
 * open routers doubles the threshold instead of collecting on every creation.
 */
final class NativeLifetime {
  private static final Cleaner CLEANER = Cleaner.create();
  /** Native routers neither closed nor released by the Cleaner. */
  private static final AtomicInteger UNRELEASED = new AtomicInteger();
  private static final int INITIAL_THRESHOLD = 128;
  private static volatile int threshold = INITIAL_THRESHOLD;
  private static final Object COLLECTING = new Object();

  private NativeLifetime() {}

  /** The state a Router shares with its Cleaner action (never the Router itself). */
  static final class Handle implements Runnable {
    private final NativeRouter nativeRouter;
    @SuppressWarnings("unused") // kept reachable until the native router is gone
    private final Object clock;
    @SuppressWarnings("unused")
    private final Object random;
    private final AtomicBoolean counted = new AtomicBoolean(true);

    Handle(NativeRouter nativeRouter, Object clock, Object random) {
      this.nativeRouter = nativeRouter;
      this.clock = clock;
      this.random = random;
    }

    /** The native router was destroyed by close(). */
    void closed() {
      if (counted.getAndSet(false)) UNRELEASED.decrementAndGet();
    }

    /** The Cleaner's action: the Router is unreachable, no thread can be inside a call. */
    @Override
    public void run() {
      closed();
      nativeRouter.delete();
    }
  }

  static Handle register(Router owner, NativeRouter nativeRouter, Object clock, Object random) {
    Handle h = new Handle(nativeRouter, clock, random);
    UNRELEASED.incrementAndGet();
    CLEANER.register(owner, h);
    return h;
  }

  /** Native routers neither closed nor released (for tests). */
  static int unreleased() {
    return UNRELEASED.get();
  }

  /** Called before each native router is created. */
  static void beforeCreate() {
    if (UNRELEASED.get() < threshold) return;
    synchronized (COLLECTING) {
      int limit = threshold;
      if (UNRELEASED.get() < limit) return;
      System.gc();
      // The Cleaner runs on its own thread: give it a moment (bounded) to release what the
      // collection found.
      for (int i = 0; i < 100 && UNRELEASED.get() >= limit / 2; i++) {
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      if (UNRELEASED.get() >= limit / 2) threshold = limit * 2; // they are really in use
    }
  }
}

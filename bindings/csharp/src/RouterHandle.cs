using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace LlmRoute {

/// <summary>Owns one native router. A SafeHandle counts the calls in flight (every Router method
/// holds a reference for the duration of its native call), so Dispose from any thread lets the
/// calls in progress finish, releases the native router after the last one, and makes later
/// calls throw ObjectDisposedException. A router never disposed is released by the handle's
/// (critical) finalizer.
///
/// The garbage collector does not see native memory (a router that made calls holds a few
/// hundred KiB), so the handle reports it with GC.AddMemoryPressure, and, for runtimes that do
/// not act on that pressure, creating a router while Threshold of them are neither disposed nor
/// finalized asks for a collection (as the JDK does for its direct buffers); a program that really
/// keeps that many open doubles the threshold instead.</summary>
sealed class RouterHandle : SafeHandle {
  /// <summary>Native memory reported per router (a router with a few deployments after calls).</summary>
  const long NativeBytes = 256 * 1024;
  const int InitialThreshold = 128;
  static int unreleased;
  static int threshold = InitialThreshold;
  static readonly object collecting = new object();

  internal readonly NativeRouter Native;
  // Strong handles: the clock and random directors must outlive the native router, also when
  // everything is unreachable at once and finalizers run in any order.
  GCHandle clockPin, randomPin;

  internal RouterHandle(NativeRouter native, Clock clock, RandomSource random) : base(IntPtr.Zero, true) {
    Native = native;
    if (clock != null) clockPin = GCHandle.Alloc(clock);
    if (random != null) randomPin = GCHandle.Alloc(random);
    SetHandle(NativeRouter.getCPtr(native).Handle);
    Interlocked.Increment(ref unreleased);
    GC.AddMemoryPressure(NativeBytes);
  }

  public override bool IsInvalid { get { return handle == IntPtr.Zero; } }

  protected override bool ReleaseHandle() {
    Native.Dispose();  // ~Router: llmr_router_destroy, adapters and listener released
    if (clockPin.IsAllocated) clockPin.Free();
    if (randomPin.IsAllocated) randomPin.Free();
    Interlocked.Decrement(ref unreleased);
    GC.RemoveMemoryPressure(NativeBytes);
    return true;
  }

  /// <summary>Native routers neither disposed nor finalized (for tests).</summary>
  internal static int Unreleased { get { return Volatile.Read(ref unreleased); } }

  /// <summary>Called before each native router is created.</summary>
  internal static void BeforeCreate() {
    if (Volatile.Read(ref unreleased) < Volatile.Read(ref threshold)) return;
    lock (collecting) {
      int limit = threshold;
      if (Volatile.Read(ref unreleased) < limit) return;
      GC.Collect();
      GC.WaitForPendingFinalizers();
      if (Volatile.Read(ref unreleased) >= limit / 2) Volatile.Write(ref threshold, limit * 2);
    }
  }
}

}

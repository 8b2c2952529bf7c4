using System;
using System.Collections.Generic;

namespace LlmRoute {

/// <summary>A provider adapter written in C#: subclass it and implement Invoke. It is a SWIG
/// director (NativeAdapter): the router calls Invoke on the thread that called Router.Call.
/// An exception thrown by Invoke never crosses native frames (on Mono it would unwind straight
/// through them): it is caught here and marks the attempt as a failure of the adapter, which the
/// router records as a connection error. While attached, the adapter is pinned (strongly
/// referenced from a static table), so the garbage collector cannot take it, or the delegates
/// native code calls, before the router releases it.</summary>
public abstract class Adapter : NativeAdapter {
  static readonly Dictionary<Adapter, int> pins = new Dictionary<Adapter, int>();
  bool disposeWhenReleased;

  /// <summary>Performs one attempt: send args.Request() to args.Deployment() and fill result.
  /// Both are valid only during the call.</summary>
  public abstract void Invoke(InvokeArgs args, AttemptResult result);

  /// <summary>Called once per successful Router.SetAdapter, when the router no longer needs
  /// the adapter (replaced, deployment removed, router disposed).</summary>
  protected virtual void OnReleased() {}

  /// <summary>The last exception Invoke threw (kept for diagnostics).</summary>
  public Exception LastException { get; private set; }

  public sealed override int DoInvoke(InvokeArgs args, AttemptResult result) {
    try {
      Invoke(args, result);
      return (int)Status.OK;
    } catch (Exception e) {
      LastException = e;
      return (int)Status.INTERNAL;
    }
  }

  public sealed override void Released() {
    try {
      OnReleased();
    } catch (Exception) {
      // nothing may propagate into the router
    } finally {
      Unpin();
    }
  }

  internal void Pin() {
    lock (pins) {
      int n;
      pins.TryGetValue(this, out n);
      pins[this] = n + 1;
    }
  }

  internal void Unpin() {
    bool dispose = false;
    lock (pins) {
      int n;
      if (pins.TryGetValue(this, out n)) {
        if (n <= 1) {
          pins.Remove(this);
          dispose = disposeWhenReleased;
        } else {
          pins[this] = n - 1;
        }
      }
    }
    if (dispose) base.Dispose(true);
  }

  /// <summary>Attachments the routers still hold, over all adapters (for tests).</summary>
  public static int PinnedCount {
    get {
      lock (pins) {
        int total = 0;
        foreach (int n in pins.Values) total += n;
        return total;
      }
    }
  }

  /// <summary>Disposing an adapter a router still holds is deferred until it is released.</summary>
  protected override void Dispose(bool disposing) {
    if (disposing) {
      lock (pins) {
        if (pins.ContainsKey(this)) {
          disposeWhenReleased = true;
          return;
        }
      }
    }
    base.Dispose(disposing);
  }
}

}

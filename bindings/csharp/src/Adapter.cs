using System;
using System.Collections.Generic;

namespace LlmRoute {

/// <summary>A provider adapter written in C#: subclass it and implement Invoke, or pass a
/// delegate (Router.SetAdapter(name, (args, result) => ...), Adapter.FromDelegate). It is a SWIG
/// director (NativeAdapter): the router calls Invoke on the thread that called Router.Call.
/// An exception thrown by Invoke never crosses native frames (on Mono it would unwind straight
/// through them): it is caught here and marks the attempt as a failure of the adapter, which the
/// router records as a connection error. While attached, the adapter is pinned (strongly
/// referenced from a static table), so the garbage collector cannot take it, or the delegates
/// native code calls, before the router releases it.</summary>
public abstract class Adapter : NativeAdapter {
  static readonly Dictionary<Adapter, int> pins = new Dictionary<Adapter, int>();
  bool disposeWhenReleased;

  /// <summary>Performs one attempt: send args.Request to args.Deployment and fill result.
  /// Both are valid only during the call.</summary>
  public abstract void Invoke(InvokeArgs args, AttemptResult result);

  /// <summary>Called once per successful Router.SetAdapter, when the router no longer needs
  /// the adapter (replaced, deployment removed, router disposed).</summary>
  protected virtual void OnReleased() {}

  /// <summary>The last exception Invoke threw (also the InnerException of the failed call).</summary>
  public Exception LastException { get; private set; }

  public sealed override int DoInvoke(InvokeArgs args, AttemptResult result) {
    try {
      Invoke(args, result);
      return (int)Status.OK;
    } catch (Exception e) {
      LastException = e;
      var call = currentCall;
      if (call != null) call.Last = e;
      return (int)Status.INTERNAL;
    }
  }

  /// <summary>What the adapters of the Router.Call running on this thread threw (adapters run on
  /// the caller's thread); a call made from inside an adapter restores the outer one.</summary>
  internal sealed class Failures {
    internal readonly Failures Outer;
    internal Exception Last;
    internal Failures(Failures outer) { Outer = outer; }
  }

  [ThreadStatic] static Failures currentCall;

  internal static Failures BeginCall() {
    var f = new Failures(currentCall);
    currentCall = f;
    return f;
  }

  internal static void EndCall(Failures f) { currentCall = f.Outer; }

  /// <summary>An adapter from delegates: `invoke` performs one attempt; `onReleased` (may be
  /// null) runs once when the router lets go of it.</summary>
  public static Adapter FromDelegate(Action<InvokeArgs, AttemptResult> invoke, Action onReleased = null) {
    if (invoke == null) throw new ArgumentNullException("invoke");
    return new DelegateAdapter(invoke, onReleased);
  }

  sealed class DelegateAdapter : Adapter {
    readonly Action<InvokeArgs, AttemptResult> invoke;
    readonly Action onReleased;
    internal DelegateAdapter(Action<InvokeArgs, AttemptResult> invoke, Action onReleased) {
      this.invoke = invoke;
      this.onReleased = onReleased;
    }
    public override void Invoke(InvokeArgs args, AttemptResult result) { invoke(args, result); }
    protected override void OnReleased() { if (onReleased != null) onReleased(); }
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
  internal static int PinnedCount {
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

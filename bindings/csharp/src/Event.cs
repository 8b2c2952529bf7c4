using System;
using System.Collections.Generic;
using System.Linq;

namespace LlmRoute {

/// <summary>One router event (llmr_event), copied out of the callback: it may be kept.</summary>
public sealed class Event {
  internal Event(NativeEvent e) {
    Kind = e.Kind;
    Deployment = e.Deployment;
    FromState = e.FromState;
    ToState = e.ToState;
    CooldownMs = e.CooldownMs;
    Added = e.Added.ToList().AsReadOnly();
    Removed = e.Removed.ToList().AsReadOnly();
    KeptCount = e.KeptCount;
    ConfigGeneration = e.ConfigGeneration;
    Message = string.IsNullOrEmpty(e.Message) ? null : e.Message;
  }

  public EventKind Kind { get; private set; }
  /// <summary>Breaker: the deployment whose breaker changed state; "" otherwise.</summary>
  public string Deployment { get; private set; }
  public BreakerState FromState { get; private set; }
  public BreakerState ToState { get; private set; }
  /// <summary>Breaker to open: how long the cooldown lasts, in ms.</summary>
  public long CooldownMs { get; private set; }
  /// <summary>Config applied: deployments added (configuration order), removed, kept.</summary>
  public IReadOnlyList<string> Added { get; private set; }
  public IReadOnlyList<string> Removed { get; private set; }
  public long KeptCount { get; private set; }
  /// <summary>Config events: configurations applied so far.</summary>
  public long ConfigGeneration { get; private set; }
  /// <summary>Config rejected: why; null otherwise.</summary>
  public string Message { get; private set; }

  public override string ToString() {
    return "Event[" + Kind.Label() + (Deployment.Length == 0 ? "" : " " + Deployment + " " + FromState.Label() + "->" + ToState.Label())
        + (Message != null ? " " + Message : "") + "]";
  }
}

/// <summary>The director behind one Router.SetEventListener: copies the event, calls the
/// delegate, swallows what it throws (nothing may unwind through native frames), and stays
/// pinned until the router releases it.</summary>
sealed class EventBridge : NativeEventListener {
  static readonly HashSet<EventBridge> pins = new HashSet<EventBridge>();
  readonly Action<Event> listener;
  readonly Action onReleased;

  internal EventBridge(Action<Event> listener, Action onReleased) {
    this.listener = listener;
    this.onReleased = onReleased;
  }

  internal void Pin() { lock (pins) pins.Add(this); }
  internal void Unpin() { lock (pins) pins.Remove(this); }
  internal static int PinnedCount { get { lock (pins) return pins.Count; } }

  public override void OnEvent(NativeEvent e) {
    try {
      listener(new Event(e));
    } catch (Exception) {
      // dropped: the router must not see it
    }
  }

  public override void Released() {
    try {
      if (onReleased != null) onReleased();
    } catch (Exception) {
    } finally {
      Unpin();
    }
  }
}

/// <summary>The library's names of enum values ("round_robin", "rate_limited", "half_open").</summary>
public static class Labels {
  public static string Label(this Strategy v) { return Native.StrategyName(v); }
  public static string Label(this Outcome v) { return Native.OutcomeName(v); }
  public static string Label(this BreakerState v) { return Native.BreakerStateName(v); }
  public static string Label(this FallbackKind v) { return Native.FallbackKindName(v); }
  public static string Label(this EventKind v) { return Native.EventKindName(v); }
  public static string Label(this Status v) { return Native.StatusName((int)v); }

  /// <summary>The strategy as a configuration names it; LlmRouteException for an unknown name.</summary>
  public static Strategy ParseStrategy(string name) {
    int v = name == null ? -1 : Native.StrategyFromName(name);
    if (v < 0) throw new LlmRouteException((int)Status.INVALID_ARGUMENT, "unknown strategy '" + name + "'");
    return (Strategy)v;
  }
}

}

package io.llmroute;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** One router event (llmr_event), copied out of the callback: it may be kept afterwards. */
public final class Event {
  private final EventKind kind;
  private final String deployment;
  private final BreakerState fromState;
  private final BreakerState toState;
  private final long cooldownMs;
  private final List<String> added;
  private final List<String> removed;
  private final long keptCount;
  private final long configGeneration;
  private final String message;

  Event(NativeEvent e) {
    kind = e.getKind();
    deployment = e.getDeployment();
    fromState = e.getFromState();
    toState = e.getToState();
    cooldownMs = e.getCooldownMs();
    added = Collections.unmodifiableList(new ArrayList<>(e.getAdded()));
    removed = Collections.unmodifiableList(new ArrayList<>(e.getRemoved()));
    keptCount = e.getKeptCount();
    configGeneration = e.getConfigGeneration();
    String m = e.getMessage();
    message = m == null || m.isEmpty() ? null : m;
  }

  public EventKind getKind() { return kind; }

  /** BREAKER: the deployment whose breaker changed state; "" otherwise. */
  public String getDeployment() { return deployment; }

  /** BREAKER: the state left. */
  public BreakerState getFromState() { return fromState; }

  /** BREAKER: the state entered. */
  public BreakerState getToState() { return toState; }

  /** BREAKER to OPEN: how long the cooldown lasts, in ms. */
  public long getCooldownMs() { return cooldownMs; }

  /** CONFIG_APPLIED: deployments added, in configuration order. */
  public List<String> getAdded() { return added; }

  /** CONFIG_APPLIED: deployments removed. */
  public List<String> getRemoved() { return removed; }

  /** CONFIG_APPLIED: deployments that stayed. */
  public long getKeptCount() { return keptCount; }

  /** CONFIG_*: configurations applied so far. */
  public long getConfigGeneration() { return configGeneration; }

  /** CONFIG_REJECTED: why; null otherwise. */
  public String getMessage() { return message; }

  @Override
  public String toString() {
    return "Event[" + kind.label() + (deployment.isEmpty() ? "" : " " + deployment + " " + fromState.label() + "->" + toState.label())
        + (message != null ? " " + message : "") + "]";
  }
}

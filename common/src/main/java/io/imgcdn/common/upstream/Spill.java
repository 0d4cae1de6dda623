package io.imgcdn.common.upstream;

/**
 * The one rule of a spilled request, shared by the edge that sends it and the shard that takes it.
 */
public final class Spill {
  /*
   * Bounded loads (docs/ARCHITECTURE.md) move a miss off its owner shard when that shard is overloaded
   * from the edge's point of view. The shard that takes it instead (the stand-in) must not fill it from
   * the origin and store it: the owner holds the key (or will), so the origin would see it twice and the
   * tier would hold it twice. A spilled request therefore carries HEADER; the stand-in answers from its
   * own store if it has the key (e.g. from before a ring change), else relays the owner's answer without
   * storing it, and the owner hits or fills as usual. A request moved to another shard because its
   * owner is down carries no HEADER: that shard fills from the origin, as fail-over always did.
   */

  /**
   * Marks a request the edge moved off its owner shard for load: relay from the owner, do not
   * store.
   */
  public static final String HEADER = "X-Imgcdn-Spill";

  private Spill() {}
}

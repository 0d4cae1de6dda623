package io.imgcdn.common.cluster;

import io.imgcdn.hashring.Node;
import java.util.List;

/** The cluster as one cluster file lists it: the shard nodes and the origin nodes. */
public record Membership(List<Node> shards, List<Node> origins) {
  public Membership {
    shards = List.copyOf(shards);
    origins = List.copyOf(origins);
  }
}

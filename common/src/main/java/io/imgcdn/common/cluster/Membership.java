package io.imgcdn.common.cluster;

import io.imgcdn.hashring.Node;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The cluster as one cluster file lists it: the shard nodes and the origin nodes (the rings are
 * built from these two lists only), the edge nodes (listed for operators' tools such as {@code
 * imgcdn purge}, never routed to) and the admin address of each node that names one, by node id.
 */
public record Membership(
    List<Node> shards, List<Node> origins, List<Node> edges, Map<String, String> admin) {
  public Membership {
    shards = List.copyOf(shards);
    origins = List.copyOf(origins);
    edges = List.copyOf(edges);
    admin = Map.copyOf(admin);
  }

  /** Shards and origins only, no edges, no admin addresses. */
  public Membership(List<Node> shards, List<Node> origins) {
    this(shards, origins, List.of(), Map.of());
  }

  /** The admin address (host:port) the cluster file gives for node {@code id}, or null. */
  public @Nullable String adminAddress(String id) {
    return admin.get(id);
  }
}
